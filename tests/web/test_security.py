"""Security headers and what the pages must never contain."""

import pytest


@pytest.mark.parametrize("url", ["/en/", "/es/medicines/pimecrolimus/sun", "/nowhere", "/healthz"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(pages):
    for url in ("/en/", "/en/medicines/pimecrolimus/", "/en/medicines/pimecrolimus/leaflet"):
        soup = pages.get(url)
        assert all(script.get("src") for script in soup.find_all("script")), url
        assert not soup.find_all("style"), url
        assert not soup.select("[style]"), url
        assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)], url


def test_search_query_is_escaped(pages):
    soup = pages.get("/en/medicines/pimecrolimus/search?q=<script>alert(1)</script>")
    assert not [s for s in soup.find_all("script") if not s.get("src")]
    assert soup.select_one("#q")["value"] == "<script>alert(1)</script>"
