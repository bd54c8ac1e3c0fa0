"""Use cases of REFI-QDA exchange that own their transaction here: writing a .qdpx project for ATLAS.ti, MAXQDA,
NVivo and QualCoder.

The export reads everything it writes in one read transaction (cotag.refi.qdpx_export.read_export), which ends
before the archive is built and written (write_qdpx), so building a large archive holds no transaction open.

The imports (`cotag import qdpx|qdc`) keep their transaction in cotag.refi: it is paired with the YAML codebook's
journal (cotag.refi.journal.journalled_session), which is put in place only once the transaction has committed;
docs/architecture.md says why that pairing stays in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.refi.qdpx_export import ExportReport


def export_qdpx(project: Project, path: Path | str, *, coders: list[str] | None = None,
                pseudonymise: bool = False, one_code_per_selection: bool = False) -> ExportReport:
    """Write the project (or only the named coders' codings and memos) to ``path`` as a REFI-QDA project.

    ``one_code_per_selection`` writes a selection per code (the span repeated, as NVivo does); ``pseudonymise``
    writes texts, offsets, attributes and memos through the pseudonym layer (docs/privacy.md)."""
    from cotag.bulk import collector_paused
    from cotag.refi.qdpx_export import read_export, write_qdpx

    with collector_paused():  # a large export makes a few hundred thousand objects, none in a cycle
        with project.session() as session:
            loaded = read_export(session, coders)
        return write_qdpx(project, loaded, path, pseudonymise=pseudonymise,
                          one_code_per_selection=one_code_per_selection)
