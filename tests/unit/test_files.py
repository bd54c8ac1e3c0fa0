"""One atomic write for every file cotag writes: the old file or the new one, never half, and its mode kept."""

from __future__ import annotations

import os
import stat

import pytest

from cotag.files import replace_atomically, write_atomically


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "codebook.yaml"
    target.write_text("old\n")
    os.chmod(target, 0o644)
    write_atomically(target, "new\n")
    assert target.read_text() == "new\n" and mode(target) == 0o644
    os.chmod(target, 0o640)
    write_atomically(target, b"bytes")
    assert target.read_bytes() == b"bytes" and mode(target) == 0o640


def test_a_new_file_gets_the_umask_mode_not_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "new.txt") == 0o644


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "quotes.xlsx"
    target.write_bytes(b"good")

    def broken(temp):
        temp.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        replace_atomically(target, broken)
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["quotes.xlsx"]


def test_codebook_save_keeps_a_shared_codebook_readable_by_the_team(sqlite_project, tmp_path):
    """Issue #14: `codebook save` with a renamed code turned a shared 0644 codebook into 0600."""
    from cotag.services import codebook as codebook_ops
    from cotag.services import load_codebook_file
    from cotag.store.coders import get_or_create_coder

    path = tmp_path / "codebook.yaml"
    path.write_text("codebook: Study\nversion: 1\ncodes:\n  - key: wages\n    name: Wages\n", encoding="utf-8")
    os.chmod(path, 0o644)
    load_codebook_file(sqlite_project, path=path)
    with sqlite_project.session() as session:
        get_or_create_coder(session, name="lena", role="lead")
    codebook_ops.run_operation(sqlite_project, "rename", key="wages", new_key="pay", name="Pay", lead="lena")
    codebook_ops.run_operation(sqlite_project, "save", path=path, lead="lena")
    assert "key: pay" in path.read_text(encoding="utf-8")
    assert mode(path) == 0o644
