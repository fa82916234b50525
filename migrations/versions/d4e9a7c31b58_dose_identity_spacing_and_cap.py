"""plans and dose_slots: the dose's identity (its index in the local day), spacing and the daily cap

Revision ID: d4e9a7c31b58
Revises: c3a8f51d2e07
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e9a7c31b58'
down_revision = 'c3a8f51d2e07'
branch_labels = None
depends_on = None


def _default_gap(times: list[str]) -> int:
    # As app.dosing.schedule.default_min_gap_minutes says (restated: a migration must not import app code).
    minutes = sorted(int(t[:2]) * 60 + int(t[3:5]) for t in times)
    gaps = [((minutes[(i + 1) % len(minutes)] - m) % 1440) or 1440 for i, m in enumerate(minutes)]
    return min(gaps) // 2


def upgrade():
    # Plain ALTER TABLE (see c3a8f51d2e07: batch mode would copy dose_slots and null the applications' links).
    op.add_column('plans', sa.Column('min_gap_minutes', sa.Integer(), nullable=False, server_default='360'))
    op.add_column('dose_slots', sa.Column('dose_index', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('dose_slots', sa.Column('min_gap_minutes', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('dose_slots', sa.Column('per_day', sa.Integer(), nullable=False, server_default='2'))
    connection = op.get_bind()
    plans = sa.table('plans', sa.column('id'), sa.column('times', sa.JSON), sa.column('min_gap_minutes'))
    slots = sa.table('dose_slots', sa.column('plan_id'), sa.column('local_time'), sa.column('dose_index'),
                     sa.column('min_gap_minutes'), sa.column('per_day'))
    for plan_id, times in connection.execute(sa.select(plans.c.id, plans.c.times)).all():
        gap = _default_gap(times)
        connection.execute(plans.update().where(plans.c.id == plan_id).values(min_gap_minutes=gap))
        for index, at in enumerate(sorted(times)):
            connection.execute(slots.update().where(slots.c.plan_id == plan_id, slots.c.local_time == at)
                               .values(dose_index=index))
        connection.execute(slots.update().where(slots.c.plan_id == plan_id)
                           .values(min_gap_minutes=gap, per_day=len(times)))


def downgrade():
    op.drop_column('dose_slots', 'per_day')
    op.drop_column('dose_slots', 'min_gap_minutes')
    op.drop_column('dose_slots', 'dose_index')
    op.drop_column('plans', 'min_gap_minutes')
