"""History (calendar, adherence, charts) and data rights (export, delete)."""

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from app.charts import Band, LineChart, line_chart
from app.measures import itch, poem
from app.patients import data_rights
from app.patients import history as record
from app.web.auth.sessions import sign_out
from app.web.history.forms import DeleteAccountForm, DeletePersonForm, ExportForm
from app.web.i18n import formatting_locale
from app.web.patient.access import person_or_404
from app.web.patient.labels import state_label

bp = Blueprint("history", __name__, url_prefix="/people/<int:person_id>")
bp.before_request(login_required(lambda: None))

FIRST_MONTH, LAST_MONTH = dt.date(2000, 1, 1), dt.date(2100, 12, 1)
MONTH_ARG = re.compile(r"(\d{4})-(\d{2})")
ITCH_DAYS, POEM_DAYS = 30, 84

BAND_LABELS = {
    "none": _l("no itch"),
    "clear": _l("clear or almost clear"),
    "mild": _l("mild"),
    "moderate": _l("moderate"),
    "severe": _l("severe"),
    "very_severe": _l("very severe"),
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.context_processor
def formatting():
    """Dates and times in the reader's locale; states and bands in words."""
    locale = formatting_locale()
    return {
        "state_words": state_label,
        "band_words": lambda key: str(BAND_LABELS[key]),
        "full_date": lambda day: format_date(day, "full", locale=locale),
        "weekday_short": lambda day: format_date(day, "EEE", locale=locale),
        "short_date": lambda day: format_skeleton("MMMd", day, locale=locale),
        "month_name": lambda day: format_skeleton("yMMMM", day, locale=locale),
        "local_clock": lambda instant, tz: format_time(instant.astimezone(ZoneInfo(tz)), "short", locale=locale),
    }


# --- history ------------------------------------------------------------------------------------


@bp.get("/history")
def history(person_id):
    """The month calendar of doses, adherence for 7 and 30 days, and the itch and POEM trends."""
    person = person_or_404(person_id)
    now = utcnow()
    today = record.local_today(person, now)
    first = _month_asked(request.args.get("month"), today)
    if first is None:
        return _bad_request(_("Choose a month written as year and month, for example 2026-06."))
    locale = Locale.parse(formatting_locale())
    calendar, adherence = record.month_and_adherences(person, first.year, first.month, now, locale.first_week_day,
                                                      (7, 30))  # fmt: skip
    return render_template(
        "history/history.html",
        person=person,
        calendar=calendar,
        weekdays=_weekdays(locale),
        month_links={"previous": _month_link(person, calendar.previous), "next": _month_link(person, calendar.next)},
        adherence=list(adherence.items()),
        itch=itch_chart(record.itch_series(person, today - dt.timedelta(days=ITCH_DAYS - 1), today), today),
        poem=poem_chart(record.poem_series(person, today - dt.timedelta(days=POEM_DAYS - 1), today), today),
    )


def _month_asked(value: str | None, today: dt.date) -> dt.date | None:
    """The first day of the month in ?month=YYYY-MM (this month when absent); None when it is not a month."""
    if value is None:
        return today.replace(day=1)
    match = MONTH_ARG.fullmatch(value.strip())
    year, month = (int(match[1]), int(match[2])) if match else (0, 0)
    if not (FIRST_MONTH.year <= year <= LAST_MONTH.year and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _month_link(person, first: dt.date) -> tuple[str, dt.date] | None:
    """The URL of another month's calendar, and that month; None outside the months offered."""
    if not FIRST_MONTH <= first <= LAST_MONTH:
        return None
    return url_for(".history", person_id=person.id, month=first.strftime("%Y-%m")), first


def _weekdays(locale) -> list[tuple[str, str]]:
    """(abbreviated, full) weekday names, in the calendar's column order."""
    start = locale.first_week_day
    order = [(start + i) % 7 for i in range(7)]
    return [(locale.days["stand-alone"]["abbreviated"][d], locale.days["format"]["wide"][d]) for d in order]


def _bands(bands: tuple[tuple[int, str], ...], top: int) -> tuple[Band, ...]:
    """Stripes halfway between whole scores, so each score sits inside its own band."""
    edges = [highest + 0.5 for highest, _key in bands[:-1]]
    return tuple(
        Band(low, high, str(BAND_LABELS[key]), f"chart-band-{key}")
        for low, high, (_highest, key) in zip([0, *edges], [*edges, top], bands, strict=True)
    )


@dataclass(frozen=True)
class ChartView:
    """A chart with its table alternative; `svg` is None when there is nothing to draw."""

    points: list[record.Point]
    bands: dict[dt.date, str]
    svg: object
    note: str = ""


def _date_label(day: dt.date) -> str:
    return format_skeleton("MMMd", day, locale=formatting_locale())


def _describe(points: list[record.Point], band_of) -> str:
    latest = points[-1]
    values = [p.value for p in points]
    return ngettext(
        "%(num)d score. Latest: %(value)d (%(band)s) on %(date)s. Highest: %(high)d. Lowest: %(low)d.",
        "%(num)d scores. Latest: %(value)d (%(band)s) on %(date)s. Highest: %(high)d. Lowest: %(low)d.",
        len(points),
        value=latest.value,
        band=BAND_LABELS[band_of(latest.value)],
        date=_date_label(latest.date),
        high=max(values),
        low=min(values),
    )


def itch_chart(points: list[record.Point], today: dt.date) -> ChartView:
    bands = {p.date: itch.band(p.value) for p in points}
    if not points:
        return ChartView(points, bands, None)
    chart = LineChart(
        id="itch-chart", title=_("Peak itch, last 30 days"), description=_describe(points, itch.band),
        x_label=_("Date"), y_label=_("Peak itch (0 to 10)"), start=today - dt.timedelta(days=ITCH_DAYS - 1),
        end=today, y_max=itch.PEAK_MAX, y_ticks=(0, 2, 4, 6, 8, 10), bands=_bands(itch.BANDS, itch.PEAK_MAX),
    )  # fmt: skip
    first, latest = points[0], points[-1]
    note = ""
    if len(points) > 1 and itch.meaningful_change(first.value, latest.value):
        note = _("Your itch is at least 4 points lower than on %(date)s. That is a change you can feel.",
                 date=_date_label(first.date))  # fmt: skip
    return ChartView(points, bands, line_chart(chart, points, _date_label), note)


def poem_chart(points: list[record.Point], today: dt.date) -> ChartView:
    bands = {p.date: poem.band(p.value) for p in points}
    if not points:
        return ChartView(points, bands, None)
    chart = LineChart(
        id="poem-chart", title=_("Eczema score (POEM), last 12 weeks"), description=_describe(points, poem.band),
        x_label=_("Date"), y_label=_("POEM score (0 to 28)"), start=today - dt.timedelta(days=POEM_DAYS - 1),
        end=today, y_max=poem.TOTAL_MAX, y_ticks=(0, 7, 14, 21, 28), bands=_bands(poem.BANDS, poem.TOTAL_MAX),
        max_gap_days=14,
    )  # fmt: skip
    return ChartView(points, bands, line_chart(chart, points, _date_label))


def _bad_request(message: str):
    return render_template("errors/error.html", error=BadRequest(), messages=[message]), 400


# --- data rights --------------------------------------------------------------------------------


@bp.get("/data")
def data(person_id):
    """What the person can do with their data: download it, or delete it."""
    person = person_or_404(person_id)
    return render_template("history/data.html", person=person, form=ExportForm())


@bp.post("/data/export")
def export(person_id):
    """A zip of the person's records (or of everyone in the account), as a download."""
    person = person_or_404(person_id)
    form = ExportForm()
    if not form.validate():
        return render_template("history/data.html", person=person, form=form), 400
    now = utcnow()
    everyone = bool(form.everyone.data)
    body = data_rights.export_zip(person.account if everyone else person, now)
    name = f"thinlayer-{'account' if everyone else f'person-{person.id}'}-{now:%Y-%m-%d}.zip"
    return Response(body, mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/data/delete", methods=["GET", "POST"])
def delete_person(person_id):
    """Delete the person and all their records, once their name is typed to confirm."""
    person = person_or_404(person_id)
    form = DeletePersonForm(person.name)
    if form.validate_on_submit():
        name = person.name
        data_rights.delete_person(person)
        flash(_("%(name)s and all their records are deleted.", name=name), "info")
        return redirect(url_for("auth.people"))
    return render_template("history/delete_person.html", person=person, form=form), 400 if form.errors else 200


@bp.route("/data/delete-account", methods=["GET", "POST"])
def delete_account(person_id):
    """Delete the whole account, its people and all their records, then sign out."""
    person = person_or_404(person_id)
    account = person.account
    form = DeleteAccountForm(account.email)
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("history/delete_account.html", person=person, account=account, form=form), status
    locale = account.locale
    sign_out(current_user._get_current_object(), utcnow())
    data_rights.delete_account(account)
    with force_locale(locale):
        response = Response(render_template("history/account_deleted.html"))
    # Signed out now, so the app-wide hook no longer adds this; the page still must not be kept.
    response.headers["Cache-Control"] = "no-store"
    return response
