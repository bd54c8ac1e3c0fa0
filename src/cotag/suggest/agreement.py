"""Agreement with accepted suggestions reported apart: `cotag agreement --suggestions separate|exclude`.

A coding made by accepting a suggestion (Coding.source, migration 0008) is the suggester's reading as
much as the coder's: two coders who both accept the same suggestion agree because of the machine.
This module takes the comparison `cotag agreement` makes (the same selection, units, overlap rule and
report) and makes it again without the accepted suggestions: of every coder, and of each coder alone.

The reliability core is not changed: the units of the first comparison are unitised again, as given,
with the codings that remain (`reliability.units.unitise` and `reliability.report.build_report`), so
both reports count exactly the same units and documents; only whose codings mark them differs.

The reads take the session (or plain connection) they are given and the reports are built from what they
returned; services.suggestions opens the transaction.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.reliability.report import AgreementReport, build_report
from cotag.reliability.units import Spans, UnitFrame, Unitised, unitise

if TYPE_CHECKING:
    from cotag.store.session import Session

MODES = ("include", "separate", "exclude")


@dataclass
class SuggestionAgreement:
    data: Unitised
    report: AgreementReport  # every coding, as `cotag agreement` reports it
    without: AgreementReport  # no accepted suggestion of any coder
    per_coder: dict[str, AgreementReport]  # without only that coder's accepted suggestions (coders who have some)
    codings: dict[str, int]  # coder -> live codings in scope (their coded documents in the comparison)
    suggested: dict[str, int]  # coder -> of which accepted suggestions
    suggested_by_code: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.codings.values())

    @property
    def total_suggested(self) -> int:
        return sum(self.suggested.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "codings": self.codings, "from_suggestions": self.suggested,
            "from_suggestions_by_code": self.suggested_by_code,
            "pooled_alpha": _pooled(self.report), "pooled_alpha_without_suggestions": _pooled(self.without),
            "pooled_alpha_without_own_suggestions": {c: _pooled(r) for c, r in self.per_coder.items()},
            "report": self.report.to_dict(), "report_without_suggestions": self.without.to_dict(),
        }


def rebuild(data: Unitised, spans: Iterable[tuple[str, str, str, int, int]]) -> Unitised:
    """`data`'s units (as they are: sentences or turns) marked again from these (coder, code, document, start, end)."""
    doc_index = {name: i for i, name in enumerate(data.frame_documents)}
    coder_index = {name: i for i, name in enumerate(data.coders)}
    code_index = {key: i for i, key in enumerate(data.codes)}
    frame = UnitFrame.from_rows(data.frame_documents,
                                zip(data.unit_doc.tolist(), data.unit_start.tolist(), data.unit_end.tolist(),
                                    data.unit_turn.tolist(), [False] * data.n_units),
                                document_ids=data.document_ids)
    rows = [(coder_index[c], code_index[k], doc_index[d], s, e) for c, k, d, s, e in spans
            if c in coder_index and k in code_index and d in doc_index]
    coded = {i: [doc_index[d] for d in data.coded[name]] for i, name in enumerate(data.coders)}
    # every unit is given as a unit already: "sentence" takes frame rows one for one, interviewer rows were left
    # out (or kept) by the first comparison
    out = unitise(frame, Spans.from_rows(rows), coders=data.coders, codes=data.codes, coded=coded, kind="sentence",
                  rule=data.rule, include_interviewer=True)
    out.kind, out.include_interviewer, out.parent_codes = data.kind, data.include_interviewer, list(data.parent_codes)
    return out


def check_kind(kind: str) -> None:
    """Refuse a unit this comparison cannot make (before anything is read)."""
    if kind == "char":
        raise CotagError("--suggestions compares sentence or turn units; character units (--unit char) have no "
                         "report without the accepted suggestions yet")


@dataclass(frozen=True)
class SuggestionCodings:
    """What the comparison reads beside the unitised data: the comparison's live codings, and which of them came
    from an accepted suggestion (coding ids)."""

    rows: list[Any]
    accepted: set[int]


def read_suggestion_codings(session: Session, data: Unitised) -> SuggestionCodings:
    """The live codings of `data`'s coders, documents and codes, and which were accepted suggestions."""
    from cotag.store.codings import list_codings, suggestion_spans
    from cotag.store.coders import list_coders

    doc_index = {name: i for i, name in enumerate(data.frame_documents)}
    ids = {c.name: int(c.id) for c in list_coders(session) if c.id is not None}
    rows = list_codings(session, coders=data.coders, documents=data.documents, codes=data.codes)
    accepted = {r[0] for r in suggestion_spans(session, coder_ids=[ids[n] for n in data.coders],
                                               document_ids=[data.document_ids[doc_index[d]]
                                                             for d in data.documents])}
    return SuggestionCodings(list(rows), accepted)


