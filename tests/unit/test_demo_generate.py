"""The synthetic demo corpus and the study codebook: shape, determinism, reference coding, hygiene.

The generator is demo_corpus/ at the repository root (on the path through pyproject's pytest
`pythonpath`), not part of the installed package.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from demo_corpus import generate as gen
from demo_corpus.entries import parse_entry

pytestmark = pytest.mark.xdist_group("demo-corpus")

REPO = Path(__file__).resolve().parents[2]
TRANSCRIPTS = REPO / "transcripts"
CODEBOOK = REPO / "codebooks" / "migration.yaml"

LEAVES = {
    "push": ["wages", "employment", "education-quality", "corruption", "living-standards",
             "political-instability", "ethnic-language", "recognition"],
    "pull": ["pull-wages", "development", "career-prospects", "quality-services", "lower-corruption",
             "self-realisation"],
    "retention": ["family-ties", "homeland", "patriotism", "way-of-life", "hope-reforms"],
    "migration-form": ["temporary-migration", "permanent-emigration", "educational-migration",
                       "brain-circulation", "destination"],
}
LEAF_KEYS = {k for keys in LEAVES.values() for k in keys}
RESERVED = set("jkhlwcmuxnd][/f?qbgGov ")
ALLOWED_FIELDS = {"key", "name", "description", "include", "exclude", "examples", "keywords", "colour",
                  "shortcut", "status", "children", "parent"}
CITIES = {"Nur-Sultan", "Almaty", "Aktau", "Karaganda", "Petropavlovsk", "Ust-Kamenogorsk", "Shymkent"}
WORD = re.compile(r"\w+")


def split_file(text: str) -> tuple[dict, str]:
    """Front matter and body, the body being everything after the closing '---' line."""
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]), text[end + len("\n---\n"):]


def corpus_files() -> list[Path]:
    return sorted((TRANSCRIPTS / "experts").glob("*.md")) + sorted((TRANSCRIPTS / "graduates").glob("*.md"))


@pytest.fixture(scope="module")
def full() -> list[gen.Document]:
    return gen.generate()


@pytest.fixture(scope="module")
def committed() -> dict[str, tuple[dict, str]]:
    return {p.stem: split_file(p.read_text(encoding="utf-8")) for p in corpus_files()}


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    with open(TRANSCRIPTS / "reference.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ----------------------------------------------------------------------------- determinism

def test_two_runs_write_identical_bytes(tmp_path):
    gen.write_corpus(tmp_path / "a", limit=3)
    # A second run in a fresh interpreter with another hash seed: no set order or state leaks in.
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-m", "demo_corpus", "--out", str(tmp_path / "b"), "--limit", "3"],
                   check=True, env=env, capture_output=True, cwd=REPO)
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert a == b and len(a) == 8  # 3 + 3 transcripts, reference.csv, README.md
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_the_command_rewrites_committed_documents_byte_for_byte(tmp_path):
    """`python -m demo_corpus --limit 2`, as `make corpus` runs it, writes the committed files' bytes."""
    out = tmp_path / "corpus"
    done = subprocess.run([sys.executable, "-m", "demo_corpus", "--out", str(out), "--limit", "2"],
                          check=True, capture_output=True, text=True, cwd=REPO)
    assert "wrote 4 transcripts" in done.stdout
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.md") if p.name != "README.md")
    assert written == ["experts/E001.md", "experts/E002.md", "graduates/G001.md", "graduates/G002.md"]
    for rel in written:
        assert (out / rel).read_bytes() == (TRANSCRIPTS / rel).read_bytes(), rel
    # Its reference rows are exactly the committed rows of those four documents, in the same order.
    with open(TRANSCRIPTS / "reference.csv", encoding="utf-8", newline="") as f:
        header, *rows = f.read().splitlines(keepends=True)
    expected = [r for r in rows if r.split(",", 1)[0] in {"E001", "E002", "G001", "G002"}]
    assert (out / "reference.csv").read_text(encoding="utf-8") == header + "".join(expected)
    assert len(expected) > 100


