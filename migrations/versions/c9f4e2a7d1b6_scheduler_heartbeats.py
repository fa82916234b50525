"""scheduler_heartbeats: each scheduler process's last finished sweep, for /healthz

Revision ID: c9f4e2a7d1b6
Revises: 3f9c1a7d52e4
Create Date: 2026-12-08 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9f4e2a7d1b6'
down_revision = '3f9c1a7d52e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_heartbeats',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('host', 'pid')
    )
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_heartbeats_finished_at'), ['finished_at'], unique=False)


def downgrade():
    with op.batch_alter_table('scheduler_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_heartbeats_finished_at'))

    op.drop_table('scheduler_heartbeats')
