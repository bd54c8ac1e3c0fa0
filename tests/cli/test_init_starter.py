"""`cotag init` writes a starter codebook.yaml, so the README's next commands (check, load) work as written."""

from __future__ import annotations

import json
import tomllib

from typer.testing import CliRunner

from cotag.cli import app


def cli(*args: str, cwd=None, monkeypatch=None):
    if cwd is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_init_writes_a_starter_codebook_that_checks_and_loads(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COTAG_PROJECT", raising=False)
    result = cli("init", str(tmp_path / "my-study"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "my-study"
    starter = (root / "codebook.yaml").read_text(encoding="utf-8")
    assert starter.startswith("#") and "docs/codebook.md" in starter  # it explains the format
    assert tomllib.loads((root / "cotag.toml").read_text(encoding="utf-8"))["codebook"]["path"] == "codebook.yaml"
    # The README: cd my-study; cotag codebook check codebook.yaml; cotag codebook load codebook.yaml
    checked = cli("codebook", "check", "codebook.yaml", cwd=root, monkeypatch=monkeypatch)
    assert checked.exit_code == 0, checked.output
    assert "ok, 5 codes" in checked.output
    loaded = cli("codebook", "load", "codebook.yaml", cwd=root, monkeypatch=monkeypatch)
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(cli("status", "--json", cwd=root, monkeypatch=monkeypatch).output)["codes"] == 5


def test_init_keeps_a_codebook_already_in_the_folder_and_leaves_a_given_one_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("COTAG_DATABASE_URL", raising=False)
    mine = "codebook: Mine\nversion: 7\ncodes: []\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "codebook.yaml").write_text(mine, encoding="utf-8")
    assert cli("init", str(tmp_path / "a")).exit_code == 0
    assert (tmp_path / "a" / "codebook.yaml").read_text(encoding="utf-8") == mine
    result = cli("init", str(tmp_path / "b"), "--codebook", "codes/study.yaml")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "b" / "codebook.yaml").exists()
    config = tomllib.loads((tmp_path / "b" / "cotag.toml").read_text(encoding="utf-8"))
    assert config["codebook"]["path"] == "codes/study.yaml"
