"""Use cases on the codebook: load a file into the project, the lead's operations, the codebook's fields, a
ruling made an example of its code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from cotag.project import Project
    from cotag.refi.qdc import CodeFields


def load_codebook_file(project: Project, *, path: Path | str, actor: str = "") -> dict[str, Any]:
    """Validate a codebook file and bring the project's codes in line with it (one transaction, logged)."""
    from cotag.codebook import load_codebook
    from cotag.store.codes import sync_codebook
    from cotag.store.events import log_event

    codebook = load_codebook(Path(path))
    with project.session() as session:
        report = sync_codebook(session, codebook=codebook)
        log_event(session, kind="codebook.load", actor=actor,
                  payload={"path": str(path), "version": codebook.version, **report.as_dict()})
    return {"codebook": codebook.title, "version": codebook.version, "codes": len(codebook.codes), **report.as_dict()}


def run_operation(project: Project, operation: str, **kwargs: Any) -> dict[str, Any]:
    """One of the lead's codebook operations (rename, move, merge, split, recode, retire, save) in one
    transaction: all of it is committed, or (on any error) none of it."""
    from cotag.codebook_ops import OPERATIONS
    from cotag.errors import CotagError

    if operation not in OPERATIONS:
        raise CotagError(f"unknown codebook operation {operation!r}; use {', '.join(sorted(OPERATIONS))}")
    with project.session() as session:
        return OPERATIONS[operation](session, **kwargs)


def code_fields(project: Project) -> list[CodeFields]:
    """The project's codes as REFI-QDA / Taguette fields (hierarchy, colour, description, rules, examples)."""
    from cotag.refi.qdc import fields_from_db

    with project.session() as session:
        return fields_from_db(session)


def overview(project: Project) -> tuple[list[Any], dict[int, int]]:
    """Every code (merged and retired too) in codebook order, and live codings per code id."""
    from cotag.codebook_ops import code_overview

    with project.session() as session:
        return code_overview(session)


def codings_of(project: Project, *, key: str, limit: int = 1000) -> tuple[list[Any], int]:
    """The first `limit` live codings of one code (every coder), with the start of their text, and how many."""
    from cotag.codebook_ops import codings_of_code

    with project.session() as session:
        return codings_of_code(session, key=key, limit=limit)


def example_from_ruling(project: Project, *, ruling: str, kind: str, lead: str, coders: Sequence[str] | None = None,
                        codebook: Path | str | None = None) -> dict[str, Any]:
    """A ruled passage becomes an include or exclude example of its code, in the codebook file and the project's
    copy (one transaction: the file is written inside it, so a failed write rolls the project's copy back)."""
    from cotag.codebook_examples import example_from_ruling as add

    with project.session() as session:
        return add(project, session, ruling=ruling, kind=kind, lead=lead, coders=coders, codebook=codebook)
