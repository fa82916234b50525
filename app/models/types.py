"""Column types shared by the models."""

import datetime as dt
from collections.abc import Callable

from cryptography.fernet import MultiFernet
from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator

from app.keyring import decrypt, encrypt


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both databases (SQLite keeps no zone, so it is restored on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC instant")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Encrypted(TypeDecorator):
    """Text kept encrypted at rest (Fernet, app.keyring): `keyring` is called for the current keys on each
    read and write, so the model never holds a key and rotation needs no model change."""

    impl = String(255)
    cache_ok = True

    def __init__(self, keyring: Callable[[], MultiFernet], length: int = 255):
        super().__init__(length)
        self.keyring = keyring

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(self.keyring(), value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(self.keyring(), value)
