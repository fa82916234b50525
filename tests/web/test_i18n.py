"""Template translation helpers, and the locale dates and times are written in."""

import datetime as dt

import pytest
from flask import render_template_string
from flask_babel import force_locale

from app.extensions import db
from app.formatting import format_locale
from app.models import Person
from app.patients import plans
from app.patients.symptoms import log_itch
from app.reminders import scheduler
from app.web.i18n import long_date
from app.web.reminders import routes as reminder_pages


def test_template_gettext_escapes_variables_and_formats_them(app):
    with app.test_request_context("/es/"), force_locale("es"):
        html = render_template_string("{{ _('Phone: %(phone)s', phone='<b>1</b>') }}")
    assert html == "Teléfono: &lt;b&gt;1&lt;/b&gt;"


def test_template_ngettext_picks_the_plural_and_fills_num(app):
    with app.test_request_context("/fr/"), force_locale("fr"):
        one = render_template_string("{{ ngettext('%(num)d page found', '%(num)d pages found', 1) }}")
        many = render_template_string("{{ ngettext('%(num)d page found', '%(num)d pages found', 3) }}")
    assert one.startswith("1 ") and many.startswith("3 ") and one != many.replace("3", "1")


def test_a_render_inside_force_locale_uses_that_locale(app):
    with app.test_request_context("/en/"), force_locale("es"):
        assert render_template_string("{{ _('Get help now') }}") == "Pida ayuda ahora"


# One English: dates and times the UK way


EVENING = dt.datetime(2026, 12, 3, 20, 0, tzinfo=dt.UTC)  # 20:00 in London (GMT in December)


@pytest.fixture
def londoner(app, make_account, sign_in, monkeypatch):
    """A signed-in English account in London, on an 08:00/20:00 plan, with itch logged on 3 December 2026."""
    monkeypatch.setattr(reminder_pages, "utcnow", lambda: EVENING + dt.timedelta(minutes=5))
    account = make_account()
    sign_in(account)
    with app.app_context():
        person = db.session.get(Person, account.people[0].id)
        start = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
        plans.create_plan(person, plans.PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], start.date()), start)
        log_itch(person, EVENING.date(), 5, False, EVENING)
        db.session.expunge_all()
    return account.people[0]


def test_english_pages_write_dates_the_uk_way(pages, londoner):
    text = pages.get(f"/people/{londoner.id}/symptoms").get_text(" ", strip=True)
    assert "Worst itch on 3 December 2026: 5 out of 10, moderate itch." in text
    assert "December 3, 2026" not in text


def test_english_pages_write_times_on_the_24_hour_clock(app, pages, londoner):
    with app.app_context():
        assert scheduler.run_sweep(app, EVENING, scheduler.make_channels(app, push=None))["sent"] == 1
    title = pages.get(f"/people/{londoner.id}/inbox").select_one(".inbox-title").get_text(" ", strip=True)
    assert title.endswith("Time for your 20:00 dose")
    assert "PM" not in title


def test_english_is_formatted_as_british_english_and_other_languages_as_themselves():
    assert format_locale("en") == "en_GB"
    assert (format_locale("es"), format_locale("fr")) == ("es", "fr")


def test_spanish_dates_stay_spanish(app):
    with app.test_request_context("/es/"), force_locale("es"):
        assert long_date(dt.date(2026, 12, 3)) == "3 de diciembre de 2026"
    with app.test_request_context("/en/"), force_locale("en"):
        assert long_date(dt.date(2026, 12, 3)) == "3 December 2026"