def suggestion_agreement(loaded: Unitised, read: SuggestionCodings, *, bootstrap: int = 0, seed: int | None = None,
                         cluster: str | None = None, bootstrap_method: str = "cluster") -> SuggestionAgreement:
    """The agreement with and without the coders' accepted suggestions, from what was read (pure)."""
    from cotag.reliability.disagreements import DEFAULT_SEED, agreement_of

    seed = DEFAULT_SEED if seed is None else seed
    first = agreement_of(loaded, bootstrap=bootstrap, seed=seed, cluster=cluster, bootstrap_method=bootstrap_method)

    def report(data: Unitised) -> AgreementReport:
        return build_report(data, bootstrap=bootstrap, seed=seed, cluster=cluster, bootstrap_method=bootstrap_method)
    data = first.data
    rows, accepted = read.rows, read.accepted
    coded = {name: set(docs) for name, docs in data.coded.items()}
    in_scope = [r for r in rows if r.document in coded.get(r.coder, ())]
    codings = Counter(r.coder for r in in_scope)
    from_suggestions = [r for r in in_scope if r.id in accepted]
    suggested = Counter(r.coder for r in from_suggestions)

    def spans(drop: Sequence[Any]) -> list[tuple[str, str, str, int, int]]:
        gone = {r.id for r in drop}
        return [(r.coder, r.code, r.document, r.start, r.end) for r in in_scope if r.id not in gone]

    without = report(rebuild(data, spans(from_suggestions)))
    per_coder = {name: report(rebuild(data, spans([r for r in from_suggestions if r.coder == name])))
                 for name in data.coders if suggested[name]}
    return SuggestionAgreement(data, first.report, without, per_coder,
                               {n: codings[n] for n in data.coders}, {n: suggested[n] for n in data.coders},
                               dict(Counter(r.code for r in from_suggestions)))


def accepted_in_scope(connection: Any, data: Unitised) -> int:
    """How many live codings of the comparison's coders, in their coded documents of it, came from suggestions."""
    # plain column reads on a plain connection: `cotag agreement` runs this on every report, and the ORM
    # would cost its start-up more than the count (issue #14)
    from cotag.store import plain_reads

    if not data.documents:
        return 0
    doc_index = {name: i for i, name in enumerate(data.frame_documents)}
    coded = {name: {data.document_ids[doc_index[d]] for d in docs} for name, docs in data.coded.items()}
    names = {coder_id: name for coder_id, name, _ in plain_reads.coders(connection) if name in coded}
    rows = plain_reads.suggestion_spans(connection, coder_ids=list(names),
                                        document_ids=[data.document_ids[doc_index[d]] for d in data.documents])
    return sum(1 for _, coder_id, _, document_id, _, _ in rows if document_id in coded[names[coder_id]])


# --------------------------------------------------------------------------- output


def _pooled(report: AgreementReport) -> float | None:
    return report.views["all"].pooled.value


def _f(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "n/a"


def counts_line(result: SuggestionAgreement) -> str:
    per = ", ".join(f"{c} {result.suggested[c]} of {result.codings[c]}" for c in result.data.coders)
    return (f"{result.total_suggested} of {result.total} codings in scope came from accepted suggestions "
            f"({per})")


def render(result: SuggestionAgreement, fmt: str) -> str:
    """table, md or json: alpha per code and pooled, with and without the accepted suggestions."""
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt not in ("table", "md"):
        raise CotagError(f"--suggestions separate prints table, md or json, not {fmt!r}; for {fmt} use "
                         "--suggestions exclude (the usual report without the accepted suggestions)")
    with_rows = {r.code: r for r in result.report.views["all"].rows}
    without_rows = {r.code: r for r in result.without.views["all"].rows}
    header = ["code", "alpha", "without suggestions", "from suggestions"]
    body = [[code, _f(with_rows[code].alpha.value), _f(without_rows[code].alpha.value),
             str(result.suggested_by_code.get(code, 0))] for code in result.data.codes]
    body.append(["pooled alpha", _f(_pooled(result.report)), _f(_pooled(result.without)),
                 str(result.total_suggested)])
    coder_rows = [[c, str(result.codings[c]), str(result.suggested[c]),
                   _f(_pooled(result.per_coder[c])) if c in result.per_coder else _f(_pooled(result.report))]
                  for c in result.data.coders]
    coder_header = ["coder", "codings", "from suggestions", "pooled alpha without theirs"]
    intro = (f"Agreement of {', '.join(result.data.coders)} ({result.report.rule}), with and without the codings "
             f"that came from accepted suggestions.\n{counts_line(result)}.")
    if fmt == "md":
        def table(head: list[str], rows: list[list[str]]) -> str:
            return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                             + ["| " + " | ".join(r) + " |" for r in rows])
        return f"{intro}\n\n{table(header, body)}\n\n{table(coder_header, coder_rows)}\n"

    def aligned(head: list[str], rows: list[list[str]]) -> str:
        widths = [max(len(x) for x in col) for col in zip(head, *rows)]
        lines = [head, *rows]
        return "\n".join("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths)))
                         for line in lines)
    return f"{intro}\n\n{aligned(header, body)}\n\n{aligned(coder_header, coder_rows)}\n"

