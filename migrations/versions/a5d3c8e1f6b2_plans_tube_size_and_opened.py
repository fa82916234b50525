"""plans: tube_grams and tube_opened, the tube in use, for the supply estimate

Revision ID: a5d3c8e1f6b2
Revises: f1c7a2e9b304
Create Date: 2026-12-07 18:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5d3c8e1f6b2'
down_revision = 'f1c7a2e9b304'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on SQLite too: two nullable columns, so no table copy (see c3a8f51d2e07).
    op.add_column('plans', sa.Column('tube_grams', sa.Integer(), nullable=True))
    op.add_column('plans', sa.Column('tube_opened', sa.Date(), nullable=True))


def downgrade():
    op.drop_column('plans', 'tube_opened')
    op.drop_column('plans', 'tube_grams')
