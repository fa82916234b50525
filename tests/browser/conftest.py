"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Where no Chromium is found the browser tests skip with a message, except in CI
(CI=true), where a missing browser is a failure.
"""

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import ROOT, TestingConfig
from app.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}


# Chromium (and the service worker, which precaches files) may give up on a request while the threaded
# development server is still sending a file; that file is then closed by the garbage collector, during
# whichever test runs next, as an "unraisable" ResourceWarning. That is the live server's, not the app's
# (gunicorn closes it, and the test-client suites still fail on any unclosed file), so browser tests let it be.
SERVER_DROPPED_FILE = "ignore::pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.filterwarnings(SERVER_DROPPED_FILE))


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@contextmanager
def serving(instance: Path):
    """The app on a free local port, in a thread, with a file database in `instance`; yields (app, port)."""
    # A file database: the threaded server gives each request its own connection.
    config = type("LiveConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/live.sqlite3"})
    app = create_app(config)
    app.instance_path = str(instance)
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, server.server_port
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a free local port, in a thread, for the whole browser session."""
    with serving(tmp_path_factory.mktemp("instance")) as (_, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def phone(browser, request):
    """A phone-sized page; parametrize indirectly with a dict of context options to change it."""
    options = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
    options.update(getattr(request, "param", {}))
    context = browser.new_context(**options)
    page = context.new_page()
    yield page
    context.close()


def follow(page, target) -> None:
    """Click `target` and return once the page it leads to has loaded.

    A click returns as soon as it is dispatched; reading the page then may read the old one, and
    wait_for_url cannot tell when the new page has the old page's address (a form posting to itself).
    """
    with page.expect_navigation():
        target.click()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact, to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
