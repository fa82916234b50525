"""TOTP secrets at rest: encrypted with the TOTP_KEYS keyring, and re-encrypted by `flask rotate-totp-keys`."""

import datetime as dt
from types import SimpleNamespace

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from app import create_app, keyring
from app.clinics import staff
from app.config import LocalConfig, ProductionConfig
from app.extensions import db
from app.models import Clinician
from tests.clinic_fixtures import make_clinic, make_clinician

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw_secret(app) -> str:
    """The totp_secret column as the database holds it, read with SQL."""
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(text("SELECT totp_secret FROM clinicians")).scalar_one()


def secret(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Clinician)).totp_secret


@pytest.fixture
def clinician(app):
    return make_clinician(app, make_clinic(app), "doc@example.org")


def test_the_database_holds_the_totp_secret_only_encrypted_and_codes_still_verify(app, clinician):
    stored, plain = raw_secret(app), secret(app)
    assert plain not in stored and len(plain) == 32
    assert Fernet(app.config["TOTP_KEYS"]).decrypt(stored.encode()).decode() == plain
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        doctor = db.session.get(Clinician, clinician.id)
        assert staff.check_code(doctor, pyotp.TOTP(plain).at(now), now)
        assert not staff.check_code(doctor, "000000", now)


def test_a_secret_under_the_old_key_reads_while_it_is_second_and_after_rotation_with_the_new_key_alone(app):
    clinician = make_clinician(app, make_clinic(app), "doc@example.org", enrolled=False)
    app.config["TOTP_KEYS"] = OLD
    with app.app_context():
        db.session.get(Clinician, clinician.id).totp_secret = plain = pyotp.random_base32()
        db.session.commit()
    app.config["TOTP_KEYS"] = f"{NEW},{OLD}"
    assert secret(app) == plain
    result = app.test_cli_runner().invoke(args=["rotate-totp-keys"])
    assert result.exit_code == 0 and "1 TOTP secrets" in result.output
    app.config["TOTP_KEYS"] = NEW
    assert secret(app) == plain
    with pytest.raises(InvalidToken):
        Fernet(OLD).decrypt(raw_secret(app).encode())


def test_a_secret_no_key_decrypts_stops_rotation_with_a_message_and_changes_nothing(app, clinician):
    before = raw_secret(app)
    app.config["TOTP_KEYS"] = NEW  # the key it was written with is gone
    with pytest.raises(keyring.UnreadableSecret):
        secret(app)
    result = app.test_cli_runner().invoke(args=["rotate-totp-keys"])
    assert result.exit_code == 1 and "no key in TOTP_KEYS decrypts" in result.output
    assert raw_secret(app) == before


def test_production_will_not_start_without_totp_keys_or_with_a_malformed_one(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("TOTP_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="TOTP_KEYS"):
        create_app(ProductionConfig)
    monkeypatch.setenv("TOTP_KEYS", "not-a-key")
    with pytest.raises(ValueError, match="TOTP_KEYS holds a malformed key"):
        create_app(ProductionConfig)


def test_a_local_install_keeps_one_key_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TOTP_KEYS", raising=False)
    first, second = (SimpleNamespace(instance_path=str(tmp_path), config={}) for _ in range(2))
    LocalConfig.init_instance(first)
    LocalConfig.init_instance(second)
    assert first.config["TOTP_KEYS"] == second.config["TOTP_KEYS"] == (tmp_path / "totp_key").read_text()
    assert (tmp_path / "totp_key").stat().st_mode & 0o077 == 0
    Fernet(first.config["TOTP_KEYS"])
