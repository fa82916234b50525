"""dose_slots: outcome, a copy of what the applications and skips say of each slot

Revision ID: c3a8f51d2e07
Revises: 49fa6818b49f
Create Date: 2026-12-02 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a8f51d2e07'
down_revision = '49fa6818b49f'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, on SQLite too (3.35 and later drop a column in place): batch mode would copy the
    # table, and dropping the old one sets every application's counts_for_slot_id to NULL (ON DELETE).
    op.add_column('dose_slots', sa.Column('outcome', sa.String(length=8), nullable=True))
    # As app.dosing.windows.recorded_state says: a dose that counts wins over a skip made before it.
    op.execute("""
        UPDATE dose_slots SET outcome = CASE
            WHEN EXISTS (SELECT 1 FROM applications a WHERE a.counts_for_slot_id = dose_slots.id
                         AND a.voided_at IS NULL AND a.verdict = 'counted') THEN 'on_time'
            WHEN EXISTS (SELECT 1 FROM applications a WHERE a.counts_for_slot_id = dose_slots.id
                         AND a.voided_at IS NULL AND a.verdict = 'late') THEN 'late'
            WHEN EXISTS (SELECT 1 FROM skips s WHERE s.slot_id = dose_slots.id AND s.voided_at IS NULL) THEN 'skipped'
        END
    """)


def downgrade():
    op.drop_column('dose_slots', 'outcome')
