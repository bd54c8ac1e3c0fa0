"""The application layer: the use cases both front ends call, each in its own transaction.

Every function here takes a `Project`, opens `project.session()` (one unit of work: committed when the
use case ends, rolled back on any error) and calls domain and store functions that take that session.
The CLI (cotag.commands) and the TUI call these; neither opens a session itself.

    services.corpus     import transcripts, status, documents, attributes, disclosure, the demo project
    services.codebook   load a codebook file, the lead's codebook operations, the codebook's fields
    services.agreement  the agreement report and its drill-down, the agreement screen's coders, simulated coders
    services.reconcile  disagreements, rulings, agreed spans, progress, the reconcile screen's workspace
    services.export     quote tables, matrices and other files for papers and other tools; the analysis screen
    services.team       coders and roles, assignments and rounds, the lead's dashboard, the audit trail,
                        merging another project or a coder file, writing a coder file
    services.coding     what the coding screen reads, codings as a table and from one, what the suggester reads
    services.revision   revising coded transcripts, undoing a revision, the revisions and the lead's review
    services.privacy    the lead's decisions on the pseudonym table, what the pseudonym suggester reads
    services.refi       writing a REFI-QDA .qdpx project
    services.memos      memos on passages, documents and codes, and the journal: write, edit, list, the dialog's
    services.queries    code queries and saved queries, the search of what was said
    services.suggestions  what the suggester trains and is evaluated on, who asks, dismissing, agreement without accepted suggestions
    services.training   practice documents for a trainee, and their score against the consensus

Nothing below this package imports it (an import-linter layers contract in pyproject.toml): a use case that
composes others lives here. The exceptions to "services own the transactions" are the coder's write path,
coding.CodingSession, and the REFI-QDA imports' transaction paired with the codebook journal
(refi.journal.journalled_session); docs/architecture.md says why.

The package imports nothing heavy: `from cotag.services import load_codebook_file` (and the other names
that lived in the old services.py) still works, resolved from the submodule on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

# Old flat names -> the submodule that holds them now (resolved lazily, so importing the package is free).
_MOVED = {
    "load_codebook_file": "codebook",
    "AGREEMENT_CODERS_EVENT": "agreement",
    "agreement_coders": "agreement",
    "remember_agreement_coders": "agreement",
    "import_transcripts": "corpus",
    "status": "corpus",
    "documents_table": "corpus",
    "document_turns": "corpus",
}

_SUBMODULES = ("agreement", "codebook", "coding", "corpus", "export", "memos", "privacy", "queries", "reconcile",
               "refi", "revision", "suggestions", "team", "training")

__all__ = [*_MOVED, *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        value = getattr(importlib.import_module(f"{__name__}.{_MOVED[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
