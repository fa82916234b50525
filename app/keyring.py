"""The keys that encrypt TOTP secrets at rest, from the TOTP_KEYS setting, and their rotation.

TOTP_KEYS holds comma-separated Fernet keys (`Fernet.generate_key()`): the first encrypts, every one
decrypts. To rotate: put a new key first and keep the old ones after it, restart, run
`flask rotate-totp-keys` (every secret re-encrypted with the first key), then drop the old keys.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import column, select, table, update
from sqlalchemy.orm import Session


class UnreadableSecret(RuntimeError):
    """A stored secret that no key in TOTP_KEYS decrypts: a key was dropped before rotating."""


def keyring_from(keys: str) -> MultiFernet:
    """A MultiFernet from comma-separated Fernet keys; ValueError naming the setting if one is malformed."""
    parts = [key.strip() for key in keys.split(",") if key.strip()]
    if not parts:
        raise ValueError("TOTP_KEYS is empty: give at least one key (Fernet.generate_key())")
    try:
        return MultiFernet([Fernet(key) for key in parts])
    except ValueError as exc:
        raise ValueError(f"TOTP_KEYS holds a malformed key: {exc}") from None


def totp_keyring() -> MultiFernet:
    """The current app's keyring, built once for each value of TOTP_KEYS."""
    keys = current_app.config["TOTP_KEYS"]
    built = current_app.extensions.setdefault("totp_keyrings", {})
    if keys not in built:
        built[keys] = keyring_from(keys)
    return built[keys]


def encrypt(keyring: MultiFernet, plain: str) -> str:
    return keyring.encrypt(plain.encode()).decode()


def decrypt(keyring: MultiFernet, stored: str) -> str:
    try:
        return keyring.decrypt(stored.encode()).decode()
    except InvalidToken:
        raise UnreadableSecret("a stored TOTP secret cannot be decrypted with any key in TOTP_KEYS") from None


# The raw column, without the model's decrypting type: rotation works on the ciphertext itself.
_CLINICIANS = table("clinicians", column("id"), column("totp_secret"))


def rotate_totp_secrets(session: Session, keyring: MultiFernet) -> int:
    """Re-encrypt every stored TOTP secret with the keyring's first key; returns how many. Commits."""
    stored_secrets = select(_CLINICIANS.c.id, _CLINICIANS.c.totp_secret).where(_CLINICIANS.c.totp_secret.is_not(None))
    rows = session.execute(stored_secrets).all()
    for clinician_id, stored in rows:
        try:
            rotated = keyring.rotate(str(stored).encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(f"clinician {clinician_id}: no key in TOTP_KEYS decrypts the secret") from None
        session.execute(update(_CLINICIANS).where(_CLINICIANS.c.id == clinician_id).values(totp_secret=rotated))
    session.commit()
    return len(rows)
