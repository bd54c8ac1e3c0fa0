"""The agreement screen driven with Pilot: its table is the core's report, low codes are red, drill-down and jump work."""

from __future__ import annotations

import pytest
from sqlmodel import select
from tui_helpers import settle

from cotag.services import coding
from cotag.reliability.disagreements import disagreement_counts
from cotag.services.agreement import agreement_report as project_agreement
from cotag.reliability.units import Selection
from cotag.store import codings as coding_store
from cotag.store import progress as progress_store
from cotag.store.coders import get_or_create_coder
from cotag.store.models import PROGRESS_DONE, Code
from cotag.tui.app import make_app
from cotag.tui.screens.agreement import BELOW_STYLE, AgreementScreen, fmt, pct
from cotag.tui.screens.library import LibraryScreen
from cotag.tui.screens.transcript import TranscriptScreen
from cotag.tui.widgets.transcript_view import TranscriptView

SIZE = (130, 40)

# (coder, code, document, unit index): E001's respondent units are 1, 2, 3, 5, 6 and G002's are 1, 2.
# network: both coders agree; wages: they agree once and part ways twice; corruption: only alice.
CODINGS = [("alice", "network", "E001", 2), ("bob", "network", "E001", 2),
           ("alice", "network", "E001", 5), ("bob", "network", "E001", 5),
           ("alice", "wages", "E001", 1), ("bob", "wages", "E001", 1),
           ("alice", "wages", "G002", 1), ("bob", "wages", "E001", 3),
           ("alice", "corruption", "E001", 3)]


@pytest.fixture
def coded(study):
    """alice and bob have coded (and marked done) both documents of the study; lena is the lead."""
    project = study.project
    g002 = coding.open_transcript(project, document_id=study.g002, coder_ids=[], progress_coder_id=0)
    units = {"E001": study.units, "G002": g002.units}
    texts = {"E001": study.text, "G002": g002.text}
    doc_ids = {"E001": study.e001, "G002": study.g002}
    with project.session() as session:
        codes = {c.key: c.id for c in session.exec(select(Code))}
        coders = {name: get_or_create_coder(session, name=name).id for name in ("alice", "bob")}
        get_or_create_coder(session, name="lena", role="lead")
        for coder, code, doc, index in CODINGS:
            unit = units[doc][index]
            coding_store.add_coding(session, document_id=doc_ids[doc], code_id=codes[code], coder_id=coders[coder],
                                    start=unit.start, end=unit.end)
        for coder_id in coders.values():
            for doc_id in doc_ids.values():
                progress_store.touch(session, coder_id=coder_id, document_id=doc_id, status=PROGRESS_DONE)
    return study, units, texts


async def open_agreement(pilot) -> AgreementScreen:
    """From the lead's library: ctrl+a, and wait for the figures."""
    await settle(pilot)
    await pilot.press("ctrl+a")
    await settle(pilot)
    return agreement_screen(pilot.app)


def agreement_screen(app) -> AgreementScreen:
    assert isinstance(app.screen, AgreementScreen), app.screen
    return app.screen


def cells(app, table_id: str) -> list[list]:
    table = app.screen.query_one(table_id)
    return [table.get_row_at(i) for i in range(table.row_count)]


def texts(row) -> list[str]:
    return [str(c) for c in row]


def expected_rows(project, kind: str, view: str) -> list[list[str]]:
    result = project_agreement(project, Selection(), kind=kind)
    counts = disagreement_counts(result.data)
    return [[r.code, fmt(r.alpha.value), fmt(r.kappa.value), pct(r.percent.value), pct(r.prevalence),
             str(r.pairable), str(counts[r.code])] for r in result.report.views[view].rows]


async def test_table_matches_the_core_and_low_codes_are_red(coded):
    study, _, _ = coded
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        report = screen.result.report
        assert report.coders == ["alice", "bob"] and report.kind == "sentence"
        shown = cells(app, "#ag-codes")
        assert [texts(r)[:7] for r in shown] == expected_rows(study.project, "sentence", "all")
        by_code = {r.code: r for r in report.views["all"].rows}
        # Worked by hand: 7 respondent sentences.  wages: alice 1000010, bob 1010000 -> n_1 = 4,
        # n_0 = 10, 4 disagreeing ordered pairs: alpha = 1 - 13 * 4 / (2 * 10 * 4) = .350;
        # kappa = (5/7 - 29/49) / (1 - 29/49) = .300; agreement 5/7; prevalence 4/14.
        # corruption: alpha = 1 - 13 * 2 / (2 * 13 * 1) = 0, kappa = 0.  network: alpha = 1.
        rows = {str(r[0]): texts(r) for r in shown}
        assert rows["wages"][1:7] == ["0.350", "0.300", "71.4%", "28.6%", "7", "2"]
        assert rows["corruption"][1:3] == ["0.000", "0.000"] and rows["network"][1] == "1.000"
        assert by_code["wages"].counts.both == 1 and by_code["wages"].counts.only_a == 1
        assert by_code["wages"].below and by_code["corruption"].below
        assert by_code["push"].alpha.value is None
        for row in shown:
            code = str(row[0])
            if by_code[code].below:
                assert all(BELOW_STYLE in str(c.style) for c in row), code
                assert str(row[-1]) == "< .667"
            else:
                assert all(BELOW_STYLE not in str(c.style) for c in row), code
        assert str(dict((str(r[0]), r) for r in shown)["push"][-1]) == "no var."
        header = str(screen.query_one("#ag-header").render())
        assert "rule: unit: sentence; a sentence carries a code when" in header
        assert "2 codes below .667 · pooled alpha" in header
        assert "below: wages, corruption" in header or "below: corruption, wages" in header