def test_a_bank_entry_that_yaml_did_not_read_as_text_is_refused():
    with pytest.raises(ValueError, match=r"code:wages\[3\]: False is not a sentence"):
        parse_entry(False, "code:wages", 3, "wages")  # what an unquoted `- No` in coded.yaml reads as
    with pytest.raises(ValueError, match=r"pairs\[0\]: bad codes"):
        parse_entry("[wages,no-such-code] Pay is low.", "pairs", 0)


def test_other_seed_gives_other_text():
    one = gen.generate(seed=2018, limit=1)[0].text
    two = gen.generate(seed=7, limit=1)[0].text
    assert one != two


def test_limit_writes_the_same_first_documents(full):
    small = gen.generate(limit=2)
    expected = [d for d in full if d.persona.id in {"E001", "E002", "G001", "G002"}]
    assert [d.text for d in small] == [d.text for d in expected]


def test_committed_corpus_equals_a_full_regeneration(full):
    for doc in full:
        folder = "experts" if doc.persona.group == "expert" else "graduates"
        path = TRANSCRIPTS / folder / f"{doc.persona.id}.md"
        assert path.read_bytes() == doc.text.encode("utf-8"), f"{path} differs: rerun python -m demo_corpus"
    assert (TRANSCRIPTS / "reference.csv").read_bytes() == gen.reference_csv(full).encode("utf-8")
    assert (TRANSCRIPTS / "README.md").read_bytes() == gen.readme(full, gen.DEFAULT_SEED).encode("utf-8")
    assert len(corpus_files()) == len(full)  # no stale transcripts left behind


# ----------------------------------------------------------------------------- shape

def test_counts_and_ids():
    experts = sorted(p.stem for p in (TRANSCRIPTS / "experts").glob("*.md"))
    graduates = sorted(p.stem for p in (TRANSCRIPTS / "graduates").glob("*.md"))
    assert experts == [f"E{i:03d}" for i in range(1, 144)]
    assert graduates == [f"G{i:03d}" for i in range(1, 45)]


def test_word_counts_within_range(committed):
    for doc_id, (_, body) in committed.items():
        for count in (len(body.split()), len(WORD.findall(body))):
            assert 2500 <= count <= 6000, (doc_id, count)
    lengths = [len(body.split()) for _, body in committed.values()]
    assert max(lengths) - min(lengths) > 1500  # lengths vary


def test_files_are_utf8_lf_without_bom():
    for path in corpus_files() + [TRANSCRIPTS / "reference.csv", TRANSCRIPTS / "README.md"]:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf"), path
        assert b"\r" not in data, path
        assert data.endswith(b"\n") and not data.endswith(b"\n\n"), path
        data.decode("utf-8")


def test_front_matter_attributes(committed):
    expert_cities = Counter()
    for doc_id, (meta, _) in committed.items():
        assert meta["id"] == doc_id
        assert meta["synthetic"] is True
        assert meta["gender"] in ("female", "male")
        assert isinstance(meta["age"], int)
        assert meta["occupation"] and meta["place"] and meta["sector"]
        date = meta["interview_date"]
        assert isinstance(date, dt.date)
        if doc_id.startswith("E"):
            assert meta["group"] == "expert"
            assert 24 <= meta["age"] <= 64
            assert meta["sector"] in ("civil service", "science", "education", "private sector")
            assert meta["language"] in ("Kazakh", "Russian")
            assert meta["city"] in CITIES
            assert dt.date(2018, 9, 1) <= date <= dt.date(2018, 11, 30)
            expert_cities[meta["city"]] += 1
        else:
            assert meta["group"] == "graduate"
            assert 24 <= meta["age"] <= 64
            assert meta["degree_level"] in ("master", "phd")
            assert meta["field"]
            assert meta["degree_country"] and meta["degree_country"] != "Kazakhstan"
            assert meta["residence_country"]
            assert isinstance(meta["years_abroad"], int) and 1 <= meta["years_abroad"] <= 20
            assert meta["age"] >= 22 + meta["years_abroad"] - 2
            assert dt.date(2022, 2, 1) <= date <= dt.date(2023, 12, 31)
    assert set(expert_cities) == CITIES
    assert all(19 <= n <= 22 for n in expert_cities.values()), expert_cities
    genders = Counter(meta["gender"] for meta, _ in committed.values())
    assert min(genders.values()) > 0.35 * len(committed)
    residences = Counter(meta["residence_country"] == "Kazakhstan"
                         for meta, _ in committed.values() if meta["group"] == "graduate")
    assert residences[True] and residences[False]  # some graduates live abroad


