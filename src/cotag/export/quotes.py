"""Themed quote tables: every coded excerpt with its code path, attribution, respondent and position."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cotag.errors import CotagError
from cotag.export import writers
from cotag.export.attribution import Attribution, build_attribution, format_value
from cotag.export.scope import Scope, Selection, bulk, resolve

if TYPE_CHECKING:
    from cotag.store.session import Session  # for the type checker: importing it loads SQLModel
    import pandas as pd

    from cotag.privacy.disclosure import Coarsening
    from cotag.privacy.pseudonyms import Pseudonymiser
    from cotag.project import Project

WIDEN = ("span", "sentence", "turn")
# Column names a respondent attribute must not shadow.
FIXED_COLUMNS = ("code", "code_name", "quote", "attribution", "document", "group", "speaker", "coder", "memo",
                 "start", "end", "unit")
WRAPPED = ("quote", "attribution", "memo")


def path_columns(depth: int) -> list[str]:
    """theme, sub-theme, sub-theme 2, ... for a code tree `depth` levels deep."""
    names = ["theme", "sub-theme"] + [f"sub-theme {n}" for n in range(2, max(depth, 2))]
    return names[:max(depth, 1)]


@dataclass
class QuoteRow:
    """One quote, as the quote browser shows it."""

    code: str
    code_name: str
    path: tuple[str, ...]
    text: str
    attribution: str
    document: str
    group: str
    attributes: dict[str, Any]
    speaker: str
    coder: str
    memo: str
    start: int
    end: int
    unit: int | None

    @property
    def theme(self) -> str:
        return self.path[0] if self.path else self.code_name


# The per-quote fields, in QuoteRow's order; a QuoteTable keeps one list per field.
FIELDS = ("code", "code_name", "path", "text", "attribution", "document", "group", "attributes", "speaker", "coder",
          "memo", "start", "end", "unit")


@dataclass
class QuoteTable:
    """The quotes of one export as columns, in codebook order, and the shapes each format writes."""

    data: dict[str, list[Any]]  # FIELDS -> one value per quote
    attribute_keys: list[str]
    coding_label: str
    title: str = "Themed quotes"
    notes: list[str] = field(default_factory=list)  # what privacy did to the table (pseudonyms, coarsening)
    _grid: Any = field(default=None, repr=False)  # built once, shared by the CSV and Excel writers
    _blocks: Any = field(default=None, repr=False)  # built once, shared by the Markdown and Word writers

    def __len__(self) -> int:
        return len(self.data["code"])

    @cached_property
    def quotes(self) -> list[QuoteRow]:
        return [QuoteRow(*values) for values in zip(*(self.data[f] for f in FIELDS))]

    @property
    def depth(self) -> int:
        return max((len(p) for p in set(self.data["path"])), default=1)

    @property
    def respondents(self) -> int:
        return len(set(self.data["document"]))

    @property
    def themes(self) -> list[str]:
        return [p[0] if p else "" for p in self.data["path"]]

    def _attribute_column(self, key: str) -> str:
        return f"attribute {key}" if key in FIXED_COLUMNS or key in path_columns(self.depth) else key

    def table(self) -> writers.Grid:
        if self._grid is None:
            depth = self.depth
            paths = {p: list(p) + [""] * (depth - len(p)) for p in set(self.data["path"])}
            path_cells: list[Sequence[Any]] = list(zip(*(paths[p] for p in self.data["path"]))) or [[]] * depth
            keys = self.attribute_keys
            # Attribute cells are computed once per respondent, not once per quote.
            cells_of: dict[int, tuple] = {}
            for attributes in self.data["attributes"]:
                if id(attributes) not in cells_of:
                    cells_of[id(attributes)] = tuple(_cell(attributes.get(k)) for k in keys)
            attribute_cells: list[Sequence[Any]] = (list(zip(*(cells_of[id(a)] for a in self.data["attributes"])))
                                                     or [[]] * len(keys))
            d = self.data
            columns = ["code", "code_name", *path_columns(depth), "quote", "attribution", "document", "group",
                       *[self._attribute_column(k) for k in keys], "speaker", "coder", "memo", "start", "end", "unit"]
            data = [d["code"], d["code_name"], *map(list, path_cells), d["text"], d["attribution"], d["document"],
                    d["group"], *map(list, attribute_cells), d["speaker"], d["coder"], d["memo"], d["start"],
                    d["end"], d["unit"]]
            self._grid = writers.Grid(columns, data)
        return self._grid

    def frame(self) -> "pd.DataFrame":
        return self.table().to_frame()

    def sheets(self) -> list[writers.Sheet]:
        grid = self.table()
        if not len(self):
            return [writers.Sheet("Quotes", grid, wrap=WRAPPED)]
        # One sheet per theme, in codebook order; rows of a theme are contiguous (codebook order is depth first).
        themes = self.themes
        sheets, start = [], 0
        for i in range(1, len(themes) + 1):
            if i == len(themes) or themes[i] != themes[start]:
                sheets.append(writers.Sheet(themes[start], grid.rows(start, i), wrap=WRAPPED))
                start = i
        return sheets

    def blocks(self) -> list[writers.Block]:
        if self._blocks is None:
            self._blocks = self._make_blocks()
        return self._blocks

    def _make_blocks(self) -> list[writers.Block]:
        d = self.data
        several_coders = len(set(d["coder"])) > 1
        blocks: list[writers.Block] = [writers.Heading(self.title, 1), writers.Paragraph(self.summary_line()),
                                       *(writers.Paragraph(note) for note in self.notes)]
        theme = code = None
        sources = (map("{} · {}".format, d["document"], d["coder"]) if several_coders else d["document"])
        for key, path, text, attribution, source in zip(d["code"], d["path"], d["text"], d["attribution"], sources):
            if path[0] != theme:
                theme, code = path[0], None
                blocks.append(writers.Heading(theme, 2))
            if key != code:
                code = key
                if len(path) > 1:
                    blocks.append(writers.Heading(" › ".join(path[1:]), 3))
            blocks.append(writers.Quote(text, attribution, source))
        return blocks

    def summary_line(self) -> str:
        return (f"{_count(len(self), 'quote')} from {_count(self.respondents, 'respondent')} under "
                f"{_count(len(set(self.data['code'])), 'code')}; coding: {self.coding_label}.")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cell(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if format_value(value) is None else value
    return format_value(value)


def _clean(text: str) -> str:
    # Most quotes are one sentence with single spaces; only the rest pay for split and join.
    if "\n" in text or "  " in text or "\t" in text or "\r" in text or text[:1].isspace() or text[-1:].isspace():
        return " ".join(text.split())
    return text


def check_widen(widen: str) -> None:
    if widen not in WIDEN:
        raise CotagError(f"--widen: unknown value {widen!r} (choose {', '.join(WIDEN)})")


def collect_quotes(session: Session, scope: Scope = Scope(), *, attribution: Attribution | None = None,
                   widen: str = "span", config: dict | None = None, attribution_overrides: Iterable[str] = ()
                   ) -> QuoteTable:
    """Every coding in scope as a quote row, in codebook order, then document, then position."""
    check_widen(widen)  # before reading the project, not after
    selection = resolve(session, scope, with_text=True, with_units=True)
    return build_quotes(selection, attribution=attribution, widen=widen, config=config,
                        attribution_overrides=attribution_overrides)


def build_quotes(selection: Selection, *, attribution: Attribution | None = None, widen: str = "span",
                 config: dict | None = None, attribution_overrides: Iterable[str] = (),
                 pseudonyms: "Pseudonymiser | None" = None,
                 coarsening: "dict[str, Coarsening] | None" = None) -> QuoteTable:
    """The quote table of a selection loaded with texts and units (resolve(..., with_text=True, with_units=True)).

    With `pseudonyms`, every text the table prints reads through the pseudonym layer: a quote is the span of the
    pseudonymised document that covers the coded words (start and end stay the stored offsets). With
    `coarsening` (document id -> its Coarsening), attributions and attribute columns print the coarsened attributes.
    """
    import numpy as np

    check_widen(widen)
    if attribution is None:
        attribution = build_attribution(config=config, overrides=attribution_overrides,
                                        groups={d.group for d in selection.documents})
    attribution.check(attributes=selection.project_attributes)
    units = selection.units
    if units is None:
        raise CotagError("build_quotes needs the selection's units: resolve(..., with_units=True)")
    tree = selection.tree
    documents = selection.documents_by_id
    with bulk():
        codings = selection.codings
        codings = codings.take(np.isin(codings.document_id, np.fromiter(documents, dtype=np.int64)))
        # Codebook order, then document id, position, coder: one lexsort (its last key is the primary one).
        doc_rank = {doc_id: rank for rank, doc_id in
                    enumerate(sorted(documents, key=lambda i: documents[i].external_id))}
        coder_rank = {name: rank for rank, name in enumerate(sorted(set(codings.coder)))}
        order = np.lexsort((codings.id, np.array([coder_rank[c] for c in codings.coder], dtype=np.int64),
                            codings.end, codings.start,
                            np.array([doc_rank[d] for d in codings.document_id.tolist()], dtype=np.int64),
                            np.array([tree.order[c] for c in codings.code_id.tolist()], dtype=np.int64)))
        codings = codings.take(order)
        first, last = units.touched(codings.document_id, codings.start, codings.end)
        found = last >= first
        at_first = np.clip(first, 0, max(len(units) - 1, 0))
        at_last = np.clip(last, 0, max(len(units) - 1, 0))
        starts, ends = codings.start, codings.end
        if widen == "sentence" and len(units):
            starts = np.where(found, np.minimum(starts, units.start[at_first]), starts)
            ends = np.where(found, np.maximum(ends, units.end[at_last]), ends)
        elif widen == "turn" and len(units):
            starts = np.where(found, np.minimum(starts, units.start[units.turn_first[at_first]]), starts)
            ends = np.where(found, np.maximum(ends, units.end[units.turn_last[at_last]]), ends)
        unit_index = np.where(found, units.index[at_first] if len(units) else -1, -1).tolist()

        speakers: list[str] = []
        unit_speakers = units.speaker
        for f, la, ok in zip(first.tolist(), last.tolist(), found.tolist()):
            if not ok:
                speakers.append("")
            elif f == la or all(unit_speakers[i] == unit_speakers[f] for i in range(f + 1, la + 1)):
                speakers.append(unit_speakers[f])
            else:  # a span across an exchange names each speaker once, in order
                speakers.append(" / ".join(dict.fromkeys(s for s in unit_speakers[f:la + 1] if s)))

        code_key = {cid: tree.codes[cid].key for cid in tree.codes}
        code_name = {cid: tree.codes[cid].name for cid in tree.codes}
        paths: dict[int, tuple[str, ...]] = {}
        attributions: dict[tuple[int, str], str] = {}
        layered: dict[int, Any] = {}
        shown_attributes: dict[int, dict[str, Any]] = {}
        coarsened: dict[int, Any] = {}
        data: dict[str, list[Any]] = {name: [] for name in FIELDS}
        code_ids = codings.code_id.tolist()
        doc_ids = codings.document_id.tolist()
        for code_id, doc_id, start, end, speaker in zip(code_ids, doc_ids, starts.tolist(), ends.tolist(), speakers):
            document = documents[doc_id]
            if code_id not in paths:
                paths[code_id] = tree.path(code_id)
            if doc_id not in shown_attributes:
                own = coarsening.get(document.external_id) if coarsening else None
                coarsened[doc_id] = own.apply(document.attributes) if own else document.attributes
                shown_attributes[doc_id] = (pseudonyms.attributes(coarsened[doc_id]) if pseudonyms
                                            else coarsened[doc_id])
            if (doc_id, speaker) not in attributions:
                rendered = attribution.render(group=document.group, attributes=coarsened[doc_id],
                                              document=document.external_id, speaker=speaker)
                attributions[(doc_id, speaker)] = pseudonyms(rendered) if pseudonyms else rendered
            data["path"].append(paths[code_id])
            if pseudonyms:
                if doc_id not in layered:
                    layered[doc_id] = pseudonyms.apply(document.text)
                data["text"].append(_clean(layered[doc_id].span(start, end)))
            else:
                data["text"].append(_clean(document.text[start:end]))
            data["attribution"].append(attributions[(doc_id, speaker)])
            data["document"].append(document.external_id)
            data["group"].append(document.group)
            data["attributes"].append(shown_attributes[doc_id])
        data["code"] = [code_key[c] for c in code_ids]
        data["code_name"] = [code_name[c] for c in code_ids]
        data["speaker"] = pseudonyms(speakers) if pseudonyms else speakers
        data["coder"] = codings.coder
        data["memo"] = pseudonyms(list(codings.memo)) if pseudonyms else codings.memo
        data["start"] = codings.start.tolist()
        data["end"] = codings.end.tolist()
        # Numbered from 1 for the people who read the table (Unit.index is 0-based).
        data["unit"] = [None if u < 0 else u + 1 for u in unit_index]
    return QuoteTable(data=data, attribute_keys=selection.attribute_keys(), coding_label=selection.coding_label)


def code_quotes(session: Session, *, code: str, scope: Scope = Scope(), widen: str = "span",
                config: dict[str, Any] | None = None, attribution_overrides: Iterable[str] = ()) -> list[QuoteRow]:
    """The quote browser's data: one code (with its subtree) and the same attribution the exports use."""
    narrowed = Scope(codes=(code,), coders=scope.coders, consensus=scope.consensus, all_coders=scope.all_coders,
                     groups=scope.groups, documents=scope.documents, where=scope.where)
    return collect_quotes(session, narrowed, widen=widen, config=config,
                          attribution_overrides=attribution_overrides).quotes


