"""Behind a proxy: the client's address from X-Forwarded-For only with TRUSTED_PROXIES, a request id passed
through from trusted proxies only, and HSTS in production only."""

import pytest
from flask import request

from app import create_app
from app.config import LocalConfig, ProductionConfig, TestingConfig

PROXY, CLIENT = "10.0.0.2", "203.0.113.7"


def address_app(**settings):
    """The app, with a route that answers with the client address the app sees."""
    app = create_app(type("ProxyConfig", (TestingConfig,), settings))
    app.add_url_rule("/test-address", "test_address", lambda: request.remote_addr)
    return app


def address_seen(app, forwarded_for: str) -> str:
    response = app.test_client().get(
        "/test-address", headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": PROXY}
    )
    return response.get_data(as_text=True)


def test_without_trusted_proxies_the_client_address_is_the_connection_s_whatever_the_headers_say():
    assert address_seen(address_app(TRUSTED_PROXIES=0), CLIENT) == PROXY


def test_with_one_trusted_proxy_the_client_address_is_the_one_it_added():
    app = address_app(TRUSTED_PROXIES=1)
    assert address_seen(app, CLIENT) == CLIENT
    # A client that sends its own X-Forwarded-For cannot choose its address: the proxy appends the real one.
    assert address_seen(app, f"198.51.100.1, {CLIENT}") == CLIENT


def test_the_request_id_comes_from_a_trusted_proxy_when_sane_and_is_made_otherwise():
    trusted = address_app(TRUSTED_PROXIES=1).test_client()
    direct = address_app(TRUSTED_PROXIES=0).test_client()
    incoming = {"X-Request-ID": "proxy-7f3a9c2e-0001"}
    assert trusted.get("/healthz", headers=incoming).headers["X-Request-ID"] == "proxy-7f3a9c2e-0001"
    made = direct.get("/healthz", headers=incoming).headers["X-Request-ID"]
    assert made != "proxy-7f3a9c2e-0001" and len(made) == 32
    odd = trusted.get("/healthz", headers={"X-Request-ID": "<script>" + "x" * 200}).headers["X-Request-ID"]
    assert len(odd) == 32 and odd.isalnum()
    assert trusted.get("/healthz").headers["X-Request-ID"] != trusted.get("/healthz").headers["X-Request-ID"]


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "production-test-" + "k" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    monkeypatch.setenv("TOTP_KEYS", TestingConfig.TOTP_KEYS)
    # Plain logs: a JSON handler on the root logger would outlive the test.
    return create_app(type("QuietProduction", (ProductionConfig,), {"LOG_JSON": False}))


def test_production_answers_with_hsts(production_app):
    headers = production_app.test_client().get("/en/").headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("config", [LocalConfig, TestingConfig])
def test_a_local_or_test_run_sends_no_hsts(config, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'local.sqlite3'}")
    app = create_app(config)
    app.instance_path = str(tmp_path)
    assert "Strict-Transport-Security" not in app.test_client().get("/en/").headers