async def test_drill_down_and_jump_into_the_transcript(coded):
    study, units, text = coded
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        order = [r.code for r in screen.result.report.views["all"].rows]
        # move the cursor to wages with real key presses, then enter lists its disagreements
        for _ in range(order.index("wages")):
            await pilot.press("down")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.code == "wages"
        assert app.focused is screen.query_one("#ag-units")
        rows = [texts(r) for r in cells(app, "#ag-units")]
        e3, g1 = units["E001"][3], units["G002"][1]
        assert rows == [["E001", "4", "bob", "alice", text["E001"][e3.start:e3.end]],
                        ["G002", "2", "alice", "bob", text["G002"][g1.start:g1.end]]]
        assert "2 sentences where the coders disagree on wages" in str(screen.query_one("#ag-units-title").render())
        # the second disagreement: G002, unit 1 -> the transcript opens there
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert app.screen.document_id == study.g002
        assert app.screen.query_one(TranscriptView).cursor == 1
        # back to the library with b, as anywhere
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)


async def test_view_and_unit_switches_recompute(coded):
    study, _, _ = coded
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_agreement(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == expected_rows(study.project, "sentence", "coded")
        assert "coded-only: the 5 respondent sentences that at least one coder coded" in \
            str(app.screen.query_one("#ag-header").render())
        await pilot.press("t")
        await settle(pilot)
        assert agreement_screen(app).result.report.kind == "turn"
        assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == expected_rows(study.project, "turn", "coded")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AgreementScreen)


async def test_palette_offers_it_to_a_lead_and_a_coder_cannot_open_it(coded):
    study, _, _ = coded
    app = make_app(study.project, coder="alice")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert not isinstance(app.screen, AgreementScreen)  # blind coding: a coder never sees the others
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"intercoder agreement")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AgreementScreen)
        assert app.screen.result is not None


async def test_too_few_coders_is_said_not_raised(study):
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        assert screen.result is None
        assert "at least two coders" in str(screen.query_one("#ag-header").render())


@pytest.mark.slow
async def test_the_demo_project_has_agreement_to_show(tmp_path):
    from cotag.services.corpus import ensure_demo_project

    project, _ = ensure_demo_project(tmp_path / "demo", echo=lambda _: None)
    try:
        app = make_app(project, coder="you", lead=True)  # what `cotag demo` opens
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+a")
            await settle(pilot)
            screen = agreement_screen(app)
            assert screen.result.report.coders == ["aliya", "bauyrzhan"]
            assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == expected_rows(project, "sentence", "all")
            # the cursor starts on the first code; its disagreements are listed with the transcript text
            first = screen.result.report.views["all"].rows[0].code
            assert screen.code == first
            assert len(cells(app, "#ag-units")) == screen.counts[first]
    finally:
        project.close()


async def test_a_failing_computation_is_shown_and_the_app_keeps_running(coded, monkeypatch):
    import cotag.tui.screens.agreement as screen_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(screen_module, "project_agreement", broken)
    study, _, _ = coded
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_agreement(pilot)
        assert "disk on fire" in str(agreement_screen(app).query_one("#ag-header").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)


async def test_the_lead_chooses_which_coders_to_compare(coded):
    """A third coder who coded a little should not silently turn the comparison into a three-way one."""
    study, units, _ = coded
    with study.project.session() as session:
        carol = get_or_create_coder(session, name="carol").id
        wages = session.exec(select(Code).where(Code.key == "wages")).one().id
        unit = units["E001"][5]
        coding_store.add_coding(session, document_id=study.e001, code_id=wages, coder_id=carol,
                                start=unit.start, end=unit.end)
        progress_store.touch(session, coder_id=carol, document_id=study.e001, status=PROGRESS_DONE)
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        assert screen.result.report.coders == ["alice", "bob", "carol"]
        assert screen.result.report.kappa_name == "conger_kappa"
        await pilot.press("c")  # everyone is ticked; untick carol (the third) and compare
        await settle(pilot)
        await pilot.press("down", "down", "space", "enter")
        await settle(pilot)
        screen = agreement_screen(app)
        assert screen.coders == ("alice", "bob")
        assert screen.result.report.coders == ["alice", "bob"]
        assert screen.result.report.kappa_name == "cohen_kappa"
        assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == [
            [r.code, fmt(r.alpha.value), fmt(r.kappa.value), pct(r.percent.value), pct(r.prevalence),
             str(r.pairable), str(n)] for r, n in _pair_rows(study.project)]
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("space", "enter")  # one coder alone is refused: the dialog stays
        await settle(pilot)
        assert app.screen is not screen
        await pilot.press("escape")
        await settle(pilot)
        assert agreement_screen(app).coders == ("alice", "bob")


