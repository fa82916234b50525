"""How much cream: the fingertip-unit guide page, the amounts on the plan and Today, the tube, and the
patient's own "my plan" leaflet."""

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from flask import render_template_string
from pypdf import PdfReader

from app.extensions import db
from app.models import Plan
from tests.conftest import csrf_from
from tests.web.test_patient import LONDON_0810, set_plan, text


@pytest.fixture
def patient(make_account, sign_in, client, monkeypatch):
    monkeypatch.setattr("app.web.patient.routes.utcnow", lambda: LONDON_0810)  # 1 June 2026, 08:10 in London
    account = make_account()
    sign_in(account)
    return account.people[0]


def save_plan(client, person, status=302, **fields):
    url = f"/people/{person.id}/plan"
    data = {
        "csrf_token": csrf_from(client, url),
        "medicine": "pimecrolimus",
        "body_areas": ["face", "neck"],
        "doses": "2",
        "first_time": "08:00",
        "second_time": "20:00",
        "start_date": "2026-06-01",
        **fields,
    }
    response = client.post(url, data=data)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def stored_plan(app, person) -> Plan:
    with app.app_context():
        return db.session.scalar(db.select(Plan).where(Plan.person_id == person.id, Plan.status == "active"))


# --- the public guide ------------------------------------------------------------------------------


def test_the_guide_has_its_own_url_ahead_of_the_topic_rule(app):
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match("/en/medicines/pimecrolimus/how-much-cream")
    assert (endpoint, args) == ("public.how_much_cream", {"locale": "en", "medicine": "pimecrolimus"})
    assert adapter.match("/en/medicines/pimecrolimus/missed-dose")[0] == "public.topic"


def test_the_guide_shows_both_tables_and_a_picture_with_a_text_alternative(pages):
    soup = pages.get("/en/medicines/pimecrolimus/how-much-cream")
    assert text(soup.h1) == "How much cream to use"
    adults, children = soup.select("table.ftu-table")
    rows = {text(tr.th).split(" ", 1)[1]: [text(td) for td in tr.find_all("td")] for tr in adults.tbody.find_all("tr")}
    assert rows["Face and neck"] == ["2½", "1.25 g"]
    assert rows["One leg"] == ["6", "3 g"]
    assert rows["Back, including the buttocks"] == ["7", "3.5 g"]
    assert [text(th) for th in children.thead.find_all("th")][1:] == [
        "3 to 6 months",
        "1 to 2 years",
        "3 to 5 years",
        "6 to 10 years",
    ]
    leg = next(tr for tr in children.tbody.find_all("tr") if "One leg and foot" in text(tr.th))
    assert [text(td) for td in leg.find_all("td")] == ["1½", "2", "3", "4½"]
    svg = soup.find("svg", class_="ftu-body")
    title_id, desc_id = svg["aria-labelledby"].split()
    assert (
        svg["role"] == "img"
        and soup.find(id=title_id).name == "title"
        and "6: Front of the body" in text(soup.find(id=desc_id))
    )
    assert {text(t) for t in svg.find_all("text")} >= {"1", "2", "3", "4", "5", "6", "7", "Front", "Back"}
    assert "not a dose" in text(soup.select_one(".ftu-thin"))
    scripts = [script.get("src", "inline") for script in soup.find_all("script")]
    assert all("/js/offline.js" in src for src in scripts), f"the guide works without JavaScript: {scripts}"


@pytest.mark.parametrize(("locale", "grams"), [("es", "1,25 g"), ("fr", "1,25 g")])
def test_the_guide_is_in_spanish_and_french_with_local_decimals(pages, locale, grams):
    soup = pages.get(f"/{locale}/medicines/pimecrolimus/how-much-cream")
    assert soup.html["lang"] == locale
    assert grams in [text(td) for td in soup.select("table.ftu-table td")]


def test_an_unknown_medicine_has_no_guide(client):
    assert client.get("/en/medicines/aspirin/how-much-cream").status_code == 404


def test_the_component_renders_on_its_own_with_the_ids_it_is_given(app):
    with app.test_request_context("/en/"):
        html = render_template_string(
            '{% from "components/ftu_guide.html" import ftu_guide %}{{ ftu_guide(guide_tables(), level=3, id="x") }}'
        )
    soup = BeautifulSoup(html, "html.parser")
    assert [h.name for h in soup.find_all(["h2", "h3"])] == ["h3", "h3", "h3"]
    assert soup.find("svg")["aria-labelledby"] == "x-pic-title x-pic-desc"


# --- the plan, Today and the tube ----------------------------------------------------------------------


def test_the_plan_and_today_show_each_areas_amount_and_link_the_guide(pages, client, patient):
    save_plan(client, patient, body_areas=["face", "neck", "hands", "folds"])
    for url in (f"/people/{patient.id}/plan", f"/people/{patient.id}/today"):
        soup = pages.get(url)
        lines = [text(li) for li in soup.select("ul.amounts li")]
        assert lines[:2] == [
            "Face and neck: up to 2½ fingertip units, about 1.25 g, each time",
            "Both hands, both sides: up to 2 fingertip units, about 1 g, each time",
        ], url
        assert lines[2].startswith("Skin folds: a thin layer"), url
        assert soup.find("a", href="/en/medicines/pimecrolimus/how-much-cream"), url


