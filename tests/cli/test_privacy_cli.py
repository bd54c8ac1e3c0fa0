"""`cotag pseudonyms`, `cotag disclosure`, `cotag export quotes --pseudonymise/--min-k` and `export member-check`."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cotag.cli import app
from cotag.store.coders import get_or_create_coder
from cotag.store.codings import add_coding
from factories import make_codes, make_document

# Real strings and the forms of them the texts use: cases, an inflected surname, a possessive.
REAL = ["Aigerim Bekova", "Bekovoy", "Aktau", "KazMunayGas", "Dauren", "Shevchenko", "Yerlan Sadykov"]

E001 = [("Interviewer", ["Where do you work, Aigerim Bekova?"]),
        ("Dauren", ["I work at KazMunayGas in AKTAU, like Aigerim Bekovoy did.",
                    "In aktau pay is low, Dauren's brother left.", "Old people still say Shevchenko."])]
E002 = [("Interviewer", ["Tell me about pay."]), ("Respondent", ["A teacher cannot live on this salary."])]
PEOPLE = {
    "E001": {"gender": "female", "age": 38, "occupation": "civil servant", "place": "Aktau",
             "name": "Aigerim Bekova"},
    "E002": {"gender": "male", "age": 45, "occupation": "teacher", "place": "Almaty", "name": "Yerlan Sadykov"},
    "E003": {"gender": "male", "age": 47, "occupation": "lecturer", "place": "Almaty"},
    "E004": {"gender": "female", "age": 33, "occupation": "inspector", "place": "Zhanaozen"},
    "E005": {"gender": "female", "age": 52, "occupation": "civil servant", "place": "Mangystau Region"},
}


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def build(project) -> dict:
    with project.session() as session:
        codes = make_codes(session, [("push", "Push factors"), ("wages", "Wages and income", "push"),
                                     ("corruption", "Corruption", "push")])
        docs = {}
        for doc, attributes in PEOPLE.items():
            turns = E001 if doc == "E001" else E002
            docs[doc] = make_document(session, doc, turns, group="expert", attributes=attributes)
        alice = get_or_create_coder(session, name="alice")

        def code(doc, key, phrase, memo=""):
            start = docs[doc].text.index(phrase)
            add_coding(session, document_id=docs[doc].id, code_id=codes[key].id, coder_id=alice.id, start=start,
                       end=start + len(phrase), memo=memo)

        code("E001", "wages", "I work at KazMunayGas in AKTAU, like Aigerim Bek", memo="Aigerim Bekova's employer")
        code("E001", "corruption", "In aktau pay is low, Dauren's brother left.")
        code("E001", "corruption", "Old people still say Shevchenko.")
        code("E002", "wages", "A teacher cannot live on this salary.")
        return {"texts": {k: d.text for k, d in docs.items()}}


def add_pseudonyms(project) -> None:
    for real, pseudonym, kind in [("Aigerim Bekova", "[person 1]", "person"), ("Aktau", "[city A]", "place"),
                                  ("Shevchenko", "[city A]", "place"), ("KazMunayGas", "[company 1]", "organisation"),
                                  ("Dauren", "[person 2]", "person")]:
        result = run(project, "pseudonyms", "add", real, pseudonym, "--kind", kind)
        assert result.exit_code == 0, result.output


def every_text(path: Path) -> str:
    """All the text a file holds, unzipped for xlsx, docx and qdpx."""
    if path.suffix in (".xlsx", ".docx", ".qdpx"):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return path.read_text(encoding="utf-8")


def test_a_pseudonymised_export_holds_none_of_the_real_strings(project, tmp_path):
    texts = build(project)["texts"]
    add_pseudonyms(project)
    for suffix in ("csv", "md", "xlsx", "docx"):
        out = tmp_path / f"quotes.{suffix}"
        result = run(project, "export", "quotes", str(out), "--pseudonymise")
        assert result.exit_code == 0, result.output
        content = every_text(out).casefold()
        leaked = [real for real in REAL if real.casefold() in content]
        assert leaked == [], f"{suffix}: {leaked}"
    rows = list(csv.DictReader((tmp_path / "quotes.csv").open(encoding="utf-8")))
    by_quote = {r["quote"]: r for r in rows}
    # The coding ended inside the surname: through the layer it covers the whole pseudonym.
    first = by_quote["I work at [company 1] in [city A], like [person 1]"]
    assert first["attribution"] == "(female, 38, civil servant, [city A])"
    assert first["name"] == "[person 1]" and first["speaker"] == "[person 2]"
    assert first["memo"] == "[person 1]'s employer"
    assert "In [city A] pay is low, [person 2]'s brother left." in by_quote
    # A name attribute the table does not cover is withheld all the same.
    assert {r["name"] for r in rows if r["document"] == "E002"} == {"[name withheld]"}
    # The stored offsets are exported as they are: they still point at the real words in the stored text.
    assert texts["E001"][int(first["start"]):int(first["end"])] == "I work at KazMunayGas in AKTAU, like Aigerim Bek"
    # Without --pseudonymise the export is unchanged.
    plain = tmp_path / "plain.csv"
    assert run(project, "export", "quotes", str(plain)).exit_code == 0
    assert "KazMunayGas" in plain.read_text(encoding="utf-8")


def test_pseudonymise_without_a_table_is_refused(project, tmp_path):
    build(project)
    result = run(project, "export", "quotes", str(tmp_path / "q.csv"), "--pseudonymise")
    assert result.exit_code == 1
    assert "pseudonyms.yaml has no pseudonyms yet" in result.output
    assert not (tmp_path / "q.csv").exists()


def test_suggest_accept_reject_list_apply(sqlite_project):
    project = sqlite_project
    build(project)
    result = run(project, "pseudonyms", "suggest", "--no-spacy", "--json")
    assert result.exit_code == 0, result.output
    proposals = {p["real"]: p for p in json.loads(result.stdout)["open"]}
    assert proposals["Aigerim Bekova"]["kind"] == "person"  # the front matter's name
    assert proposals["Dauren"]["source"] == "speaker"
    assert proposals["Aktau"]["kind"] == "place" and proposals["KazMunayGas"]["kind"] == "organisation"
    assert proposals["Shevchenko"]["pseudonym"] == proposals["Aktau"]["pseudonym"]  # one city, two names
    ids = [proposals[r]["id"] for r in ("Aigerim Bekova", "Aktau", "Shevchenko", "KazMunayGas", "Dauren")]
    assert run(project, "pseudonyms", "accept", *ids).exit_code == 0
    assert sorted(proposals) == ["Aigerim Bekova", "Aigerim Bekovoy", "Aktau", "Dauren", "KazMunayGas", "Shevchenko",
                                 "Yerlan Sadykov"]
    # The entry for the name already covers its inflected form: the lead rejects the proposal.
    assert run(project, "pseudonyms", "reject", proposals["Aigerim Bekovoy"]["id"]).exit_code == 0
    listed = json.loads(run(project, "pseudonyms", "list", "--rejected", "--json").stdout)
    assert {e["real"] for e in listed["entries"]} == {"Aigerim Bekova", "Aktau", "Shevchenko", "KazMunayGas",
                                                       "Dauren"}
    assert [p["status"] for p in listed["proposals"] if p["real"] == "Aigerim Bekovoy"] == ["rejected"]
    again = json.loads(run(project, "pseudonyms", "suggest", "--no-spacy", "--json").stdout)
    assert again["added"] == 0
    shown = run(project, "pseudonyms", "apply", "E001")
    assert shown.exit_code == 0
    assert "KazMunayGas" not in shown.stdout and proposals["KazMunayGas"]["pseudonym"] in shown.stdout
    # The stored text is untouched.
    with project.session() as session:
        from cotag.store.documents import get_document
        assert "KazMunayGas" in get_document(session, external_id="E001").text
    bad = run(project, "pseudonyms", "accept", "p999")
    assert bad.exit_code == 1 and "no proposal 'p999'" in bad.output
    assert run(project, "pseudonyms", "remove", "Dauren").exit_code == 0
    assert "Dauren" in run(project, "pseudonyms", "apply", "E001").stdout


def test_disclosure_lists_respondents_below_k(project):
    build(project)
    result = run(project, "disclosure", "--attributes", "gender,place", "--k", "2", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    below = {row["document"]: row for row in report["below"]}
    assert set(below) == {"E001", "E004", "E005"}  # E002 and E003 are both (male, Almaty)
    assert below["E001"]["attribution"] == "(female, Aktau)" and below["E001"]["k"] == 1
    typo = run(project, "disclosure", "--attributes", "gender,pace")
    assert typo.exit_code == 1 and "unknown attribute {pace}" in typo.output
    text = run(project, "disclosure", "--k", "2")
    assert "5 of 5 respondents have an attribution shared by fewer than 2" in text.stdout


def test_min_k_coarsens_and_says_so(project, tmp_path):
    build(project)
    out = tmp_path / "quotes.md"
    result = run(project, "export", "quotes", str(out), "--min-k", "2")
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    # E001 (38, civil servant, Aktau) and E004 (33, inspector, Zhanaozen): one band, one sector, one region.
    assert "(female, 30-39, civil service, Mangystau Region)" in text
    # E002 (45, teacher) and E003 (47, lecturer), both of Almaty: one band, one sector, one region.
    assert "(male, 40-49, education, Almaty Region)" in text
    assert "45" not in text
    assert "Attributions coarsened so that each is shared by at least 2 respondents" in text
    assert "coarsened for k >= 2:" in result.stdout
    summary = json.loads(run(project, "export", "quotes", str(tmp_path / "q.csv"), "--min-k", "2",
                             "--json").stdout)
    assert summary["lowest_k"] >= 2 and any(c.startswith("age") for c in summary["coarsened"])
    rows = list(csv.DictReader((tmp_path / "q.csv").open(encoding="utf-8")))
    assert {r["age"] for r in rows if r["document"] == "E001"} == {"30-39"}  # the attribute columns are coarsened too
    assert {r["place"] for r in rows if r["document"] == "E001"} == {"Mangystau Region"}


def test_min_k_order_from_cotag_toml(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    config = project.root / "cotag.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[privacy]\ncoarsen = ["place", "occupation"]\n',
                      encoding="utf-8")
    out = tmp_path / "q.csv"
    assert run(project, "export", "quotes", str(out), "--min-k", "2", "--codes", "corruption").exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    # Age is not in the order, so it is never banded: place to region, occupation to sector, then both left out;
    # still alone at 38, so the other printed attributes go too (age, then gender would) until k >= 2.
    assert {r["attribution"] for r in rows} == {"(female)"}
    bad = run(project, "export", "quotes", str(out), "--min-k", "9")
    assert bad.exit_code == 1 and "--min-k 9: the corpus has only 5 respondents" in bad.output


def test_member_check_writes_one_respondents_quotes(project, tmp_path):
    build(project)
    for suffix in ("md", "txt", "docx"):
        out = tmp_path / f"E001.{suffix}"
        result = run(project, "export", "member-check", "E001", str(out), "--widen", "span")
        assert result.exit_code == 0, result.output
        content = every_text(out)
        assert "Old people still say Shevchenko." in content
        assert "A teacher cannot live" not in content  # another respondent's words
        assert "(female, 38, civil servant, Aktau)" in content
    # Two coders on one passage: the respondent reads it once, without coder names.
    with project.session() as session:
        from cotag.store.documents import get_document
        document = get_document(session, external_id="E001")
        phrase = "Old people still say Shevchenko."
        start = document.text.index(phrase)
        bob = get_or_create_coder(session, name="bob")
        from cotag.store.codes import get_code
        add_coding(session, document_id=document.id, code_id=get_code(session, key="corruption").id,
                   coder_id=bob.id, start=start, end=start + len(phrase))
    assert run(project, "export", "member-check", "E001", str(tmp_path / "E001.txt"), "--widen", "span",
               "--all-coders").exit_code == 0
    txt = (tmp_path / "E001.txt").read_text(encoding="utf-8")
    assert txt.count("Old people still say Shevchenko.") == 1 and "bob" not in txt and "alice" not in txt
    assert txt.startswith("Your interview (E001): the passages we quote\n")
    assert re.search(r"“Old people still say Shevchenko\.”\n    — \(female, 38, civil servant, Aktau\)", txt)
    bad = run(project, "export", "member-check", "E001", str(tmp_path / "E001.csv"))
    assert bad.exit_code == 1 and "written as .md, .docx or .txt" in bad.output
    missing = run(project, "export", "member-check", "E999", str(tmp_path / "x.md"))
    assert missing.exit_code == 1 and "no document 'E999'" in missing.output


def test_qdpx_with_pseudonymise_moves_each_coding_onto_the_pseudonymised_words(project, tmp_path):
    from lxml import etree

    from cotag.store.memos import add_memo

    build(project)
    with project.session() as session:
        from cotag.store.coders import get_or_create_coder
        from cotag.store.documents import get_document

        add_memo(session, coder_id=get_or_create_coder(session, name="alice").id, title="About Dauren",
                 text="Dauren works at KazMunayGas.", document_id=get_document(session, external_id="E001").id)
    add_pseudonyms(project)
    out = tmp_path / "p.qdpx"
    result = run(project, "export", "qdpx", str(out), "--pseudonymise")
    assert result.exit_code == 0, result.output
    leaked = [real for real in REAL if real.casefold() in every_text(out).casefold()]
    assert leaked == []
    with zipfile.ZipFile(out) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        ns = {"q": root.nsmap[None]}
        quoted = set()
        for source in root.iterfind(".//q:TextSource", ns):
            text = archive.read("sources/" + source.get("plainTextPath").split("//")[1]).decode("utf-8")
            for selection in source.iterfind("q:PlainTextSelection", ns):
                quoted.add(text[int(selection.get("startPosition")):int(selection.get("endPosition"))])
    assert "I work at [company 1] in [city A], like [person 1]" in quoted
    assert "In [city A] pay is low, [person 2]'s brother left." in quoted
    assert "A teacher cannot live on this salary." in quoted
    # the real texts' sentence units (their offsets, a hash of each text) stay out of a pseudonymised file
    from cotag.refi.qdc import read_pi

    assert "units" not in read_pi(root)


@pytest.mark.slow
def test_the_demo_project_end_to_end(tmp_path):
    """The 187-interview demo: unique attributions found, --min-k 3 removes them, accepted places never leak."""
    root = tmp_path / "demo"
    assert CliRunner().invoke(app, ["demo", "--dir", str(root), "--no-tui"]).exit_code == 0

    def cli(*args):
        result = CliRunner().invoke(app, ["--project", str(root), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    report = json.loads(cli("disclosure", "--json"))
    assert report["respondents"] == 187 and report["unique"] > 150
    summary = json.loads(cli("export", "quotes", str(tmp_path / "k.csv"), "--min-k", "3", "--json"))
    assert summary["lowest_k"] >= 3
    proposals = json.loads(cli("pseudonyms", "suggest", "--no-spacy", "--json"))["open"]
    places = [p for p in proposals if p["source"] == "gazetteer"]
    assert {"Astana", "Almaty", "Aktau", "Nur-Sultan"} <= {p["real"] for p in places}
    cli("pseudonyms", "accept", *[p["id"] for p in places])
    out = tmp_path / "pseudonymised.md"
    cli("export", "quotes", str(out), "--pseudonymise")
    text = out.read_text(encoding="utf-8").casefold()
    leaked = sorted({p["real"] for p in places if re.search(rf"(?<!\w){re.escape(p['real'].casefold())}(?!\w)",
                                                             text)})
    assert leaked == []
    # Every table of the demo, matrices by place included, with the accepted places pseudonymised.
    tables = tmp_path / "tables"
    files = json.loads(cli("export", "tables", str(tables), "--quote-formats", "csv", "--matrix-formats", "csv",
                           "--pseudonymise", "--json"))["files"]
    for item in files:
        content = Path(item["path"]).read_text(encoding="utf-8").casefold()
        leaked = sorted({p["real"] for p in places
                         if re.search(rf"(?<!\w){re.escape(p['real'].casefold())}(?!\w)", content)})
        assert leaked == [], item["path"]


# ---------------------------------------------------------------- --pseudonymise on every table export

def leaks(content: str) -> list[str]:
    return [real for real in REAL if real.casefold() in content.casefold()]


def with_codebook_texts(project) -> None:
    """Codebook texts that quote a transcript, as examples usually do."""
    from sqlmodel import select

    from cotag.store.models import Code

    with project.session() as session:
        wages = session.exec(select(Code).where(Code.key == "wages")).one()
        wages.description = "Pay and income, e.g. at KazMunayGas"
        wages.examples = ["I work at KazMunayGas in AKTAU, like Aigerim Bekovoy did."]
        wages.include = ["pay in Aktau or Shevchenko"]
        session.add(wages)


def test_matrix_with_pseudonymise_prints_no_real_column_head_or_filter(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    plain = run(project, "export", "matrix", "--by", "place", "--where", "place=Aktau,Almaty")
    assert plain.exit_code == 0 and "Aktau" in plain.output  # the test can fail: the head is a real city
    add_pseudonyms(project)
    for suffix in ("csv", "md", "xlsx"):
        out = tmp_path / f"matrix.{suffix}"
        result = run(project, "export", "matrix", str(out), "--by", "place", "--where", "place=Aktau,Almaty",
                     "--pseudonymise", "--json")
        assert result.exit_code == 0, result.output
        content = every_text(out).replace("\\", "")  # Markdown escapes the brackets
        assert leaks(content) == [], suffix
        assert "[city A]" in content and "Almaty" in content  # a place the table does not list stays
    summary = json.loads(run(project, "export", "matrix", str(tmp_path / "m.csv"), "--by", "place",
                             "--pseudonymise", "--json").output)
    assert "[city A]" in summary["columns"] and summary["n"]["[city A]"] == 1 and summary["pseudonymised"] == 5
    # The counts are the stored ones, under the new head.
    rows = list(csv.reader((tmp_path / "m.csv").open(encoding="utf-8")))
    assert "[city A] respondents" in rows[0]
    cooccurrence = tmp_path / "co.xlsx"
    result = run(project, "export", "matrix", str(cooccurrence), "--cooccurrence", "unit", "--where",
                 "place=Aktau", "--pseudonymise")
    assert result.exit_code == 0, result.output
    assert leaks(every_text(cooccurrence)) == [] and "place=[city A]" in every_text(cooccurrence)


def test_cell_quotes_with_pseudonymise(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    add_pseudonyms(project)
    for value in ("Aktau", "[city A]"):  # the real head or the pseudonymised one
        out = tmp_path / "cell.md"
        result = run(project, "export", "matrix", str(out), "--by", "place", "--cell", f"corruption:{value}",
                     "--pseudonymise")
        assert result.exit_code == 0, result.output
        content = out.read_text(encoding="utf-8").replace("\\", "")
        assert leaks(content) == [], value
        assert "In [city A] pay is low, [person 2]'s brother left." in content
        assert "corruption × place = [city A]" in content


def test_tables_with_pseudonymise_hold_none_of_the_real_strings(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    plain = tmp_path / "plain"
    assert run(project, "export", "tables", str(plain)).exit_code == 0
    assert leaks(every_text(plain / "quotes.csv"))  # the test can fail
    add_pseudonyms(project)
    out = tmp_path / "tables"
    result = run(project, "export", "tables", str(out), "--where", "place!=Zhanaozen", "--pseudonymise", "--json")
    assert result.exit_code == 0, result.output
    files = [Path(f["path"]) for f in json.loads(result.output)["files"]]
    assert {"quotes.docx", "matrix-by-place.xlsx", "cooccurrence-unit.md"} <= {f.name for f in files}
    for path in files:
        assert leaks(every_text(path)) == [], path.name
    assert "[city A]" in every_text(out / "matrix-by-place.csv").replace("\\", "")
    assert "I work at [company 1] in [city A], like [person 1]" in every_text(out / "quotes.csv")


def test_codebook_appendix_with_pseudonymise(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    with_codebook_texts(project)
    plain = run(project, "export", "codebook", "--no-agreement")
    assert plain.exit_code == 0 and "KazMunayGas" in plain.output
    add_pseudonyms(project)
    for suffix in ("md", "xlsx", "docx", "csv"):
        out = tmp_path / f"codebook.{suffix}"
        result = run(project, "export", "codebook", str(out), "--no-agreement", "--where", "place=Aktau,Almaty",
                     "--pseudonymise")
        assert result.exit_code == 0, result.output
        assert leaks(every_text(out)) == [], suffix
    content = every_text(tmp_path / "codebook.md").replace("\\", "")
    assert "I work at [company 1] in [city A], like [person 1] did." in content
    assert "pay in [city A] or [city A]" in content


@pytest.mark.parametrize("args", [("matrix", "--by", "place"), ("tables", "{tmp}/t"), ("codebook", "{tmp}/c.md"),
                                  ("matrix", "--by", "place", "--cell", "wages:Aktau")])
def test_every_table_export_refuses_pseudonymise_without_a_table(sqlite_project, tmp_path, args):
    build(sqlite_project)
    result = run(sqlite_project, "export", *[a.format(tmp=tmp_path) for a in args], "--pseudonymise")
    assert result.exit_code == 1
    assert "has no pseudonyms yet" in result.output
    assert not (tmp_path / "t").exists() and not (tmp_path / "c.md").exists()


def test_chart_with_pseudonymise_labels_no_bar_with_a_real_place(sqlite_project, tmp_path):
    project = sqlite_project
    build(project)
    plain = tmp_path / "plain.svg"
    assert run(project, "export", "chart", str(plain), "--by", "place").exit_code == 0
    assert "Aktau" in plain.read_text(encoding="utf-8")  # the test can fail: SVG keeps its labels as text
    add_pseudonyms(project)
    out = tmp_path / "chart.svg"
    result = run(project, "export", "chart", str(out), "--by", "place", "--pseudonymise", "--json")
    assert result.exit_code == 0, result.output
    assert leaks(out.read_text(encoding="utf-8")) == []
    assert "[city A]" in json.loads(result.output)["values"]


def test_each_pseudonym_decision_is_in_the_audit_log_without_the_real_string(project, monkeypatch):
    from cotag.store.events import list_events

    build(project)
    monkeypatch.setenv("COTAG_CODER", "lena")
    proposals = {p["real"]: p for p in json.loads(
        run(project, "pseudonyms", "suggest", "--no-spacy", "--json").stdout)["open"]}
    assert run(project, "pseudonyms", "accept", proposals["Aktau"]["id"]).exit_code == 0
    assert run(project, "pseudonyms", "reject", proposals["Dauren"]["id"]).exit_code == 0
    assert run(project, "pseudonyms", "add", "KazMunayGas", "[company 1]", "--kind", "organisation").exit_code == 0
    assert run(project, "pseudonyms", "add", "KazMunayGas", "[employer]", "--kind", "organisation",
               "--replace").exit_code == 0
    assert run(project, "pseudonyms", "remove", "KazMunayGas").exit_code == 0
    refused = run(project, "pseudonyms", "add", "Zhanaozen", "[Aktau town]", "--kind", "place")
    assert refused.exit_code == 1  # a refused decision is neither written nor logged
    with project.session() as session:
        events = list_events(session, kind="pseudonyms.")
    assert [(e.kind, e.actor) for e in events] == [
        ("pseudonyms.suggest", "lena"), ("pseudonyms.accept", "lena"), ("pseudonyms.reject", "lena"),
        ("pseudonyms.add", "lena"), ("pseudonyms.add", "lena"), ("pseudonyms.remove", "lena")]
    assert events[1].payload == {"proposals": [proposals["Aktau"]["id"]],
                                 "pseudonyms": [proposals["Aktau"]["pseudonym"]], "kinds": ["place"]}
    assert events[4].payload == {"pseudonym": "[employer]", "kind": "organisation", "was": "[company 1]"}
    logged = json.dumps([e.payload for e in events])
    assert leaks(logged) == [] and "Zhanaozen" not in logged


HAND_WRITTEN = """\
# Pseudonyms for the Mangystau interviews. Ask Aigerim before changing any of them.
entries:
  # The city: every spelling reads [place 1].
  - real: Aktau
    pseudonym: '[place 1]'
    kind: place   # checked against the gazetteer
  # Her brother (E001).
  - real: Dauren
    pseudonym: '[person 2]'
    kind: person
