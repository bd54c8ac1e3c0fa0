"""Memos in the coding screen: a coding's memo, a memo on the selected passage or on the document, and the marks
the status line shows where this coder has a passage memo.

The transcript screen mixes this in (as it does cotag.tui.suggesting). Passage memos are read in a worker that
posts them back; a coding's memo is written through the app's writer like every other change of the coder's;
passage and document memos go through the memo dialogs' one flow (cotag.tui.memos).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from cotag.tui.modals.memo import MemoEditor
from cotag.tui.widgets.transcript_view import TranscriptView


class PassageMemosRead(Message):
    """This coder's passage memos in a document, as (start, end) spans: the status line marks a selection
    that has one (ctrl+n opens it)."""

    def __init__(self, document_id: int, spans: list[tuple[int, int]]) -> None:
        super().__init__()
        self.document_id, self.spans = document_id, spans


class TranscriptMemos:
    """Memo actions of a screen with a TranscriptView, `transcript`, `own` and `_submit_change`."""

    passage_memos: list[tuple[int, int]]  # this coder's passage memos in the open document

    if TYPE_CHECKING:  # what the screen that mixes this in provides
        app: Any
        transcript: Any
        own: list

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def post_message(self, message: Message) -> bool: ...
        def _submit_change(self, job: Any, verb: str, empty: str = "no change") -> None: ...
        def _refresh_status(self) -> None: ...
        def _choose_coding(self, title: str, then: Any) -> None: ...

    def memos_changed(self) -> None:
        """Read this coder's passage memos in the document again (after a load, or a memo saved anywhere)."""
        if self.transcript is not None:
            self._load_passage_memos(self.transcript.document_id, self.transcript.external_id)

    @work(thread=True, exclusive=True, group="transcript-memos", exit_on_error=False)
    def _load_passage_memos(self, document_id: int, external_id: str) -> None:
        from cotag.memos import PASSAGE
        from cotag.services.memos import memos

        found = memos(self.app.project, coders=[self.app.coding_session.actor], document=external_id,
                      kinds=[PASSAGE])
        self.post_message(PassageMemosRead(document_id, [(m.start or 0, m.end or 0) for m in found]))

    def on_passage_memos_read(self, message: PassageMemosRead) -> None:
        if self.transcript is not None and message.document_id == self.transcript.document_id:
            self.passage_memos = message.spans
            self._refresh_status()

    def action_memo(self) -> None:
        self._choose_coding("Memo on which code?", self._edit_memo)

    def _edit_memo(self, mark) -> None:
        entry = self.app.codebook.by_id.get(mark.code_id)
        name = entry.name if entry else str(mark.code_id)
        layer = self.query_one(TranscriptView).pseudonym_layer
        quote = (layer.span(mark.start, mark.end) if layer is not None
                 else self.transcript.text[mark.start:mark.end] if self.transcript else "")
        session = self.app.coding_session

        def saved(text: str | None) -> None:
            if text is not None:
                self._submit_change(lambda: session.set_memo(coding_id=mark.id, memo=text), "✎")

        self.app.push_screen(MemoEditor(mark.memo, title=f"Memo on {name}", quote=quote), saved)

    def action_passage_memo(self) -> None:
        """A memo on the selection itself: an annotation that needs no code (the same span again edits it)."""
        from cotag.tui.memos import MemoTarget, open_memo

        selection = self.query_one(TranscriptView).selection
        if self.transcript is None or selection is None:
            return
        quote = self.transcript.text[selection.start:selection.end]
        open_memo(self.app, MemoTarget(f"Memo on a passage of {self.transcript.external_id}", quote=quote,
                                       document_id=self.transcript.document_id, start=selection.start,
                                       end=selection.end))

    def action_document_memo(self) -> None:
        from cotag.tui.memos import MemoTarget, open_memo

        if self.transcript is not None:
            open_memo(self.app, MemoTarget(f"Memo on {self.transcript.external_id}",
                                           document_id=self.transcript.document_id))

    def on_option_list_option_selected(self, event) -> None:
        # Enter on one of your codings in "On this selection" opens its memo.
        if event.option_list.id != "unit-codes" or not (event.option.id or "").startswith("own:"):
            return
        mark_id = int(event.option.id.split(":", 1)[1])
        mark = next((m for m in self.own if m.id == mark_id), None)
        if mark is not None:
            self._edit_memo(mark)
