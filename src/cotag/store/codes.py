"""Queries on the code table: the codebook as the project holds it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from cotag.errors import NotFound
from cotag.store.models import STATUS_ACTIVE, STATUS_MERGED, STATUS_RETIRED, Code, Coding
from cotag.store.rows import driver_rows, table

K = table(Code)

# The fields a codebook file sets on a code (everything but identity and tree position).
SPEC_FIELDS = ("name", "description", "include", "exclude", "examples", "keywords", "colour", "shortcut", "status",
               "position")


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "retired": self.retired, "unchanged": self.unchanged}


def list_codes(session: Session, *, include_retired: bool = True) -> list[Code]:
    query = select(Code).order_by(col(Code.position), col(Code.id))
    if not include_retired:
        query = query.where(col(Code.status) == STATUS_ACTIVE)
    return list(session.exec(query))


def get_code(session: Session, *, key: str) -> Code | None:
    return session.exec(select(Code).where(col(Code.key) == key)).first()


def get_code_by_id(session: Session, *, code_id: int) -> Code | None:
    return session.get(Code, code_id)


def require_code(session: Session, *, key: str) -> Code:
    code = get_code(session, key=key)
    if code is None:
        import difflib

        keys = list(session.exec(select(col(Code.key))).all())
        close = difflib.get_close_matches(key.casefold(), keys, n=3, cutoff=0.75)
        raise NotFound(f"no code with key {key!r} in the project's codebook"
                       + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return code


def coding_counts(session: Session) -> dict[int, int]:
    """Live codings per code id (all coders)."""
    rows = session.exec(
        select(col(Coding.code_id), func.count()).where(col(Coding.deleted_at).is_(None)).group_by(col(Coding.code_id))
    )
    return {code_id: n for code_id, n in rows}


def sync_codebook(session: Session, *, codebook) -> SyncReport:
    """Make the code table match a loaded codebook, by key.

    A code missing from the file is retired, never deleted: codings (ours or a
    merged project's) may point at it and the audit trail names it.
    """
    report = SyncReport()
    existing = {c.key: c for c in list_codes(session)}
    by_key: dict[str, Code] = {}
    for spec in codebook.codes:
        values = {name: getattr(spec, name) for name in SPEC_FIELDS}
        values["include"] = list(values["include"])
        values["exclude"] = list(values["exclude"])
        values["examples"] = list(values["examples"])
        values["keywords"] = list(values["keywords"])
        code = existing.get(spec.key)
        if code is None:
            code = Code(key=spec.key, **values)
            session.add(code)
            report.added.append(spec.key)
        else:
            if code.status == STATUS_MERGED and values["status"] == STATUS_RETIRED:
                # A saved codebook writes a merged code as retired; reloading it must keep the merge.
                values["status"] = STATUS_MERGED
            changed = [name for name, value in values.items() if getattr(code, name) != value]
            for name in changed:
                setattr(code, name, values[name])
            # Order shifts when a code above is removed; that is not a change to this code.
            if [name for name in changed if name != "position"]:
                report.updated.append(spec.key)
            session.add(code)
        by_key[spec.key] = code
    session.flush()
    for spec in codebook.codes:
        code = by_key[spec.key]
        parent_id = by_key[spec.parent].id if spec.parent else None
        if code.parent_id != parent_id:
            code.parent_id = parent_id
            if spec.key not in report.added and spec.key not in report.updated:
                report.updated.append(spec.key)
            session.add(code)
    for key, code in existing.items():
        if key not in by_key and code.status == STATUS_ACTIVE:
            code.status = STATUS_RETIRED
            session.add(code)
            report.retired.append(key)
    report.unchanged = len(codebook.codes) - len(report.added) - len(report.updated)
    session.flush()
    return report


def code_keys(session: Session) -> dict[int, str]:
    """code id -> key, in codebook order (position, then id)."""
    query = core_select(K.c.id, K.c.key).order_by(K.c.position, K.c.id)
    return {int(i): str(k) for i, k in driver_rows(session, query)}
