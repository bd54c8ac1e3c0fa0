"""`cotag suggest train`, `cotag suggest DOCUMENT` and `cotag suggest evaluate` from the command line."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from cotag.cli import app

VEG = ["tomatoes", "cucumbers", "peppers", "carrots", "beans"]
OTHER = ["The bus to the city was late again.", "My brother studies law in the capital.",
         "The internet at home is slow.", "We watched the football match on Sunday.",
         "The new mall opened near the station."]


def run(project, *args: str):
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


@pytest.fixture
def study(sqlite_project):
    """Six documents; the consensus codes gardening sentences in D0-D3, coder ann in D4-D5 (done)."""
    from factories import make_codes, make_document

    from cotag.store import codings, progress
    from cotag.store.coders import get_or_create_coder
    from cotag.store.documents import list_units
    from cotag.store.models import CONSENSUS_CODER, PROGRESS_DONE, ROLE_CONSENSUS

    rng = random.Random(3)
    project = sqlite_project
    with project.session() as s:
        made = make_codes(s, [("garden", "Gardening"), ("money", "Money")])
        cons = get_or_create_coder(s, name=CONSENSUS_CODER, role=ROLE_CONSENSUS)
        ann = get_or_create_coder(s, name="ann")
        rows = []
        for k in range(6):
            sentences, garden = [], []
            for i in range(8):
                if i % 2 == 0:
                    garden.append(i)
                    sentences.append(f"My grandmother grows {rng.choice(VEG)} in the greenhouse.")
                else:
                    sentences.append(rng.choice(OTHER))
            doc = make_document(s, f"D{k}", [("Interviewer", ["Tell me about home."]), ("Aigul", sentences)])
            coder = cons if k < 4 else ann
            units = list_units(s, document_id=doc.id)
            for i in garden:
                u = units[i + 1]
                rows.append({"document_id": doc.id, "code_id": made["garden"].id, "coder_id": coder.id,
                             "start": u.start, "end": u.end})
            progress.touch(s, coder_id=coder.id, document_id=doc.id, status=PROGRESS_DONE)
        codings.add_codings(s, rows=rows)
    return project


def test_train_saves_the_model_with_its_footing(study):
    result = run(study, "suggest", "train", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sources"] == ["consensus"] and data["include_coders"] is False
    assert data["documents"] == 4 and data["samples"] == 32
    assert "garden" in data["modelled"] and len(data["training_hash"]) == 16
    assert (study.root / ".cotag" / "suggester.npz").is_file()
    assert data["codebook_version"] is None  # this project has no codebook file
    from cotag.suggest.model import Suggester

    saved = Suggester.load(study.root / ".cotag" / "suggester.npz").meta
    assert saved["training_hash"] == data["training_hash"] and saved["sources"] == ["consensus"]
    result = run(study, "suggest", "train", "--include-coders", "--json")
    data = json.loads(result.stdout)
    assert data["sources"] == ["consensus", "ann"] and data["documents"] == 6


def test_suggest_document_json_gives_scores_and_reasons(study):
    assert run(study, "suggest", "train").exit_code == 0
    result = run(study, "suggest", "D5", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["document"] == "D5" and data["notes"]  # not evaluated yet: said so
    garden = [s for s in data["suggestions"] if s["code"] == "garden"]
    # units numbered from 1, as everywhere people see them: unit 1 is the interviewer's question
    assert {s["unit"] for s in garden} == {2, 4, 6, 8}
    assert all("grandmother" in s["text"] and 0.5 <= s["score"] <= 1 for s in garden)
    assert all(s["reasons"] for s in data["suggestions"])  # nothing is suggested without a reason to check
    for s in garden:
        (similar,) = [r for r in s["reasons"] if r["kind"] == "similar"]
        # which unit: a consensus document's gardening sentence (D0-D3), numbered from 1, with its text
        assert similar["document"] in {"D0", "D1", "D2", "D3"} and similar["unit"] in {2, 4, 6, 8}
        assert "grandmother" in similar["text"]
    # the long form of the same command
    again = run(study, "suggest", "document", "D5", "--json")
    assert json.loads(again.stdout)["suggestions"] == data["suggestions"]
    # the text form numbers units the same way and names the similar unit
    text = run(study, "suggest", "D5").stdout
    assert "unit    2  garden" in text and "unit    1 " not in text
    assert any(line.strip().startswith("like unit ") and " of D" in line and "coded garden" in line
               for line in text.splitlines())


def test_a_training_document_is_not_its_own_similar_unit(study):
    assert run(study, "suggest", "train").exit_code == 0
    data = json.loads(run(study, "suggest", "D0", "--json").stdout)
    similar = [(s, r) for s in data["suggestions"] for r in s["reasons"] if r["kind"] == "similar"]
    assert similar  # D0's gardening sentences are like D1-D3's
    assert all((r["document"], r["start"]) != (s["document"], s["start"]) for s, r in similar)


def test_evaluate_against_consensus_and_coder(study):
    result = run(study, "suggest", "evaluate", "--json", "--folds", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["against"] == "consensus" and data["documents"] == 4 and data["folds"] == 2
    assert data["threshold"] == pytest.approx(0.667)
    garden = {r["code"]: r for r in data["codes"]}["garden"]
    assert garden["alpha"] == pytest.approx(1.0) and garden["passed"] is True
    assert data["passed"] == ["garden"]
    assert data["report"]["coders"] == ["suggester", "consensus"]
    assert data["keyword_report"]["coders"] == ["keywords", "consensus"]
    result = run(study, "suggest", "evaluate", "--against", "ann", "--threshold", "0.9", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["against"] == "ann" and data["threshold"] == 0.9 and data["documents"] == 2


def test_evaluation_decides_which_codes_are_suggested(study):
    assert run(study, "suggest", "train").exit_code == 0
    assert run(study, "suggest", "evaluate", "--threshold", "1.0").exit_code == 0
    data = json.loads(run(study, "suggest", "D5", "--json").stdout)
    assert data["notes"] == [] and "alpha >= 1.0 against consensus" in data["basis"]
    assert {s["code"] for s in data["suggestions"]} <= {"garden"}


def test_threshold_from_cotag_toml(study):
    config = study.root / "cotag.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[suggest]\nthreshold = 0.5\n", encoding="utf-8")
    data = json.loads(run(study, "suggest", "evaluate", "--json").stdout)
    assert data["threshold"] == 0.5
    config.write_text(config.read_text(encoding="utf-8").replace("threshold = 0.5", 'threshold = "high"'),
                      encoding="utf-8")
    result = run(study, "suggest", "evaluate")
    assert result.exit_code == 1 and "error: cotag.toml [suggest] threshold" in result.output


def test_clean_errors(study):
    result = run(study, "suggest", "D9")
    assert result.exit_code == 1 and "error:" in result.output and "suggest train" in result.output
    assert run(study, "suggest", "train").exit_code == 0
    result = run(study, "suggest", "D9")
    assert result.exit_code == 1 and "no document with id 'D9'" in result.output
    result = run(study, "suggest", "evaluate", "--against", "nobody")
    assert result.exit_code == 1 and "no coder named 'nobody'" in result.output
    result = run(study, "suggest", "train", "--coders", "ann")
    assert result.exit_code == 1 and "--include-coders" in result.output
    result = run(study, "suggest", "evaluate", "--threshold", "2")
    assert result.exit_code == 1 and "between 0 and 1" in result.output
    assert "Traceback" not in result.output


def test_train_records_the_model_id_and_the_leads_coders_setting(study):
    """[suggest] coders travels with the model: a copy keeps the restriction whatever the coder's cotag.toml says."""
    from cotag.project import open_project
    from cotag.suggest.live import LiveSuggester

    toml = study.root / "cotag.toml"
    plain = toml.read_text(encoding="utf-8")
    toml.write_text(plain + '\n[suggest]\ncoders = "maybe"\n', encoding="utf-8")
    bad = run(study, "suggest", "train")
    assert bad.exit_code == 1 and "cotag.toml [suggest] coders = 'maybe'" in bad.output
    toml.write_text(plain + '\n[suggest]\ncoders = "none"\n', encoding="utf-8")
    result = run(study, "suggest", "train", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["coders_policy"] == "none" and len(data["model_id"]) == 12
    toml.write_text(plain, encoding="utf-8")  # the coder's own project file says nothing
    project = open_project(study.root)
    try:
        coder = LiveSuggester.open(project, lead=False)
        assert not coder.active and "turned suggestions off" in coder.note
        lead = LiveSuggester.open(project, lead=True)
        assert lead.model is not None and lead.model_key == data["model_id"]
    finally:
        project.close()


def test_no_consensus_yet_trains_on_the_codebook_and_says_so(sqlite_project):
    """Nothing reconciled: training still works, from the codebook, and says what else could teach it."""
    from factories import make_codes, make_document

    from cotag.store import codings, progress
    from cotag.store.coders import get_or_create_coder
    from cotag.store.documents import list_units
    from cotag.store.models import PROGRESS_DONE

    with sqlite_project.session() as s:
        made = make_codes(s, [("garden", "Gardening"), ("money", "Money")])
        ann = get_or_create_coder(s, name="ann")
        for k in range(3):
            doc = make_document(s, f"D{k}", [("Interviewer", ["Tell me."]),
                                             ("Aigul", ["We grow garden vegetables.", "The bus was late."])])
            unit = list_units(s, document_id=doc.id)[1]
            codings.add_codings(s, rows=[{"document_id": doc.id, "code_id": made["garden"].id, "coder_id": ann.id,
                                          "start": unit.start, "end": unit.end}])
            progress.touch(s, coder_id=ann.id, document_id=doc.id, status=PROGRESS_DONE)
    result = run(sqlite_project, "suggest", "train")
    assert result.exit_code == 0, result.output
    assert "trained on the codebook only: 0 documents" in result.stdout
    assert "no consensus yet" in result.stderr and "(ann)" in result.stderr and "--include-coders" in result.stderr
    data = json.loads(run(sqlite_project, "suggest", "train", "--json").stdout)
    assert data["sources"] == [] and data["documents"] == 0 and data["codebook_samples"] > 0
    assert any("no consensus yet" in n for n in data["notes"])
    # it suggests from the codebook (the factory's keyword is the code's key), and only with a reason
    doc = json.loads(run(sqlite_project, "suggest", "D0", "--json").stdout)
    assert doc["suggestions"] and all(s["reasons"] for s in doc["suggestions"])
    assert {s["code"] for s in doc["suggestions"]} == {"garden"}
    # evaluating against the consensus says there is none, and what to do
    result = run(sqlite_project, "suggest", "evaluate")
    assert result.exit_code == 1 and "no consensus yet" in result.output and "--against" in result.output
    result = run(sqlite_project, "suggest", "evaluate", "--against", "ann", "--folds", "3")
    assert result.exit_code == 0, result.output
    assert "learnt from the codebook only" in result.stdout


def test_evaluate_reports_intervals_kappa_and_where_the_threshold_came_from(study):
    result = run(study, "suggest", "evaluate", "--bootstrap", "50", "--folds", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    garden = {r["code"]: r for r in data["codes"]}["garden"]
    lo, hi = garden["alpha_ci"]
    assert lo <= garden["alpha"] <= hi and garden["kappa"] is not None and garden["percent_agreement"] is not None
    assert data["pooled_alpha_ci"] is not None and data["keyword_pooled_alpha_ci"] is not None
    assert data["report"]["bootstrap"]["replicates"] == 50  # the agreement report's own footing
    assert data["threshold_from"] == "default"
    text = run(study, "suggest", "evaluate", "--bootstrap", "50", "--folds", "2", "--threshold", "0.8").stdout
    assert "95% interval" in text and "% agree" in text and "kappa" in text
    assert "may suggest (alpha >= 0.8, --threshold): garden" in text
    saved = json.loads((study.root / ".cotag" / "suggester-evaluation.json").read_text(encoding="utf-8"))
    assert saved["threshold"] == 0.8 and saved["threshold_from"] == "--threshold" and saved["passed"] == ["garden"]
    assert run(study, "suggest", "evaluate", "--bootstrap", "-1").exit_code == 1


def test_training_and_evaluating_are_in_the_audit_trail(study):
    assert run(study, "suggest", "train", "--lead", "dana").exit_code == 0
    assert run(study, "suggest", "evaluate", "--threshold", "0.9", "--lead", "dana").exit_code == 0
    from cotag.project import open_project
    from cotag.store.events import list_events

    project = open_project(study.root)
    try:
        with project.session() as s:
            (trained,) = list_events(s, kind="suggest.train")
            (evaluated,) = list_events(s, kind="suggest.evaluate")
    finally:
        project.close()
    assert trained.actor == "dana" and trained.payload["sources"] == ["consensus"]
    assert trained.payload["include_coders"] is False and len(trained.payload["model_id"]) == 12
    assert evaluated.actor == "dana" and evaluated.payload["threshold"] == 0.9
    assert evaluated.payload["threshold_from"] == "--threshold" and evaluated.payload["passed"] == ["garden"]
    assert evaluated.payload["against"] == "consensus"
    log = run(study, "log", "--kind", "suggest")
    assert log.exit_code == 0 and "suggest.evaluate" in log.stdout and "threshold=0.9" in log.stdout


def test_an_evaluation_of_another_codebook_does_not_count(study):
    """The codebook teaches the model too: after an edit the old evaluation no longer lets codes through."""
    assert run(study, "suggest", "train").exit_code == 0
    assert run(study, "suggest", "evaluate", "--folds", "2").exit_code == 0
    assert json.loads(run(study, "suggest", "D5", "--json").stdout)["notes"] == []
    from cotag.project import open_project
    from cotag.store.codes import list_codes

    project = open_project(study.root)
    try:
        with project.session() as s:
            (money,) = [c for c in list_codes(s) if c.key == "money"]
            money.examples = [*money.examples, "My salary does not cover the rent."]
            s.add(money)
    finally:
        project.close()
    assert run(study, "suggest", "train").exit_code == 0
    data = json.loads(run(study, "suggest", "D5", "--json").stdout)
    assert "not evaluated on this training data" in data["basis"]


def test_a_coder_sees_what_the_lead_allows(study):
    """`--coder NAME` (env COTAG_CODER): a coder who is not a lead gets the coding screen's restrictions."""
    assert run(study, "suggest", "train", "--include-coders").exit_code == 0
    result = run(study, "suggest", "D5", "--coder", "ann")
    assert result.exit_code == 1 and "no suggestions for ann" in result.output and "coders' codings" in result.output
    assert run(study, "suggest", "train").exit_code == 0  # the codebook and the consensus only
    assert run(study, "suggest", "evaluate", "--folds", "2").exit_code == 0
    result = run(study, "suggest", "D5", "--coder", "ann", "--json")
    assert result.exit_code == 0, result.output
    assert {s["code"] for s in json.loads(result.stdout)["suggestions"]} == {"garden"}
    result = run(study, "suggest", "D5", "--coder", "ann", "--all-codes")
    assert result.exit_code == 1 and "--all-codes is the lead's" in result.output
    # D0 taught the model (its consensus): a coder is shown nothing there, the lead is
    result = run(study, "suggest", "D0", "--coder", "ann")
    assert result.exit_code == 1 and "no suggestions on D0: the suggester learnt from its codings" in result.output
    assert run(study, "suggest", "D0").exit_code == 0
    result = run(study, "suggest", "D5", "--coder", "nobody")
    assert result.exit_code == 1 and "no coder named 'nobody'" in result.output
    toml = study.root / "cotag.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[suggest]\ncoders = "none"\n', encoding="utf-8")
    result = run(study, "suggest", "D5", "--coder", "ann")
    assert result.exit_code == 1 and "turned suggestions off for coders" in result.output
    assert run(study, "suggest", "D5").exit_code == 0  # nobody named: whoever holds the project file


def test_nothing_leaves_the_machine(study, monkeypatch):
    """Training, evaluating and suggesting open no network connection (and so download nothing)."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the suggester tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for args in (["suggest", "train"], ["suggest", "evaluate", "--folds", "2"], ["suggest", "D5"]):
        result = run(study, *args)
        assert result.exit_code == 0, result.output


def test_a_threshold_raised_in_cotag_toml_applies_without_evaluating_again(study):
    assert run(study, "suggest", "train").exit_code == 0
    assert run(study, "suggest", "evaluate", "--folds", "2").exit_code == 0
    saved = json.loads((study.root / ".cotag" / "suggester-evaluation.json").read_text(encoding="utf-8"))
    assert saved["alphas"]["garden"] == pytest.approx(1.0) and saved["passed"] == ["garden"]
    # make garden's alpha fall short of a stricter threshold the lead sets afterwards
    saved["alphas"]["garden"] = 0.7
    (study.root / ".cotag" / "suggester-evaluation.json").write_text(json.dumps(saved), encoding="utf-8")
    toml = study.root / "cotag.toml"
    plain = toml.read_text(encoding="utf-8")
    toml.write_text(plain + "\n[suggest]\nthreshold = 0.8\n", encoding="utf-8")
    data = json.loads(run(study, "suggest", "D5", "--json").stdout)
    assert data["codes"] == [] and data["suggestions"] == [] and "alpha >= 0.8" in data["basis"]
    from cotag.project import open_project
    from cotag.suggest.live import LiveSuggester

    project = open_project(study.root)
    try:
        assert LiveSuggester.open(project, lead=True).codes == []
    finally:
        project.close()
    # a lower threshold does not loosen the evaluation: it says to evaluate again
    toml.write_text(plain + "\n[suggest]\nthreshold = 0.5\n", encoding="utf-8")
    data = json.loads(run(study, "suggest", "D5", "--json").stdout)
    assert data["codes"] == ["garden"] and "alpha >= 0.667" in data["basis"]
    assert any("run `cotag suggest evaluate` again" in n for n in data["notes"])
