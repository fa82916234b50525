"""The clinician dashboard: one row per linked patient, the same adherence as history, sorting and
the reasons to look, from a fixed number of queries."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.clinics.dashboard import PatientRow, by_attention, needs_attention, patient_rows, sort_rows
from app.dosing.adherence import AdherenceSummary
from app.extensions import db
from app.measures.poem import ITEMS
from app.models import Account, Clinic, ClinicLink, Person
from app.models.plans import PAUSED, STOPPED
from app.patients import history
from app.patients.doses import record_application, skip_dose, undo_application
from app.patients.ledger import slots_between
from app.patients.plans import PlanInput, create_plan, set_status
from app.patients.symptoms import answer_poem, log_itch, report_side_effects
from tests.patients.log import NOW, add_symptoms, applied, build_log, london

NEW_YORK, AUCKLAND, KOLKATA = ZoneInfo("America/New_York"), ZoneInfo("Pacific/Auckland"), ZoneInfo("Asia/Kolkata")
DAY, MINUTE = dt.timedelta(days=1), dt.timedelta(minutes=1)


def ny(day: int, hour: int, minute: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(dt.UTC)


def auckland(day: int, hour: int, minute: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=AUCKLAND).astimezone(dt.UTC)


def kolkata(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, minute, tzinfo=KOLKATA).astimezone(dt.UTC)


@pytest.fixture
def clinic(database):
    return _clinic("Riverside Skin Clinic", "ABC2345")


def _clinic(name: str, code: str) -> Clinic:
    clinic = Clinic(name=name, phone="", join_code=code, created_at=NOW)
    db.session.add(clinic)
    db.session.commit()
    return clinic


@pytest.fixture
def make_patient(clinic):
    """Factory: a person in a new account, linked to the clinic (or the one given) since NOW."""

    def make(name="Sam", timezone="Europe/London", locale="en", clinic_id=None):
        account = Account(email=f"{name.lower()}@example.org", password_hash="-", locale=locale, created_at=NOW)
        person = Person(name=name, timezone=timezone, created_at=NOW, account=account)
        db.session.add(person)
        db.session.flush()
        db.session.add(ClinicLink(person_id=person.id, clinic_id=clinic_id or clinic.id, joined_at=NOW))
        db.session.commit()
        return person

    return make


def rows_by_id(clinic, now=NOW) -> dict[int, PatientRow]:
    return {row.person_id: row for row in patient_rows(clinic.id, now)}


def counted(summary: AdherenceSummary) -> AdherenceSummary:
    """A history summary without the day counts, which the dashboard does not show or count."""
    return dataclasses.replace(summary, full_days=None, days=None)


def build_new_york_week(person) -> None:
    """08:00/20:00 in New York (UTC-4) from Wednesday 27 May; windows 06:00–14:00 and 18:00–02:00.

    Wed 27  08:30 on time      21:15 late, 23:00 extra
    Thu 28  08:00 missed       20:00 on time; 15:00 in the skip zone (extra)
    Fri 29  paused at 07:00, with the 08:00 window open: both doses paused
    Sat 30  08:00 paused       resumed at 19:00 inside the 20:00 window: 19:30 on time
    Sun 31  08:00 skipped      20:45 on time; 20:50 extra, withdrawn
    Mon  1  (NOW is 05:00 here: the 08:00 window has not opened)
    """
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 27)), ny(27, 5))
    for at in (ny(27, 8, 30), ny(27, 21, 15), ny(27, 23), ny(28, 15), ny(28, 20)):
        applied(person, at)
    set_status(person, PAUSED, ny(29, 7))
    set_status(person, "active", ny(30, 19))
    applied(person, ny(30, 19, 30))
    morning = next(s for s in slots_between(person, ny(31, 0), ny(31, 12)) if s.local_time == "08:00")
    skip_dose(person, morning.id, "skin sore", ny(31, 7))
    applied(person, ny(31, 20, 45))
    withdrawn, _ = applied(person, ny(31, 20, 50))
    undo_application(person, withdrawn.id, ny(31, 20, 55))


def build_auckland_nights(person) -> None:
    """Once a day at 21:00 in Auckland (UTC+12) from 26 May: window 19:00 to 09:00 the next morning,
    so doses and extras fall either side of local midnight (and of the UTC date line)."""
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(21)], dt.date(2026, 5, 26)), auckland(26, 5))
    for at in (auckland(26, 21), auckland(27, 23, 50), auckland(28, 0, 10), auckland(30, 12), auckland(30, 21, 30),
               auckland(1, 1, month=6), auckland(2, 8, 59, month=6)):  # fmt: skip
        applied(person, at)


def test_adherence_of_a_week_in_new_york_is_counted_by_hand(make_patient, clinic):
    person = make_patient("Nia", "America/New_York")
    build_new_york_week(person)
    row = rows_by_id(clinic)[person.id]
    # Closed, not paused: Wed 2 (on time, late), Thu 2 (missed, on time), Sat 1 (on time), Sun 2 (skipped, on time).
    # due 7, taken 5 (4 on time, 1 late), missed 1, skipped 1; extras Wed 23:00 and Thu 15:00 (the withdrawn one
    # is not counted). 5/7 = 71 %, on time 4/5 = 80 %.
    expected = AdherenceSummary(due=7, taken=5, on_time=4, late=1, missed=1, skipped=1, extras=2)
    assert row.adherence_7 == expected
    assert row.adherence_30 == expected  # the plan began within the last 7 days
    assert (row.adherence_30.implementation_percent, row.adherence_30.on_time_percent) == (71, 80)
    assert (row.missed_30, row.extras_30) == (1, 2)
    later = rows_by_id(clinic, ny(1, 15, month=6))[person.id]  # Monday's 08:00 window closed at 14:00, unused
    assert (later.adherence_7.due, later.adherence_7.missed) == (8, 2)


def test_adherence_of_the_shared_london_week_is_counted_by_hand(make_patient, clinic):
    person = make_patient()
    build_log(person)
    row = rows_by_id(clinic)[person.id]
    # As counted in tests/patients/log.py: 7 days due 8, taken 5 (3 on time); 30 days add the 25th, both on time.
    assert row.adherence_7 == AdherenceSummary(8, 5, 3, 2, 2, 1, 2)
    assert row.adherence_30 == AdherenceSummary(10, 7, 5, 2, 2, 1, 2)
    assert (row.adherence_7.implementation_percent, row.adherence_30.implementation_percent) == (62, 70)


def build_kolkata_changes(person) -> None:
    """08:00/20:00 in Kolkata (UTC+5:30) from 27 May, with undos, a skip then a dose, and windows that
    were paused (or not made) when a dose was reported in them and open again before they closed.

    Wed 27  08:10 undone at 08:18, so 08:15 (an extra until then) counts: on time
            20:00 skipped at 19:00, then applied 21:30: late, not skipped
    Thu 28  08:05 undone: missed
            paused 17:00, 21:00 reported (no dose planned), resumed 21:30 in the window:
            21:00 on time (the last minute of on time)
    Fri 29  paused 05:00, 07:00 reported, resumed 07:30: the resume judges 07:00 again, and it counts,
            on time; so 09:30 is an extra (never "late", which would hide a double dose).   20:00 on time
    Sat 30  stopped 05:00, 09:01 reported, a new plan at 09:30 makes the open 08:00 window: 09:01 late
            20:10 on time
    Sun 31  08:00 on time, 08:30 extra      20:00 missed
    Mon  1  (NOW is 14:30 here: the 08:00 window closed at 14:00, missed)
    """
    plan = PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 27))
    create_plan(person, plan, kolkata(27, 5))
    undone, _ = applied(person, kolkata(27, 8, 10))
    applied(person, kolkata(27, 8, 15))
    undo_application(person, undone.id, kolkata(27, 8, 18))
    evening = next(s for s in slots_between(person, kolkata(27, 12), kolkata(27, 23)) if s.local_time == "20:00")
    skip_dose(person, evening.id, "skin sore", kolkata(27, 19))
    applied(person, kolkata(27, 21, 30))
    undone, _ = applied(person, kolkata(28, 8, 5))
    undo_application(person, undone.id, kolkata(28, 8, 7))
    for pause, reported, resume in ((kolkata(28, 17), kolkata(28, 21), kolkata(28, 21, 30)),
                                    (kolkata(29, 5), kolkata(29, 7), kolkata(29, 7, 30))):  # fmt: skip
        set_status(person, PAUSED, pause)
        assert applied(person, reported)[1] == "unscheduled"
        set_status(person, "active", resume)
    assert applied(person, kolkata(29, 9, 30))[1] == "extra"
    applied(person, kolkata(29, 20))
    set_status(person, STOPPED, kolkata(30, 5))
    assert applied(person, kolkata(30, 9, 1))[1] == "unscheduled"
    create_plan(person, dataclasses.replace(plan, start_date=dt.date(2026, 5, 30)), kolkata(30, 9, 30))
    for at in (kolkata(30, 20, 10), kolkata(31, 8), kolkata(31, 8, 30)):
        applied(person, at)


def test_adherence_follows_the_rule_after_undos_skips_and_windows_opened_again(make_patient, clinic):
    person = make_patient("Noa", "Asia/Kolkata")
    build_kolkata_changes(person)
    row = rows_by_id(clinic)[person.id]
    # Closed: 27 (on time, late), 28 (missed, on time), 29 (on time, on time), 30 (late, on time),
    # 31 (on time, missed), 1 June (missed): due 11, taken 8 (6 on time), missed 3, none skipped;
    # two extras (29 May 09:30, 31 May 08:30).
    expected = AdherenceSummary(due=11, taken=8, on_time=6, late=2, missed=3, skipped=0, extras=2)
    assert row.adherence_7 == expected
    assert row.adherence_7 == counted(history.adherence(person, 7, NOW))


@pytest.mark.parametrize(
    "now",
    [NOW, NOW + 13 * dt.timedelta(hours=1), ny(29, 12), london(26, 21), auckland(3, 12, month=6),
     auckland(2, 9, month=6), NOW + 9 * DAY, NOW + 40 * DAY, auckland(26, 1), kolkata(27, 8, 12),
     kolkata(28, 21, 15), kolkata(29, 9), kolkata(29, 14), kolkata(30, 9, 15), kolkata(30, 14, 30)],
)  # fmt: skip
def test_adherence_equals_history_for_every_person(make_patient, clinic, now):
    people = [make_patient("Nia", "America/New_York"), make_patient("Sam"), make_patient("Ari", "Pacific/Auckland"),
              make_patient("Noa", "Asia/Kolkata")]  # fmt: skip
    build_new_york_week(people[0])
    build_log(people[1])
    build_auckland_nights(people[2])
    build_kolkata_changes(people[3])
    rows = rows_by_id(clinic, now)
    for person in people:
        assert rows[person.id].adherence_7 == counted(history.adherence(person, 7, now)), person.name
        assert rows[person.id].adherence_30 == counted(history.adherence(person, 30, now)), person.name


def test_an_extra_counts_on_the_local_day_it_was_applied(make_patient, clinic):
    person = make_patient("Ari", "Pacific/Auckland")
    build_auckland_nights(person)
    # The 00:10 extra on 28 May in Auckland is 27 May in UTC; the last 7 local days at 3 June begin on 28 May.
    row = rows_by_id(clinic, auckland(3, 12, month=6))[person.id]
    assert row.adherence_7.extras == 2  # 28 May 00:10 and the skip-zone report at 12:00 on 30 May
    assert row.adherence_7 == counted(history.adherence(person, 7, auckland(3, 12, month=6)))


def test_a_row_shows_plan_symptoms_flags_and_last_activity(make_patient, clinic):
    sam = make_patient()
    build_log(sam)
    add_symptoms(sam)
    paused, stopped, new = make_patient("Pat"), make_patient("Sol"), make_patient("Zoé", "Europe/Paris", "fr")
    for person, status in ((paused, PAUSED), (stopped, STOPPED)):
        create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8)], dt.date(2026, 5, 31)), london(31, 5))
        set_status(person, status, london(31, 6))
    rows = rows_by_id(clinic)
    row = rows[sam.id]
    assert (row.name, row.timezone, row.locale, row.plan_status) == ("Sam", "Europe/London", "en", "active")
    assert (row.poem_band, row.poem_total, row.poem_change) == ("mild", 6, -8)  # 14 on 18 May, then 6
    assert row.worst_itch_7 == 6  # 27 May; the 8 of 20 May is older than 7 days
    assert row.red_flags == 0  # the one report had no red flag
    assert row.last_activity == london(1, 8, 21, month=6)  # this morning's dose, reported a minute after
    assert row.reasons == ("adherence", "extra")  # 70 % over 30 days, and two extras
    assert [rows[p.id].plan_status for p in (paused, stopped, new)] == ["paused", "stopped", "none"]
    assert rows[new.id].locale == "fr"
    assert rows[new.id].adherence_30.implementation_percent is None and rows[new.id].last_activity is None
    assert (rows[new.id].poem_change, rows[new.id].worst_itch_7, rows[new.id].reasons) == (None, None, ())


def poem(total: int) -> dict[str, int]:
    """POEM answers adding up to `total`."""
    return {item: min(4, max(0, total - 4 * i)) for i, item in enumerate(ITEMS)}


def lapsed(person) -> None:
    # From 29 May, nothing applied: 6 doses due by NOW, 0 taken, 0 %.
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 29)), london(29, 5))


def flagged(person) -> None:
    report_side_effects(person, ["burning"], "", ["infection"], NOW - DAY)


def worse_poem(person) -> None:
    answer_poem(person, poem(10), NOW - 7 * DAY)
    answer_poem(person, poem(13), NOW)  # up by exactly 3


def itchy(person) -> None:
    log_itch(person, dt.date(2026, 5, 26), 7, True, NOW)  # the first of the last 7 days, at exactly 7


def with_extra(person) -> None:
    # 31 May: 08:00 and 20:00 applied (2 of 2, 100 %), and a second report at 09:00: one extra.
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 31)), london(31, 5))
    for at in (london(31, 8), london(31, 9), london(31, 20)):
        applied(person, at)


@pytest.mark.parametrize(
    ("build", "reason"),
    [(lapsed, "adherence"), (flagged, "red_flag"), (worse_poem, "poem_up"), (itchy, "itch"), (with_extra, "extra")],
)
def test_each_reason_to_look_is_given_on_its_own(make_patient, clinic, build, reason):
    build(make_patient())
    rows = patient_rows(clinic.id, NOW)
    assert [row.reasons for row in rows] == [(reason,)]
    assert needs_attention(rows) == rows


def test_a_steady_patient_needs_no_attention(make_patient, clinic):
    person = make_patient()
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 31)), london(31, 5))
    applied(person, london(31, 8))
    applied(person, london(31, 20))
    answer_poem(person, poem(10), NOW - 7 * DAY)
    answer_poem(person, poem(12), NOW)  # up by 2: not enough
    log_itch(person, dt.date(2026, 6, 1), 6, False, NOW)
    log_itch(person, dt.date(2026, 5, 25), 9, True, NOW)  # 8 days ago: outside the last 7
    report = report_side_effects(person, [], "", ["infection"], NOW - 2 * DAY)
    report.reviewed_at = NOW - DAY
    report_side_effects(person, ["redness"], "", [], NOW - DAY)
    db.session.commit()
    rows = patient_rows(clinic.id, NOW)
    assert (rows[0].adherence_30.implementation_percent, rows[0].poem_change, rows[0].worst_itch_7) == (100, 2, 6)
    assert (rows[0].red_flags, rows[0].extras_30, rows[0].reasons) == (0, 0, ())
    assert needs_attention(rows) == []


def test_only_patients_linked_to_the_clinic_now_are_shown(make_patient, clinic):
    staying = make_patient("Sam")
    left = make_patient("Lee")
    other_clinic = _clinic("Hillside", "XYZ6789")
    elsewhere = make_patient("Eli", clinic_id=other_clinic.id)
    link = db.session.scalar(db.select(ClinicLink).where(ClinicLink.person_id == left.id))
    link.ended_at, link.ended_by = NOW - DAY, "patient"
    db.session.commit()
    assert [row.person_id for row in patient_rows(clinic.id, NOW)] == [staying.id]
    assert [row.person_id for row in patient_rows(other_clinic.id, NOW)] == [elsewhere.id]


def summary(taken: int, due: int, on_time: int = 0) -> AdherenceSummary:
    return AdherenceSummary(due, taken, on_time, taken - on_time, due - taken, 0, 0, 0, 1 if due else 0)


def a_row(person_id: int, name: str, **values) -> PatientRow:
    base = PatientRow(person_id, name, "Europe/London", "en", "active", summary(0, 0), summary(0, 0), 0, 0,
                      None, None, None, None, 0, None, None, ())  # fmt: skip
    return dataclasses.replace(base, **values)


def test_sorting_puts_rows_without_a_value_last_either_way():
    ana = a_row(1, "Ana", adherence_30=summary(5, 10), last_activity=NOW)
    bob = a_row(2, "bob")  # nothing due, never active
    cy = a_row(3, "Cy", adherence_30=summary(9, 10), last_activity=NOW - DAY, poem_change=-4)
    dee = a_row(4, "Dee", adherence_30=summary(1, 2), poem_change=3)
    rows = [dee, cy, bob, ana]
    assert sort_rows(rows, "name", False) == [ana, bob, cy, dee]
    assert sort_rows(rows, "adherence_30", False) == [ana, dee, cy, bob]  # Ana and Dee both 50 %: name order
    assert sort_rows(rows, "adherence_30", True) == [cy, ana, dee, bob]
    assert sort_rows(rows, "last_activity", True) == [ana, cy, bob, dee]
    assert sort_rows(rows, "last_activity", False) == [cy, ana, bob, dee]
    assert sort_rows(rows, "poem_change", True) == [dee, cy, ana, bob]
    with pytest.raises(ValueError, match="not a dashboard column"):
        sort_rows(rows, "password", False)


def count_statements(clinic) -> tuple[int, list[PatientRow]]:
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = patient_rows(clinic.id, NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), rows


def a_busy_patient(make_patient, n: int) -> None:
    person = make_patient(f"P{n:02}")
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 30)), london(30, 5))
    record_application(person, london(31, 8, 5), london(31, 8, 6))
    log_itch(person, dt.date(2026, 5, 31), n % 10, False, NOW)
    report_side_effects(person, [], "", ["infection"], NOW)
    answer_poem(person, poem(n % 20), NOW)


def test_the_number_of_queries_does_not_grow_with_the_number_of_patients(make_patient, clinic):
    for n in range(3):
        a_busy_patient(make_patient, n)
    few, rows = count_statements(clinic)
    assert len(rows) == 3
    for n in range(3, 30):
        a_busy_patient(make_patient, n)
    many, rows = count_statements(clinic)
    assert len(rows) == 30 and all(row.red_flags == 1 for row in rows)
    assert few == many <= 5


def test_a_patient_with_a_sign_for_help_today_or_an_emergency_reaches_the_top(make_patient, clinic):
    calm, later, today, emergency, reviewed = (make_patient(n) for n in ("Ann", "Ben", "Cat", "Dan", "Eve"))
    for person in (calm, later, today, emergency):
        lapsed(person)  # a reason to look for everyone: applied under 80 %
    worse_poem(calm)  # and one more for Ann, who has no warning sign at all
    report_side_effects(later, [], "", ["infection", "swollen_glands"], NOW - DAY)
    report_side_effects(today, [], "", ["infection"], NOW - 2 * DAY)
    report_side_effects(today, [], "", ["spreading_sores"], NOW - DAY)
    report_side_effects(emergency, [], "", ["faint"], NOW - 3 * DAY)
    old = report_side_effects(reviewed, [], "", ["breathing"], NOW - 3 * DAY)
    old.reviewed_at = NOW - DAY  # a clinician has seen it: no longer a reason to put Eve first
    db.session.commit()
    rows = rows_by_id(clinic)
    assert [rows[p.id].help_tier for p in (calm, later, today, emergency, reviewed)] == [
        None, "within_24h", "today", "emergency", None
    ]  # fmt: skip
    ordered = [row.name for row in by_attention(rows.values())]
    # Then most reasons to look (Ann and Ben have two each, Eve one), ties in name order either way.
    assert ordered == ["Dan", "Cat", "Ann", "Ben", "Eve"]
    assert [row.name for row in by_attention(rows.values(), descending=False)] == ["Eve", "Ann", "Ben", "Cat", "Dan"]
