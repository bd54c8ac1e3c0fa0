"""One document's attributes edited by hand (the library's form): typed and all-or-nothing as `attributes import`.

Each value is typed as `cotag attributes import` types a cell (by what the attribute holds in the other
documents: numbers, true/false, dates, lists), an empty value removes the attribute, and a value that does not fit
refuses the whole edit with a message naming the attribute and the value. The change is logged as an
`attributes.import` event (with ``"via": "edit"`` and no file), the kind the transcript importer reads back, so
the edit outlives a re-import of the transcript exactly as a spreadsheet's value does.

Both functions work in the session they are given; services.corpus opens the transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cotag.attributes import (GROUP_COLUMN, ID_COLUMN, IMPORT_EVENT, Change, _applied, _kind, _parse, _storable,
                              attribute_columns, cell_text, documents_with_attributes)
from cotag.errors import CotagError

if TYPE_CHECKING:
    from cotag.store.session import Session

# An attribute's name as front matter and the sheet's header write it.
_NAME = re.compile(r"[^\s=][^=]*\Z")


@dataclass(frozen=True)
class AttributeForm:
    """What the form shows: the document, its attributes as text (in the export's column order), and the names
    other documents use (offered for a new attribute)."""

    document: str
    group: str
    values: dict[str, str]
    known: list[str]


def attribute_form(session: "Session", *, document: str) -> AttributeForm:
    """What the library's form opens with for one document."""
    rows = documents_with_attributes(session)
    found = next((row for row in rows if row[0] == document), None)
    if found is None:
        raise CotagError(f"no document with id {document!r} in the project")
    _, group, attributes = found
    known = attribute_columns(rows)
    ordered = [k for k in known if k in attributes] + [k for k in attributes if k not in known]
    return AttributeForm(document=document, group=group, values={k: cell_text(attributes[k]) for k in ordered},
                         known=known)


def edit_attributes(session: "Session", *, document: str, values: dict[str, str], actor: str = "") -> list[Change]:
    """Set the document's attributes from the form's texts (every attribute the form showed, plus new ones; an
    empty text removes). Nothing changes unless every value fits; returns the changes made (none: nothing to do)."""
    from cotag.store.documents import require_document
    from cotag.store.events import log_event

    problems: list[str] = []
    rows = documents_with_attributes(session)
    kinds = {}
    for name in values:
        kinds[name] = _kind(attrs.get(name) for external_id, _, attrs in rows if external_id != document)
    target = require_document(session, external_id=document)
    current = dict(target.attributes or {})
    planned: dict[str, Any] = {}
    changes: list[Change] = []
    for name, text in values.items():
        name = name.strip()
        text = text.strip()
        if not name:
            if text:
                problems.append(f"{document}: the value {text!r} has no attribute name")
            continue
        if name in (ID_COLUMN, GROUP_COLUMN) or not _NAME.match(name):
            problems.append(f"{document}: {name!r} cannot be an attribute's name"
                            + (" (the id and group are the document's own)" if name in (ID_COLUMN, GROUP_COLUMN)
                               else " (no '=' and not only spaces)"))
            continue
        old = current.get(name)
        if text == cell_text(old):
            continue
        try:
            new = None if not text else _parse(text, kinds.get(name, "new"))
            _storable(new)
        except ValueError as exc:
            problems.append(f"{document}, attribute {name}: {text!r} {exc}")
            continue
        if new == old and type(new) is type(old):
            continue
        planned[name] = new
        changes.append(Change(document, name, old, new))
    if problems:
        raise CotagError("nothing was changed:\n" + "\n".join(problems))
    if not changes:
        return []
    target.attributes = _applied(current, planned)
    session.add(target)
    log_event(session, kind=IMPORT_EVENT, actor=actor,
              payload={"path": None, "via": "edit", "changes": [c.as_dict() for c in changes]})
    return changes
