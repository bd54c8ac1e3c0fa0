"""The code suggester: learning from codings, the codebook, blindness, cross-validation and its scoring."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cotag.errors import CotagError
from cotag.reliability.measures import krippendorff_alpha
from cotag.reliability.report import build_report
from cotag.suggest.data import (
    CodeInfo,
    DocumentUnits,
    Labels,
    TrainingData,
    read_training,
    units_for_spans,
)
from cotag.suggest.evaluate import (
    SUGGESTER,
    as_coders,
    cross_validate,
    document_folds,
    unit_spans,
)
from cotag.suggest.model import Suggester, keyword_baseline

WHO = ["my grandmother", "our neighbour", "my father", "the old man next door", "my aunt"]
GROWS = ["plants", "waters", "weeds", "harvests", "grows"]
VEG = ["tomatoes", "cucumbers", "peppers", "carrots", "beans", "potatoes"]
WHERE = ["in the greenhouse", "in the garden beds", "behind the dacha", "near the compost heap"]
OTHER = ["the bus to the city was late again", "prices at the market went up this spring",
         "my brother studies law in the capital", "the internet at home is slow",
         "we watched the football match on sunday", "the new mall opened near the station",
         "my cousin repairs cars for a living", "the winter was long and cold"]


def garden_sentence(rng: random.Random) -> str:
    """A new sentence of gardening every time: the code's pattern is its vocabulary, not a stock phrase."""
    return f"{rng.choice(WHO)} {rng.choice(GROWS)} {rng.choice(VEG)} {rng.choice(WHERE)}"


def codes() -> list[CodeInfo]:
    # keywords that never occur in the texts: the pattern has to be learnt from the codings
    return [CodeInfo("garden", "Gardening", keywords=("horticulture",), examples=("we grow our own vegetables",)),
            CodeInfo("money", "Money", keywords=("salary",), examples=("my salary is too low",),
                     exclude=("prices at the market -> living-standards",)),
            CodeInfo("weather", "Weather")]


def make_doc(name: str, rng: random.Random, n: int = 12) -> tuple[DocumentUnits, set[int]]:
    """A document alternating interviewer and respondent units; returns it and its garden units."""
    texts, interviewer, garden = [], [], set()
    for i in range(n):
        if i % 3 == 0:
            texts.append("Tell me more.")
            interviewer.append(True)
        elif rng.random() < 0.4:
            garden.add(len(texts))
            texts.append(garden_sentence(rng))
            interviewer.append(False)
        else:
            texts.append(rng.choice(OTHER))
            interviewer.append(False)
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    return DocumentUnits(name, texts, starts, [s + len(t) for s, t in zip(starts, texts)], interviewer,
                         list(range(n)), content_hash=name), garden


def corpus(n_docs: int, seed: int = 1):
    rng = random.Random(seed)
    docs, truth = [], {}
    for k in range(n_docs):
        doc, garden = make_doc(f"D{k:02}", rng)
        docs.append(doc)
        truth[doc.document] = garden
    return docs, truth


def training(docs, truth, source: str = "consensus") -> TrainingData:
    labels = [Labels(d.document, source, {"garden": set(truth[d.document])}) for d in docs]
    return TrainingData(codes(), docs, labels, [source], include_coders=False)


def test_learns_a_keyword_free_pattern_from_codings():
    docs, truth = corpus(12)
    model = Suggester.train(training(docs[:8], truth))
    assert "garden" in model.modelled
    for doc in docs[8:]:
        predicted = model.predict(doc).get("garden", set())
        assert predicted == truth[doc.document], doc.document
        # the codebook's keyword alone finds nothing here
        assert "garden" not in keyword_baseline(codes(), doc)


def test_codebook_alone_teaches_its_examples():
    model = Suggester.train(TrainingData(codes(), [], [], [], include_coders=False))
    doc = DocumentUnits("X", ["Interviewer asks.", "Honestly my salary is too low to live on.", "Buses run late."],
                        [0, 18, 60], [17, 59, 75], [True, False, False], [0, 1, 1])
    suggestions = model.suggest(doc)
    assert [(s.unit, s.code) for s in suggestions] == [(1, "money")]
    kinds = {r["kind"] for r in suggestions[0].reasons}
    assert {"keyword", "example"} <= kinds
    assert suggestions[0].reasons[0]["keywords"] == ["salary"]
    # a code with neither codings nor examples has nothing to tell apart and is never suggested
    assert "weather" not in model.modelled and model.modelled == ["garden", "money"]


