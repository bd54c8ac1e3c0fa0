"""qualitative-coding (qc 1.7.8) reads cotag's .qdpx: schema check, codes with hierarchy, coders, documents, codings.

qc's importer is its real code, run as its CLI (`qc init --import FILE`) in a fresh folder; what it
stored is read back from its own database and codebook. qc ignores Notes, Variables and Cases by
design (it says so in its log), so memos and attributes are not asserted here.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("qualitative_coding.refi_qda.reader", reason="qualitative-coding is not installed")


def run_qc_import(qdpx, folder):
    folder.mkdir()
    # qc 1.7.8 left a breakpoint() in its source importer: PYTHONBREAKPOINT=0 makes it a no-op.
    env = {**os.environ, "PYTHONBREAKPOINT": "0", "PYTHONPATH": ""}
    result = subprocess.run([sys.executable, "-c", "from qualitative_coding.cli import cli; cli()", "init",
                             "--import", str(qdpx)], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "did not validate" not in result.stdout + result.stderr
    return sqlite3.connect(folder / "qualitative_coding.sqlite3")


def tree(node, parent=None, out=None):
    """qc's YAML codebook (a list of names and {name: [children]}) as name -> parent."""
    out = {} if out is None else out
    for item in node or []:
        if isinstance(item, dict):
            for name, children in item.items():
                out[name] = parent
                tree(children, name, out)
        else:
            out[item] = parent
    return out


def test_qc_reads_codes_coders_documents_and_codings(exported, tmp_path):
    study, path = exported
    db = run_qc_import(path, tmp_path / "qc")
    assert {name for (name,) in db.execute("select name from coder")} == set(study.coders)
    assert {name for (name,) in db.execute("select name from code")} == set(study.code_tree)
    assert tree(yaml.safe_load((tmp_path / "qc" / "codebook.yaml").read_text(encoding="utf-8"))) == study.code_tree
    assert {name for (name,) in db.execute("select file_path from document")} == {f"{d}.txt" for d in study.documents}
    for document, text in study.documents.items():
        assert (tmp_path / "qc" / "corpus" / f"{document}.txt").read_text(encoding="utf-8") == text
    # qc keeps every coding of a selection (in either layout) but places it on a line, not a span.
    read = set(db.execute("select d.file_path, l.coder_id, l.code_id from coded_line l "
                          "join coded_line_location_association a on a.coded_line_id = l.id "
                          "join location o on o.id = a.location_id join document_index i on i.id = o.document_index_id "
                          "join document d on d.file_path = i.document_id"))
    assert read == {(f"{d}.txt", coder, code) for d, coder, code, _quote in study.codings}
