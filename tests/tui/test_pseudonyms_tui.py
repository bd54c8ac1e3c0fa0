"""The pseudonym screen (ctrl+k) and the pseudonymised view (ctrl+x), driven with Pilot; checked in pseudonyms.yaml,
the audit log and the stored codings."""

from __future__ import annotations

import yaml
from tui_helpers import live, settle

from cotag.services import privacy as decisions
from cotag.privacy.pseudonyms import table_path
from cotag.store.events import list_events
from cotag.tui.app import make_app
from cotag.tui.screens.pseudonyms import PseudonymScreen
from cotag.tui.widgets.transcript_view import TranscriptView

SIZE = (120, 40)


def table_file(project) -> dict:
    return yaml.safe_load(table_path(project.root).read_text(encoding="utf-8"))


def events(project, kind: str) -> list:
    with project.session() as session:
        return list_events(session, kind=kind)


async def highlight(pilot, real: str) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, PseudonymScreen)
    index = [row.real for row in screen.rows].index(real)
    await pilot.press("home")
    for _ in range(index):
        await pilot.press("down")
    await pilot.pause()
    assert screen.current is not None and screen.current.real == real


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])


async def test_a_lead_suggests_accepts_rejects_adds_edits_and_removes(study):
    project = study.project
    app = make_app(project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PseudonymScreen)
        screen.use_spacy = False  # no model is installed anyway; keep the test off spaCy's import
        await pilot.press("s")
        await settle(pilot)
        proposals = {p["real"]: p for p in table_file(project)["proposals"]}
        # The gazetteer's city and a capitalised foreign city, as `cotag pseudonyms suggest` finds them.
        assert {"Almaty", "Berlin"} <= set(proposals)
        assert [r.real for r in screen.rows if r.proposal] == [p["real"] for p in table_file(project)["proposals"]
                                                                if p["status"] == "open"]

        await highlight(pilot, "Almaty")
        await pilot.press("a")
        await settle(pilot)
        data = table_file(project)
        assert {"real": "Almaty", "pseudonym": proposals["Almaty"]["pseudonym"], "kind": "place"} in data["entries"]
        assert "Almaty" not in [p["real"] for p in data["proposals"]]

        await highlight(pilot, "Berlin")
        await pilot.press("r")
        await settle(pilot)
        assert [p["status"] for p in table_file(project)["proposals"] if p["real"] == "Berlin"] == ["rejected"]
        assert "Berlin" not in [r.real for r in screen.rows]

        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Dauren")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "[person 9]")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # kind: the suggested "other"
        await settle(pilot)
        assert {"real": "Dauren", "pseudonym": "[person 9]", "kind": "other"} in table_file(project)["entries"]

        await highlight(pilot, "Dauren")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter")  # the pseudonym as it was
        await pilot.pause()
        for _ in range(len("other")):
            await pilot.press("backspace")
        await type_text(pilot, "person")
        await pilot.press("enter")
        await settle(pilot)
        assert {"real": "Dauren", "pseudonym": "[person 9]", "kind": "person"} in table_file(project)["entries"]

        await highlight(pilot, "Dauren")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "Dauren" not in [e["real"] for e in table_file(project)["entries"]]

    # Each decision is in the audit log, as the CLI logs it, by proposal id and pseudonym: never the real string.
    kinds = [e.kind for e in events(project, "pseudonyms.")]
    assert kinds == ["pseudonyms.suggest", "pseudonyms.accept", "pseudonyms.reject", "pseudonyms.add",
                     "pseudonyms.add", "pseudonyms.remove"]
    accepted = events(project, "pseudonyms.accept")[0]
    assert accepted.actor == "lena" and accepted.payload["proposals"] == [proposals["Almaty"]["id"]]
    logged = " ".join(str(e.payload) for e in events(project, "pseudonyms."))
    assert "Almaty" not in logged and "Berlin" not in logged and "Dauren" not in logged


