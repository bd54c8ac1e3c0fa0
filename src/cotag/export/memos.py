"""`cotag export memos FILE`: every memo (journal, documents with their passages, codes) as a document to read.

Markdown and Word give a report: the project journal first, then each document's memos with the passages they
annotate quoted, then the codes' memos. CSV and Excel give one row per memo. With pseudonymise, every string
written (memo text and title, quoted passages, ids, names) goes through the project's pseudonym table first, so
none of the real names it lists reaches the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from cotag.errors import CotagError
from cotag.export import writers
from cotag.memos import CODE, DOCUMENT, JOURNAL, KINDS, PASSAGE, MemoView

if TYPE_CHECKING:
    from cotag.project import Project

COLUMNS = ("id", "kind", "coder", "document", "code", "start", "end", "passage", "title", "text", "created_at",
           "updated_at")


def _stamp(view: MemoView) -> str:
    edited = view.updated_at.replace(microsecond=0) != view.created_at.replace(microsecond=0)
    return view.created_at.strftime("%Y-%m-%d %H:%M") + (" (edited)" if edited else "")


def _paragraphs(text: str) -> list[writers.Paragraph]:
    """A memo's own paragraphs (blank lines), each line's breaks kept as spaces."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [writers.Paragraph(p) for p in parts if p]


@dataclass
class MemoReport:
    views: list[MemoView]
    title: str = "Memos"
    code_names: dict[str, str] = field(default_factory=dict)
    pseudonymised: bool = False

    def table(self) -> writers.Grid:
        rows = [v.as_dict() for v in self.views]
        return writers.Grid(columns=list(COLUMNS), data=[[row[c] for row in rows] for c in COLUMNS])

    def sheets(self) -> list[writers.Sheet]:
        return [writers.Sheet("Memos", self.table(), wrap=("passage", "text"))]

    def _entry(self, view: MemoView) -> list[writers.Block]:
        head = " · ".join(p for p in (view.coder, _stamp(view), view.title) if p)
        blocks: list[writers.Block] = [writers.Paragraph(head)]
        if view.kind == PASSAGE:
            blocks.append(writers.Quote(view.passage, f"{view.document}, characters {view.start}-{view.end}"))
        return blocks + _paragraphs(view.text)

    def blocks(self) -> list[writers.Block]:
        counts = {kind: sum(1 for v in self.views if v.kind == kind) for kind in KINDS}
        summary = (f"{len(self.views)} memos: {counts[JOURNAL]} in the journal, {counts[DOCUMENT]} on documents, "
                   f"{counts[PASSAGE]} on passages, {counts[CODE]} on codes."
                   + (" Written with pseudonyms." if self.pseudonymised else ""))
        blocks: list[writers.Block] = [writers.Heading(self.title, 1), writers.Paragraph(summary)]
        journal = [v for v in self.views if v.kind == JOURNAL]
        if journal:
            blocks.append(writers.Heading("Project journal", 2))
            for view in journal:
                blocks += self._entry(view)
        documents = sorted({v.document for v in self.views if v.kind in (DOCUMENT, PASSAGE) and v.document})
        if documents:
            blocks.append(writers.Heading("Documents", 2))
        for document in documents:
            blocks.append(writers.Heading(document, 3))
            on_document = [v for v in self.views if v.document == document and v.kind == DOCUMENT]
            passages = sorted((v for v in self.views if v.document == document and v.kind == PASSAGE),
                              key=lambda v: (v.start or 0, v.created_at))
            for view in on_document + passages:
                blocks += self._entry(view)
        codes = sorted({v.code for v in self.views if v.kind == CODE and v.code})
        if codes:
            blocks.append(writers.Heading("Codes", 2))
        for code in codes:
            name = self.code_names.get(code, "")
            blocks.append(writers.Heading(f"{name} ({code})" if name and name != code else code, 3))
            for view in (v for v in self.views if v.code == code and v.kind == CODE):
                blocks += self._entry(view)
        return blocks


def pseudonymised(project: "Project", views: list[MemoView], code_names: dict[str, str]
                  ) -> tuple[list[MemoView], dict[str, str]]:
    """Copies read through the pseudonym layer; an empty table is refused (the file would name real people)."""
    from cotag.privacy.pseudonyms import load_table

    table = load_table(project)
    layer = table.pseudonymiser()
    if not layer:
        raise CotagError(f"--pseudonymise: {table.path} has no pseudonyms yet "
                         "(`cotag pseudonyms suggest`, then accept or add)")
    text: Callable[[Any], Any] = layer

    def each(view: MemoView) -> MemoView:
        return replace(view, coder=text(view.coder), document=text(view.document), code=text(view.code),
                       passage=text(view.passage), title=text(view.title), text=text(view.text))

    return [each(v) for v in views], {text(k): text(v) for k, v in code_names.items()}
