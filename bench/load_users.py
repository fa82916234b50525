"""The simulated people of bench/load.py, as a Locust file (run by it: `locust -f bench/load_users.py --headless`).

Patients sign in with the form (or come signed in: bench/load.py signed most in before the run), then read
Today, tap "I applied it", log itch, read their history and answer POEM. A tap is sent as the phone's offline
queue sends it (JSON, its own request key) and sent again with the same key until it is answered (a few tries).
Clinicians sign in with password and TOTP, then read the dashboard and patient pages and export records.

From the environment: LOAD_PEOPLE (the JSON file of accounts bench/load.py made), LOAD_LOG (every request as a
JSON line: start instant, page type, milliseconds, success, what failed) and LOAD_TAPS (each tap's key, person
and whether a success answered it), LOAD_CLINICIANS (how many of the users are clinicians).
"""

import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

import pyotp
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faults.web import allow_secure_cookies_over_http, csrf_token, person_id

PEOPLE = json.loads(Path(os.environ["LOAD_PEOPLE"]).read_text())
# Open for the whole run (closed when Locust quits): one line per request, flushed line by line.
LOG = Path(os.environ["LOAD_LOG"]).open("a", buffering=1)  # noqa: SIM115
TAPS = Path(os.environ["LOAD_TAPS"]).open("a", buffering=1)  # noqa: SIM115
TAP_TRIES, TAP_BACKOFF = 20, 0.5  # the offline queue tries again until it is answered; here for ~10 s at most


@events.request.add_listener
def record(request_type, name, response_time, exception, start_time=None, response=None, **_kwargs):
    failure = None if exception is None else (str(getattr(response, "status_code", "")) or type(exception).__name__)
    LOG.write(json.dumps([start_time, name, round(response_time, 2), exception is None, failure]) + "\n")


class Patient(HttpUser):
    wait_time = between(1.5, 4.5)
    weight = 1

    def on_start(self):
        allow_secure_cookies_over_http(self.client)
        me = PEOPLE["patients"][next(_patients) % len(PEOPLE["patients"])]
        if me.get("cookies"):  # signed in before the run, as most people are when they open the app
            for name, value in me["cookies"].items():
                self.client.cookies.set(name, value)
            self.person, self.csrf = me["person"], me["csrf"]
            return
        page = self.client.get("/account/login", name="sign in page")
        form = {"csrf_token": csrf_token(page.text), "email": me["email"], "password": PEOPLE["password"]}
        landing = self.client.post("/account/login", data=form, name="sign in")
        self.person, self.csrf = person_id(landing.url), csrf_token(landing.text)

    @task(4)
    def today(self):
        self.client.get(f"/people/{self.person}/today", name="today")

    @task(3)
    def tap(self):
        """ "I applied it", resent with its key until answered, as the offline queue does."""
        key, stored = uuid.uuid4().hex, False
        form = {"csrf_token": self.csrf, "request_key": key, "when": "now"}
        for _ in range(TAP_TRIES):
            with self.client.post(
                f"/people/{self.person}/applications",
                data=form,
                name="tap",
                catch_response=True,
                headers={"Accept": "application/json"},
            ) as answer:
                stored = answer.status_code == 200 and "stored" in answer.text
                if not stored:
                    answer.failure(str(answer.status_code))
            if stored:
                break
            time.sleep(TAP_BACKOFF)
        TAPS.write(json.dumps([key, self.person, stored]) + "\n")

    @task(2)
    def itch(self):
        self.client.get(f"/people/{self.person}/itch", name="itch page")
        form = {"csrf_token": self.csrf, "request_key": uuid.uuid4().hex, "peak": random.randint(0, 10)}
        self.client.post(f"/people/{self.person}/itch", data=form, name="itch", headers={"Accept": "application/json"})

    @task(2)
    def history(self):
        self.client.get(f"/people/{self.person}/history", name="history")

    @task(1)
    def poem(self):
        self.client.get(f"/people/{self.person}/poem", name="POEM page")
        items = ("itchy", "sleep", "bleeding", "weeping", "cracked", "flaking", "dry")
        form = {"csrf_token": self.csrf} | {item: random.randint(0, 4) for item in items}
        self.client.post(f"/people/{self.person}/poem", data=form, name="POEM")


class Clinician(HttpUser):
    wait_time = between(2, 5)
    fixed_count = int(os.environ.get("LOAD_CLINICIANS", "5"))

    def on_start(self):
        allow_secure_cookies_over_http(self.client)
        me = PEOPLE["clinicians"][next(_clinicians) % len(PEOPLE["clinicians"])]
        self.patients = PEOPLE["clinic_patients"]
        page = self.client.get("/account/login", name="sign in page")
        form = {"csrf_token": csrf_token(page.text), "email": me["email"], "password": me["password"]}
        verify = self.client.post("/account/login", data=form, name="clinician sign in")
        form = {"csrf_token": csrf_token(verify.text), "code": pyotp.TOTP(me["totp_secret"]).now()}
        self.client.post(verify.url, data=form, name="TOTP")

    @task(3)
    def dashboard(self):
        self.client.get("/clinic/", name="dashboard")

    @task(3)
    def patient(self):
        self.client.get(f"/clinic/patients/{random.choice(self.patients)}", name="patient page")

    @task(1)
    def export(self):
        patient = random.choice(self.patients)
        if random.random() < 0.5:
            self.client.get(f"/clinic/patients/{patient}/fhir.json", name="export FHIR")
        else:
            self.client.get(f"/clinic/patients/{patient}/export/applications.csv", name="export CSV")


def _counter():
    n = 0
    while True:
        yield n
        n += 1


_patients, _clinicians = _counter(), _counter()


@events.quitting.add_listener
def close(**_kwargs):
    LOG.close()
    TAPS.close()
