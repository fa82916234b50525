"""Request keys in the dose and itch services: a request stored before is answered, not stored again.

Whatever order reports, resends and undos come in, each key is stored once, and a resend's answer is what
the record says of the first (its stored verdict, or that it was undone).
"""

import contextlib
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from app.models import Account, Application, ItchEntry, Person, RecordEdit
from app.patients import symptoms
from app.patients.doses import RecordError, Repeated, record_application, skip_dose, undo_application
from app.patients.ledger import slots_between
from app.patients.plans import PlanInput, create_plan
from tests.patients.log import london

MINUTE = dt.timedelta(minutes=1)
START = london(31, 5)  # 05:00 in London on 31 May 2026, when the plan starts: before its first window


def planned(person: Person) -> Person:
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], START.date()), START)
    return person


def test_a_resent_application_is_answered_with_the_first_verdict_and_stored_once(make_person):
    person = planned(make_person())
    first_id, first = record_application(person, london(1, 8, 10, 6), london(1, 8, 10, 6), request_key="k1")
    with pytest.raises(Repeated) as resent:
        record_application(person, london(1, 8, 20, 6), london(1, 8, 20, 6), request_key="k1")
    assert resent.value.record.id == first_id
    assert resent.value.judgement == first
    assert len(db.session.scalars(select(Application)).all()) == 1


def test_a_resent_extra_still_names_the_dose_that_counted(make_person):
    person = planned(make_person())
    record_application(person, london(1, 8, 10, 6), london(1, 8, 10, 6), request_key="k1")
    _, extra = record_application(person, london(1, 8, 30, 6), london(1, 8, 30, 6), request_key="k2")
    with pytest.raises(Repeated) as resent:
        record_application(person, london(1, 8, 30, 6), london(1, 8, 40, 6), request_key="k2")
    assert resent.value.judgement == extra
    assert (extra.verdict.value, extra.counted_at) == ("extra", london(1, 8, 10, 6))


def test_a_key_belongs_to_its_person(make_person):
    sam, alex = planned(make_person()), planned(make_person("Alex", email="alex@example.org"))
    record_application(sam, london(1, 8, 10, 6), london(1, 8, 10, 6), request_key="same")
    _, judgement = record_application(alex, london(1, 8, 10, 6), london(1, 8, 10, 6), request_key="same")
    assert judgement.verdict.value == "counted"


def test_a_tap_is_judged_at_its_instant_and_refused_after_24_hours(make_person):
    person = planned(make_person())
    tapped, now = london(1, 13, 30, 6), london(1, 15, 30, 6)
    _, judgement = record_application(person, tapped, now, request_key="t", tapped_at=tapped)
    assert (judgement.verdict.value, judgement.at) == ("late", tapped)
    with pytest.raises(RecordError) as old:
        record_application(person, tapped, tapped + 25 * 60 * MINUTE, request_key="u", tapped_at=tapped)
    assert old.value.code == "tap_too_old"


def test_a_skip_tapped_while_the_window_was_open_is_kept_and_a_resend_is_answered(make_person):
    person = planned(make_person())
    slot = slots_between(person, london(1, 8, month=6), london(1, 8, 1, 6))[0]
    closed = slot.closes_at + 10 * MINUTE
    skip = skip_dose(person, slot.id, "sore", closed, request_key="s", tapped_at=slot.closes_at - MINUTE)
    with pytest.raises(Repeated) as resent:
        skip_dose(person, slot.id, "sore", closed + MINUTE, request_key="s", tapped_at=slot.closes_at - MINUTE)
    assert resent.value.record.id == skip.id


def test_an_itch_resend_after_a_later_change_leaves_the_change(make_person):
    person = make_person()
    day = START.date()
    symptoms.log_itch(person, day, 8, True, START, request_key="first")
    symptoms.log_itch(person, day, 3, False, START + MINUTE, request_key="second")
    with pytest.raises(Repeated):
        symptoms.log_itch(person, day, 8, True, START + 2 * MINUTE, request_key="first")
    entry = db.session.scalars(select(ItchEntry)).one()
    assert (entry.peak_itch, entry.request_key) == (3, "second")
    [edit] = db.session.scalars(select(RecordEdit)).all()
    assert edit.before["request_key"] == "first"


# Any sequence over two days: a report with a key (new or seen) some minutes later, made for an instant up
# to 10 hours back; or an undo of the last report.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("report"), st.sampled_from("abcd"), st.integers(0, 6 * 60), st.integers(0, 10 * 60)),
        st.tuples(st.just("undo")),
    ),
    min_size=1,
    max_size=14,
)
people = itertools.count()


def test_any_sequence_of_reports_stores_each_key_once_and_answers_resends_from_the_record(database):
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps)
    def run(sequence):
        account = Account(email=f"p{next(people)}@example.org", password_hash="unused", locale="en", created_at=START)
        person = Person(name="Sam", timezone="Europe/London", created_at=START, account=account)
        db.session.add(person)
        db.session.commit()
        planned(person)
        now, stored, last = START + 24 * 60 * MINUTE, {}, None
        for step in sequence:
            if step[0] == "undo":
                with contextlib.suppress(RecordError):  # nothing to undo, or too late: no matter here
                    undo_application(person, last or 0, now)
                continue
            _, key, later, back = step
            now += later * MINUTE
            at = now - back * MINUTE
            try:
                last = record_application(person, at, now, request_key=key)[0]
                stored[key] = last
            except Repeated as resent:
                assert resent.record.id == stored[key]
                record = db.session.get(Application, stored[key])
                if record.voided_at is None:
                    assert resent.judgement.verdict.value == record.verdict, "the words say what the record says"
                    assert resent.judgement.at == record.applied_at
                else:
                    assert resent.judgement is None
        kept = db.session.scalars(select(Application.request_key).where(Application.person_id == person.id))
        assert sorted(kept) == sorted(stored)

    run()
