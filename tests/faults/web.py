"""The app as real processes and a patient's browser as a plain HTTP client, for fault tests and the load bench.

Production config sets `Secure` cookies; the servers here speak plain HTTP on 127.0.0.1 (a TLS proxy stands in
front of them in production), so the client's cookie jar sends them back over http too.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.faults.cluster import free_port

ROOT = Path(__file__).resolve().parents[2]
SECRET = "faults-" + "s" * 40
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PERSON_PATH = re.compile(r"/people/(\d+)/")


def production_env(database_url: str, **extra) -> dict:
    """The environment of a web worker or scheduler configured like production. /healthz does not wait for a
    scheduler's sweep (EXPECT_SCHEDULER=0): the web workers start first, and some tests run none."""
    return {
        **os.environ,
        "THINLAYER_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "TOTP_KEYS": "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE=",
        "EXPECT_SCHEDULER": "0",
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "app:create_app",
        **extra,
    }


def gunicorn(database_url: str, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    """`gunicorn wsgi:app` with `workers` sync workers on a free port; returns once /healthz answers 200."""
    port = free_port()
    with log.open("a") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=production_env(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(base + "/healthz", timeout=10).status_code == 200:
                return server, base
        except requests.RequestException:  # not listening yet, or no worker booted yet
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer /healthz in 60 s")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class PlainHttpJar(requests.cookies.RequestsCookieJar):
    """A cookie jar that keeps Secure cookies as plain ones, so they go back over http to 127.0.0.1.

    (A cookie policy is not enough: requests copies the jar into a default one for each request.)
    """

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


def allow_secure_cookies_over_http(session: requests.Session) -> None:
    session.cookies = PlainHttpJar()


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if match is None:
        raise ValueError("no CSRF token on the page")
    return match[1]


def sign_in(session: requests.Session, base: str, email: str, password: str, **kwargs) -> requests.Response:
    """The sign-in form, as a browser sends it; the answer is the page it lands on (after redirects)."""
    page = session.get(base + "/account/login", **kwargs)
    page.raise_for_status()
    form = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    return session.post(base + "/account/login", data=form, **kwargs)


def person_id(url: str) -> int:
    return int(PERSON_PATH.search(url)[1])
