"""The analysis screen driven with Pilot: its figures are the export core's, and its exports write real files."""

from __future__ import annotations

import csv

import pytest
from factories import make_codes, make_document
from tui_helpers import settle

from cotag.export.analysis import default_export_path
from cotag.services.export import load_analysis
from cotag.services.export import coding_choices, export_view
from cotag.services.export import quotes_for_code
from cotag.export.scope import Scope
from cotag.store.coders import get_or_create_coder
from cotag.store.codings import add_coding
from cotag.tui.app import make_app
from cotag.tui.modals.export import ExportDialog
from cotag.tui.screens.analysis import AnalysisScreen, cell_label

SIZE = (120, 40)
E001 = [("Interviewer", ["Why do people leave?"]),
        ("Respondent", ["Salaries are low here.", "My cousin earns five times more in Berlin.",
                        "Corruption is everywhere."]),
        ("Interviewer", ["And you?"]),
        ("Respondent", ["I stay for my parents.", "They are old."])]
E002 = [("Interviewer", ["Tell me about pay."]), ("Respondent", ["A teacher cannot live on this salary."])]
G001 = [("Interviewer", ["Would you move?"]), ("Respondent", ["In the US my salary would be ten times higher."])]
G002 = [("Interviewer", ["Would you move?"]), ("Respondent", ["My family keeps me here.", "So I came back."])]
ALMATY = "(female, 38, civil servant, Almaty)"
NO_PLACE = "(male, 45, teacher)"
GRADUATE_US = "(male, 33, graduated from a US university)"


@pytest.fixture
def study(sqlite_project):
    """Four respondents (one without a place, one without an age), a small codebook and two coders.

    alice: E001 wages + corruption in the same sentence ("Salaries are low here." twice over), E001 family,
           E002 lowpay, G001 wages; bob: E001 lowpay, G002 family.
    """
    project = sqlite_project
    with project.session() as session:
        codes = make_codes(session, [("push", "Push factors"), ("wages", "Wages and income", "push"),
                                     ("lowpay", "Low pay", "wages"), ("corruption", "Corruption", "push"),
                                     ("retention", "Retention factors"), ("family", "Family ties", "retention")])
        docs = {
            "E001": make_document(session, "E001", E001, attributes={
                "gender": "female", "age": 38, "occupation": "civil servant", "place": "Almaty"}),
            "E002": make_document(session, "E002", E002, attributes={
                "gender": "male", "age": 45, "occupation": "teacher", "place": None}),
            "G001": make_document(session, "G001", G001, group="graduate", attributes={
                "gender": "male", "age": 33, "degree_country": "USA"}),
            "G002": make_document(session, "G002", G002, group="graduate", attributes={
                "gender": "female", "degree_country": "Austria"}),
        }
        alice = get_or_create_coder(session, name="alice", role="lead")
        bob = get_or_create_coder(session, name="bob")

        def code(coder, doc, key, phrase):
            start = docs[doc].text.index(phrase)
            add_coding(session, document_id=docs[doc].id, code_id=codes[key].id, coder_id=coder.id, start=start,
                       end=start + len(phrase))

        code(alice, "E001", "wages", "Salaries are low here.")
        code(alice, "E001", "corruption", "Salaries are low")
        code(alice, "E001", "family", "I stay for my parents.")
        code(alice, "E002", "lowpay", "A teacher cannot live on this salary.")
        code(alice, "G001", "wages", "In the US my salary would be ten times higher.")
        code(bob, "E001", "lowpay", "Salaries are low here.")
        code(bob, "G002", "family", "My family keeps me here.")
    return project


