"""The analysis screen's data: one read of the project, then prevalence, co-occurrence and quotes per code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cotag.errors import CotagError
from cotag.export.bundle import DEFAULT_BY
from cotag.export.matrix import (WITHIN, AttributeMatrix, CodeRows, CooccurrenceMatrix, build_attribute_matrix,
                                 build_cooccurrence, configured_age_bands, known_attributes, write_matrix)
from cotag.export.quotes import QuoteRow, QuoteTable, build_quotes, check_widen, write_quotes
from cotag.export.scope import Scope, Selection, resolve
from cotag.store.models import CONSENSUS_CODER

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.store.session import Session

# What the screen can export: the table it is showing.
EXPORT_KINDS = ("prevalence", "cooccurrence", "quotes")


@dataclass(frozen=True)
class CodingChoice:
    """Whose coding the analysis shows: a label for people and the scope that selects it."""

    label: str
    scope: Scope


def coding_choices(session: Session, *, viewer: str | None = None, lead: bool = True) -> list[CodingChoice]:
    """The codings a viewer may analyse, the default first.

    A coder who is not the lead sees only their own coding: the analysis must not break blind coding by
    showing another coder's quotes or counts. A lead gets the default (consensus once it exists, else every
    coder), every coder together, and each coder alone.
    """
    from cotag.coding_views import coders as coder_counts

    if not lead:
        if viewer is None:
            raise CotagError("a coder who is not the lead analyses only their own coding: name the coder")
        return [CodingChoice(viewer, Scope(coders=(viewer,)))]
    coders = [c for c in coder_counts(session) if c.codings > 0]
    has_consensus = any(c.name == CONSENSUS_CODER for c in coders)
    choices = [CodingChoice("consensus" if has_consensus else "all coders", Scope())]
    if has_consensus:
        choices.append(CodingChoice("all coders", Scope(all_coders=True)))
    choices.extend(CodingChoice(c.name, Scope(coders=(c.name,))) for c in coders if c.name != CONSENSUS_CODER)
    return choices


@dataclass
class CodeEntry:
    """A row of the quote browser's code list: the code, its depth in the tree, its quotes with its subtree's."""

    key: str
    name: str
    depth: int
    quotes: int


@dataclass
class Analysis:
    """A scope loaded once; each table is built from it on first use and kept.

    Every figure the analysis screen shows comes from here, through the same builders the exports use.
    """

    selection: Selection
    scope: Scope
    config: dict[str, Any] = field(default_factory=dict)
    widen: str = "span"
    # The pseudonym layer the quotes are read through (the TUI's pseudonymised view), or None for the stored text.
    pseudonyms: Any = None
    _matrices: dict[str, AttributeMatrix] = field(default_factory=dict, repr=False)
    _cooccurrence: dict[str, CooccurrenceMatrix] = field(default_factory=dict, repr=False)
    _quotes: QuoteTable | None = field(default=None, repr=False)

    @classmethod
    def load(cls, session: Session, scope: Scope = Scope(), *, config: dict[str, Any] | None = None,
             widen: str = "span", pseudonyms: Any = None) -> "Analysis":
        """Read the scope once in `session` (texts and units too: every table of the screen is built from it)."""
        check_widen(widen)
        selection = resolve(session, scope, with_text=True, with_units=True)
        return cls(selection=selection, scope=scope, config=dict(config or {}), widen=widen, pseudonyms=pseudonyms)

    def pseudonymised(self, pseudonyms: Any) -> "Analysis":
        """The same load with quotes read through `pseudonyms` (a Pseudonymiser), or as stored (None)."""
        return replace(self, pseudonyms=pseudonyms or None, _quotes=None)

    def widened(self, widen: str) -> "Analysis":
        """The same load with quotes trimmed to the span or widened to the sentence or turn."""
        check_widen(widen)
        return replace(self, widen=widen, _quotes=None)

    @property
    def coding_label(self) -> str:
        return self.selection.coding_label

    @property
    def respondents(self) -> int:
        """Respondents whose interviews the chosen coding covers (the shares' denominator)."""
        return len(self.selection.coded_document_ids)

    def comparisons(self) -> list[str]:
        """Attributes to compare by: the study's usual ones the project has, then the rest (not per document)."""
        known = [a for a in known_attributes(self.selection.documents) if a not in ("id", "document")]
        usual = [a for a in DEFAULT_BY if a in known]
        return usual + [a for a in known if a not in usual]

    def matrix(self, by: str) -> AttributeMatrix:
        if by not in self._matrices:
            self._matrices[by] = build_attribute_matrix(self.selection, by=by,
                                                        age_bands=configured_age_bands(self.config))
        return self._matrices[by]

    def prevalence(self, by: str, *, depth: int | None = 1) -> list[dict[str, Any]]:
        """Share of respondents per code and attribute value (themes only by default): the bar chart's data."""
        return self.matrix(by).prevalence(depth=depth)

    def prevalence_table(self, by: str) -> list[dict[str, Any]]:
        """Every code (codebook order) with, per attribute value and the total, respondents, n, share, excerpts."""
        matrix = self.matrix(by)
        rows = []
        for key, name, path in zip(matrix.rows.keys, matrix.rows.names, matrix.rows.paths):
            cells = [{"value": column, "respondents": int(matrix.respondents.at[key, column]),
                      "n": matrix.n[column], "share": float(matrix.share.at[key, column]),
                      "excerpts": int(matrix.excerpts.at[key, column])} for column in matrix.columns]
            rows.append({"code": key, "name": name, "depth": len(path), "cells": cells})
        return rows

    def value_labels(self, by: str) -> dict[str, str]:
        """Each value of `by` as the screen heads its column, legend entry or bar: through the pseudonym layer
        (as a pseudonymised matrix export heads it) while the view is on, else as stored. Keys stay the stored
        values: a cell's quotes are found by them."""
        values = list(self.matrix(by).values)
        if self.pseudonyms is None:
            return {value: value for value in values}
        from cotag.privacy.exports import column_labels

        return column_labels(self.pseudonyms, by, values, taken={self.matrix(by).total_label})

    def cooccurrence(self, within: str = "unit") -> CooccurrenceMatrix:
        if within not in WITHIN:
            raise CotagError(f"co-occurrence within {within!r}: choose {' or '.join(WITHIN)}")
        if within not in self._cooccurrence:
            self._cooccurrence[within] = build_cooccurrence(self.selection, within=within)
        return self._cooccurrence[within]

    def quote_table(self) -> QuoteTable:
        if self._quotes is None:
            self._quotes = build_quotes(self.selection, widen=self.widen, config=self.config,
                                        pseudonyms=self.pseudonyms)
        return self._quotes

    def codes(self) -> list[CodeEntry]:
        """Every code a table has a row for, in codebook order, with how many quotes it and its subtree have."""
        rows = CodeRows.of(self.selection)
        per_code = Counter(self.quote_table().data["code"])
        tree = self.selection.tree
        entries = []
        for code_id, key, name, path in zip(rows.ids, rows.keys, rows.names, rows.paths):
            total = sum(per_code.get(tree.codes[i].key, 0) for i in tree.subtree(code_id))
            entries.append(CodeEntry(key=key, name=name, depth=len(path), quotes=total))
        return entries

    def quotes_for(self, key: str) -> list[QuoteRow]:
        """The quotes of one code and its subtree, attributed as the exports attribute them."""
        code = self.selection.tree.by_key().get(key)
        if code is None:
            raise CotagError(f"no code with key {key!r}")
        keys = {self.selection.tree.codes[i].key for i in self.selection.tree.subtree(code.id)}
        return [row for row in self.quote_table().quotes if row.code in keys]


def default_export_path(project: "Project", kind: str, *, by: str = "group", within: str = "unit",
                        code: str | None = None) -> Path:
    """Where the screen suggests writing: an exports/ folder beside cotag.toml."""
    folder = Path(project.root) / "exports"
    if kind == "prevalence":
        return folder / f"matrix-by-{by}.xlsx"
    if kind == "cooccurrence":
        return folder / f"cooccurrence-{within}.xlsx"
    if kind == "quotes":
        return folder / (f"quotes-{code}.docx" if code else "quotes.docx")
    raise CotagError(f"nothing to export called {kind!r} (choose {', '.join(EXPORT_KINDS)})")


def write_view(project: "Project", session: Session, path: Path, *, kind: str, scope: Scope = Scope(),
               by: str = "group", within: str = "unit", code: str | None = None, widen: str = "span",
               pseudonymise: bool = False) -> dict[str, Any]:
    """Write what the analysis screen shows, through the functions `cotag export` uses; returns their summary.

    The file's folder is created if missing (the suggested exports/ folder usually is), and a relative path is
    taken from the project folder, where the screen said it would go.
    """
    path = Path(path).expanduser()
    if not path.is_absolute():
        path = Path(project.root) / path
    if kind not in EXPORT_KINDS:
        raise CotagError(f"nothing to export called {kind!r} (choose {', '.join(EXPORT_KINDS)})")
    if path.parent.exists() and not path.parent.is_dir():
        raise CotagError(f"cannot write {path}: {path.parent} is not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CotagError(f"cannot write {path}: {exc.strerror or exc}") from None
    if kind == "quotes":
        narrowed = replace(scope, codes=(code,)) if code else scope
        summary, _ = write_quotes(project, session, path, scope=narrowed, widen=widen, pseudonymise=pseudonymise)
    elif kind == "prevalence":
        summary, _ = write_matrix(project, session, path, scope=scope, by=by, pseudonymise=pseudonymise)
    else:
        summary, _ = write_matrix(project, session, path, scope=scope, within=within, pseudonymise=pseudonymise)
    summary["kind"] = kind
    return summary
