"""baseline: an empty schema that later migrations build on

Revision ID: e6ef29dbdbad
Revises: 
Create Date: 2026-11-22 02:12:02.910188

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6ef29dbdbad'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
