"""Simulated coders: copies of the reference agree perfectly, alpha falls as noise rises, the store is filled."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from cotag.demo.simulate import (
    choose_documents,
    coder_rng,
    perturb,
    read_reference,
    snap_to_words,
    simulate_coders,
)
from cotag.errors import CotagError
from cotag.reliability.report import build_report
from cotag.reliability.units import Spans, UnitFrame, load_unitised, unitise
from tests.factories import make_codes, make_document

CODES = ["wages", "jobs", "family", "home", "corruption"]


def synthetic_corpus(n_docs=12, sentences=120, seed=0):
    """Documents of sentence units and a reference coding with about a quarter of the sentences coded."""
    rng = np.random.default_rng(seed)
    units, reference = {}, {}
    for d in range(n_docs):
        pos, us, refs = 0, [], []
        for i in range(sentences):
            length = int(rng.integers(20, 90))
            us.append((pos, pos + length))
            if rng.random() < 0.25:
                refs.append((CODES[int(rng.integers(len(CODES)))], pos, pos + length))
            pos += length + 1
        units[f"D{d:02d}"], reference[f"D{d:02d}"] = us, refs
    return units, reference


def alpha_for(noise, kind="sentence", seed=3, coders=("a", "b")):
    units, reference = synthetic_corpus()
    names = sorted(units)
    frame = UnitFrame.from_rows(names, [(i, s, e, j // 4, False) for i, d in enumerate(names)
                                        for j, (s, e) in enumerate(units[d])])
    rows = []
    for c, coder in enumerate(coders):
        rng = coder_rng(seed, coder)
        for i, d in enumerate(names):
            for code, s, e in perturb(reference[d], units[d], units[d][-1][1], CODES, noise, rng):
                rows.append((c, CODES.index(code), i, s, e))
    data = unitise(frame, Spans.from_rows(rows), coders=list(coders), codes=CODES,
                   coded={c: range(len(names)) for c in range(len(coders))}, kind=kind)
    return build_report(data).views["all"]


def test_copies_of_the_reference_agree_perfectly():
    for kind in ("sentence", "turn", "char"):
        v = alpha_for(0.0, kind=kind)
        assert v.pooled.value == pytest.approx(1.0)
        assert all(r.alpha.value == pytest.approx(1.0) for r in v.rows)


def test_alpha_falls_as_noise_rises():
    pooled = [alpha_for(p).pooled.value for p in (0.0, 0.05, 0.15, 0.3, 0.5)]
    assert pooled[0] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(pooled, pooled[1:])), pooled
    assert pooled[-1] < 0.6


def test_perturb_is_seeded_and_keeps_spans_in_the_text():
    units, reference = synthetic_corpus(n_docs=1)
    ref, us = reference["D00"], units["D00"]
    length = us[-1][1]
    a = perturb(ref, us, length, CODES, 0.3, coder_rng(1, "x"))
    b = perturb(ref, us, length, CODES, 0.3, coder_rng(1, "x"))
    c = perturb(ref, us, length, CODES, 0.3, coder_rng(1, "y"))
    assert a == b and a != c
    assert all(0 <= s < e <= length for _, s, e in a)
    assert perturb(ref, us, length, CODES, 0.0, coder_rng(1, "x")) == ref
    with pytest.raises(ValueError):
        perturb(ref, us, length, CODES, 1.5, coder_rng(1, "x"))


def test_shifted_boundaries_land_on_whole_words():
    # a simulated coder, like a person selecting words, never cuts a word in two
    words = np.random.default_rng(5).choice(["wages", "are", "low", "Astana", "family", "stays"], size=400)
    text = " ".join(words) + "."
    assert snap_to_words("wages are low", 2, 7) == (0, 9)  # "ges a" widens to "wages are"
    assert snap_to_words("wages are low", 5, 10) == (6, 9)  # " are " loses its spaces
    assert snap_to_words("R: Well, pay", 1, 8) == (3, 8)  # ": Well," starts at the word
    assert snap_to_words('he said "low pay"', 7, 12) == (8, 12)  # the opening quote stays
    ref = [("wages", *snap_to_words(text, s, s + 30)) for s in range(0, len(text) - 40, 50)]
    spans = perturb(ref, [], len(text), CODES, 1.0 - 1e-9, coder_rng(2, "x"), text=text)
    spans += perturb(ref, [], len(text), CODES, 0.5, coder_rng(3, "y"), text=text)
    assert spans
    for _, s, e in spans:
        assert not (s > 0 and text[s - 1].isalnum() and text[s].isalnum()), text[s - 5:e]
        assert not (e < len(text) and text[e - 1].isalnum() and text[e].isalnum()), text[s:e + 5]
        assert text[s].isalnum() and not text[e - 1].isspace()


def test_choose_documents():
    pool = [f"D{i}" for i in range(10)]
    assert choose_documents(pool, 3, 1) == choose_documents(pool, 3, 1)
    assert len(choose_documents(pool, 3, 1)) == 3
    assert choose_documents(pool, None, 1) == sorted(pool)


def write_reference(project, tmp_path: Path) -> Path:
    """Three small documents in the project and a reference CSV coding one sentence in each turn."""
    from cotag.store.documents import list_units

    path = tmp_path / "reference.csv"
    with project.session() as s:
        make_codes(s, [("wages", "Wages"), ("family", "Family")])
        rows = []
        for i in range(3):
            doc = make_document(s, f"E00{i}", [("Interviewer", ["Why?"]),
                                               ("R", ["Wages are low here.", "My family stays.", "It is hard."])])
            units = [u for u in list_units(s, document_id=doc.id) if not u.is_interviewer]
            rows.append([doc.external_id, "wages", units[0].start, units[0].end, doc.text[units[0].start:units[0].end]])
            rows.append([doc.external_id, "family", units[1].start, units[1].end, doc.text[units[1].start:units[1].end]])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["document", "code", "start", "end", "text"])
        w.writerows(rows)
    return path


def test_simulate_into_the_store(project, tmp_path):
    ref = write_reference(project, tmp_path)
    assert sum(len(v) for v in read_reference(ref).values()) == 6
    with project.session() as s:
        report = simulate_coders(s, ["aliya", "bauyrzhan"], noise=0.0, documents=2, seed=4, reference=ref)
    assert len(report.documents) == 2 and report.codings == {"aliya": 4, "bauyrzhan": 4}
    with project.session() as s:
        data = load_unitised(s)  # only documents marked done count, so this proves progress was written
        assert data.coders == ["aliya", "bauyrzhan"] and data.documents == report.documents
        assert build_report(data).views["all"].pooled.value == pytest.approx(1.0)
        with pytest.raises(CotagError, match="already has codings"):
            simulate_coders(s, ["aliya"], noise=0.0, documents=2, seed=4, reference=ref)
        with pytest.raises(CotagError, match="different name"):
            simulate_coders(s, ["x", "x"], reference=ref)
        with pytest.raises(CotagError, match="not in both"):
            simulate_coders(s, ["zed"], reference=ref, document_ids=["NOPE"])


@pytest.mark.slow
def test_new_demo_project_has_two_simulated_coders(tmp_path):
    from cotag.demo.project import corpus_root
    from cotag.services.corpus import ensure_demo_project

    try:
        corpus_root()
    except CotagError:
        pytest.skip("demo corpus not generated")
    project, created = ensure_demo_project(tmp_path / "demo", echo=lambda _: None)
    try:
        assert created
        with project.session() as s:
            data = load_unitised(s)
        assert data.coders == ["aliya", "bauyrzhan"] and len(data.documents) == 20
        pooled = build_report(data).views["all"].pooled.value
        assert 0.5 < pooled < 0.95
        # the demo edits its own copy of the codebook, never the repository's file
        repo_codebook = corpus_root() / "codebooks" / "migration.yaml"
        assert project.codebook_path.resolve() == (tmp_path / "demo" / "codebook.yaml").resolve()
        assert project.codebook_path.read_bytes() == repo_codebook.read_bytes()
    finally:
        project.close()
