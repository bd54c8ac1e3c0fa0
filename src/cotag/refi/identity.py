"""Foreign GUIDs and creation times kept across an import and a later export.

NVivo (and any tool that merges by GUID) recognises its own objects in a file only by the
GUIDs it wrote. An import therefore records, for every document, code, coder and memo it
creates, the GUID the file gave it, and a document's ``creationDateTime``. An export writes
those again instead of cotag's own stable GUIDs.

They live in the event log (kind :data:`IDENTITY_EVENT`, one event per import, keyed by
database id so a renamed document keeps its GUID), because no table has a column for them;
a later import that names the same object again wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cotag.refi import format_datetime, parse_datetime

__all__ = ["IDENTITY_EVENT", "ForeignIdentity", "is_rfc_guid", "load_identity", "record_identity"]

IDENTITY_EVENT = "import.qdpx.identity"
KINDS = ("documents", "codes", "coders", "memos")

# Only GUIDs the Project schema accepts are written again (qc 1.3.2 writes others).
_RFC_GUID = re.compile(r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?\Z")


def is_rfc_guid(value: str | None) -> str | None:
    """The GUID in lower case without braces when it is one the schema accepts, else None."""
    match = _RFC_GUID.match((value or "").strip())
    return match.group(1).lower() if match else None


@dataclass
class ForeignIdentity:
    """kind -> database id -> GUID, plus documents' creation times."""

    guids: dict[str, dict[int, str]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    document_created: dict[int, datetime] = field(default_factory=dict)

    def guid(self, kind: str, row_id: int | None) -> str | None:
        return self.guids[kind].get(row_id) if row_id is not None else None


def record_identity(session, *, file: str, guids: dict[str, dict[int, str | None]],
                    document_created: dict[int, datetime | None]) -> None:
    """Log the GUIDs an import gave to the rows it created (invalid GUIDs are left out)."""
    from cotag.store.events import log_event

    payload: dict[str, Any] = {"file": file}
    for kind in KINDS:
        kept = {str(row_id): guid for row_id, raw in guids.get(kind, {}).items() if (guid := is_rfc_guid(raw))}
        if kept:
            payload[kind] = kept
    created = {str(row_id): format_datetime(when) for row_id, when in document_created.items() if when is not None}
    if created:
        payload["document_created"] = created
    if len(payload) > 1:
        log_event(session, kind=IDENTITY_EVENT, payload=payload)


def load_identity(session) -> ForeignIdentity:
    """Every recorded GUID, a later import overriding an earlier one for the same row."""
    from cotag.store.events import list_events

    identity = ForeignIdentity()
    for event in list_events(session, kind=IDENTITY_EVENT):
        if event.kind != IDENTITY_EVENT:
            continue
        payload = event.payload or {}
        for kind in KINDS:
            for row_id, guid in (payload.get(kind) or {}).items():
                valid = is_rfc_guid(guid)
                if str(row_id).isdigit() and valid:
                    identity.guids[kind][int(row_id)] = valid
        for row_id, when in (payload.get("document_created") or {}).items():
            parsed = parse_datetime(when)
            if str(row_id).isdigit() and parsed is not None:
                identity.document_created[int(row_id)] = parsed
    return identity
