"""Configuration: production refuses to start without secrets; local keeps its own key."""

import os
import stat
import subprocess
import sys

import pytest
from flask import Flask

from app import create_app
from app.config import ROOT, LocalConfig, ProductionConfig, TestingConfig, config_from_env
from app.extensions import db


def test_production_refuses_to_start_without_secret_key_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TOTP_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL, TOTP_KEYS"):
        create_app(ProductionConfig)


def test_production_starts_with_both(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("TOTP_KEYS", TestingConfig.TOTP_KEYS)
    app = create_app(ProductionConfig)
    with app.app_context():
        db.engine.dispose()
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_local_default_makes_and_keeps_a_private_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def local_app():
        app = Flask("probe", instance_path=str(tmp_path))
        LocalConfig.init_instance(app)
        return app

    first, second = local_app(), local_app()
    key_file = tmp_path / "secret_key"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 40
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_config_is_chosen_by_one_variable(monkeypatch):
    monkeypatch.setenv("THINLAYER_ENV", "production")
    assert config_from_env() is ProductionConfig
    monkeypatch.setenv("THINLAYER_ENV", "staging")
    with pytest.raises(RuntimeError, match="THINLAYER_ENV"):
        config_from_env()


def test_every_postgresql_connection_runs_without_jit_and_with_16_mb_to_sort(app):
    """JIT compiling a dashboard query cost more (30 ms) than running it, and its sort spilled to disk at
    4 MB; SQLite has neither setting."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL settings")
        for _ in range(2):  # a fresh connection, then one from the pool
            assert db.session.execute(db.text("SHOW jit")).scalar() == "off"
            assert db.session.execute(db.text("SHOW work_mem")).scalar() == "16MB"
            db.session.remove()


def test_a_database_server_s_connections_are_checked_before_use_and_a_sqlite_file_s_are_not(app):
    """pool_pre_ping costs a statement per request: worth it where a restart can leave a dead connection."""
    with app.app_context():
        server = db.engine.dialect.name != "sqlite"
        assert db.engine.pool._pre_ping is server


def test_the_wsgi_entry_point_sets_what_start_up_built_apart_from_the_garbage_collector(tmp_path):
    """A full collection walked ~170,000 start-up objects in ~110 ms, inside whichever request set it off."""
    env = dict(
        os.environ,
        THINLAYER_ENV="production",
        SECRET_KEY="s" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path}/a.db",
        TOTP_KEYS=TestingConfig.TOTP_KEYS,
    )
    frozen = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert int(frozen) > 100_000
