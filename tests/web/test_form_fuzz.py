"""Hypothesis fuzzes the patient's forms: whatever is typed, no server error and nothing half-stored."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, ItchEntry, Person, Plan, PoemResponse, SideEffectReport, Skip
from app.patients import plans
from tests.conftest import NOW, csrf_from

FORMS = {
    "plan": ["medicine", "body_areas", "other_area", "doses", "first_time", "second_time", "start_date", "review_date"],
    "applications": ["when", "at_time"],
    "itch": ["peak", "woke_up"],
    "side-effects": ["effects", "other", "red_flags"],
    "poem": ["itchy", "sleep", "bleeding", "weeping", "cracked", "flaking", "dry"],
}
TABLES = (Application, ItchEntry, Plan, PoemResponse, SideEffectReport, Skip)
# Text a person might type, or paste, or a script might send.
values = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "0", "10", "11", "-1", "08:00", "25:61", "2026-02-30", "1-2", "every_day", "twice", "a4"]),
    st.integers(-(10**12), 10**12).map(str),
)


def counts():
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


@pytest.fixture
def person(app, make_account, sign_in, monkeypatch):
    account = make_account()
    sign_in(account)
    monkeypatch.setattr("app.web.patient.routes.utcnow", lambda: NOW)
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()), NOW)
        return person.id


@pytest.mark.parametrize("form", FORMS)
def test_any_input_gets_an_answer_and_a_rejected_form_stores_nothing(app, client, person, form):
    token = csrf_from(client, f"/people/{person}/today")

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.fixed_dictionaries(
            {}, optional={name: st.one_of(values, st.lists(values, max_size=3)) for name in FORMS[form]}
        )
    )
    def post(fields):
        with app.app_context():
            before = counts()
        response = client.post(f"/people/{person}/{form}", data={"csrf_token": token, **fields})
        assert response.status_code < 500, fields
        if response.status_code == 400:
            with app.app_context():
                assert counts() == before, f"a rejected {form} form stored something: {fields}"

    post()
