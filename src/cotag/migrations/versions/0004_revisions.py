"""revisions: a coded document's text can be revised, its codings and rulings carried onto the new text

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00

Two tables (cotag/revision): `revision` keeps each document's previous text and units (so a revision can be
undone) with who revised it and when; `revision_item` links every coding and ruling the revision carried to the
row that stands for it now, with its class (kept, moved, changed, orphaned) and the lead's review of flagged ones.
Only the account that imports (the tables' owner) writes them; nothing else in the schema changes.
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('old_text', sa.Text(), nullable=False),
        sa.Column('old_hash', sa.String(), nullable=False),
        sa.Column('new_hash', sa.String(), nullable=False),
        sa.Column('old_units', sa.JSON(), nullable=False),
        sa.Column('old_document', sa.JSON(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('actor', sa.String(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.Column('undone_by', sa.String(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'number', name='uq_revision_document_number'),
    )
    op.create_index('ix_revision_document_id', 'revision', ['document_id'])
    op.create_table(
        'revisionitem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('revision_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('status', sa.String(), nullable=False),
        sa.Column('old_id', sa.Integer(), nullable=False),
        sa.Column('new_id', sa.Integer(), nullable=True),
        sa.Column('coder', sa.String(), nullable=False),
        sa.Column('code', sa.String(), nullable=False),
        sa.Column('old_start', sa.Integer(), nullable=True),
        sa.Column('old_end', sa.Integer(), nullable=True),
        sa.Column('new_start', sa.Integer(), nullable=True),
        sa.Column('new_end', sa.Integer(), nullable=True),
        sa.Column('old_words', sa.Text(), nullable=False),
        sa.Column('new_words', sa.Text(), nullable=False),
        sa.Column('review', sa.String(), nullable=False),
        sa.Column('reviewed_by', sa.String(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['revision_id'], ['revision.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('revision_id', 'number', name='uq_revision_item_number'),
    )
    op.create_index('ix_revisionitem_revision_id', 'revisionitem', ['revision_id'])


def downgrade() -> None:
    op.drop_index('ix_revisionitem_revision_id', table_name='revisionitem')
    op.drop_table('revisionitem')
    op.drop_index('ix_revision_document_id', table_name='revision')
    op.drop_table('revision')
