"""The suggester measured as a coder: cross-validated by document, scored by the reliability core.

For each fold of the evaluated documents (GroupKFold: a document is never split), a suggester is
trained on everything else the sources coded and suggests codes for the held-out documents; the
evaluated document's own codings, by any source, never reach the model that scores it.  The
suggestions then become a coder, "suggester", whose spans are the suggested units, and
`reliability.units.unitise` + `reliability.report.build_report` compare it with the reference coder
(the consensus, or a named coder) exactly as `cotag agreement` compares two people.  A keyword-only
baseline goes through the same steps.

A code may be suggested at all when its alpha reaches the threshold the lead sets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cotag.errors import CotagError
from cotag.reliability.report import AgreementReport, build_report
from cotag.reliability.units import Spans, UnitFrame, Unitised, unitise
from cotag.suggest.data import CodeInfo, DocumentUnits, TrainingData
from cotag.suggest.model import Suggester, keyword_baseline

SUGGESTER = "suggester"
BASELINE = "keywords"
DEFAULT_THRESHOLD = 0.667
DEFAULT_FOLDS = 5


def as_coders(documents: Sequence[DocumentUnits], codes: Sequence[CodeInfo], *,
              coders: Mapping[str, Mapping[str, Sequence[tuple[str, int, int]]]]) -> Unitised:
    """The reliability core's coders x units stack for these documents, every coder having coded all of them.

    coders: name -> document -> (code, start, end) spans.
    """
    names = [d.document for d in documents]
    frame_rows = [(k, s, e, t, i) for k, d in enumerate(documents)
                  for s, e, t, i in zip(d.starts, d.ends, d.turns or [0] * len(d.starts), d.interviewer)]
    keys = [c.key for c in codes]
    code_index = {k: j for j, k in enumerate(keys)}
    coder_names = list(coders)
    span_rows = [(ci, code_index[code], k, s, e)
                 for ci, name in enumerate(coder_names)
                 for k, doc in enumerate(names)
                 for code, s, e in coders[name].get(doc, ()) if code in code_index]
    frame = UnitFrame.from_rows(names, frame_rows)
    data = unitise(frame, Spans.from_rows(span_rows), coders=coder_names, codes=keys,
                   coded={c: list(range(len(names))) for c in range(len(coder_names))})
    data.parent_codes = [c.key for c in codes if c.is_parent]
    return data


def unit_spans(doc: DocumentUnits, chosen: Mapping[str, set[int]]) -> list[tuple[str, int, int]]:
    """A suggester's units as the spans a coder would have marked."""
    return [(code, doc.starts[i], doc.ends[i]) for code, units in chosen.items() for i in sorted(units)]


def document_folds(documents: Sequence[str], folds: int) -> list[list[str]]:
    """GroupKFold over documents (each document its own group): every document is held out exactly once."""
    from sklearn.model_selection import GroupKFold

    docs = list(documents)
    k = min(folds, len(docs))
    if k < 2:
        raise CotagError(f"cross-validation by document needs at least two evaluated documents; found {len(docs)}")
    groups = np.arange(len(docs))
    return [[docs[i] for i in test] for _, test in GroupKFold(n_splits=k).split(np.zeros(len(docs)), groups=groups)]


@dataclass
class Evaluation:
    against: str
    threshold: float
    folds: list[list[str]]
    suggester: AgreementReport
    baseline: AgreementReport
    training: dict[str, Any]
    modelled: list[str]

    def passed(self) -> list[str]:
        """Codes the suggester may suggest: alpha (all units) at or above the threshold."""
        return [r.code for r in self.suggester.views["all"].rows
                if r.alpha.value is not None and r.alpha.value >= self.threshold]

    def to_dict(self) -> dict[str, Any]:
        base = {r.code: r for r in self.baseline.views["all"].rows}
        rows = []
        for r in self.suggester.views["all"].rows:
            b = base[r.code]
            rows.append({"code": r.code, "alpha": r.alpha.value, "undefined_reason": r.alpha.undefined_reason,
                         "alpha_ci": _bounds(r.ci), "keyword_alpha_ci": _bounds(b.ci),
                         "kappa": r.kappa.value, "percent_agreement": r.percent.value,
                         "both": r.counts.both, "only_suggester": r.counts.only_a, "only_reference": r.counts.only_b,
                         "keyword_alpha": b.alpha.value, "keyword_undefined_reason": b.alpha.undefined_reason,
                         "passed": r.code in self.passed()})
        s_all, b_all = self.suggester.views["all"], self.baseline.views["all"]
        return {"against": self.against, "threshold": self.threshold, "folds": len(self.folds),
                "documents": sum(len(f) for f in self.folds), "training": self.training,
                "pooled_alpha": s_all.pooled.value, "keyword_pooled_alpha": b_all.pooled.value,
                "pooled_alpha_ci": _bounds(s_all.pooled_ci), "keyword_pooled_alpha_ci": _bounds(b_all.pooled_ci),
                "codes": rows, "passed": self.passed(),
                "report": self.suggester.to_dict(), "keyword_report": self.baseline.to_dict()}


