"""Code suggestions in the coding screen: ghost labels on the current unit, accepted or dismissed from the keyboard.

The transcript screen mixes this in. The suggester is loaded once per app, in a worker; each document
is scored in a worker too (about 0.1 s for 350 sentences), which posts the suggestions back. Accepting
writes through the app's writer (an undoable coding whose source records the suggestion); dismissing
writes an event of the coder's own, so the code does not come back on that unit. Which codes appear, and
to whom, is cotag.suggest.live's decision: this module only shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.message import Message

from cotag.errors import CotagError
from cotag.tui.widgets.suggestions import SuggestionHint


class SuggesterLoaded(Message):
    def __init__(self, live: Any) -> None:
        super().__init__()
        self.live = live


class SuggestionsReady(Message):
    """A document's suggestions (unit position -> best first) and what this coder dismissed there."""

    def __init__(self, document_id: int, offers: dict[int, list], dismissed: set[tuple[str, int, int]]) -> None:
        super().__init__()
        self.document_id, self.offers, self.dismissed = document_id, offers, dismissed


class Suggesting:
    """State and actions of suggestions on a screen with a TranscriptView, `transcript` and `_submit_change`."""

    suggestions_on: bool = False
    _offers: dict[int, list]
    _offers_for: int | None = None
    _hint_on: bool = False  # the side panel's "Suggested here" (and maybe a ghost label) is on screen
    _dismissed: set[tuple[str, int, int]]

    if TYPE_CHECKING:  # what the screen that mixes this in provides
        app: Any
        transcript: Any
        note: str

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def post_message(self, message: Message) -> bool: ...
        def _submit_change(self, job: Any, verb: str, empty: str = "no change") -> None: ...
        def _refresh_status(self) -> None: ...

    # ------------------------------------------------------------ hooks the screen calls

    def suggestions_mount(self) -> None:
        from cotag.suggest.live import show_at_start

        self._offers, self._dismissed, self._offers_for = {}, set(), None
        self.query_one(SuggestionHint).border_title = "Suggested here"
        try:
            self.suggestions_on = show_at_start(self.app.project)
        except CotagError as exc:
            self.app.notify(str(exc), severity="warning", timeout=6)
            self.suggestions_on = False
        self._show_hint()

    def suggestions_document_loaded(self) -> None:
        """A document is on screen: score it when suggestions are on."""
        self._offers, self._dismissed, self._offers_for = {}, set(), None
        if self.suggestions_on:
            self._request_suggestions()
        self.refresh_ghosts()

    def refresh_ghosts(self) -> None:
        """Ghost labels and the side panel for the current unit (after a move, a coding, a dismissal)."""
        from cotag.tui.widgets.transcript_view import TranscriptView

        if not self.suggestions_on and not self._hint_on:
            return  # off, and nothing of it on screen: nothing to do on this key press
        view = self.query_one(TranscriptView)
        shown = self.current_suggestions()
        view.set_ghosts(view.cursor if shown else None, [s.code for s in shown])
        self._show_hint(shown)

    def current_suggestions(self) -> list:
        """The suggestions on the current unit not dismissed and not already among the coder's codes there."""
        from cotag.tui.widgets.transcript_view import TranscriptView

        transcript = self.transcript
        if not self.suggestions_on or transcript is None or self._offers_for != transcript.document_id:
            return []
        view = self.query_one(TranscriptView)
        offers = self._offers.get(view.cursor, [])
        if not offers:
            return []
        codebook = self.app.codebook
        # the coder's own codings on this unit, as the view already holds them by unit (no scan per key press)
        have = {codebook.by_id[m.code_id].key for m in view.marks_at(view.cursor) if m.code_id in codebook.by_id}
        return [s for s in offers if s.code not in have and (s.code, s.start, s.end) not in self._dismissed]

    # ------------------------------------------------------------ actions (ids from cotag.keys.KEYMAP)

    def action_toggle_suggestions(self) -> None:
        self.suggestions_on = not self.suggestions_on
        if self.suggestions_on:
            self._request_suggestions()
        self.refresh_ghosts()

    def action_accept_suggestion(self) -> None:
        from cotag.suggest.live import accept

        shown = self._first_or_tell()
        if shown is None:
            return
        from cotag.tui.widgets.transcript_view import TranscriptView

        session, live = self.app.coding_session, self.app.suggester
        document_id, cursor = self.transcript.document_id, self.query_one(TranscriptView).cursor
        self._submit_change(lambda: accept(session, document_id=document_id, suggestion=shown,
                                           model_key=live.model_key, cursor=cursor), "✓ suggestion:")

    def action_dismiss_suggestion(self) -> None:
        from cotag.services.suggestions import dismiss

        shown = self._first_or_tell()
        if shown is None:
            return
        # Gone from the screen at once; the event that keeps it gone is queued behind earlier writes.
        self._dismissed.add((shown.code, shown.start, shown.end))
        self.refresh_ghosts()
        project, session, live = self.app.project, self.app.coding_session, self.app.suggester
        document = self.transcript.external_id
        self.app.writer.submit(lambda: dismiss(project, actor=session.actor, owner=session.owner,
                                               document=document, suggestion=shown, model_key=live.model_key),
                               target=cast(Any, self))
        self.note = f"✗ dismissed suggestion {shown.code}"
        self._refresh_status()

    def _first_or_tell(self) -> Any:
        if not self.suggestions_on:
            self.app.notify("Suggestions are off: ctrl+g turns them on.", timeout=3)
            return None
        shown = self.current_suggestions()
        if not shown:
            self.app.notify("No suggestion on this unit.", timeout=2)
            return None
        return shown[0]

    # ------------------------------------------------------------ workers and their messages

    def _request_suggestions(self) -> None:
        live = self.app.suggester
        if live is None:
            self._load_suggester()
        elif self.transcript is not None and live.active:
            transcript = self.transcript
            self._score(live, transcript.document_id, transcript.external_id, transcript.text, list(transcript.units))

    @work(thread=True, exclusive=True, group="suggester-load")
    def _load_suggester(self) -> None:
        from cotag.suggest.live import LiveSuggester

        codebook = self.app.codebook
        live = LiveSuggester.open(self.app.project, lead=self.app.lead,
                                  active_codes=[e.key for e in codebook.active])
        self.post_message(SuggesterLoaded(live))

    def on_suggester_loaded(self, message: SuggesterLoaded) -> None:
        self.app.suggester = message.live
        if not message.live.active:
            self.app.notify(f"No suggestions: {message.live.note}.", timeout=5)
            self._show_hint()
            return
        if self.suggestions_on:
            self._request_suggestions()

    @work(thread=True, exclusive=True, group="suggester-score")
    def _score(self, live: Any, document_id: int, external_id: str, text: str, units: list) -> None:
        from cotag.services.suggestions import dismissed
        from cotag.suggest.live import document_units

        offers: dict[int, list] = {}
        for suggestion in live.offers(document_units(external_id, text, units)):
            offers.setdefault(suggestion.unit, []).append(suggestion)
        for found in offers.values():
            found.sort(key=lambda s: -s.score)
        session = self.app.coding_session
        gone = dismissed(self.app.project, actor=session.actor, owner=session.owner,
                         document=external_id)
        self.post_message(SuggestionsReady(document_id, offers, gone))

    def on_suggestions_ready(self, message: SuggestionsReady) -> None:
        transcript = self.transcript
        if transcript is None or message.document_id != transcript.document_id:
            return
        self._offers, self._offers_for = message.offers, message.document_id
        self._dismissed = self._dismissed | message.dismissed
        self.refresh_ghosts()

    def _show_hint(self, shown: list | None = None) -> None:
        hint = self.query_one(SuggestionHint)
        hint.set_class(self.suggestions_on, "-on")
        self._hint_on = self.suggestions_on
        if not self.suggestions_on:
            return
        live = self.app.suggester
        note = "" if live is None or live.active else live.note
        if live is None:
            note = "loading the suggester…"
        elif live.active and self.transcript is not None:
            note = live.withheld_note(self.transcript.external_id)
        hint.show(self.app.codebook, shown or [], note)
