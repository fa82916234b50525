"""URLs are printed on paper: a route that disappears or changes fails the build.

After adding a route on purpose, run `UPDATE_ROUTES=1 make test` and commit routes.txt.
"""

import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("routes.txt")


def current_routes(app) -> list[str]:
    return sorted(
        f"{','.join(sorted(rule.methods - {'HEAD', 'OPTIONS'}))} {rule.rule} -> {rule.endpoint}"
        for rule in app.url_map.iter_rules()
    )


def test_no_printed_url_disappears(app):
    routes = current_routes(app)
    if os.environ.get("UPDATE_ROUTES"):
        SNAPSHOT.write_text("\n".join(routes) + "\n", encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    missing = sorted(set(expected) - set(routes))
    added = sorted(set(routes) - set(expected))
    assert not missing, f"routes removed or changed: {missing}"
    assert not added, f"new routes: add them to {SNAPSHOT.name} (UPDATE_ROUTES=1): {added}"


def test_printed_urls_still_answer(client):
    for url in (
        "/en/medicines/pimecrolimus/",
        "/es/medicines/pimecrolimus/missed-dose",
        "/fr/medicines/pimecrolimus/leaflet",
        "/en/medicines/pimecrolimus/get-help",
    ):
        assert client.get(url).status_code == 200, url