proposals:
  - id: p1
    real: Shevchenko
    kind: place
    pseudonym: '[place 2]'
    source: gazetteer
    count: 1
    documents:
      - E001
    status: open
  # Rejected on purpose: a surname, not a place here.
  - id: p2
    real: Zhanaozen
    kind: place
    pseudonym: '[place 3]'
    source: gazetteer
    count: 1
    documents:
      - E004
    status: open
# End of the table: keep this file off the shared drive.
"""
HAND_COMMENTS = [line.strip() for line in HAND_WRITTEN.splitlines() if "#" in line]


def test_a_rewritten_table_keeps_every_hand_written_comment_and_the_files_mode(sqlite_project):
    import os
    import stat

    import yaml

    from cotag.privacy.pseudonyms import table_path

    project = sqlite_project
    path = table_path(project.root)
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    os.chmod(path, 0o640)

    assert run(project, "pseudonyms", "add", "KazMunayGas", "[company 1]", "--kind", "organisation").exit_code == 0
    text = path.read_text(encoding="utf-8")
    for comment in HAND_COMMENTS:
        assert comment.split("#", 1)[1] in text, comment
    assert text.index("# End of the table") > text.index("KazMunayGas")  # the closing lines stay last
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    data = yaml.safe_load(text)
    assert {"real": "KazMunayGas", "pseudonym": "[company 1]", "kind": "organisation"} in data["entries"]
    assert [e["real"] for e in data["entries"]] == ["Aktau", "Dauren", "KazMunayGas"]

    # Accepting the last proposal removes it from the file: the closing comment after it stays.
    assert run(project, "pseudonyms", "accept", "p2").exit_code == 0
    assert run(project, "pseudonyms", "reject", "p1").exit_code == 0
    text = path.read_text(encoding="utf-8")
    for comment in HAND_COMMENTS:
        assert comment.split("#", 1)[1] in text, comment
    assert text.rstrip().endswith("# End of the table: keep this file off the shared drive.")
    data = yaml.safe_load(text)
    assert [e["real"] for e in data["entries"]] == ["Aktau", "Dauren", "KazMunayGas", "Zhanaozen"]
    assert [(p["id"], p["status"]) for p in data["proposals"]] == [("p1", "rejected")]
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_table_cotag_cannot_rewrite_with_its_comments_is_left_as_it_is_with_a_clear_error(sqlite_project):
    from cotag.privacy.pseudonyms import table_path
    from cotag.store.events import list_events

    project = sqlite_project
    path = table_path(project.root)
    # PyYAML reads a duplicated key (the last wins); the comment-keeping writer refuses it.
    written = ("# Pseudonyms for the Aktau interviews: ask Lena before changing.\n"
               "entries:\n- real: Aktau\n  pseudonym: '[city A]'\n  kind: place\nentries:\n"
               "- real: Dauren\n  pseudonym: '[person 1]'\n  kind: person\n")
    path.write_text(written, encoding="utf-8")

    result = run(project, "pseudonyms", "add", "KazMunayGas", "[company 1]", "--kind", "organisation")
    assert result.exit_code != 0
    assert str(path) in result.output and "line 6" in result.output and "comments" in result.output
    assert path.read_text(encoding="utf-8") == written  # nothing lost, nothing half-written
    with project.session() as session:
        assert list_events(session, kind="pseudonyms.add") == []  # the refused decision is not logged

    # Without comments there is nothing to lose: the table is written afresh and the entry added.
    path.write_text(written.split("\n", 1)[1], encoding="utf-8")
    assert run(project, "pseudonyms", "add", "KazMunayGas", "[company 1]", "--kind", "organisation").exit_code == 0
    assert "KazMunayGas" in path.read_text(encoding="utf-8")