def _pair_rows(project):
    result = project_agreement(project, Selection(coders=("alice", "bob")), kind="sentence")
    counts = disagreement_counts(result.data)
    return [(r, counts[r.code]) for r in result.report.views["all"].rows]


def _add_carol(study, units) -> None:
    """A third coder who coded a little and marked E001 done."""
    with study.project.session() as session:
        carol = get_or_create_coder(session, name="carol").id
        wages = session.exec(select(Code).where(Code.key == "wages")).one().id
        unit = units["E001"][5]
        coding_store.add_coding(session, document_id=study.e001, code_id=wages, coder_id=carol,
                                start=unit.start, end=unit.end)
        progress_store.touch(session, coder_id=carol, document_id=study.e001, status=PROGRESS_DONE)


def _remembered(project) -> list[tuple]:
    """(actor, coders) of every remembered choice, as the audit trail holds them."""
    from cotag.services import AGREEMENT_CODERS_EVENT
    from cotag.store.models import Event

    with project.session() as session:
        return [(e.actor, e.payload["coders"]) for e in
                session.exec(select(Event).where(Event.kind == AGREEMENT_CODERS_EVENT).order_by(Event.id))]


async def test_the_chosen_coders_are_remembered_for_the_next_session(coded):
    study, units, _ = coded
    _add_carol(study, units)
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        assert screen.result.report.coders == ["alice", "bob", "carol"]
        await pilot.press("c")  # everyone compared is ticked; untick carol (the third) and compare
        await settle(pilot)
        await pilot.press("down", "down", "space", "enter")
        await settle(pilot)
        assert agreement_screen(app).result.report.coders == ["alice", "bob"]
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0
    assert _remembered(study.project) == [("lena", ["alice", "bob"])]
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        assert screen.coders == ("alice", "bob")
        assert screen.result.report.coders == ["alice", "bob"]
        assert screen.result.report.kappa_name == "cohen_kappa"
        assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == [
            [r.code, fmt(r.alpha.value), fmt(r.kappa.value), pct(r.percent.value), pct(r.prevalence),
             str(r.pairable), str(n)] for r, n in _pair_rows(study.project)]
        # Nothing ticked: back to the default (carol in again), remembered too.
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("space", "down", "space", "enter")
        await settle(pilot)
        assert agreement_screen(app).coders is None
        assert agreement_screen(app).result.report.coders == ["alice", "bob", "carol"]
    assert _remembered(study.project) == [("lena", ["alice", "bob"]), ("lena", [])]


async def test_the_leads_own_coding_does_not_join_the_default_comparison(coded):
    """lena (the lead) codes E001 and marks both documents done, as a lead often does: still alice and bob."""
    study, units, _ = coded
    with study.project.session() as session:
        lena = get_or_create_coder(session, name="lena", role="lead").id
        wages = session.exec(select(Code).where(Code.key == "wages")).one().id
        for index in (1, 2, 3):
            unit = units["E001"][index]
            coding_store.add_coding(session, document_id=study.e001, code_id=wages, coder_id=lena,
                                    start=unit.start, end=unit.end)
        for doc_id in (study.e001, study.g002):
            progress_store.touch(session, coder_id=lena, document_id=doc_id, status=PROGRESS_DONE)
    app = make_app(study.project, coder="lena", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agreement(pilot)
        assert screen.coders is None
        assert screen.result.report.coders == ["alice", "bob"]
        assert screen.result.report.kappa_name == "cohen_kappa"
        assert [texts(r)[:7] for r in cells(app, "#ag-codes")] == [
            [r.code, fmt(r.alpha.value), fmt(r.kappa.value), pct(r.percent.value), pct(r.prevalence),
             str(r.pairable), str(n)] for r, n in _pair_rows(study.project)]
        # The `c` dialog offers lena (a lead may be compared on purpose) but does not tick her.
        await pilot.press("c")
        await settle(pilot)
        choices = app.screen.query_one("#agreement-coders")
        assert "lena" in [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        assert sorted(choices.selected) == ["alice", "bob"]
        await pilot.press("escape")
        await settle(pilot)
    assert _remembered(study.project) == []
