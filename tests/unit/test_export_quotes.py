"""Quote exports: rows, attributions, subtrees, widening, filters, whose coding, and each format read back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cotag.errors import CotagError
from cotag.export.quotes import collect_quotes
from cotag.services.export import export_quotes, quotes_for_code
from cotag.export.scope import Scope
from cotag.store.codings import add_coding
from cotag.store.coders import consensus_coder, get_or_create_coder
from factories import make_codes, make_document

E001 = [("Interviewer", ["Why do people leave?"]),
        ("Respondent", ["Salaries are low here.", "My cousin earns five times more in Berlin.",
                        "Corruption is everywhere."]),
        ("Interviewer", ["And you?"]),
        ("Respondent", ["I stay for my parents.", "They are old."])]
E002 = [("Interviewer", ["Tell me about pay."]), ("Respondent", ["A teacher cannot live on this salary."])]
G001 = [("Interviewer", ["Would you move?"]), ("Respondent", ["In the US my salary would be ten times higher."])]
G002 = [("Interviewer", ["Would you move?"]), ("Respondent", ["My family keeps me here.", "So I came back."])]

EXPERT_FEMALE = "(female, 38, civil servant, Almaty)"
EXPERT_NO_PLACE = "(male, 45, teacher)"
GRADUATE_US = "(male, 33, graduated from a US university)"
GRADUATE_NO_AGE = "(female, graduated from an Austrian university)"


def span(document, phrase: str) -> tuple[int, int]:
    start = document.text.index(phrase)
    return start, start + len(phrase)


def build_study(project) -> dict:
    """Four respondents, a small codebook, two coders; returns ids for assertions.

    alice: E001 wages ("earns five times more"), E001 corruption, E001 family, E002 lowpay, G001 wages (memo)
    bob:   E001 lowpay ("Salaries are low here."), G002 family
    """
    with project.session() as session:
        codes = make_codes(session, [("push", "Push factors"), ("wages", "Wages and income", "push"),
                                     ("lowpay", "Low pay", "wages"), ("corruption", "Corruption", "push"),
                                     ("pull", "Pull factors"), ("retention", "Retention factors"),
                                     ("family", "Family ties", "retention")])
        docs = {
            "E001": make_document(session, "E001", E001, group="expert", attributes={
                "gender": "female", "age": 38, "occupation": "civil servant", "place": "Almaty"}),
            "E002": make_document(session, "E002", E002, group="expert", attributes={
                "gender": "male", "age": 45, "occupation": "teacher", "place": None}),
            "G001": make_document(session, "G001", G001, group="graduate", attributes={
                "gender": "male", "age": 33, "degree_country": "USA", "residence_country": "Kazakhstan"}),
            "G002": make_document(session, "G002", G002, group="graduate", attributes={
                "gender": "female", "degree_country": "Austria", "residence_country": "Austria"}),
        }
        alice = get_or_create_coder(session, name="alice")
        bob = get_or_create_coder(session, name="bob")

        def code(coder, doc, key, phrase, memo=""):
            start, end = span(docs[doc], phrase)
            add_coding(session, document_id=docs[doc].id, code_id=codes[key].id, coder_id=coder.id, start=start,
                       end=end, memo=memo)

        code(alice, "E001", "wages", "earns five times more")
        code(alice, "E001", "corruption", "Corruption is everywhere.")
        code(alice, "E001", "family", "I stay for my parents.")
        code(alice, "E002", "lowpay", "A teacher cannot live on this salary.")
        code(alice, "G001", "wages", "In the US my salary would be ten times higher.", memo="ratio claim")
        code(bob, "E001", "lowpay", "Salaries are low here.")
        code(bob, "G002", "family", "My family keeps me here.")
        return {"codes": {k: c.id for k, c in codes.items()}, "docs": {k: d.id for k, d in docs.items()},
                "texts": {k: d.text for k, d in docs.items()}}


def add_consensus(project, ids, items) -> None:
    with project.session() as session:
        coder = consensus_coder(session)
        for doc, key, phrase in items:
            start = ids["texts"][doc].index(phrase)
            add_coding(session, document_id=ids["docs"][doc], code_id=ids["codes"][key], coder_id=coder.id,
                       start=start, end=start + len(phrase))


def quotes(project, scope=Scope(), **kwargs):
    with project.session() as session:
        return collect_quotes(session, scope, config=project.config, **kwargs)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- rows

def test_csv_rows_carry_path_attribution_attributes_and_position(project, tmp_path):
    build_study(project)
    out = tmp_path / "quotes.csv"
    summary, text = export_quotes(project, out)
    assert text is None and summary["quotes"] == 7 and summary["coding"] == "all coders"
    rows = read_csv(out)
    header = list(rows[0])
    assert header[:5] == ["code", "code_name", "theme", "sub-theme", "sub-theme 2"]
    for column in ("quote", "attribution", "document", "group", "gender", "age", "occupation", "place",
                   "degree_country", "residence_country", "speaker", "coder", "memo", "start", "end", "unit"):
        assert column in header
    wages = next(r for r in rows if r["document"] == "E001" and r["code"] == "wages")
    assert (wages["theme"], wages["sub-theme"], wages["sub-theme 2"]) == ("Push factors", "Wages and income", "")
    assert wages["quote"] == "earns five times more"
    assert wages["attribution"] == EXPERT_FEMALE
    assert (wages["gender"], wages["age"], wages["place"], wages["group"]) == ("female", "38", "Almaty", "expert")
    assert wages["speaker"] == "Respondent" and wages["coder"] == "alice"
    assert wages["unit"] == "3"  # units from 1: 1 is the interviewer's question, 2 "Salaries are low here."
    start, end = int(wages["start"]), int(wages["end"])
    lowpay = next(r for r in rows if r["code"] == "lowpay" and r["document"] == "E001")
    assert (lowpay["theme"], lowpay["sub-theme"], lowpay["sub-theme 2"]) == ("Push factors", "Wages and income",
                                                                             "Low pay")
    assert end - start == len("earns five times more")
    memo = next(r for r in rows if r["document"] == "G001")
    assert memo["memo"] == "ratio claim" and memo["attribution"] == GRADUATE_US
    assert memo["occupation"] == ""  # a graduate without that attribute: an empty cell


def test_missing_attributes_never_print_none(project, tmp_path):
    build_study(project)
    out = tmp_path / "quotes.csv"
    export_quotes(project, out)
    rows = read_csv(out)
    by_doc = {r["document"]: r["attribution"] for r in rows}
    assert by_doc["E002"] == EXPERT_NO_PLACE
    assert by_doc["G002"] == GRADUATE_NO_AGE
    raw = out.read_text(encoding="utf-8")
    for bad in ("None", "nan", ", ,", "()", "(,", ",)"):
        assert bad not in raw


def test_rows_follow_codebook_order_then_document(project):
    build_study(project)
    table = quotes(project)
    assert [(q.code, q.document) for q in table.quotes] == [
        ("wages", "E001"), ("wages", "G001"), ("lowpay", "E001"), ("lowpay", "E002"), ("corruption", "E001"),
        ("family", "E001"), ("family", "G002")]


def test_chosen_codes_include_their_subtree(project):
    build_study(project)
    table = quotes(project, Scope(codes=("wages",)))
    assert sorted({q.code for q in table.quotes}) == ["lowpay", "wages"]
    table = quotes(project, Scope(codes=("retention", "corruption")))
    assert sorted((q.code, q.document) for q in table.quotes) == [
        ("corruption", "E001"), ("family", "E001"), ("family", "G002")]


def test_widen_to_sentence_and_turn(project):
    ids = build_study(project)
    span_only = quotes(project, Scope(codes=("wages",), documents=("E001",), coders=("alice",)))
    assert [q.text for q in span_only.quotes] == ["earns five times more"]
    sentence = quotes(project, Scope(codes=("wages",), documents=("E001",), coders=("alice",)), widen="sentence")
    assert [q.text for q in sentence.quotes] == ["My cousin earns five times more in Berlin."]
    turn = quotes(project, Scope(codes=("family",), documents=("E001",)), widen="turn")
    assert [q.text for q in turn.quotes] == ["I stay for my parents. They are old."]
    # Positions stay the coding's, not the widened text's.
    assert turn.quotes[0].start == ids["texts"]["E001"].index("I stay for my parents.")


def test_filters_by_group_document_and_attribute(project):
    build_study(project)
    assert {q.document for q in quotes(project, Scope(groups=("graduate",))).quotes} == {"G001", "G002"}
    assert {q.document for q in quotes(project, Scope(documents=("E002", "G002"))).quotes} == {"E002", "G002"}
    assert {q.document for q in quotes(project, Scope(where=("gender=female",))).quotes} == {"E001", "G002"}
    # The same attribute twice: either value; different attributes: both.
    both = quotes(project, Scope(where=("gender=Female", "group=graduate")))
    assert {q.document for q in both.quotes} == {"G002"}
    either = quotes(project, Scope(where=("degree_country=USA", "degree_country=austria")))
    assert {q.document for q in either.quotes} == {"G001", "G002"}


def test_whose_coding(project):
    ids = build_study(project)
    assert {q.coder for q in quotes(project, Scope(coders=("bob",))).quotes} == {"bob"}
    add_consensus(project, ids, [("E001", "wages", "My cousin earns five times more in Berlin.")])
    default = quotes(project)
    assert default.coding_label == "consensus"
    assert [(q.coder, q.text) for q in default.quotes] == [("consensus", "My cousin earns five times more in Berlin.")]
    everyone = quotes(project, Scope(all_coders=True))
    assert {q.coder for q in everyone.quotes} == {"alice", "bob"}
    with pytest.raises(CotagError, match="choose one of"):
        quotes(project, Scope(consensus=True, all_coders=True))


def test_consensus_requested_before_it_exists(project):
    build_study(project)
    with pytest.raises(CotagError, match="no consensus coding yet"):
        quotes(project, Scope(consensus=True))


def test_errors_name_the_value(project, tmp_path):
    build_study(project)
    with pytest.raises(CotagError, match="'wagez'"):
        quotes(project, Scope(codes=("wagez",)))
    with pytest.raises(CotagError, match="'religion'"):
        quotes(project, Scope(where=("religion=x",)))
    with pytest.raises(CotagError, match="'mallory'"):
        quotes(project, Scope(coders=("mallory",)))
    with pytest.raises(CotagError, match=r"\{gendr\}"):
        quotes(project, attribution_overrides=["({gendr}, {age})"])
    with pytest.raises(CotagError, match="bad placeholder"):
        quotes(project, attribution_overrides=["({gender!r})"])
    with pytest.raises(CotagError, match="no-such-folder"):
        export_quotes(project, tmp_path / "no-such-folder" / "q.csv")
    with pytest.raises(CotagError, match="'.pdf'"):
        export_quotes(project, tmp_path / "q.pdf")
    with pytest.raises(CotagError, match="needs a file name"):
        export_quotes(project, None, fmt="xlsx")


def test_attribution_from_config_and_command_line(project, tmp_path):
    build_study(project)
    config = dict(project.config)
    config["export"] = {"attribution": {"graduate": "({gender|cap}, {residence_country})"}}
    project.config = config
    by_doc = {q.document: q.attribution for q in quotes(project).quotes}
    assert by_doc["G001"] == "(Male, Kazakhstan)" and by_doc["E001"] == EXPERT_FEMALE
    by_doc = {q.document: q.attribution for q in quotes(project, attribution_overrides=['expert="[{place}]"']).quotes}
    assert by_doc["E001"] == "[Almaty]" and by_doc["E002"] == "" and by_doc["G002"] == "(Female, Austria)"


def test_quote_browser_data_for_one_code(project):
    build_study(project)
    rows = quotes_for_code(project, code="retention")
    assert [(q.code, q.document, q.attribution) for q in rows] == [
        ("family", "E001", EXPERT_FEMALE), ("family", "G002", GRADUATE_NO_AGE)]


def test_stdout_text_when_no_path(project):
    build_study(project)
    summary, text = export_quotes(project, None)
    assert summary["format"] == "csv" and text.splitlines()[0].startswith("code,code_name,theme")
    summary, text = export_quotes(project, None, fmt="md")
    assert text.startswith("# Themed quotes")


# ---------------------------------------------------------------- formats read back

def test_xlsx_one_sheet_per_theme_wrapped_frozen(sqlite_project, tmp_path):
    import openpyxl

    build_study(sqlite_project)
    out = tmp_path / "quotes.xlsx"
    export_quotes(sqlite_project, out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Push factors", "Retention factors", "Read me"]
    sheet = book["Push factors"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    rows = [dict(zip(header, [c.value for c in row])) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 5 and {r["theme"] for r in rows} == {"Push factors"}
    g001 = next(r for r in rows if r["document"] == "G001")
    assert g001["attribution"] == GRADUATE_US and g001["age"] == 33 and g001["occupation"] is None
    quote_col = header.index("quote") + 1
    assert sheet.cell(row=2, column=quote_col).alignment.wrap_text
    letter = openpyxl.utils.get_column_letter(quote_col)
    assert sheet.column_dimensions[letter].width >= 60
    assert sheet.cell(row=1, column=1).font.bold
    retention = [[c.value for c in row] for row in book["Retention factors"].iter_rows(min_row=2)]
    assert sorted(r[header.index("attribution")] for r in retention) == [EXPERT_FEMALE, GRADUATE_NO_AGE]


def test_xlsx_sheet_names_are_valid_for_excel(sqlite_project, tmp_path):
    import openpyxl

    ids = build_study(sqlite_project)
    from cotag.store.models import Code

    with sqlite_project.session() as session:
        for key, name in (("push", "Push/pull: [why?] reasons for leaving Kazakhstan*"),
                          ("retention", "push\\pull: [why?] reasons for leaving Kazakhstan*")):
            code = session.get(Code, ids["codes"][key])
            code.name = name
            session.add(code)
    out = tmp_path / "quotes.xlsx"
    export_quotes(sqlite_project, out)
    names = openpyxl.load_workbook(out).sheetnames
    assert len(names) == 3 and len({n.casefold() for n in names}) == 3 and names[-1] == "Read me"
    for name in names:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


@pytest.mark.parametrize("names", [
    ["Workers rights and the employer' duty", "x" * 30 + "'y", "'quoted'"],
    ["[]:*?/\\", "   ", "Sheet"],
    ["History", "history", "a" * 40, "A" * 40, "a" * 40],
])
def test_sheet_names_excel_accepts(names):
    from cotag.export.writers import sheet_name

    taken: set[str] = set()
    made = [sheet_name(name, taken) for name in names]
    assert len({m.casefold() for m in made}) == len(made)
    for name in made:
        # Excel's rules: 1 to 31 characters, none of []:*?/\, no apostrophe first or last, not "History".
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert name.casefold() != "history" and name == name.strip(), name


def test_xlsx_keeps_a_quote_starting_with_equals_as_text(sqlite_project, tmp_path):
    import openpyxl

    with sqlite_project.session() as session:
        codes = make_codes(session, [("wages", "Wages")])
        doc = make_document(session, "E009", [("Respondent", ["=SUM(pay) is what they give us."])])
        coder = get_or_create_coder(session, name="alice")
        add_coding(session, document_id=doc.id, code_id=codes["wages"].id, coder_id=coder.id,
                   start=doc.text.index("="), end=doc.text.index("us.") + 3)
    out = tmp_path / "q.xlsx"
    export_quotes(sqlite_project, out)
    sheet = openpyxl.load_workbook(out)["Wages"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("quote") + 1)
    assert cell.value == "=SUM(pay) is what they give us." and cell.data_type == "s"


def test_docx_headings_block_quotes_and_attributions(sqlite_project, tmp_path):
    import docx

    build_study(sqlite_project)
    out = tmp_path / "quotes.docx"
    export_quotes(sqlite_project, out, widen="sentence")
    paragraphs = [(p.style.name, p.text) for p in docx.Document(out).paragraphs]
    headings = [(s, t) for s, t in paragraphs if s.startswith("Heading") or s == "Title"]
    assert headings == [("Title", "Themed quotes"), ("Heading 1", "Push factors"),
                        ("Heading 2", "Wages and income"), ("Heading 2", "Wages and income › Low pay"),
                        ("Heading 2", "Corruption"), ("Heading 1", "Retention factors"), ("Heading 2", "Family ties")]
    quotes_ = [i for i, (s, _) in enumerate(paragraphs) if s == "Quote"]
    assert len(quotes_) == 7
    for i in quotes_:
        style, text = paragraphs[i + 1]
        assert style == "Attribution" and text.startswith("(") and "None" not in text
    pairs = {paragraphs[i][1]: paragraphs[i + 1][1] for i in quotes_}
    assert pairs["My cousin earns five times more in Berlin."] == f"{EXPERT_FEMALE} · E001 · alice"
    assert pairs["My family keeps me here."] == f"{GRADUATE_NO_AGE} · G002 · bob"


def test_markdown_renders_themes_and_block_quotes(sqlite_project, tmp_path):
    from markdown_it import MarkdownIt

    ids = build_study(sqlite_project)
    add_consensus(sqlite_project, ids, [("E001", "wages", "My cousin earns five times more in Berlin."),
                                        ("G002", "family", "My family keeps me here.")])
    out = tmp_path / "quotes.md"
    export_quotes(sqlite_project, out)
    text = out.read_text(encoding="utf-8")
    tokens = MarkdownIt().parse(text)
    h2 = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert h2 == ["Push factors", "Retention factors"]
    assert sum(t.type == "blockquote_open" for t in tokens) == 2
    html = MarkdownIt().render(text)
    assert ("<blockquote>\n<p>My cousin earns five times more in Berlin.</p>\n"
            "<p>— (female, 38, civil servant, Almaty) · E001</p>") in html
    assert "coding: consensus" in text and "None" not in text


def test_markdown_escapes_what_would_change_rendering(sqlite_project, tmp_path):
    from markdown_it import MarkdownIt

    with sqlite_project.session() as session:
        codes = make_codes(session, [("wages", "Wages")])
        doc = make_document(session, "E010", [("Respondent", ["# Pay is *low* <b>here</b> [really]."])],
                            attributes={"gender": "male"})
        coder = get_or_create_coder(session, name="alice")
        add_coding(session, document_id=doc.id, code_id=codes["wages"].id, coder_id=coder.id,
                   start=doc.text.index("#"), end=doc.text.index("].") + 2)
    out = tmp_path / "q.md"
    export_quotes(sqlite_project, out)
    html = MarkdownIt().render(out.read_text(encoding="utf-8"))
    assert "<p># Pay is *low* &lt;b&gt;here&lt;/b&gt; [really].</p>" in html


@pytest.mark.parametrize("text, rendered", [
    ("1. Salaries first", "<p>1. Salaries first</p>"),
    ("- not a list", "<p>- not a list</p>"),
    ("> not a quote", "<p>&gt; not a quote</p>"),
    ("2024 was hard", "<p>2024 was hard</p>"),
    ("pay | rent", "<p>pay | rent</p>"),
])
def test_md_escape_keeps_text_as_written(text, rendered):
    from markdown_it import MarkdownIt

    from cotag.export.writers import md_escape

    assert MarkdownIt().render(md_escape(text)).strip() == rendered