async def test_a_refused_decision_changes_nothing_and_says_why(study):
    project = study.project
    decisions.add(project, "Almaty", "[city A]", "place")
    before = table_path(project.root).read_text(encoding="utf-8")
    app = make_app(project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        screen = app.screen
        await pilot.press("a")  # the only row is an entry, not a proposal
        await settle(pilot)
        assert "highlight a proposal" in screen.message
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Berlin")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "[city Almaty]")  # a pseudonym holding a real string would leak it
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert "contains the real string" in screen.message
    assert table_path(project.root).read_text(encoding="utf-8") == before


async def test_a_coder_cannot_open_the_pseudonym_table(study):
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert not isinstance(app.screen, PseudonymScreen)


def shown_lines(widget) -> str:
    return "\n".join("".join(segment.text for segment in widget.render_line(y)) for y in range(widget.size.height))


async def test_words_coded_in_the_pseudonymised_view_land_on_the_stored_real_words(study):
    project = study.project
    decisions.add(project, "Almaty", "[city A]", "place")
    decisions.add(project, "Respondent", "[speaker R]", "other")  # a speaker label read through the table too
    unit = next(i for i, u in enumerate(study.units) if "Almaty" in study.text[u.start:u.end])
    app = make_app(project, coder="alice", document="E001", unit=unit)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query_one(TranscriptView)
        assert "Almaty" in shown_lines(view)
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert view.pseudonym_layer is not None
        shown = shown_lines(view)
        assert "[city A]" in shown and "Almaty" not in shown and "[speaker R]" in shown
        status = "".join(s.text for s in app.screen.query_one("#doc-status").render_line(0))
        # The status line's attributes are read through the table too (E001's place is Almaty).
        assert "PSEUDONYMS" in status and "[city A]" in status and "Almaty" not in status
        # Word mode over "My parents stayed in [city A].": the fifth word is the pseudonym.
        await pilot.press("w", "l", "l", "l", "l")
        await pilot.pause()
        assert view.selected_text == "[city A]"
        await pilot.press("1")  # the wages code's shortcut
        await settle(pilot)
        start = study.text.index("Almaty")
        assert live(project, "alice") == [("E001", "wages", "alice", start, start + len("Almaty"), "")]
        # The coding is drawn on the pseudonym; off again, on the stored words.
        await pilot.press("escape", "ctrl+x")
        await settle(pilot)
        assert view.pseudonym_layer is None and "Almaty" in shown_lines(view)


async def test_the_view_without_pseudonyms_says_so_and_stays_as_stored(study):
    app = make_app(study.project, coder="alice", document="E001", unit=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert app.pseudonymiser is None
        assert app.screen.query_one(TranscriptView).pseudonym_layer is None


async def test_analysis_quotes_and_their_export_follow_the_pseudonymised_view(study, tmp_path):
    from cotag.tui.modals.export import ExportDialog
    from cotag.tui.screens.analysis import AnalysisScreen

    project = study.project
    decisions.add(project, "Berlin", "[city B]", "place")
    decisions.add(project, "Almaty", "[city A]", "place")
    with project.session() as session:
        from cotag.store.coders import get_or_create_coder
        from cotag.store.codings import add_coding
        from cotag.store.codes import get_code

        alice = get_or_create_coder(session, name="alice")
        phrase = "My brother was already in Berlin, so it felt easier."
        start = study.text.index(phrase)
        add_coding(session, document_id=study.e001, code_id=get_code(session, key="network").id,
                   coder_id=alice.id, start=start, end=start + len(phrase))
    app = make_app(project, coder="alice", resume=False)  # a coder: the analysis of her own coding
    target = tmp_path / "network.md"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AnalysisScreen)
        await pilot.press("3")
        await settle(pilot)
        screen.query_one("#an-codes").focus()
        while screen.code != "network":
            await pilot.press("down")
            await settle(pilot)
        assert [q.text for q in screen.quotes] == [phrase]
        await pilot.press("ctrl+x")
        await settle(pilot)
        listing = screen.query_one("#an-quote-list")
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert prompts[0].startswith("My brother was already in [city B], so it felt easier.\n— ")
        assert "[city A]" in prompts[0] and "Almaty" not in prompts[0]  # the attribution's place too
        assert "pseudonymised" in str(screen.query_one("#an-status").render())
        # What is on show is what is written.
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#an-export-path").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    written = target.read_text(encoding="utf-8").replace("\\", "")
    assert "My brother was already in [city B], so it felt easier." in written
    assert "Berlin" not in written and "Almaty" not in written


async def test_the_reconcile_screen_quotes_through_the_pseudonymised_view(sqlite_project):
    from factories import make_codes, make_document

    from cotag.store import codings as coding_store
    from cotag.store.coders import get_or_create_coder
    from cotag.tui.app import Reconcile
    from cotag.tui.screens.reconcile import ReconcileScreen

    project = sqlite_project
    with project.session() as session:
        doc = make_document(session, "E001", [("Dauren", ["I worked for KazMunayGas in Aktau.", "Then I left."])])
        codes = make_codes(session, [("wages", "Wages")])
        alice, bob = get_or_create_coder(session, name="alice"), get_or_create_coder(session, name="bob")
        get_or_create_coder(session, name="lena", role="lead")
        # alice codes half the company's name: through the layer her quote still shows none of it.
        start = doc.text.index("I worked")
        coding_store.add_coding(session, document_id=doc.id, code_id=codes["wages"].id, coder_id=alice.id,
                                start=start, end=doc.text.index("MunayGas"), memo="Dauren's employer")
        coding_store.add_coding(session, document_id=doc.id, code_id=codes["wages"].id, coder_id=bob.id,
                                start=start, end=start + len("I worked for KazMunayGas in Aktau."))
    decisions.add(project, "KazMunayGas", "[company 1]", "organisation")
    decisions.add(project, "Aktau", "[city A]", "place")
    decisions.add(project, "Dauren", "[person 2]", "person")
    app = make_app(project, coder="lena", lead=True, reconcile=Reconcile(coders=["alice", "bob"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReconcileScreen)
        assert "KazMunayGas" in shown_lines(screen.query_one("#rc-b"))
        await pilot.press("ctrl+x")
        await settle(pilot)
        shown = "\n".join(shown_lines(screen.query_one(f"#rc-{side}")) for side in ("a", "b", "context"))
        assert "“I worked for [company 1]”" in shown and "[company 1] in [city A]." in shown
        assert "memo: [person 2]'s employer" in shown
        assert not any(real in shown for real in ("Kaz", "Aktau", "Dauren"))


async def test_the_library_lists_attributes_through_the_pseudonymised_view(study):
    from textual.widgets import DataTable

    decisions.add(study.project, "Almaty", "[city A]", "place")
    app = make_app(study.project, coder="alice", resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)

        def attributes() -> str:
            return str(table.get_row_at(0)[2])

        assert "Almaty" in attributes()
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert "[city A]" in attributes() and "Almaty" not in attributes()


async def test_a_broken_table_is_named_with_its_line_and_left_as_it_is(study):
    path = table_path(study.project.root)
    path.write_text("entries:\n  - {real: Almaty, pseudonym: [city A}\n", encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    app = make_app(study.project, coder="lena", lead=True, resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PseudonymScreen)
        assert "pseudonyms.yaml line 2" in screen.message and "not valid YAML" in screen.message
        await pilot.press("a")  # nothing to act on; nothing written
        await settle(pilot)
        await pilot.press("ctrl+x")  # the view says why it cannot show pseudonyms
        await settle(pilot)
        assert app.pseudonymiser is None
    assert path.read_text(encoding="utf-8") == before


def test_the_app_wide_keys_are_not_taken_by_the_coding_screen():
    """ctrl+k and ctrl+x work on every screen: no key of the coding screen shadows an app-wide key there."""
    from cotag.keys import APP, CODER, KEYMAP, LEAD, WORD_MODE

    app_keys = {spec.key for spec in KEYMAP if spec.context == APP}
    coding_keys = {spec.key for spec in KEYMAP if spec.context in (CODER, WORD_MODE, LEAD)}
    assert {"ctrl+k", "ctrl+x"} <= app_keys
    assert app_keys & coding_keys == set()