def test_codebook_only_scores_stay_moderate_and_every_suggestion_has_a_reason():
    """With about 100 codebook samples SGD diverged (every probability 0 or 1: "Let me answer in my own way."
    scored 1.00 for two codes with no reason); a codebook-only model is now penalised harder, and nothing is
    suggested that a researcher could not check."""
    many = [CodeInfo(f"c{k}", f"Code {k}", keywords=(f"kw{k}",),
                     examples=tuple(f"example sentence {k} number {j} about topic{k}" for j in range(4)))
            for k in range(20)]
    model = Suggester.train(TrainingData(many, [], [], [], include_coders=False))
    assert model.meta["penalty"] == pytest.approx(1e-2)
    texts = ["Interviewer asks.", "Let me answer in my own way.", "It is about topic3 and kw3 really."]
    doc = DocumentUnits("X", texts, [0, 18, 47], [17, 46, 81], [True, False, False], [0, 1, 1])
    _, prob, _ = model.scores(doc)
    assert prob.max() < 0.999
    suggestions = model.suggest(doc)
    assert suggestions and all(s.reasons for s in suggestions)
    assert all(s.unit == 2 for s in suggestions) and "c3" in {s.code for s in suggestions}
    # evaluation scores exactly what is suggested
    assert model.predict(doc) == {code: {2} for code in {s.code for s in suggestions}}


def test_reasons_name_the_similar_coded_unit():
    docs, truth = corpus(10)
    model = Suggester.train(training(docs[:8], truth))
    doc = docs[9]
    garden = [s for s in model.suggest(doc) if s.code == "garden"]
    assert garden
    similar = [r for s in garden for r in s.reasons if r["kind"] == "similar"]
    assert similar and all(r["document"] in {d.document for d in docs[:8]} for r in similar)
    assert all(any(v in r["text"] for v in VEG) for r in similar)
    # which unit: numbered from 1, its text that unit's
    by_name = {d.document: d for d in docs}
    for r in similar:
        unit = by_name[r["document"]]
        assert unit.texts[r["unit"] - 1].startswith(r["text"]) and unit.starts[r["unit"] - 1] == r["start"]


def test_saved_model_predicts_the_same(tmp_path):
    docs, truth = corpus(10)
    model = Suggester.train(training(docs[:8], truth))
    path = tmp_path / ".cotag" / "suggester.npz"
    model.save(path)
    again = Suggester.load(path)
    assert again.meta == model.meta and again.modelled == model.modelled
    for doc in docs[8:]:
        a = [(s.unit, s.code, round(s.score, 5), s.reasons) for s in model.suggest(doc)]
        b = [(s.unit, s.code, round(s.score, 5), s.reasons) for s in again.suggest(doc)]
        assert a == b


def test_load_refuses_a_file_that_is_not_a_suggester(tmp_path):
    bad = tmp_path / "suggester.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CotagError, match="suggester.npz"):
        Suggester.load(bad)
    with pytest.raises(CotagError, match="cotag suggest train"):
        Suggester.load(tmp_path / "missing.npz")


def test_cross_validation_never_trains_on_the_evaluated_document():
    docs, truth = corpus(9)
    data = training(docs, truth)
    seen: list[set[str]] = []

    def trainer(subset: TrainingData) -> Suggester:
        seen.append({d.document for d in subset.documents} | {lab.document for lab in subset.labels})
        return Suggester.train(subset)

    spans = {d.document: unit_spans(d, {"garden": truth[d.document]}) for d in docs}
    result = cross_validate(data, "consensus", docs, spans, folds=3, trainer=trainer)
    assert len(seen) == 3
    held = [set(f) for f in result.folds]
    assert sorted(d for f in held for d in f) == sorted(d.document for d in docs)  # each held out once
    for fold, trained in zip(held, seen):
        assert not fold & trained
        assert trained == {d.document for d in docs} - fold


def test_evaluation_alpha_is_the_reliability_cores():
    docs, truth = corpus(9)
    spans = {d.document: unit_spans(d, {"garden": truth[d.document]}) for d in docs}
    result = cross_validate(training(docs, truth), "consensus", docs, spans, folds=3)
    row = {r.code: r for r in result.suggester.views["all"].rows}["garden"]
    # rebuild the suggester's units from its report's matrix and compare with the core's alpha directly
    data = as_coders(docs, codes(), coders={SUGGESTER: {}, "consensus": spans})
    truth_row = data.matrix("garden")[1]
    expected_truth = np.array([1.0 if i in truth[d.document] else 0.0
                               for d in docs for i in d.respondent])
    assert np.array_equal(truth_row, expected_truth)
    assert row.alpha.value == pytest.approx(1.0)  # the pattern is learnt perfectly across documents
    assert result.passed() == ["garden"]
    base = {r.code: r for r in result.baseline.views["all"].rows}["garden"]
    assert base.alpha.value is None or base.alpha.value < 0.667


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=2, max_size=2), min_size=4, max_size=30))
def test_scoring_as_a_coder_matches_krippendorff_alpha(pairs):
    """Whatever the suggester chose, the report's alpha is alpha on the 2 x units matrix of the choices."""
    texts = [f"unit {i}" for i in range(len(pairs))]
    starts = [10 * i for i in range(len(pairs))]
    doc = DocumentUnits("D", texts, starts, [s + 6 for s in starts], [False] * len(pairs), list(range(len(pairs))))
    chosen = {"garden": {i for i, (a, _) in enumerate(pairs) if a}}
    ref = {"garden": {i for i, (_, b) in enumerate(pairs) if b}}
    data = as_coders([doc], codes(), coders={SUGGESTER: {"D": unit_spans(doc, chosen)},
                                            "consensus": {"D": unit_spans(doc, ref)}})
    matrix = np.array([[float(a) for a, _ in pairs], [float(b) for _, b in pairs]])
    assert np.array_equal(data.matrix("garden"), matrix)
    row = {r.code: r for r in build_report(data).views["all"].rows}["garden"]
    expected = krippendorff_alpha(matrix)
    assert row.alpha.value == (pytest.approx(expected.value) if expected.value is not None else None)


