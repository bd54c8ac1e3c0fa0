"""Helpers for driving the coding app with Pilot: a small study and a way to wait until the database has it."""

from __future__ import annotations

from dataclasses import dataclass

from factories import make_codes, make_document

from cotag.services import coding

E001 = [("Interviewer", ["So, tell me how you decided to leave Kazakhstan?"]),
        ("Respondent", ["I left in 2019 because the wages were too low for a young doctor.",
                        "My brother was already in Berlin, so it felt easier.",
                        "Also the corruption in the hospitals made me tired."]),
        ("Interviewer", ["And your family?"]),
        ("Respondent", ["My parents stayed in Almaty.", "We talk every Sunday on video."])]
G002 = [("Interviewer", ["Why did you study abroad?"]),
        ("Respondent", ["The scholarship paid for everything.", "I came back to teach."])]
CODES = [("push", "Push factors"), ("wages", "Wages", "push", "1"), ("corruption", "Corruption", "push", "2"),
         ("pull", "Pull factors"), ("network", "Networks", "pull", "3"), ("retired", "Old code", None, "4")]
COLOURS = {"push": "#e06c75", "wages": "#e5c07b", "corruption": "#c678dd", "pull": "#61afef", "network": "#98c379"}


@dataclass
class Study:
    project: object
    e001: int
    g002: int
    text: str
    units: list


def build_study(sqlite_project) -> Study:
    with sqlite_project.session() as session:
        e001 = make_document(session, "E001", E001, attributes={"gender": "female", "age": 34, "place": "Almaty"})
        g002 = make_document(session, "G002", G002, group="graduate", attributes={"gender": "male", "age": 24})
        codes = make_codes(session, CODES)
        for key, colour in COLOURS.items():
            codes[key].colour = colour
        codes["retired"].status = "retired"
        ids = (e001.id, g002.id)
    transcript = coding.open_transcript(sqlite_project, document_id=ids[0], coder_ids=[], progress_coder_id=0)
    return Study(sqlite_project, ids[0], ids[1], transcript.text, transcript.units)


def _busy(app) -> bool:
    return bool(app.writer.pending) or any(w.group != "writer" and not w.is_finished for w in app.workers)


async def settle(pilot) -> None:
    """Let key presses be handled, then wait for every write and worker, then for their messages, until quiet.

    A worker's message may start another worker (the transcript loads, then the suggester, then its scores):
    on a loaded machine a fixed number of rounds missed the last hop, so this goes on until two rounds in a
    row find nothing running."""
    quiet = 0
    for _ in range(50):
        await pilot.pause()
        await pilot.app.settle()
        await pilot.pause()
        quiet = 0 if _busy(pilot.app) else quiet + 1
        if quiet == 2:
            break
    await _tables_measured(pilot)


async def search_and_pick(pilot, words: str) -> None:
    """`/`, type the words (the search runs as one types, after a short pause), then enter on the first hit."""
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause(0.3)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _tables_measured(pilot) -> None:
    """A DataTable sizes its columns to new rows only when its message queue next runs dry (Idle): on a loaded CI
    machine snapshots caught the library's and the analysis table's columns still at their heads' widths, even
    after waiting half a second for that Idle. So do the table's own idle work now, on every table of every screen
    in the stack (a modal's snapshot shows the screen beneath it), then let the layout it asks for be drawn."""
    from textual.widgets import DataTable

    # Nothing to measure (most calls): no pause at all, since every pilot.pause() sleeps at least 20 ms and
    # settle runs after each key press. Otherwise measure, let the layout be drawn, and look again (rows may
    # have arrived meanwhile).
    for _ in range(20):
        pending = [table for screen in pilot.app.screen_stack for table in screen.query(DataTable)
                   if getattr(table, "_require_update_dimensions", False) or getattr(table, "_updated_cells", None)]
        if not pending:
            return
        for table in pending:
            await table._on_idle(None)  # measures new rows and updated cells, then refresh(layout=True)
        await pilot.pause()
        await pilot.pause()



def live(project, coder: str | None = None) -> list[tuple]:
    """(document, code, coder, start, end, memo) of every live coding, as the database holds them."""
    from cotag.store.codings import list_codings

    with project.session() as session:
        return [(r.document, r.code, r.coder, r.start, r.end, r.memo)
                for r in list_codings(session, coders=[coder] if coder else None)]
