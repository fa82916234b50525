"""A dose reported while the plan was paused counts once the plan resumes in that window.

The rule (app.dosing.windows.assign) counts the first report in an open window. A report made while
the window was paused is stored as "unscheduled"; resuming in the same window judges it again, so
the Today page shows the dose as applied and a second tap is an extra, never a counted dose.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from app.dosing.windows import SlotState
from app.extensions import db
from app.models import Application, RecordEdit
from app.models.plans import ACTIVE, PAUSED
from app.patients.doses import record_application, today_view
from app.patients.plans import PlanInput, create_plan, set_status

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 10, hour, minute, tzinfo=TOKYO).astimezone(dt.UTC)


def test_a_report_made_while_paused_counts_after_resume_and_a_second_tap_is_extra(make_person):
    person = make_person(timezone="Asia/Tokyo")
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 3, 1)), tokyo(5))
    set_status(person, PAUSED, tokyo(6))
    paused_id, judgement = record_application(person, tokyo(7, 40), tokyo(7, 40))
    assert judgement.verdict.value == "unscheduled"

    set_status(person, ACTIVE, tokyo(8, 30))  # the 08:00 window (06:00-14:00) is open again

    paused_report = db.session.get(Application, paused_id)
    assert (paused_report.verdict, paused_report.counts_for_slot_id) == ("counted", judgement.slot.id)
    edits = RecordEdit.query.filter_by(record_id=paused_report.id, action="rejudge").all()
    assert [edit.before for edit in edits] == [{"verdict": "unscheduled"}]
    view = today_view(person, tokyo(9))
    assert [state for slot, state in view.slots if slot.local_time == "08:00"] == [SlotState.ON_TIME]
    _, second = record_application(person, tokyo(9), tokyo(9))
    assert second.verdict.value == "extra"


def test_pausing_an_open_window_leaves_its_counted_dose_alone(make_person):
    person = make_person(timezone="Asia/Tokyo")
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], dt.date(2026, 3, 1)), tokyo(5))
    counted_id, _ = record_application(person, tokyo(8, 5), tokyo(8, 5))
    counted = db.session.get(Application, counted_id)
    set_status(person, PAUSED, tokyo(9))
    assert counted.verdict == "counted" and counted.counts_for_slot_id is not None
    assert RecordEdit.query.filter_by(record_id=counted.id).count() == 0
