"""The codebook as a paper's appendix: each code's definition, rules, examples, how often it was applied, and
how well the coders agreed on it; or the codebook in Taguette's CSV layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.matrix import build_attribute_matrix
from cotag.export.scope import Scope, Selection, resolve

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.store.session import Session

DEFAULT_BOOTSTRAP = 1000
# Taguette's codebook import (taguette/import_codebook.py) takes exactly one of tag/name/path as the tag
# column (two of them is "Not sure which column to use for tag name") and an optional description; sub-tags
# are dotted paths ("barriers.cost"), as Taguette writes them itself.
TAGUETTE_COLUMNS = ("tag", "description")
TAGUETTE_SEPARATOR = "."


@dataclass
class CodeAgreement:
    """Krippendorff's alpha for one code, its 95% bootstrap interval, or why there is none."""

    alpha: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""

    def text(self) -> str:
        if self.alpha is None:
            return self.note or "not computed"
        shown = f"α = {self.alpha:.2f}"
        if self.low is not None and self.high is not None:
            shown += f" (95% CI {self.low:.2f} to {self.high:.2f})"
        return shown


@dataclass
class AppendixCode:
    key: str
    name: str
    path: tuple[str, ...]
    definition: str
    include: list[str]
    exclude: list[str]
    examples: list[str]
    codings: int
    respondents: int
    share: float
    per_group: dict[str, tuple[int, int]]  # group -> (respondents, codings)
    agreement: CodeAgreement


@dataclass
class CodebookAppendix:
    codes: list[AppendixCode]
    groups: list[str]
    n: dict[str, int]  # respondents per group and in total ("total"), the shares' denominators
    coding_label: str
    rollup: bool
    agreement_note: str
    scope: Scope = field(default_factory=Scope)

    # ---------------------------------------------------------------- what every format says first

    def legend(self) -> str:
        counted = "A code's counts include its sub-codes' codings." if self.rollup else "Each code's own codings."
        return (f"Frequencies count the {self.coding_label} coding: codings applied, and respondents (of the "
                f"{self.n.get('total', 0)} whose interviews this coding covers) with at least one. {counted} "
                f"Agreement: {self.agreement_note}")

    # ---------------------------------------------------------------- Markdown and Word

    def blocks(self) -> list[writers.Block]:
        blocks: list[writers.Block] = [writers.Heading("Codebook", 1), writers.Paragraph(self.legend())]
        for code in self.codes:
            blocks.append(writers.Heading(f"{code.name} ({code.key})", min(len(code.path) + 1, 6)))
            if len(code.path) > 1:
                blocks.append(writers.Paragraph("Path: " + " › ".join(code.path)))
            blocks.append(writers.Paragraph("Definition: " + (code.definition or "(none written)")))
            if code.include:
                blocks.append(writers.Paragraph("Include: " + "; ".join(code.include)))
            if code.exclude:
                blocks.append(writers.Paragraph("Exclude: " + "; ".join(code.exclude)))
            for example in code.examples:
                blocks.append(writers.Quote(example, ""))
            groups = "; ".join(f"{g}: {r} respondents, {c} codings" for g, (r, c) in code.per_group.items())
            blocks.append(writers.Paragraph(
                f"Frequency: {code.codings} codings, {code.respondents} respondents ({code.share:.0%})"
                + (f". By group: {groups}" if groups else "") + "."))
            blocks.append(writers.Paragraph("Agreement: " + code.agreement.text()))
        blocks.append(writers.Heading("Summary", 2))
        blocks.append(writers.Table(self._summary_grid()))
        return blocks

    def _summary_grid(self) -> writers.Grid:
        data: dict[str, list[Any]] = {
            "code": ["· " * (len(c.path) - 1) + c.name for c in self.codes],
            "codings": [c.codings for c in self.codes],
            f"respondents (n={self.n.get('total', 0)})": [c.respondents for c in self.codes]}
        for group in self.groups:
            data[f"{group} (n={self.n.get(group, 0)})"] = [
                f"{c.per_group[group][0]} / {c.per_group[group][1]}" for c in self.codes]
        data["alpha [95% CI]"] = [c.agreement.text() for c in self.codes]
        return writers.Grid(list(data), list(data.values()))

    # ---------------------------------------------------------------- Excel

    def sheets(self) -> list[writers.Sheet]:
        data: dict[str, list[Any]] = {
            "code": [c.key for c in self.codes], "name": [c.name for c in self.codes],
            "path": [" > ".join(c.path) for c in self.codes], "level": [len(c.path) for c in self.codes],
            "definition": [c.definition for c in self.codes],
            "include": ["\n".join(c.include) for c in self.codes],
            "exclude": ["\n".join(c.exclude) for c in self.codes],
            "examples": ["\n".join(c.examples) for c in self.codes],
            "codings": [c.codings for c in self.codes], "respondents": [c.respondents for c in self.codes],
            "share": [c.share for c in self.codes]}
        for group in self.groups:
            data[f"{group} respondents"] = [c.per_group[group][0] for c in self.codes]
            data[f"{group} codings"] = [c.per_group[group][1] for c in self.codes]
        data["alpha"] = [c.agreement.alpha for c in self.codes]
        data["alpha 95% low"] = [c.agreement.low for c in self.codes]
        data["alpha 95% high"] = [c.agreement.high for c in self.codes]
        data["agreement note"] = [c.agreement.note for c in self.codes]
        return [writers.Sheet("Codebook", writers.Grid(list(data), list(data.values())),
                              wrap=("definition", "include", "exclude", "examples", "agreement note"),
                              percent=("share",), freeze="C2")]

    # ---------------------------------------------------------------- Taguette's CSV

    def table(self) -> writers.Grid:
        """Taguette's codebook layout: the dotted tag path and its description (with the rules a coder needs,
        as `cotag.refi.taguette` writes it for a YAML codebook), nothing else."""
        from cotag.refi.taguette import describe

        tags = [TAGUETTE_SEPARATOR.join(part.replace(TAGUETTE_SEPARATOR, " ").strip() for part in c.path)
                for c in self.codes]
        return writers.Grid(list(TAGUETTE_COLUMNS),
                            [tags, [describe(c.definition, c.include, c.exclude, c.examples) for c in self.codes]])


