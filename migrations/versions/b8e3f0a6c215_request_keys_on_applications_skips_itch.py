"""applications, skips, itch_entries: request_key, unique for each person, so a resent form stores once

Revision ID: b8e3f0a6c215
Revises: a5d3c8e1f6b2
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8e3f0a6c215'
down_revision = 'a5d3c8e1f6b2'
branch_labels = None
depends_on = None

TABLES = ('applications', 'skips', 'itch_entries')


def upgrade():
    # A nullable column and a unique index: plain ALTER TABLE and CREATE INDEX on SQLite too, so no table
    # copy (see c3a8f51d2e07). The index is the store-once guard (app.models.doses, REQUEST_KEY_LENGTH);
    # rows from before have no key, and NULLs never collide.
    for table in TABLES:
        op.add_column(table, sa.Column('request_key', sa.String(length=64), nullable=True))
        op.create_index(f'uq_{table}_person_request_key', table, ['person_id', 'request_key'], unique=True)


def downgrade():
    for table in reversed(TABLES):
        op.drop_index(f'uq_{table}_person_request_key', table_name=table)
        op.drop_column(table, 'request_key')