def quote_summary(table: QuoteTable, path: Path | None, fmt: str) -> dict[str, Any]:
    return {"path": str(path) if path else None, "format": fmt, "quotes": len(table),
            "respondents": table.respondents, "codes": len(set(table.data["code"])),
            "themes": len(set(table.themes)), "coding": table.coding_label}


def private_quotes(project: "Project", session: Session, scope: Scope = Scope(), *, widen: str = "span",
                   attribution_overrides: Iterable[str] = (), pseudonymise: bool = False,
                   min_k: int | None = None) -> tuple[QuoteTable, dict[str, Any]]:
    """The quote table with the project's pseudonyms applied and attributions coarsened to `min_k`, and what was done.

    k counts respondents over the whole corpus, not only those quoted: a reader may know who took part.
    """
    from cotag.privacy import disclosure
    from cotag.privacy.pseudonyms import load_table

    check_widen(widen)
    selection = resolve(session, scope, with_text=True, with_units=True)
    attribution = build_attribution(config=project.config, overrides=attribution_overrides,
                                    groups={d.group for d in selection.documents})
    pseudonyms = coarsening = None
    privacy: dict[str, Any] = {}
    notes: list[str] = []
    if pseudonymise:
        table_file = load_table(project)
        pseudonyms = table_file.pseudonymiser()
        if not pseudonyms:
            raise CotagError(f"--pseudonymise: {table_file.path} has no pseudonyms yet "
                             f"(`cotag pseudonyms suggest`, then accept or add)")
        privacy["pseudonymised"] = len(table_file.entries)
        notes.append(f"Names, places and organisations are pseudonymised ({len(table_file.entries)} pseudonyms).")
    if min_k is not None:
        documents = selection.documents_by_id
        quoted = {documents[d].external_id for d in set(selection.codings.document_id.tolist()) if d in documents}
        coarsening, ks = disclosure.choose_coarsening(
            disclosure.corpus_respondents(session), quoted, attribution, min_k,
            order=disclosure.coarsen_order(project.config), sectors=disclosure.sector_map(project.config))
        privacy["min_k"] = min_k
        privacy["coarsened"] = disclosure.describe_coarsening(coarsening)
        privacy["lowest_k"] = min((k for _, k in ks.values()), default=None)
        notes.append(f"Attributions coarsened so that each is shared by at least {min_k} respondents of the corpus: "
                     f"{'; '.join(privacy['coarsened']) or 'nothing needed coarsening'}.")
    table = build_quotes(selection, attribution=attribution, widen=widen, pseudonyms=pseudonyms,
                         coarsening=coarsening)
    table.notes = notes
    return table, privacy