def _agreement(session: Session, selection: Selection, keys: list[str], bootstrap: int
               ) -> tuple[dict[str, CodeAgreement], str]:
    """Per code key, alpha with its interval from cotag's agreement core (the default coders), and a note.

    Agreement that cannot be computed (fewer than two coders on a common document, ...) is written into
    the appendix as the reason, never an error: the codebook is worth having without it.
    """
    from cotag.reliability.disagreements import agreement_of
    from cotag.reliability.units import Selection as AgreementSelection
    from cotag.reliability.units import load_unitised

    documents = tuple(d.external_id for d in selection.documents)
    try:
        data = load_unitised(session, AgreementSelection(documents=documents or None))
        result = agreement_of(data, bootstrap=bootstrap)
    except CotagError as exc:
        reason = f"not computed: {exc}"
        return {key: CodeAgreement(note=reason) for key in keys}, reason
    report = result.report
    view = report.views.get("all") or next(iter(report.views.values()))
    rows = {row.code: row for row in view.rows}
    found: dict[str, CodeAgreement] = {}
    for key in keys:
        row = rows.get(key)
        if row is None:
            found[key] = CodeAgreement(note="not in the agreement data (no coder applied it where two coded)")
            continue
        if row.alpha.value is None:
            found[key] = CodeAgreement(note=f"undefined: {row.undefined_reason or 'no variation'}")
            continue
        ci = row.ci
        found[key] = CodeAgreement(alpha=row.alpha.value, low=ci.lo if ci else None, high=ci.hi if ci else None,
                                   note="" if ci else "no interval (--bootstrap 0)")
    interval = (f"95% percentile interval from {report.bootstrap} bootstrap replicates ({report.bootstrap_method}, "
                f"seed {report.seed})" if report.bootstrap else "no interval")
    note = (f"Krippendorff's alpha (nominal, each code a 0/1 variable) over {report.kind} units, {view.denominator}, "
            f"coders {', '.join(report.coders)}; {interval}.")
    return found, note


