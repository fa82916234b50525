"""Benchmark: bytes on the wire for a topic page, a signed-in Today page and the clinician dashboard.

    .venv/bin/python bench/wire.py [--patients 50] [--days 30] [--smoke]

Production config, in-process through the Flask test client, on a fresh SQLite file: a clinic, its
clinician (signed in past the TOTP step) and `--patients` demo patients with `--days` days of history
(app.clinics.demo.seed_bulk); Today is the first demo patient's, signed in as that patient, now. Each page
is fetched with each stylesheet and script it links, as sent with no Accept-Encoding (identity), with
`br` and with `gzip`: response bodies as sent, headers not counted. A first visit sends page, CSS and JS;
a later one only the page (the CSS and JS are kept a year by their hashed URLs).
Target (issue 16): topic page and Today at most 8 KB each, page + CSS + JS, as sent.
--smoke (3 patients, 3 days) is what the test suite runs.
"""

import argparse
import datetime as dt
import os
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "https://localhost"  # production cookies are Secure: the test client must speak https
ENCODINGS = ("identity", "br", "gzip")
TARGET_BYTES = 8 * 1024
TOPIC = "/en/medicines/pimecrolimus/missed-dose"


# No scheduler runs beside the benchmark (so /healthz answers 200 without one), request lines stay off the
# terminal, and production's TOTP_KEYS is a fixed Fernet key (app/keyring.py).
BENCH_SETTINGS = {"EXPECT_SCHEDULER": "0", "LOG_JSON": "0", "TOTP_KEYS": "dGVzdGluZy10b3RwLWtleS0zMi1ieXRlcy1sb25nISE="}


def make_app(database_url: str):
    os.environ.update(
        THINLAYER_ENV="production", SECRET_KEY="bench-" + "x" * 40, DATABASE_URL=database_url, **BENCH_SETTINGS
    )
    from app import create_app

    return create_app()


def seed(patients: int, days: int) -> tuple[int, int, int]:
    """Migrations, a clinic, its enrolled clinician and demo patients: the clinician's account id, and the
    first patient's account and person ids."""
    import pyotp
    from flask_migrate import upgrade

    from app.clinics import demo, staff
    from app.extensions import db

    now = dt.datetime.now(dt.UTC)
    upgrade(directory=str(ROOT / "migrations"))
    clinic = staff.create_clinic("Wire Skin Clinic", "+44 20 7946 0998", now)
    clinician = staff.create_clinician(clinic, "wire-clinician@example.org", secrets.token_urlsafe(24), "Dr Wire",
                                       False, now)  # fmt: skip
    clinician.totp_secret, clinician.totp_enrolled_at = pyotp.random_base32(), now
    db.session.commit()
    person = demo.seed_bulk(clinic, patients, days, now)[0]
    return clinician.account_id, person.account_id, person.id


def signed_in(app, account_id: int):
    """A test client with a verified server-side login session for the account."""
    from app.extensions import db
    from app.models import LoginSession
    from app.models.accounts import hash_token

    now = dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=hash_token(token), account_id=account_id, created_at=now, verified_at=now)
    db.session.add(login)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction(base_url=BASE) as session:
        session["_user_id"], session["_fresh"] = token, True
    return client


def sent_bytes(client, url: str) -> dict[str, int]:
    """The body's size as sent for each encoding asked for."""
    sizes = {}
    for encoding in ENCODINGS:
        headers = {} if encoding == "identity" else {"Accept-Encoding": encoding}
        response = client.get(url, base_url=BASE, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        if response.headers.get("Content-Encoding", "identity") != encoding:
            raise SystemExit(f"{url}: asked for {encoding}, sent {response.headers.get('Content-Encoding')}")
        sizes[encoding] = len(response.get_data())
        response.close()
    return sizes


def page_weight(client, path: str) -> list[tuple[str, dict[str, int]]]:
    """The page and each stylesheet and script it links, with their sizes as sent."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get(path, base_url=BASE).get_data(), "html.parser")
    assets = [link["href"] for link in soup.select("link[rel=stylesheet]")] + [
        script["src"] for script in soup.select("script[src]")
    ]
    return [(url, sent_bytes(client, url)) for url in [path, *assets]]


def report(name: str, rows: list[tuple[str, dict[str, int]]], target: bool) -> bool:
    """Print the page's rows and totals; True unless a target was missed."""
    print(f"\n{name}")
    print(f"  {'what':<52} {'identity':>9} {'br':>7} {'gzip':>7}")
    for url, sizes in rows:
        print(f"  {url:<52} {sizes['identity']:>9,} {sizes['br']:>7,} {sizes['gzip']:>7,}")
    total = {encoding: sum(sizes[encoding] for _url, sizes in rows) for encoding in ENCODINGS}
    print(f"  {'first visit: page + CSS + JS':<52} {total['identity']:>9,} {total['br']:>7,} {total['gzip']:>7,}")
    met = max(total["br"], total["gzip"]) <= TARGET_BYTES
    if target:
        print(f"  target ≤ {TARGET_BYTES:,} bytes with br and with gzip: {'met' if met else 'MISSED'}")
    return met or not target


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="3 patients, 3 days: a quick check that it runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.patients, args.days = 3, 3
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/wire.sqlite3")
        with app.app_context():
            clinician_account, patient_account, person_id = seed(args.patients, args.days)
            clients = {"clinician": signed_in(app, clinician_account), "patient": signed_in(app, patient_account)}
        print(f"Bytes as sent (bodies; {args.patients} patients, {args.days} days)")
        met = [
            report(f"topic page {TOPIC}, not signed in", page_weight(app.test_client(), TOPIC), target=True),
            report("Today, signed in", page_weight(clients["patient"], f"/people/{person_id}/today"), target=True),
            report("clinician dashboard /clinic/", page_weight(clients["clinician"], "/clinic/"), target=False),
        ]
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    if not all(met):
        raise SystemExit("a target was missed")


if __name__ == "__main__":
    main()