def write_quotes(project: "Project", session: Session, path: Path | None, *, fmt: str | None = None,
                 scope: Scope = Scope(), widen: str = "span", attribution_overrides: Iterable[str] = (),
                 pseudonymise: bool = False, min_k: int | None = None,
                 excel: bool = False) -> tuple[dict[str, Any], str | None]:
    """Write the quote table read in `session`; returns a summary and, when path is None, the CSV or Markdown text.

    excel: a CSV starts with a byte-order mark (Excel then reads it as UTF-8).
    """
    fmt = writers.output_format(path, fmt, example="quotes")
    privacy: dict[str, Any] = {}
    if pseudonymise or min_k is not None:
        table, privacy = private_quotes(project, session, scope, widen=widen,
                                        attribution_overrides=attribution_overrides, pseudonymise=pseudonymise,
                                        min_k=min_k)
    else:
        table = collect_quotes(session, scope, widen=widen, config=project.config,
                               attribution_overrides=attribution_overrides)
    with bulk():
        text = writers.write(table, path, fmt, excel=excel,
                             about=writers.About("Themed quotes", table.coding_label, scope,
                                                 notes=(f"quotes widened to: {widen}", *table.notes)))
    return {**quote_summary(table, path, fmt), **privacy}, text


MEMBER_CHECK_FORMATS = ("md", "docx", "txt")