def test_a_plan_without_a_tube_shows_no_estimate(pages, client, patient):
    set_plan(client, patient)
    assert not pages.get(f"/people/{patient.id}/plan").select(".tube-line")


def test_a_tube_set_today_is_opened_today_and_the_plan_says_how_long_it_may_last(app, pages, client, patient):
    save_plan(client, patient, tube_grams="30")
    assert stored_plan(app, patient).tube_opened == dt.date(2026, 6, 1)
    lines = [text(p) for p in pages.get(f"/people/{patient.id}/plan").select(".tube-line")]
    assert lines[0].startswith("Your 30 g tube, opened on 1 June 2026, may last about 12 days, to about 13 June 2026")
    assert len(lines) == 1, "12 days ahead: no warning yet"


def test_a_tube_opened_days_ago_says_to_ask_for_a_new_prescription(pages, client, patient):
    save_plan(client, patient, tube_grams="30", tube_opened="2026-05-27")  # runs out about 8 June
    lines = [text(p) for p in pages.get(f"/people/{patient.id}/plan").select(".tube-line")]
    assert "Your tube may run out in about 7 days: ask for a new prescription." in lines


def test_saving_the_plan_again_keeps_the_tube_and_its_day(app, client, patient, pages):
    save_plan(client, patient, tube_grams="60", tube_opened="2026-05-20")
    soup = pages.get(f"/people/{patient.id}/plan")
    assert soup.find("input", attrs={"name": "tube_grams", "value": "60"}).has_attr("checked")
    assert soup.find("input", attrs={"name": "tube_opened"})["value"] == "2026-05-20"
    save_plan(client, patient, tube_grams="60", tube_opened="")  # the date left empty: the same tube
    assert stored_plan(app, patient).tube_opened == dt.date(2026, 5, 20)
    save_plan(client, patient, tube_grams="100", tube_opened="")  # a new size: opened today
    assert (stored_plan(app, patient).tube_grams, stored_plan(app, patient).tube_opened) == (100, dt.date(2026, 6, 1))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tube_grams": "50"}, "Not a valid choice"),
        ({"tube_grams": "30", "tube_opened": "2026-06-02"}, "cannot be in the future"),
        ({"tube_opened": "2026-05-30"}, "Choose the size of the tube too."),
    ],
)
def test_a_tube_the_form_cannot_take_is_refused_and_nothing_is_stored(app, client, patient, fields, message):
    response = save_plan(client, patient, status=400, **fields)
    assert message in text(response)
    assert stored_plan(app, patient) is None


# --- the patient's own leaflet ---------------------------------------------------------------------------


def pdf_text(response) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_patient_prints_their_own_plan_with_times_cut_offs_amounts_and_the_guide(client, patient):
    save_plan(client, patient, tube_grams="30")
    response = client.get(f"/people/{patient.id}/my-plan.pdf?paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    words = " ".join(pdf_text(response).split())
    assert "My treatment plan: Me" in words
    assert "8:00 AM 2:00 PM" in words or "08:00 14:00" in words  # each dose with its cut-off
    assert "Face and neck: up to 2½ fingertip units, about 1.25 g, each time" in words
    assert "What is a fingertip unit?" in words and "6 to 10 years" in words


def test_someone_elses_plan_leaflet_is_a_404(client, make_account, patient):
    other = make_account(email="other@example.org").people[0]
    assert client.get(f"/people/{other.id}/my-plan.pdf").status_code == 404


def test_no_plan_no_leaflet_and_a_paper_size_it_does_not_know_is_a_400(client, patient):
    assert client.get(f"/people/{patient.id}/my-plan.pdf").status_code == 404
    save_plan(client, patient)
    assert client.get(f"/people/{patient.id}/my-plan.pdf?paper=a3").status_code == 400


def test_the_plan_form_starts_from_the_current_plan_so_a_second_save_keeps_it(app, client, pages, patient):
    save_plan(client, patient, body_areas=["face", "hands", "other"], other_area="scalp", first_time="07:30",
              second_time="19:15", tube_grams="60")  # fmt: skip
    form = pages.get(f"/people/{patient.id}/plan").select_one("form:has(input[name=body_areas])")
    assert [i["value"] for i in form.select("input[name=body_areas][checked]")] == ["face", "hands", "other"]
    assert form.select_one("input[name=other_area]")["value"] == "scalp"
    times = [form.select_one(f"input[name={name}]")["value"] for name in ("first_time", "second_time")]
    assert times == ["07:30", "19:15"]
    assert form.select_one("input[name=tube_grams][checked]")["value"] == "60"
    # Sending back what the form shows keeps every choice.
    fields = {i["name"]: i["value"] for i in form.select("input[type=text], input[type=date]") if i.get("value")}
    save_plan(client, patient, **{**fields, "body_areas": ["face", "hands", "other"], "tube_grams": "60"})
    plan = stored_plan(app, patient)
    assert (plan.body_areas, plan.other_area, plan.times, plan.tube_grams) == (
        ["face", "hands"], "scalp", ["07:30", "19:15"], 60
    )  # fmt: skip