def cross_validate(training: TrainingData, reference: str, documents: Sequence[DocumentUnits],
                   reference_spans: Mapping[str, Sequence[tuple[str, int, int]]], *,
                   folds: int = DEFAULT_FOLDS, threshold: float = DEFAULT_THRESHOLD, bootstrap: int = 0,
                   seed: int | None = None,
                   trainer: Callable[[TrainingData], Suggester] = Suggester.train) -> Evaluation:
    """Score the suggester against `reference`'s codings of `documents`, each fold trained without its documents.

    bootstrap, seed: 95% intervals of every alpha, as `cotag agreement --bootstrap` computes them (the cluster
    bootstrap over the turns of the evaluated documents)."""
    if not 0.0 <= threshold <= 1.0:
        raise CotagError(f"--threshold must lie between 0 and 1; got {threshold}")
    by_name = {d.document: d for d in documents}
    fold_list = document_folds(sorted(by_name), folds)
    suggested: dict[str, list[tuple[str, int, int]]] = {}
    modelled: set[str] = set()
    for held_out in fold_list:
        model = trainer(training.without(held_out))
        modelled |= set(model.modelled)
        for name in held_out:
            suggested[name] = unit_spans(by_name[name], model.predict(by_name[name]))
    baseline = {d.document: unit_spans(d, keyword_baseline(training.codes, d)) for d in documents}
    codes = training.codes
    ordered = [by_name[n] for n in sorted(by_name)]
    options: dict[str, Any] = {"bootstrap": bootstrap} if seed is None else {"bootstrap": bootstrap, "seed": seed}
    report = build_report(as_coders(ordered, codes, coders={SUGGESTER: suggested, reference: reference_spans}),
                          **options)
    base = build_report(as_coders(ordered, codes, coders={BASELINE: baseline, reference: reference_spans}), **options)
    report.threshold = base.threshold = threshold
    info = {"sources": training.sources, "include_coders": training.include_coders,
            "documents": len({lab.document for lab in training.labels})}
    return Evaluation(reference, threshold, fold_list, report, base, info, sorted(modelled))


def _bounds(ci: Any) -> list[float | None] | None:
    return None if ci is None else [ci.lo, ci.hi]


def render_text(out: Mapping[str, Any], *, learnt: Sequence[str], threshold_from: str) -> str:
    """`cotag suggest evaluate`'s table: per code alpha (with its interval when bootstrapped), kappa and percent
    agreement of the suggester, the keyword baseline's alpha beside it, and whether the code may be suggested."""

    def f(v: float | None) -> str:
        return f"{v:.3f}" if v is not None else "n/a"

    def ci(b: Sequence[float | None] | None) -> str:
        return "" if not b or b[0] is None or b[1] is None else f"[{b[0]:.2f}, {b[1]:.2f}]"

    wide = any(r["alpha_ci"] for r in out["codes"])
    lines = [f"suggester against {out['against']}: {out['documents']} documents in {out['folds']} folds "
             f"(by document); learnt from {', '.join(learnt) or 'the codebook only'}",
             f"{'code':<24}{'alpha':>8}{f'{chr(32) * 4}95% interval' if wide else ''}{'kappa':>8}{'% agree':>9}"
             f"{'keywords':>10}  may suggest"]
    for row in out["codes"]:
        why = "" if row["alpha"] is not None else f"  ({row['undefined_reason']})"
        interval = f"{ci(row['alpha_ci']):>16}" if wide else ""
        lines.append(f"{row['code']:<24}{f(row['alpha']):>8}{interval}{f(row['kappa']):>8}"
                     f"{f(row['percent_agreement']):>9}{f(row['keyword_alpha']):>10}  "
                     f"{'yes' if row['passed'] else 'no'}{why}")
    interval = f"{ci(out['pooled_alpha_ci']):>16}" if wide else ""
    lines.append(f"{'pooled alpha':<24}{f(out['pooled_alpha']):>8}{interval}{'':>17}"
                 f"{f(out['keyword_pooled_alpha']):>10}")
    lines.append(f"may suggest (alpha >= {out['threshold']}, {threshold_from}): {', '.join(out['passed']) or 'no code'}")
    return "\n".join(lines) + "\n"
