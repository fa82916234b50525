"""dose_slots: drop the person_id and scheduled_at indexes

Every query on slots names the person, and the unique key (person_id, scheduled_at) already serves
them; the two extra indexes only slowed the horizon's bulk inserts.

Revision ID: b7d2e4f1a903
Revises: 64ed9f4183e4
Create Date: 2026-12-01 08:50:00

"""
from alembic import op


revision = 'b7d2e4f1a903'
down_revision = '64ed9f4183e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dose_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_dose_slots_scheduled_at')
        batch_op.drop_index('ix_dose_slots_person_id')


def downgrade():
    with op.batch_alter_table('dose_slots', schema=None) as batch_op:
        batch_op.create_index('ix_dose_slots_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_dose_slots_scheduled_at', ['scheduled_at'], unique=False)
