"""The lead's overlay in the coding screen: other coders' codings shown beside one's own (the toggle_overlay key
cycles the overlay's modes, choose_coder chooses whose codings it shows; keys in cotag.keys.KEYMAP).

The transcript screen mixes this in (as it does cotag.tui.suggesting). Who else coded the document and their
codings are read in workers that post messages back; the overlay is read-only: nothing here writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message

from cotag.tui.modals.coders import CoderChooser
from cotag.tui.widgets.transcript_view import OVERLAY_MODES, OVERLAY_OFF, TranscriptView


class OthersFound(Message):
    """The other coders of a document, for the overlay (`then` = "cycle") or the chooser ("choose")."""

    def __init__(self, document_id: int, coders: list, then: str) -> None:
        super().__init__()
        self.document_id, self.coders, self.then = document_id, coders, then


class OthersLoaded(Message):
    def __init__(self, document_id: int, marks: list) -> None:
        super().__init__()
        self.document_id = document_id
        self.marks = marks


class LeadOverlay:
    """Overlay state and actions of a screen with a TranscriptView, `transcript`, `document_id` and `own`."""

    others: list  # the shown coders' codings in the open document
    other_ids: list[int]  # whose codings the overlay shows
    overlay: str

    if TYPE_CHECKING:  # what the screen that mixes this in provides
        app: Any
        transcript: Any
        document_id: int
        own: list

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def post_message(self, message: Message) -> bool: ...
        def _refresh_side(self) -> None: ...

    def action_toggle_overlay(self) -> None:
        if self.other_ids:
            self._cycle_overlay()
        else:
            # Whose codings to show is read first (a worker); each press is one step, taken when it answers.
            self._find_others(self.document_id, "cycle")

    def action_choose_coder(self) -> None:
        self._find_others(self.document_id, "choose")

    @work(thread=True, group="others-find")
    def _find_others(self, document_id: int, then: str) -> None:
        self.post_message(OthersFound(document_id, self.app.other_coders(document_id), then))

    def on_others_found(self, message: OthersFound) -> None:
        if message.document_id != self.document_id:
            return
        self.app.coder_names.update({c.id: c.name for c in message.coders})
        if message.then == "choose":
            def chosen(result) -> None:
                if result is not None:
                    self.other_ids = list(result[0])
                    self._set_overlay(result[1] if self.other_ids else OVERLAY_OFF)

            self.app.push_screen(CoderChooser(message.coders, chosen=self.other_ids, mode=self.overlay), chosen)
            return
        if not self.other_ids:
            self.other_ids = [c.id for c in message.coders if c.codings]
        if not self.other_ids:
            self.app.notify("No other coder has codings in this document.", timeout=3)
            return
        self._cycle_overlay()

    def _cycle_overlay(self) -> None:
        self._set_overlay(OVERLAY_MODES[(OVERLAY_MODES.index(self.overlay) + 1) % len(OVERLAY_MODES)])

    def _set_overlay(self, mode: str) -> None:
        self.overlay = mode
        self.query_one(TranscriptView).set_overlay(mode, self.app.coder_names)
        if mode != OVERLAY_OFF and self.transcript is not None:
            self._load_others(self.transcript.document_id, list(self.other_ids))
        else:
            self.others = []
            self.query_one(TranscriptView).set_marks(self.own, self.others)
            self._refresh_side()

    @work(thread=True, exclusive=True, group="others-load")
    def _load_others(self, document_id: int, coder_ids: list[int]) -> None:
        marks = self.app.coding_session.marks(document_id=document_id, coder_ids=coder_ids)
        self.post_message(OthersLoaded(document_id, marks))

    def on_others_loaded(self, message: OthersLoaded) -> None:
        if self.transcript is None or message.document_id != self.transcript.document_id:
            return
        self.others = message.marks if self.overlay != OVERLAY_OFF else []
        self.query_one(TranscriptView).set_marks(self.own, self.others)
        self._refresh_side()
