"""A hand-built week of doses for one person, shared by the history, export and page tests.

Plan 08:00/20:00 in Europe/London (summer time, UTC+1) from Monday 25 May 2026. Windows:
06:00–14:00 and 18:00–02:00; on time until 60 minutes after the dose time. Read at NOW,
10:00 in London on Monday 1 June, while the 08:00 window is still open.

    Mon 25  08:05 on time       20:30 on time                   full day
    Tue 26  08:10 on time       21:30 late, 22:00 extra          full day
    Wed 27  08:00 missed        19:00 on time; 15:00 in the skip zone
    Thu 28  08:00 skipped       20:10 on time; 20:15 extra, withdrawn (undo)
    Fri 29  08:00 paused (pause at 09:00), 20:00 paused
    Sat 30  paused all day; 08:00 an application while paused (unscheduled)
    Sun 31  08:00 late (09:30)  20:00 missed                     (resumed at 05:00)
    Mon  1  08:00 applied 08:20, window still open               20:00 coming up

Last 7 days (26 May – 1 June), closed windows only: due 8, taken 5, on time 3, late 2, missed 2,
skipped 1, extras 2, full days 1 of 4. Last 30 days adds the 25th: due 10, taken 7, on time 5,
full days 2 of 5.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Application, ItchEntry, PoemResponse, SideEffectReport
from app.models.plans import ACTIVE, PAUSED
from app.patients.doses import record_application, skip_dose, undo_application
from app.patients.ledger import slots_between
from app.patients.plans import PlanInput, create_plan, set_status

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)  # 10:00 in London
MINUTE = dt.timedelta(minutes=1)


def london(day: int, hour: int, minute: int = 0, month: int = 5) -> dt.datetime:
    """A wall-clock time in London in 2026, as a UTC instant."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


def applied(person, at: dt.datetime):
    """Report an application a minute after it happened, as a person tapping the button would."""
    application_id, judgement = record_application(person, at, at + MINUTE)
    return db.session.get(Application, application_id), judgement.verdict.value


def build_log(person) -> dict[str, str]:
    """Store the week above for `person`; returns the verdict of each notable report by name."""
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 5, 25)), london(25, 5))
    verdicts = {}
    applied(person, london(25, 8, 5))
    applied(person, london(25, 20, 30))
    applied(person, london(26, 8, 10))
    verdicts["late"] = applied(person, london(26, 21, 30))[1]
    verdicts["extra"] = applied(person, london(26, 22))[1]
    verdicts["skip_zone"] = applied(person, london(27, 15))[1]
    applied(person, london(27, 19))
    morning = next(s for s in slots_between(person, london(28, 0), london(28, 12)) if s.local_time == "08:00")
    skip_dose(person, morning.id, "skin sore", london(28, 6, 30))
    applied(person, london(28, 20, 10))
    withdrawn, verdicts["withdrawn"] = applied(person, london(28, 20, 15))
    undo_application(person, withdrawn.id, london(28, 20, 20))
    set_status(person, PAUSED, london(29, 9))
    verdicts["while_paused"] = applied(person, london(30, 8))[1]
    set_status(person, ACTIVE, london(31, 5))
    applied(person, london(31, 9, 30))
    applied(person, london(1, 8, 20, month=6))
    return verdicts


def add_symptoms(person) -> None:
    """Itch on three days, two weekly POEMs and one side-effect report."""
    for day, peak in ((20, 8), (27, 6), (31, 3)):
        db.session.add(ItchEntry(person_id=person.id, local_date=dt.date(2026, 5, day), peak_itch=peak,
                                 woke_up=peak > 5, recorded_at=london(day, 21)))  # fmt: skip
    for day, answers, band in ((18, [2] * 7, "moderate"), (25, [1] * 6 + [0], "mild")):
        db.session.add(PoemResponse(person_id=person.id, local_date=dt.date(2026, 5, day), answers=answers,
                                    total=sum(answers), band=band, recorded_at=london(day, 21)))  # fmt: skip
    db.session.add(SideEffectReport(person_id=person.id, local_date=dt.date(2026, 5, 26), effects=["burning"],
                                    other="=HYPERLINK(\"x\")", red_flags=[], recorded_at=london(26, 9)))  # fmt: skip
    db.session.commit()
