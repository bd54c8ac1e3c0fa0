"""Queries behind "rulings teach the codebook": the ruling, its document and code, and a code's rule lists."""

from __future__ import annotations

from typing import Optional

from sqlmodel import col, select

from cotag.store.models import Code, Coder, Decision, Document
from cotag.store.session import Session


def ruling(session: Session, *, disagreement: str) -> Optional[tuple[Decision, Document, Code, str]]:
    """The ruling that stands on a disagreement, with its document, code and lead's name; None if never ruled."""
    row = session.exec(select(Decision).where(Decision.disagreement == disagreement,
                                              col(Decision.superseded_at).is_(None))
                       .order_by(col(Decision.id).desc())).first()
    if row is None:
        return None
    document = session.get(Document, row.document_id)
    code = session.get(Code, row.code_id)
    lead = session.get(Coder, row.lead_id)
    if document is None or code is None:
        return None
    return row, document, code, lead.name if lead is not None else ""


def add_rule(session: Session, *, code: Code, field: str, text: str) -> list[str]:
    """Append text to the code's include or exclude list (as the project's copy of the codebook); the new list."""
    if field not in ("include", "exclude"):
        raise ValueError(f"no rule list {field!r}")
    rules = list(getattr(code, field) or [])
    rules.append(text)
    setattr(code, field, rules)  # a new list: the JSON column is only written when reassigned
    session.add(code)
    session.flush()
    return rules