def plain_text(table: QuoteTable) -> str:
    """The quote table as plain text: headings, then each quote and its attribution (for a respondent's e-mail)."""
    lines: list[str] = []
    for block in table.blocks():
        if isinstance(block, writers.Heading):
            lines += ["", block.text, "=" * len(block.text) if block.level == 1 else "-" * len(block.text)]
        elif isinstance(block, writers.Paragraph):
            lines += ["", block.text]
        elif isinstance(block, writers.Quote):
            lines += ["", f"\u201c{block.text}\u201d", f"    \u2014 {block.attribution}".rstrip(" \u2014")]
    return "\n".join(lines).lstrip("\n") + "\n"


def write_member_check(project: "Project", session: Session, document: str, path: Path, *, scope: Scope = Scope(),
                       widen: str = "sentence", pseudonymise: bool = False, attribution_overrides: Iterable[str] = ()
                       ) -> dict[str, Any]:
    """One respondent's quotes, every code, with their attribution, to send back to that respondent (md, docx, txt)."""
    from cotag.store.documents import get_document

    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in MEMBER_CHECK_FORMATS:
        raise CotagError(f"{path}: a member check is written as .md, .docx or .txt, not {suffix or 'no suffix'!r}")
    writers.check_writable(Path(path))
    narrowed = Scope(codes=None, coders=scope.coders, consensus=scope.consensus, all_coders=scope.all_coders,
                     documents=(document,))
    if get_document(session, external_id=document) is None:
        raise CotagError(f"no document {document!r} in the project")
    table, privacy = private_quotes(project, session, narrowed, widen=widen,
                                    attribution_overrides=attribution_overrides, pseudonymise=pseudonymise)
    # The respondent reads each passage once per code, whoever coded it: coders' duplicates and names go.
    keep, seen = [], set()
    for i, passage in enumerate(zip(table.data["code"], table.data["text"])):
        if passage not in seen:
            seen.add(passage)
            keep.append(i)
    columns = {name: list(values) for name, values in table.data.items()}
    data = {name: [values[i] for i in keep] for name, values in columns.items()}
    data["coder"] = [""] * len(keep)
    table = QuoteTable(data=data, attribute_keys=table.attribute_keys, coding_label=table.coding_label,
                       title=f"Your interview ({document}): the passages we quote", notes=table.notes)
    if suffix == "txt":
        from cotag.files import write_atomically

        write_atomically(Path(path), plain_text(table))
    else:
        with bulk():
            writers.write(table, Path(path), suffix)
    return {**quote_summary(table, Path(path), suffix), "document": document, **privacy}
