"""Taguette 1.5.2's own codebook importer (``taguette.import_codebook.list_tags_csv``) reads cotag's CSV.

Taguette imports codebooks only as CSV; a header with both ``tag`` and ``path`` is refused by it
("Not sure which column to use for tag name"), so cotag writes ``tag`` and ``description``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def taguette_reads(path: Path) -> list[dict]:
    reader = pytest.importorskip("taguette.import_codebook", reason="taguette is not installed")
    with path.open("rb") as handle:
        return reader.list_tags_csv(handle)


def test_taguette_reads_the_project_codebook(study, tmp_path):
    from cotag.refi.qdc import fields_from_db
    from cotag.refi.taguette import write_taguette_codebook

    with study.project.session() as s:
        fields = fields_from_db(s)
    out = tmp_path / "codebook.csv"
    assert write_taguette_codebook(fields, out) == 4
    tags = taguette_reads(out)
    assert [t["path"] for t in tags] == ["Push", "Push.Заработная плата", "Pull", "Pull.Оқу"]
    assert tags[1]["description"] == ("Заработная плата definition\nInclude: include wages\nExclude: exclude wages\n"
                                      "Examples: example wages")


def test_taguette_reads_the_demo_yaml_codebook(tmp_path):
    from cotag.codebook import load_codebook
    from cotag.refi.taguette import write_taguette_codebook

    codebook = load_codebook(REPO / "codebooks" / "migration.yaml")
    out = tmp_path / "migration.csv"
    write_taguette_codebook(codebook, out)
    tags = taguette_reads(out)
    names = {c.key: c.name for c in codebook.codes}
    expected = []
    for code in codebook.codes:
        path = [code.name]
        parent = code.parent
        while parent:
            path.insert(0, names[parent])
            parent = codebook.get(parent).parent
        expected.append(".".join(path))
    assert [t["path"] for t in tags] == expected
    assert all(t["description"].startswith(c.description.strip()) for t, c in zip(tags, codebook.codes))
