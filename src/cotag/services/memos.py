"""Use cases on memos: write one (on a passage, a document, a code, or in the journal), give one new words,
list them, and what a memo dialog opens with and saves.

Each opens one transaction around the domain function of the same name in cotag.memos (which takes the session).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from cotag.memos import MemoView, UnitSpan
    from cotag.project import Project


def add_memo(project: Project, *, coder: str, text: str, title: str = "", document: str | None = None,
             code: str | None = None, span: tuple[str, int, int] | UnitSpan | None = None,
             journal: bool = False) -> MemoView:
    """Write a new memo for `coder` (created on first use) and log it; empty text is refused."""
    from cotag.memos import add_memo as add

    with project.session() as session:
        return add(session, coder=coder, text=text, title=title, document=document, code=code, span=span,
                   journal=journal)


def edit_memo(project: Project, *, coder: str, memo_id: int, text: str, title: str | None = None) -> MemoView:
    """Change the words of one of `coder`'s memos (only the coder who wrote it may); the memo as it now reads.

    The change and the read-back are one transaction (they were two before issue #14: the view returned is
    now the one this edit wrote, not one read after it)."""
    from cotag.memos import edit_memo as edit

    with project.session() as session:
        return edit(session, coder=coder, memo_id=memo_id, text=text, title=title)


def memos(project: Project, *, coders: Iterable[str] | None = None, document: str | None = None,
          code: str | None = None, kinds: Iterable[str] | None = None) -> list[MemoView]:
    """Memos in the order they were written; a document's memos include its passage memos."""
    from cotag.memos import memos as read

    with project.session() as session:
        return read(session, coders=coders, document=document, code=code, kinds=kinds)


def own_memo(project: Project, *, coder: str, document_id: int | None = None, code_id: int | None = None,
             start: int | None = None, end: int | None = None) -> tuple[int | None, str]:
    """The id and text of the coder's newest memo on exactly this thing ((None, "") if none): what a memo
    dialog opens with."""
    from cotag.memos import own_memo as find

    with project.session() as session:
        return find(session, coder=coder, document_id=document_id, code_id=code_id, start=start, end=end)


def save_memo(project: Project, *, coder: str, text: str, memo_id: int | None = None,
              document_id: int | None = None, code_id: int | None = None, start: int | None = None,
              end: int | None = None) -> MemoView | None:
    """What a memo dialog's save does, by database ids: a new memo, or new words for memo_id (None: nothing
    written, for empty text and no memo yet).

    One transaction: looking up what the ids name and writing the memo were two before issue #14; one means a
    document or code removed in between cannot leave the save half done."""
    from cotag.memos import save_memo as save

    with project.session() as session:
        return save(session, coder=coder, text=text, memo_id=memo_id, document_id=document_id, code_id=code_id,
                    start=start, end=end)
