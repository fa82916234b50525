"""Chromium says the app is installable, and the manifest's icons load in it.

Chromium never offers to install from an incognito profile, and a Playwright context is one, so these
tests open a persistent profile of their own in the session's Chromium.
"""

import pytest

from tests.browser.conftest import CHROMIUM, FLAGS, PHONE


@pytest.fixture
def profile(browser, tmp_path):
    """A page in an ordinary (persistent, not incognito) Chromium profile."""
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=FLAGS, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield context.pages[0] if context.pages else context.new_page()
    context.close()


def installability_errors(page) -> list[str]:
    cdp = page.context.new_cdp_session(page)
    return [error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]


def test_chromium_finds_nothing_that_stops_the_app_being_installed(profile, live_server):
    profile.goto(f"{live_server}/en/medicines/pimecrolimus/")
    assert installability_errors(profile) == []


def test_chromium_tells_a_page_without_the_manifest_apart(profile, live_server):
    """The check above can fail: a response that links no manifest is not installable."""
    profile.goto(f"{live_server}/robots.txt")
    assert "no-manifest" in installability_errors(profile)


def test_every_icon_of_the_manifest_loads_in_the_browser_at_its_size(profile, live_server):
    profile.goto(f"{live_server}/en/")
    cdp = profile.context.new_cdp_session(profile)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server}/manifest.webmanifest" and manifest["errors"] == []
    icons = manifest["manifest"]["icons"]
    assert len(icons) == 5
    for icon in icons:
        size = profile.evaluate(
            """url => new Promise((resolve, reject) => {
                const image = new Image();
                image.onload = () => resolve(`${image.naturalWidth}x${image.naturalHeight}`);
                image.onerror = () => reject(new Error(`${url} did not load`));
                image.src = url;
            })""",
            icon["url"],
        )
        assert size == icon["sizes"], icon["url"]


@pytest.mark.parametrize("phone", [{"service_workers": "block"}], indirect=True)
def test_chromium_gets_pages_compressed_and_static_files_kept_a_year(phone, live_server):
    """What Chromium itself receives (no service worker between): brotli, and the hashed CSS immutable."""
    responses = {}
    phone.on("response", lambda response: responses.setdefault(response.url.split("?")[0], response))
    phone.goto(f"{live_server}/en/medicines/pimecrolimus/missed-dose")
    page = responses[f"{live_server}/en/medicines/pimecrolimus/missed-dose"].all_headers()
    css = responses[f"{live_server}/static/css/screen.css"].all_headers()
    assert page["content-encoding"] == "br"
    assert css["content-encoding"] == "br"
    assert css["cache-control"] == "public, max-age=31536000, immutable"