def test_folds_by_document_need_two_documents():
    assert sorted(map(len, document_folds(["A", "B", "C", "D", "E"], 2))) == [2, 3]
    with pytest.raises(CotagError, match="at least two"):
        document_folds(["A"], 5)


def test_threshold_out_of_range_is_refused():
    docs, truth = corpus(4)
    with pytest.raises(CotagError, match="threshold"):
        cross_validate(training(docs, truth), "consensus", docs, {}, threshold=1.5)


def test_units_for_spans_uses_one_character_overlap():
    doc = DocumentUnits("D", ["aaaa", "bbbb", "cccc"], [0, 5, 10], [4, 9, 14], [False] * 3)
    assert units_for_spans(doc, [("x", 3, 6), ("y", 9, 10), ("z", 12, 40)]) == {"x": {0, 1}, "z": {2}}


# --------------------------------------------------------------------------- the store: blindness


def build_store(project):
    """D1: consensus codes unit 1; D2: coder ann (done) codes unit 1; D3: ben codes but has not marked it done."""
    from factories import make_codes, make_document

    from cotag.store import codings, progress
    from cotag.store.coders import get_or_create_coder
    from cotag.store.documents import list_units
    from cotag.store.models import CONSENSUS_CODER, PROGRESS_DONE, ROLE_CONSENSUS

    with project.session() as s:
        docs = [make_document(s, name, [("Interviewer", ["Why?"]), ("Aigul", ["Tomatoes grow.", "Buses are late."])])
                for name in ("D1", "D2", "D3")]
        made = make_codes(s, [("garden", "Gardening"), ("money", "Money")])
        cons = get_or_create_coder(s, name=CONSENSUS_CODER, role=ROLE_CONSENSUS)
        ann, ben = get_or_create_coder(s, name="ann"), get_or_create_coder(s, name="ben")
        rows = []
        for doc, coder in zip(docs, (cons, ann, ben)):
            unit = list_units(s, document_id=doc.id)[1]
            rows.append({"document_id": doc.id, "code_id": made["garden"].id, "coder_id": coder.id,
                         "start": unit.start, "end": unit.end})
        codings.add_codings(s, rows=rows)
        progress.touch(s, coder_id=ann.id, document_id=docs[1].id, status=PROGRESS_DONE)
    return project


def test_blind_default_learns_from_the_consensus_only(project):
    build_store(project)
    with project.session() as s:
        blind = read_training(s)
        open_ = read_training(s, include_coders=True)
        only_ben = read_training(s, include_coders=True, coders=["ben"])
    assert blind.sources == ["consensus"]
    assert [(lab.document, lab.source, lab.units) for lab in blind.labels] == [("D1", "consensus", {"garden": {1}})]
    assert [d.document for d in blind.documents] == ["D1"]
    # with the lead's option the coders' finished documents teach too; ben's unfinished one does not
    assert open_.sources == ["consensus", "ann"]
    assert sorted((lab.document, lab.source) for lab in open_.labels) == [("D1", "consensus"), ("D2", "ann")]
    assert only_ben.labels and all(lab.source == "consensus" for lab in only_ben.labels)
    assert blind.data_hash != open_.data_hash
    model = Suggester.train(blind)
    assert model.meta["sources"] == ["consensus"] and model.meta["include_coders"] is False
    assert model.meta["documents"] == 1


def test_suggest_modules_import_neither_textual_nor_scikit_learn():
    """`cotag --help` and suggesting stay fast: scikit-learn is loaded only to train or evaluate."""
    import json
    import subprocess
    import sys

    script = ("import importlib, json, sys\n"
              "for name in ['cotag.cli', 'cotag.commands.suggest', 'cotag.suggest.data', 'cotag.suggest.features',"
              " 'cotag.suggest.model', 'cotag.suggest.evaluate']:\n"
              "    importlib.import_module(name)\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'sklearn'))))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
