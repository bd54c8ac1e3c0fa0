"""Counts for `cotag status`, read through a plain connection: no ORM, no model classes.

`cotag status` is a report command whose start-up a researcher waits for; importing the model classes
(SQLModel builds a pydantic model per table) costs more than the five counts. The statements name the
tables the models define; tests/unit/test_services.py checks the names and the status value against them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

# store.models.STATUS_ACTIVE, kept here so this module need not import the models (a test keeps them equal).
STATUS_ACTIVE = "active"


def project_counts(connection: Any) -> dict[str, Any]:
    """Documents per group, units, active codes, coders and live codings (a Connection or a Session)."""

    def one(sql: str, **params: Any) -> int:
        return int(connection.execute(text(sql), params).scalar_one())

    groups = connection.execute(text('SELECT "group", count(*) FROM document GROUP BY "group" ORDER BY "group"'))
    return {
        "documents": {str(group): int(n) for group, n in groups},
        "units": one("SELECT count(*) FROM unit"),
        "codes": one("SELECT count(*) FROM code WHERE status = :active", active=STATUS_ACTIVE),
        "coders": one("SELECT count(*) FROM coder"),
        "codings": one("SELECT count(*) FROM coding WHERE deleted_at IS NULL"),
    }
