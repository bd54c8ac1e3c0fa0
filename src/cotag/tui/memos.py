"""Opening a memo dialog from any screen: look up the coder's memo on the thing (a worker), edit it, save it (the
writer). The app handles the two messages, so the transcript, library, codebook and journal screens share one way.

A second press of a memo key on the same passage, document or code opens the memo already written there, so a coder
adds to their note instead of scattering several; the journal's "new entry" always starts a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from cotag.memos import MemoView
from cotag.services.memos import own_memo, save_memo


@dataclass(frozen=True)
class MemoTarget:
    """What a memo is on, by database ids: a passage (document and span), a document, a code, or the journal."""

    title: str
    quote: str = ""
    document_id: int | None = None
    code_id: int | None = None
    start: int | None = None
    end: int | None = None
    new: bool = False  # always a new memo (a journal entry), even if one exists
    memo_id: int | None = None  # edit this memo


class MemoFound(Message):
    """The coder's memo on the target (memo_id None: none yet), ready to open in the dialog."""

    def __init__(self, target: MemoTarget, memo_id: int | None, text: str) -> None:
        super().__init__()
        self.target, self.memo_id, self.text = target, memo_id, text


class MemoSaved(Message):
    """A memo dialog's save committed (view None: nothing was written)."""

    def __init__(self, view: MemoView | None) -> None:
        super().__init__()
        self.view = view


def open_memo(app, target: MemoTarget, *, text: str = "") -> None:
    """Find the coder's memo on target in a worker; the app then opens the dialog (on_memo_found)."""
    project, coder = app.project, app.coding_session.actor

    def find() -> None:
        if target.new or target.memo_id is not None:
            app.post_message(MemoFound(target, target.memo_id, text))
            return
        memo_id, found = own_memo(project, coder=coder, document_id=target.document_id, code_id=target.code_id,
                                  start=target.start, end=target.end)
        app.post_message(MemoFound(target, memo_id, found))

    app.run_worker(find, thread=True, group="memo-find", exit_on_error=False)


def edit_found(app, message: MemoFound) -> None:
    """Open the dialog on what was found; a save goes through the writer and comes back as MemoSaved."""
    from cotag.tui.modals.memo import MemoEditor

    target, memo_id = message.target, message.memo_id
    project, coder = app.project, app.coding_session.actor

    def saved(text: str | None) -> None:
        if text is None or (memo_id is None and not text):
            return
        if memo_id is not None and not text:
            app.notify("A memo keeps its words: write new ones, or leave it as it was.", severity="warning",
                       timeout=4)
            return
        app.writer.submit(lambda: save_memo(project, coder=coder, text=text, memo_id=memo_id,
                                            document_id=target.document_id, code_id=target.code_id,
                                            start=target.start, end=target.end),
                          target=app, reply=MemoSaved)

    app.push_screen(MemoEditor(message.text, title=target.title, quote=target.quote), saved)
