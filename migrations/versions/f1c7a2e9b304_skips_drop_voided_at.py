"""skips: drop voided_at, which nothing ever wrote (a skip cannot be withdrawn)

Revision ID: f1c7a2e9b304
Revises: d4e9a7c31b58
Create Date: 2026-12-07 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1c7a2e9b304'
down_revision = 'd4e9a7c31b58'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, on SQLite too (3.35 and later drop a column in place), as c3a8f51d2e07 explains.
    op.drop_column('skips', 'voided_at')


def downgrade():
    op.add_column('skips', sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