def build_appendix(session: Session, scope: Scope = Scope(), *, rollup: bool = True,
                   bootstrap: int = DEFAULT_BOOTSTRAP, agreement: bool = True) -> CodebookAppendix:
    """The codebook appendix of the scope: each code's definition and rules, its frequencies per group and (unless
    `agreement` is off) its alpha from the agreement core, all read in `session`."""
    if bootstrap < 0:
        raise CotagError(f"--bootstrap: {bootstrap} replicates; give 0 (no interval) or more")
    selection = resolve(session, scope)
    matrix = build_attribute_matrix(selection, by="group", rollup=rollup)
    total = matrix.total_label
    if agreement:
        agreements, note = _agreement(session, selection, matrix.rows.keys, bootstrap)
    else:
        note = "not computed (--no-agreement)"
        agreements = {key: CodeAgreement(note=note) for key in matrix.rows.keys}
    tree = selection.tree
    codes = []
    for code_id, key, name, path in zip(matrix.rows.ids, matrix.rows.keys, matrix.rows.names, matrix.rows.paths):
        code = tree.codes[code_id]
        codes.append(AppendixCode(
            key=key, name=name, path=path, definition=(code.description or "").strip(),
            include=list(code.include or []), exclude=list(code.exclude or []), examples=list(code.examples or []),
            codings=int(matrix.excerpts.at[key, total]), respondents=int(matrix.respondents.at[key, total]),
            share=float(matrix.share.at[key, total]),
            per_group={g: (int(matrix.respondents.at[key, g]), int(matrix.excerpts.at[key, g]))
                       for g in matrix.values},
            agreement=agreements[key]))
    return CodebookAppendix(codes=codes, groups=list(matrix.values), n={**matrix.n, "total": matrix.n[total]},
                            coding_label=selection.coding_label, rollup=rollup, agreement_note=note, scope=scope)


def write_codebook(project: "Project", session: Session, path: Path | None, *, fmt: str | None = None,
                   scope: Scope = Scope(), rollup: bool = True, bootstrap: int = DEFAULT_BOOTSTRAP,
                   agreement: bool = True, excel: bool = False,
                   pseudonymise: bool = False) -> tuple[dict[str, Any], str | None]:
    """Write the codebook appendix (docx, md, xlsx) or Taguette's codebook CSV; with no path, md or csv text.

    pseudonymise: every text (names, definitions, rules, examples quoted from transcripts, group heads) through
    the pseudonym table."""
    # docx, md, xlsx or csv: every table format has an appendix
    fmt = writers.output_format(path, fmt, example="codebook")
    layer = None
    if pseudonymise:
        from cotag.privacy import exports as private

        layer = private.export_layer(project)
    # Taguette's CSV has no place for frequencies or agreement: none is computed for it.
    appendix = build_appendix(session, scope, rollup=rollup, bootstrap=bootstrap,
                              agreement=agreement and fmt != "csv")
    notes: tuple[str, ...] = (appendix.legend(),)
    shown_scope = scope
    if layer is not None:
        appendix = private.appendix(appendix, layer)
        notes, shown_scope = (*notes, private.note(layer)), private.scope(scope, layer)
    about = writers.About("Codebook appendix", appendix.coding_label, shown_scope, notes=notes)
    text = writers.write(appendix, path, fmt, about=about, excel=excel)
    summary = {"path": str(path) if path else None, "format": fmt, "codes": len(appendix.codes),
               "coding": appendix.coding_label, "agreement": appendix.agreement_note}
    if layer is not None:
        summary["pseudonymised"] = len(layer.entries)
    return summary, text
