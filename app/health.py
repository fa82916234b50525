"""The health check /healthz answers with: the database, its schema against the migration head, and the age
of the last sweep. Cheap, since monitors and load balancers ask often: one statement, and the schema's
revision read again only every SCHEMA_RECHECK seconds."""

import datetime as dt
import time
import weakref
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.models import SchedulerHeartbeat
from app.schema import schema_state

SCHEMA_RECHECK = 5.0
# engine -> (monotonic time, at head); an app made anew (a test) has a new engine, so it checks afresh
_schema_checked: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Expectations:
    check_schema: bool
    expect_scheduler: bool
    late_after: dt.timedelta


def report(session, now: dt.datetime, expect: Expectations) -> tuple[dict, bool]:
    """What /healthz says, and whether all is well."""
    try:
        schema = _schema(session) if expect.check_schema else "unchecked"
        last = None if schema == "behind" else session.scalar(select(func.max(SchedulerHeartbeat.finished_at)))
    except SQLAlchemyError:
        session.rollback()
        return {"status": "degraded", "database": "unreachable"}, False
    age = None if last is None else round((now - last).total_seconds(), 1)
    if not expect.expect_scheduler:
        scheduler = "not expected"
    elif age is not None and age <= expect.late_after.total_seconds():
        scheduler = "ok"
    else:
        scheduler = "late"
    ok = schema != "behind" and scheduler != "late"
    body = {
        "status": "ok" if ok else "degraded",
        "database": "ok",
        "schema": schema,
        "scheduler": scheduler,
        "last_sweep_seconds_ago": age,
    }
    return body, ok


def _schema(session) -> str:
    """ "ok" or "behind", remembered for SCHEMA_RECHECK seconds per database."""
    engine = session.get_bind()
    checked = _schema_checked.get(engine)
    if checked is None or time.monotonic() - checked[0] > SCHEMA_RECHECK:
        at_head = schema_state(session.connection()).at_head
        _schema_checked[engine] = checked = (time.monotonic(), at_head)
    return "ok" if checked[1] else "behind"
