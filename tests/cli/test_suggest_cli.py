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
    assert {s["unit"] for s in garden} == {1, 3, 5, 7}
    assert all("grandmother" in s["text"] and 0.5 <= s["score"] <= 1 for s in garden)
    assert all(any(r["kind"] == "similar" for r in s["reasons"]) for s in garden)
    # the long form of the same command
    again = run(study, "suggest", "document", "D5", "--json")
    assert json.loads(again.stdout)["suggestions"] == data["suggestions"]


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