def test_turns_alternate(committed):
    for doc_id, (_, body) in committed.items():
        paragraphs = body.rstrip("\n").split("\n\n")
        assert all(p and p == p.strip() and "\n" not in p for p in paragraphs), doc_id
        assert paragraphs[0].startswith("Interviewer: ")
        speakers = []
        for p in paragraphs:
            if p.startswith("Interviewer: "):
                speakers.append("I")
            elif p.startswith("Respondent: "):
                speakers.append("R")
            else:  # an unlabelled paragraph continues a respondent's answer
                assert speakers and speakers[-1] == "R", (doc_id, p[:60])
        assert speakers == ["I", "R"] * (len(speakers) // 2), doc_id
        assert 20 <= len(speakers) // 2 <= 40, (doc_id, len(speakers) // 2)


def test_expert_interviews_predate_the_2022_unrest(committed):
    for doc_id, (_, body) in committed.items():
        if doc_id.startswith("E"):
            assert "2022" not in body and "unrest" not in body.lower(), doc_id
    graduate_mentions = sum("January" in body for doc_id, (_, body) in committed.items() if doc_id.startswith("G"))
    assert graduate_mentions >= 20


# ----------------------------------------------------------------------------- reference coding

def test_reference_rows_match_the_bodies(reference, committed):
    with open(TRANSCRIPTS / "reference.csv", encoding="utf-8") as f:
        assert f.readline() == "document,code,start,end,text\n"
    assert len(reference) > 10_000
    for row in reference:
        _, body = committed[row["document"]]
        start, end = int(row["start"]), int(row["end"])
        assert body[start:end] == row["text"], row
        assert row["code"] in LEAF_KEYS, row
        assert row["text"][-1] in ".!?"
        # the sentence belongs to a respondent paragraph (labelled or a continuation)
        para_start = body.rfind("\n\n", 0, start) + 2 if body.rfind("\n\n", 0, start) >= 0 else 0
        assert not body.startswith("Interviewer:", para_start), row


def test_reference_codes_per_sentence_and_coverage(reference):
    per_sentence = Counter((r["document"], r["start"]) for r in reference)
    assert max(per_sentence.values()) <= 2
    assert sum(1 for n in per_sentence.values() if n == 2) > 100  # some sentences carry two themes
    per_code = Counter(r["code"] for r in reference)
    assert set(per_code) == LEAF_KEYS
    assert min(per_code.values()) >= 200, per_code
    docs = {r["document"] for r in reference}
    assert len(docs) == 187


def test_neutral_sentences_are_40_to_60_percent(full):
    units = sum(len(d.units) for d in full)
    coded = sum(len({(s, e) for _, s, e, _ in d.rows}) for d in full)
    assert 0.40 <= 1 - coded / units <= 0.60
    for d in full:
        assert 0.25 <= 1 - len({(s, e) for _, s, e, _ in d.rows}) / len(d.units) <= 0.75, d.persona.id


def test_no_sentence_repeats_within_a_document(full):
    repeats = 0
    for d in full:
        counts = Counter(d.body[s:e] for s, e in d.units)
        repeats += sum(n - 1 for n in counts.values() if n > 1)
    assert repeats <= len(full) // 5


def test_sentences_are_the_importers_units(full):
    """Each generated respondent sentence is exactly one unit of cotag's own sentence splitter."""
    from cotag.corpus.formats import read_transcript
    from cotag.corpus.sentences import sentence_spans

    sample = full[::9]
    paths = [TRANSCRIPTS / ("experts" if d.persona.group == "expert" else "graduates") / f"{d.persona.id}.md"
             for d in sample]
    parsed = [read_transcript(p) for p in paths]
    for doc, transcript, spans in zip(sample, parsed, sentence_spans(parsed)):
        assert transcript.text == doc.body.rstrip("\n")
        units = [(s, e) for turn, s, e in spans if not transcript.turns[turn].is_interviewer]
        assert units == doc.units, doc.persona.id


def test_sentence_hygiene_check_rejects_bad_sentences():
    gen.check_sentence("The salary is 120,000 tenge, which is not enough.")
    gen.check_sentence("Why should they study?")
    for bad in ("Dr. Aliyev said so.", "It costs 4.5 dollars.", "Well... maybe.", "It is good. Really.",
                "No end mark", "And so had I.", "Left {slot} here.", "Two  spaces."):
        with pytest.raises(ValueError):
            gen.check_sentence(bad)


# ----------------------------------------------------------------------------- codebook

def test_codebook_structure():
    book = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    assert book["codebook"] == "Emigration from Kazakhstan"
    assert isinstance(book["version"], int)
    tops = book["codes"]
    assert [c["key"] for c in tops] == list(LEAVES)
    shortcuts: list[str] = []
    colours: list[str] = []
    for top in tops:
        assert set(top) <= ALLOWED_FIELDS
        assert "shortcut" not in top
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", top["colour"])
        assert top["name"] and len(top["description"]) > 30
        assert [c["key"] for c in top["children"]] == LEAVES[top["key"]]
        for leaf in top["children"]:
            key = leaf["key"]
            assert set(leaf) <= ALLOWED_FIELDS, key
            assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key)
            assert leaf["name"], key
            assert len(leaf["description"]) >= 60, key
            assert 1 <= len(leaf["include"]) <= 3, key
            assert 1 <= len(leaf["exclude"]) <= 3, key
            assert 1 <= len(leaf["examples"]) <= 2, key
            assert 4 <= len(leaf["keywords"]) <= 10, key
            assert all(isinstance(x, str) and x.strip() for f in ("include", "exclude", "examples", "keywords")
                       for x in leaf[f]), key
            assert re.fullmatch(r"#[0-9a-fA-F]{6}", leaf["colour"]), key
            assert isinstance(leaf["shortcut"], str) and len(leaf["shortcut"]) == 1, key
            assert "children" not in leaf
            shortcuts.append(leaf["shortcut"])
            colours.append(leaf["colour"].lower())
    assert len(shortcuts) == len(LEAF_KEYS) == len(set(shortcuts))
    assert not set(shortcuts) & RESERVED
    assert len(set(colours)) == len(colours)


def test_codebook_shortcuts_avoid_the_apps_reserved_keys():
    from cotag.keys import RESERVED_KEYS

    book = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    shortcuts = [leaf["shortcut"] for top in book["codes"] for leaf in top["children"]]
    assert not set(shortcuts) & set(RESERVED_KEYS)


def test_generator_codes_match_the_codebook():
    assert set(gen.CODE_KEYS) == LEAF_KEYS
    for entry in gen.banks()["pairs"]:
        assert len(entry.codes) == 2 and set(entry.codes) <= LEAF_KEYS


def test_no_respondent_compares_the_capital_with_itself(full):
    """A respondent who lives in the capital neither compares it with itself nor 'came back' from it."""
    self_comparison = re.compile(r"\b[Ii]n ([A-Z][\w-]+)\b[^.?!]{0,60}\b(?:as|than) in \1\b")
    for d in full:
        body = d.body
        assert not self_comparison.search(body), (d.persona.id, self_comparison.search(body).group(0))
        assert f"I trained in {d.persona.home} and then came back" not in body, d.persona.id
    # The sentence that used to do it is still there, naming the other big city.
    assert any("are almost the same as in Almaty" in d.body for d in full if d.persona.home == d.persona.capital)
