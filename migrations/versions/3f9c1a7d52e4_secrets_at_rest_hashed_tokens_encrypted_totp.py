"""secrets at rest: session and calendar tokens kept as SHA-256 hashes, TOTP secrets encrypted (TOTP_KEYS)

Revision ID: 3f9c1a7d52e4
Revises: b8e3f0a6c215
Create Date: 2026-12-08 10:00:00

Existing rows are converted in place, so signed-in browsers, remember-me cookies and subscribed calendars
keep working: the cookie or feed address carries the token, and its hash now finds the row. TOTP secrets
are encrypted with the first key of the app's TOTP_KEYS (flask-migrate runs this inside the app).
"""
import hashlib

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


# revision identifiers, used by Alembic.
revision = '3f9c1a7d52e4'
down_revision = 'b8e3f0a6c215'
branch_labels = None
depends_on = None

# Lightweight tables with untyped columns: the values are read and written as they are stored.
SESSIONS = sa.table('login_sessions', sa.column('token_hash'))
SETTINGS = sa.table('reminder_settings', sa.column('person_id'), sa.column('calendar_token_hash'))
CLINICIANS = sa.table('clinicians', sa.column('id'), sa.column('totp_secret'))


def upgrade():
    # Renames are plain ALTER TABLE on SQLite too (3.25 and later): no table copy, as c3a8f51d2e07 explains.
    op.alter_column('login_sessions', 'token', new_column_name='token_hash', existing_type=sa.String(64),
                    existing_nullable=False)
    op.alter_column('reminder_settings', 'calendar_token', new_column_name='calendar_token_hash',
                    existing_type=sa.String(64), existing_nullable=True)
    # A Fernet token of a 32-character secret is 140 characters. SQLite does not hold a VARCHAR to its length,
    # so only PostgreSQL needs the wider column (and changing it on SQLite would copy the table).
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column('clinicians', 'totp_secret', type_=sa.String(255), existing_type=sa.String(64),
                        existing_nullable=True)
    bind = op.get_bind()
    tokens = bind.execute(sa.select(SESSIONS.c.token_hash)).scalars().all()
    for token in tokens:
        bind.execute(SESSIONS.update().where(SESSIONS.c.token_hash == token).values(token_hash=_sha256(token)))
    calendars = bind.execute(sa.select(SETTINGS.c.person_id, SETTINGS.c.calendar_token_hash)
                             .where(SETTINGS.c.calendar_token_hash.is_not(None))).all()
    for person_id, token in calendars:
        bind.execute(SETTINGS.update().where(SETTINGS.c.person_id == person_id)
                     .values(calendar_token_hash=_sha256(token)))
    keyring = _keyring()
    for clinician_id, secret in _totp_secrets(bind):
        encrypted = keyring.encrypt(secret.encode()).decode()
        bind.execute(CLINICIANS.update().where(CLINICIANS.c.id == clinician_id).values(totp_secret=encrypted))


def downgrade():
    # A hash cannot be turned back into its token: every session ends (everyone signs in again) and every
    # calendar link is turned off (people make a new one). TOTP secrets are decrypted.
    bind = op.get_bind()
    keyring = _keyring()
    for clinician_id, secret in _totp_secrets(bind):
        plain = keyring.decrypt(secret.encode()).decode()
        bind.execute(CLINICIANS.update().where(CLINICIANS.c.id == clinician_id).values(totp_secret=plain))
    bind.execute(SESSIONS.delete())
    bind.execute(SETTINGS.update().values(calendar_token_hash=None))
    if bind.dialect.name != 'sqlite':
        op.alter_column('clinicians', 'totp_secret', type_=sa.String(64), existing_type=sa.String(255),
                        existing_nullable=True)
    op.alter_column('reminder_settings', 'calendar_token_hash', new_column_name='calendar_token',
                    existing_type=sa.String(64), existing_nullable=True)
    op.alter_column('login_sessions', 'token_hash', new_column_name='token', existing_type=sa.String(64),
                    existing_nullable=False)


def _sha256(token: str) -> str:
    """As app.models.accounts.hash_token does it (copied: a migration must not change when the app does)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _keyring() -> MultiFernet:
    """The app's TOTP_KEYS: comma-separated Fernet keys, the first encrypts (as app.keyring reads them)."""
    keys = [key.strip() for key in current_app.config['TOTP_KEYS'].split(',') if key.strip()]
    return MultiFernet([Fernet(key) for key in keys])


def _totp_secrets(bind) -> list:
    query = sa.select(CLINICIANS.c.id, CLINICIANS.c.totp_secret).where(CLINICIANS.c.totp_secret.is_not(None))
    return bind.execute(query).all()
