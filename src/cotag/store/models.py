"""The project's tables: every row a researcher's thing (coder, code, document, unit, coding...)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    # Stored naive in UTC: SQLite has no time zones, and mixing aware and naive
    # datetimes between the two back ends breaks comparisons.
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Roles. The consensus coder is a reserved row that only a lead may write.
ROLE_CODER = "coder"
ROLE_LEAD = "lead"
ROLE_CONSENSUS = "consensus"
CONSENSUS_CODER = "consensus"

# Code status: a code is never deleted once used; it is retired or merged.
STATUS_ACTIVE = "active"
STATUS_RETIRED = "retired"
STATUS_MERGED = "merged"

# Per coder and document: where they are, and whether they marked it done.
PROGRESS_ASSIGNED = "assigned"
PROGRESS_DONE = "done"


class Coder(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    role: str = Field(default=ROLE_CODER)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Code(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True)
    name: str
    parent_id: Optional[int] = Field(default=None, foreign_key="code.id")
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    include: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    exclude: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    colour: Optional[str] = None
    shortcut: Optional[str] = None
    status: str = Field(default=STATUS_ACTIVE)
    merged_into_id: Optional[int] = Field(default=None, foreign_key="code.id")
    position: int = 0


class Document(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    # The id researchers use (E001, G017); stable across re-imports.
    external_id: str = Field(index=True, unique=True)
    group: str = Field(default="", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(index=True)
    source_path: str = ""
    format: str = ""
    words: int = 0
    imported_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Unit(SQLModel, table=True):
    """A sentence inside a speaker turn: what coders select and agreement counts."""

    __table_args__ = (UniqueConstraint("document_id", "index", name="uq_unit_document_index"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    index: int
    start: int
    end: int
    turn: int
    speaker: str = ""
    is_interviewer: bool = False


class Coding(SQLModel, table=True):
    """One coder's code on one span. Removal is a soft delete so undo and the audit trail lose nothing."""

    __table_args__ = (
        Index("ix_coding_document_coder", "document_id", "coder_id"),
        Index("ix_coding_code", "code_id"),
        # One live coding per coder, code and span: enforced by the database (migration 0003), so two writers
        # at once cannot both insert it. Removed (soft-deleted) codings may repeat: they are the history.
        Index("uq_coding_live", "document_id", "coder_id", "code_id", "start", "end", unique=True,
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
        # On PostgreSQL a CHECK; on SQLite, which cannot add one to an existing table, triggers (migration 0003)
        # check the same and that the span ends within its document's text.
        CheckConstraint('start >= 0 AND "end" > start', name="ck_coding_span"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    code_id: int = Field(foreign_key="code.id")
    coder_id: int = Field(foreign_key="coder.id", index=True)
    start: int
    end: int
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    deleted_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    # Where the coding came from (migration 0008): None when its coder made it; SOURCE_SUGGESTION ... when it
    # was an accepted suggestion. Never changed once written (a trigger), so it can be trusted as provenance.
    source: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))


# Coding.source of an accepted suggestion starts with this word (then "model=<id> score=<p>").
SOURCE_SUGGESTION = "suggestion"


class Progress(SQLModel, table=True):
    """Per coder and document: assigned or done, and the unit the coder was last on."""

    __table_args__ = (UniqueConstraint("coder_id", "document_id", name="uq_progress_coder_document"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    coder_id: int = Field(foreign_key="coder.id", index=True)
    document_id: int = Field(foreign_key="document.id")
    status: str = Field(default=PROGRESS_ASSIGNED)
    cursor: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Decision(SQLModel, table=True):
    """A lead's ruling on one disagreement; a changed ruling supersedes the old row, which stays."""

    id: Optional[int] = Field(default=None, primary_key=True)
    disagreement: str = Field(index=True)  # stable id of the disagreement ruled on
    document_id: int = Field(foreign_key="document.id", index=True)
    code_id: int = Field(foreign_key="code.id")
    lead_id: int = Field(foreign_key="coder.id")
    ruling: str  # a | b | both | none | edit
    start: Optional[int] = None  # the span that stands, for "edit"
    end: Optional[int] = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    superseded_at: Optional[datetime] = Field(default=None, sa_type=DateTime)


class Memo(SQLModel, table=True):
    """A free-standing memo on a document, a code or the project (memos on codings live on Coding.memo)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    coder_id: int = Field(foreign_key="coder.id", index=True)
    document_id: Optional[int] = Field(default=None, foreign_key="document.id")
    code_id: Optional[int] = Field(default=None, foreign_key="code.id")
    title: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)


class Event(SQLModel, table=True):
    """Append-only audit log: who did what, when."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime)
    actor: str = ""  # coder name, or "" for the system
    kind: str = Field(index=True)  # import, code.apply, code.remove, memo, decision, codebook.*, ...
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# What became of a coding or ruling when its document's text was revised (cotag.revision).
CARRY_KEPT = "kept"  # the same words at the same offsets
CARRY_MOVED = "moved"  # the same words at new offsets
CARRY_CHANGED = "changed"  # its words were edited: carried to the best span, flagged for the lead
CARRY_ORPHANED = "orphaned"  # its words were deleted: the original is kept (removed from view), flagged


class Revision(SQLModel, table=True):
    """A new version of a coded document's text; the previous text and units stay here, so it can be undone."""

    __table_args__ = (UniqueConstraint("document_id", "number", name="uq_revision_document_number"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int  # 1 for a document's first revision
    old_text: str = Field(sa_column=Column(Text, nullable=False))
    old_hash: str
    new_hash: str
    # What undo puts back besides the text: units as (index, start, end, turn, speaker, is_interviewer) and the
    # document's other fields the new file replaced (words, source_path, format, attributes, group).
    old_units: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    old_document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    undone_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    undone_by: str = ""


class RevisionItem(SQLModel, table=True):
    """One coding or ruling a revision carried: the old row, the row that replaced it (if any), and its class."""

    __table_args__ = (UniqueConstraint("revision_id", "number", name="uq_revision_item_number"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    revision_id: int = Field(foreign_key="revision.id", index=True)
    number: int  # 1, 2, ... within the revision: what the lead names when reviewing
    kind: str  # coding | decision
    status: str  # kept | moved | changed | orphaned
    old_id: int  # coding.id or decision.id before the revision
    new_id: Optional[int] = None  # the row standing for it after (the same id when nothing had to change)
    coder: str = ""  # coder name (coding) or lead name (decision)
    code: str = ""  # code key
    old_start: Optional[int] = None
    old_end: Optional[int] = None
    new_start: Optional[int] = None
    new_end: Optional[int] = None
    old_words: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    new_words: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    review: str = ""  # "" (not reviewed) | accepted | removed | respanned
    reviewed_by: str = ""
    reviewed_at: Optional[datetime] = Field(default=None, sa_type=DateTime)


class Assignment(SQLModel, table=True):
    """A lead's plan: this coder codes this document (in a round). Replaced rows stay, with removed_at set."""

    __table_args__ = (Index("ix_assignment_document", "document_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    coder_id: int = Field(foreign_key="coder.id", index=True)
    round_name: str = Field(default="")
    # In the overlap sample every listed coder codes: where agreement is measured.
    overlap: bool = False
    assigned_by: str = ""
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    removed_at: Optional[datetime] = Field(default=None, sa_type=DateTime)


class Round(SQLModel, table=True):
    """A named batch of coding with a start and an end: its documents are those assigned in it (and any named
    when it started)."""

    __tablename__ = "coding_round"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow, sa_type=DateTime)
    started_by: str = ""
    closed_at: Optional[datetime] = Field(default=None, sa_type=DateTime)
    closed_by: str = ""