async def open_analysis(pilot) -> AnalysisScreen:
    await settle(pilot)
    await pilot.press("ctrl+t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AnalysisScreen)
    return screen


def table_cells(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_ctrl_t_shows_the_cores_prevalence_as_chart_and_table(study):
    core = load_analysis(study)  # a lead's default: every coder (no consensus yet)
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        assert screen.analysis.coding_label == "all coders"
        assert screen.prevalence == core.prevalence("group")
        # Themes by group: push is mentioned by 2 of 2 experts and 1 of 2 graduates.
        push = {row["value"]: row for row in screen.prevalence if row["code"] == "push"}
        assert (push["expert"]["respondents"], push["expert"]["n"], push["expert"]["excerpts"]) == (2, 2, 4)
        assert (push["graduate"]["respondents"], push["graduate"]["share"]) == (1, 0.5)
        assert screen.chart_series == ["expert", "graduate"]
        # The chart is drawn from those figures: themes as bars, groups in the legend.
        drawn = screen.query_one("#an-chart").plt.build()
        for text in ("Push factors", "Retention factors", "by group"):
            assert text in drawn
        legend = str(screen.query_one("#an-legend").render())
        assert "expert (n=2)" in legend and "graduate (n=2)" in legend
        # The table lists every code with respondents (share) / excerpts per group and in total.
        table = screen.query_one("#an-prevalence-table")
        expected = [[("· " * (row["depth"] - 1)) + row["name"], *[cell_label(c) for c in row["cells"]]]
                    for row in core.prevalence_table("group")]
        assert table_cells(table) == expected
        assert [str(c.label) for c in table.ordered_columns] == ["code", "expert (n=2)", "graduate (n=2)",
                                                                   "total (n=4)"]
        assert table_cells(table)[0][1:] == ["2 (100%) / 4", "1 (50%) / 1", "3 (75%) / 5"]
        # `a` compares by the next attribute: place, with a (missing) column for E002 and the graduates.
        await pilot.press("a")
        await settle(pilot)
        assert screen.by == "place"
        assert screen.prevalence == core.prevalence("place")
        assert [str(c.label) for c in table.ordered_columns] == ["code", "Almaty (n=1)", "(missing) (n=3)",
                                                                   "total (n=4)"]


async def test_cooccurrence_tab_within_units_and_documents(study):
    core = load_analysis(study)
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert screen.query_one("TabbedContent").active == "an-cooccurrence"
        table = screen.query_one("#an-cooccurrence-table")
        units = core.cooccurrence("unit")
        keys = list(units.counts.index)
        assert [str(c.label) for c in table.ordered_columns] == ["code", *keys]
        cells = table_cells(table)
        assert [[int(v) for v in row[1:]] for row in cells] == units.counts.to_numpy().tolist()
        # Wages, low pay and corruption meet in E001's first sentence.
        at = {k: i for i, k in enumerate(keys)}
        assert cells[at["wages"]][1 + at["corruption"]] == "1"
        assert cells[at["lowpay"]][1 + at["corruption"]] == "1"
        assert "Wages and income + Corruption: 1" in str(screen.query_one("#an-pairs").render())
        await pilot.press("w")
        await settle(pilot)
        assert screen.within == "document"
        documents = core.cooccurrence("document")
        assert [[int(v) for v in row[1:]] for row in table_cells(table)] == documents.counts.to_numpy().tolist()
        # Within documents, family meets wages in E001 too.
        assert table_cells(table)[at["family"]][1 + at["wages"]] == "1"


async def test_quote_browser_shows_each_codes_quotes_with_the_export_attribution(study):
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("3")
        await settle(pilot)
        codes = screen.query_one("#an-codes")
        # The first code is the first theme: push, with its subtree's five quotes.
        assert screen.code == "push"
        assert [(c.key, c.quotes) for c in screen.codes] == [("push", 5), ("wages", 4), ("lowpay", 2),
                                                              ("corruption", 1), ("retention", 2), ("family", 2)]
        assert screen.focused is codes  # `3` gives the code list the arrow keys
        await pilot.press("down")
        await settle(pilot)
        assert screen.code == "wages"
        expected = quotes_for_code(study, code="wages")
        assert screen.quotes == expected
        listing = screen.query_one("#an-quote-list")
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert len(prompts) == 4
        assert prompts[0] == f"Salaries are low here.\n— {ALMATY} · E001 · alice"
        assert f"A teacher cannot live on this salary.\n— {NO_PLACE} · E002 · alice" in prompts
        assert f"In the US my salary would be ten times higher.\n— {GRADUATE_US} · G001 · alice" in prompts
        assert not any("None" in p or ", ," in p or ", )" in p for p in prompts)
        assert "Wages and income: 4 quotes" in str(screen.query_one("#an-quote-head").render())


async def test_export_quotes_from_the_browser_writes_the_docx(study, tmp_path):
    import docx

    app = make_app(study, coder="alice", lead=True)
    target = tmp_path / "out" / "wages.docx"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        field = dialog.query_one("#an-export-path")
        # The suggestion is the project's exports/ folder, named after the code.
        assert field.value == str(default_export_path(study, "quotes", code="wages"))
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.last_export["path"] == str(target)
        assert screen.last_export["quotes"] == 4
        message = str(screen.query_one("#an-message").render())
        assert "wrote quotes of wages" in message and str(target) in message
    document = docx.Document(str(target))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Push factors") in paragraphs
    assert ("Heading 2", "Wages and income") in paragraphs
    assert ("Heading 2", "Wages and income › Low pay") in paragraphs
    quotes = [text for style, text in paragraphs if style == "Quote"]
    assert quotes == [q.text for q in quotes_for_code(study, code="wages")]
    attributions = [text for style, text in paragraphs if style == "Attribution"]
    assert f"{ALMATY} · E001 · alice" in attributions
    assert f"{NO_PLACE} · E002 · alice" in attributions
    assert f"{ALMATY} · E001 · bob" in attributions
    assert all("None" not in a for a in attributions)


async def test_export_matrix_from_the_themes_tab_writes_the_xlsx(study):
    import openpyxl

    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")  # the suggested path: exports/matrix-by-group.xlsx in the project
        await settle(pilot)
        path = study.root / "exports" / "matrix-by-group.xlsx"
        assert screen.last_export["path"] == str(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Respondents", "Share", "Excerpts", "Read me"]
    sheet = book["Respondents"]
    header = [c.value for c in sheet[1]]
    assert header[-3:] == ["expert (n=2)", "graduate (n=2)", "total (n=4)"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["push"][-3:] == (2, 1, 3)
    assert rows["family"][-3:] == (1, 1, 2)
    excerpts = {row[0]: row for row in book["Excerpts"].iter_rows(min_row=2, values_only=True)}
    assert excerpts["push"][-3:] == (4, 1, 5)


async def test_export_cooccurrence_as_csv_and_a_failed_export_says_why(study, tmp_path):
    app = make_app(study, coder="alice", lead=True)
    target = tmp_path / "co.csv"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("2", "e")
        await settle(pilot)
        field = app.screen.query_one("#an-export-path")
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.last_export["path"] == str(target)
        # A suffix no writer knows is refused, and the screen says so instead of writing.
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#an-export-path").value = str(tmp_path / "co.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert "cannot tell the format" in str(screen.query_one("#an-message").render())
        assert not (tmp_path / "co.pdf").exists()
    with target.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {row["code"]: row for row in rows}
    assert by_code["wages"]["corruption"] == "1"
    assert by_code["wages"]["wages"] == "2"  # E001's first sentence and G001's


async def test_a_lead_switches_whose_coding_and_a_coder_sees_only_their_own(study):
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        assert [c.label for c in screen.choices] == ["all coders", "alice", "bob"]
        await pilot.press("o")
        await settle(pilot)
        assert screen.analysis.coding_label == "alice"
        assert screen.prevalence == load_analysis(study, Scope(coders=("alice",))).prevalence("group")
        assert "coding: alice" in str(screen.query_one("#an-status").render())
    app = make_app(study, coder="bob")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        # Blind coding: bob's analysis holds bob's codings only, and `o` offers no one else's.
        assert [c.label for c in screen.choices] == ["bob"]
        assert set(screen.analysis.quote_table().data["coder"]) == {"bob"}
        await pilot.press("o")
        await settle(pilot)
        assert screen.analysis.coding_label == "bob"


async def test_reload_finds_a_new_consensus_and_the_figures_follow(study):
    from cotag.store.coders import consensus_coder
    from cotag.store.models import Code, Document
    from sqlmodel import select

    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        assert screen.analysis.coding_label == "all coders"
        with study.session() as session:
            e002 = session.exec(select(Document).where(Document.external_id == "E002")).one()
            lowpay = session.exec(select(Code).where(Code.key == "lowpay")).one()
            start = e002.text.index("A teacher")
            add_coding(session, document_id=e002.id, code_id=lowpay.id, coder_id=consensus_coder(session).id,
                       start=start, end=start + 10)
        await pilot.press("r")
        await settle(pilot)
        # The coding shown stays the one chosen (every coder's); the consensus is now one `o` away.
        assert [c.label for c in screen.choices] == ["consensus", "all coders", "alice", "bob"]
        assert screen.analysis.coding_label == "all coders"
        for _ in range(3):  # every coder -> alice -> bob -> consensus; a key during a load is ignored
            await pilot.press("o")
            await settle(pilot)
        assert screen.analysis.coding_label == "consensus"
        assert screen.prevalence == load_analysis(study, Scope(consensus=True)).prevalence("group")
        push = {row["value"]: row["respondents"] for row in screen.prevalence if row["code"] == "push"}
        # the consensus covers one expert's interview so far: no graduate is counted, coded or not
        assert push == {"expert": 1}


async def test_command_palette_and_escape(study):
    app = make_app(study, coder="alice", lead=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"analysis")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnalysisScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AnalysisScreen)


def test_choices_and_export_view_without_a_terminal(study, tmp_path):
    assert [c.label for c in coding_choices(study)] == ["all coders", "alice", "bob"]
    assert [c.label for c in coding_choices(study, viewer="bob", lead=False)] == ["bob"]
    summary = export_view(study, tmp_path / "new" / "family.md", kind="quotes", code="family")
    text = (tmp_path / "new" / "family.md").read_text(encoding="utf-8")
    assert summary["quotes"] == 2
    assert "## Retention factors" in text and "### Family ties" in text
    assert "> My family keeps me here.\n>\n> — (female, graduated from an Austrian university) · G002 · bob" in text


async def test_s_widens_the_browsed_and_exported_quotes_to_the_sentence(study, tmp_path):
    app = make_app(study, coder="alice", lead=True)
    target = tmp_path / "corruption.md"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_analysis(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("down", "down", "down")  # push, wages, lowpay, corruption
        await settle(pilot)
        assert screen.code == "corruption"
        assert [q.text for q in screen.quotes] == ["Salaries are low"]
        await pilot.press("s")
        await settle(pilot)
        assert screen.widen == "sentence" and screen.code == "corruption"
        assert screen.quotes == quotes_for_code(study, code="corruption", widen="sentence")
        assert [q.text for q in screen.quotes] == ["Salaries are low here."]
        assert "quotes: sentence" in str(screen.query_one("#an-status").render())
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#an-export-path").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    text = target.read_text(encoding="utf-8")
    assert f"> Salaries are low here.\n>\n> — {ALMATY} · E001" in text


def test_every_analysis_key_is_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "exports.md").read_text(encoding="utf-8")
    for binding in AnalysisScreen.BINDINGS:
        assert f"`{binding.key}`" in text and f"`{binding.id}`" in text, binding
    assert "| `ctrl+t` | `analysis` |" in (Path(__file__).resolve().parents[2] / "docs" / "keys.md").read_text(
        encoding="utf-8")
