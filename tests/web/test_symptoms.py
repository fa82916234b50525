"""Symptoms pages: daily itch, side effects with red flags, the weekly POEM, and the summary page."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from flask_babel import gettext as translate
from sqlalchemy import func, select

from app.extensions import db
from app.measures.poem import ATTRIBUTION
from app.models import ItchEntry, PoemResponse, RecordEdit, SideEffectReport
from app.web.symptoms import routes
from tests.conftest import NOW

POEM_ITEMS = ("itchy", "sleep", "bleeding", "weeping", "cracked", "flaking", "dry")


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The pages' clock, fixed at NOW (2026-06-01 09:00 UTC) unless a test moves it."""
    now = {"value": NOW}
    monkeypatch.setattr(routes, "utcnow", lambda: now["value"])
    return now


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def rows(app, model) -> list:
    with app.app_context():
        found = list(db.session.scalars(select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def poem_answers(*scores) -> dict:
    return {item: str(score) for item, score in zip(POEM_ITEMS, scores, strict=True)}


# Itch


def test_itch_page_offers_0_to_10_with_labelled_ends(pages, person):
    page = pages.get(f"/people/{person.id}/itch")
    scale = page.select_one("fieldset")
    assert scale.legend.get_text(strip=True) == "Worst itch in the last 24 hours"
    assert [r["value"] for r in scale.select("input[type=radio]")] == [str(n) for n in range(11)]
    assert scale.find("label", attrs={"for": "peak-0"}).get_text(strip=True) == "0 no itch"
    assert scale.find("label", attrs={"for": "peak-10"}).get_text(strip=True) == "10 worst itch imaginable"
    assert page.find("label", attrs={"for": "woke_up"}).get_text(strip=True) == "Itch woke me up last night"


def test_logging_itch_saves_it_for_the_local_day_and_shows_the_band_in_words(app, pages, person, post):
    response = post(f"/people/{person.id}/itch", {"peak": "5", "woke_up": "y"})
    assert response.status_code == 302
    page = pages.get(response.location)
    assert "Your itch score is saved." in page.get_text()
    assert "Worst itch: 5 out of 10, moderate itch." in page.select_one(".callout:not([hidden])").get_text()
    assert page.select_one("input[name=peak][value='5']").has_attr("checked")
    [entry] = rows(app, ItchEntry)
    assert (entry.local_date, entry.peak_itch, entry.woke_up) == (dt.date(2026, 6, 1), 5, True)


def test_a_second_log_the_same_day_updates_it_and_keeps_the_old_values(app, clock, person, post):
    post(f"/people/{person.id}/itch", {"peak": "8", "woke_up": "y"})
    clock["value"] = NOW + dt.timedelta(hours=3)
    assert post(f"/people/{person.id}/itch", {"peak": "3"}).status_code == 302
    [entry] = rows(app, ItchEntry)
    assert (entry.peak_itch, entry.woke_up, entry.recorded_at) == (3, False, NOW + dt.timedelta(hours=3))
    [edit] = rows(app, RecordEdit)
    assert (edit.person_id, edit.record_type, edit.record_id, edit.action) == (person.id, "itch", entry.id, "update")
    assert edit.before == {"peak_itch": 8, "woke_up": True, "recorded_at": NOW.isoformat()}


def test_the_next_local_day_gets_its_own_entry(app, clock, person, post):
    post(f"/people/{person.id}/itch", {"peak": "8"})
    clock["value"] = NOW + dt.timedelta(days=1)
    post(f"/people/{person.id}/itch", {"peak": "2"})
    assert [(e.local_date.day, e.peak_itch) for e in rows(app, ItchEntry)] == [(1, 8), (2, 2)]
    assert count(app, RecordEdit) == 0


def test_the_day_is_the_persons_own_calendar_day(app, make_account, sign_in, clock, post):
    account = make_account(people=(("Kai", "Pacific/Auckland"),))
    sign_in(account)
    clock["value"] = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.UTC)  # 01:00 on 2 June in Auckland
    post(f"/people/{account.people[0].id}/itch", {"peak": "4"})
    assert rows(app, ItchEntry)[0].local_date == dt.date(2026, 6, 2)


@pytest.mark.parametrize("peak", ["11", "-1", "seven", ""])
def test_an_itch_score_outside_0_to_10_is_refused_with_a_message(app, person, post, peak):
    response = post(f"/people/{person.id}/itch", {"peak": peak})
    assert response.status_code == 400
    page = soup(response)
    assert "Choose a number from 0 to 10." in page.select_one(".error-summary").get_text()
    assert page.select_one("#peak-error").get_text(strip=True) == "Choose a number from 0 to 10."
    assert count(app, ItchEntry) == 0


def test_a_post_without_the_csrf_token_is_refused(app, client, person):
    assert client.post(f"/people/{person.id}/itch", data={"peak": "5"}).status_code == 400
    assert count(app, ItchEntry) == 0


@pytest.mark.parametrize(
    ("peak", "words"),
    [("0", "no itch"), ("1", "mild itch"), ("6", "moderate itch"), ("8", "severe itch"), ("9", "very severe itch")],
)
def test_the_saved_itch_is_named_by_its_band(pages, person, post, peak, words):
    post(f"/people/{person.id}/itch", {"peak": peak})
    callout = pages.get(f"/people/{person.id}/itch").select_one(".callout:not([hidden])").get_text(" ", strip=True)
    assert f"Worst itch: {peak} out of 10, {words}." in callout


@pytest.mark.parametrize(("peak", "advised"), [("6", False), ("7", True), ("9", True), ("10", True)])
def test_severe_and_very_severe_itch_advise_talking_to_the_prescriber(pages, person, post, peak, advised):
    post(f"/people/{person.id}/itch", {"peak": peak})
    callout = pages.get(f"/people/{person.id}/itch").select_one(".callout:not([hidden])").get_text(" ", strip=True)
    assert ("talk to your prescriber" in callout) is advised


# POEM


def test_poem_page_asks_seven_questions_each_with_five_choices(pages, person):
    page = pages.get(f"/people/{person.id}/poem")
    questions = page.select("form fieldset")
    assert len(questions) == 7
    for question in questions:
        assert "7 days" in question.legend.get_text()
        assert [r["value"] for r in question.select("input[type=radio]")] == ["0", "1", "2", "3", "4"]
    labels = [label.get_text(strip=True) for label in questions[0].select("label")]
    assert labels == ["No days", "1 to 2 days", "3 to 4 days", "5 to 6 days", "Every day"]


def test_poem_answers_are_scored_saved_and_explained(app, pages, person, post):
    response = post(f"/people/{person.id}/poem", poem_answers(1, 1, 1, 1, 1, 1, 1))
    assert response.status_code == 302
    [saved] = rows(app, PoemResponse)
    assert (saved.answers, saved.total, saved.band, saved.local_date) == ([1] * 7, 7, "mild", dt.date(2026, 6, 1))
    assert response.location.endswith(f"/people/{person.id}/poem/{saved.id}")
    page = pages.get(response.location)
    assert "7 out of 28: mild eczema" in page.select_one(".lead").get_text()
    assert page.select_one("main [aria-current]").get_text(" ", strip=True) == "3 to 7: mild eczema (your score)"
    assert "talk to your prescriber" in page.get_text().lower()


def test_a_high_poem_score_asks_to_contact_the_prescriber_soon(pages, person, post):
    response = post(f"/people/{person.id}/poem", poem_answers(4, 4, 3, 3, 3, 3, 4))
    page = pages.get(response.location)
    assert "24 out of 28: severe eczema" in page.get_text()
    assert "Contact your prescriber soon." in page.select_one(".callout-urgent").get_text()


def test_the_poem_result_compares_with_last_time(pages, clock, person, post):
    post(f"/people/{person.id}/poem", poem_answers(2, 2, 2, 2, 2, 2, 2))
    clock["value"] = NOW + dt.timedelta(days=7)
    response = post(f"/people/{person.id}/poem", poem_answers(0, 0, 0, 0, 1, 1, 0))
    text = pages.get(response.location).get_text(" ", strip=True)
    assert "2 out of 28: clear or almost clear" in text
    assert "Last time, on 1 June 2026: 14 out of 28, moderate eczema." in text


def test_the_poem_page_and_its_result_credit_poem_and_its_authors(pages, person, post):
    attribution = pages.get(f"/people/{person.id}/poem").select_one(".attribution")
    assert attribution.get_text(strip=True) == ATTRIBUTION
    assert attribution.get_text(strip=True).startswith("POEM © University of Nottingham. Charman CR, Venn AJ")
    response = post(f"/people/{person.id}/poem", poem_answers(1, 1, 1, 1, 1, 1, 1))
    assert pages.get(response.location).select_one(".attribution").get_text(strip=True) == ATTRIBUTION


@pytest.fixture
def family(make_account, sign_in):
    """A signed-in parent's account: the parent (its first person) and a child added after."""
    account = make_account(people=(("Sam", "Europe/London"), ("Alex", "Europe/London")))
    sign_in(account)
    return account.people


def test_a_child_gets_the_poem_questions_in_parent_wording(pages, family):
    parent, child = family
    legends = [q.legend.get_text(strip=True) for q in pages.get(f"/people/{child.id}/poem").select("form fieldset")]
    assert legends[0] == "In the last 7 days, on how many days was your child’s skin itchy because of eczema?"
    assert legends[1] == "In the last 7 days, on how many nights was your child’s sleep disturbed because of eczema?"
    assert all("your child’s" in legend for legend in legends)
    own = [q.legend.get_text(strip=True) for q in pages.get(f"/people/{parent.id}/poem").select("form fieldset")]
    assert own[0] == "In the last 7 days, on how many days was your skin itchy because of eczema?"
    assert not any("child" in legend for legend in own)


def test_a_missing_answer_about_a_child_is_explained_in_parent_wording(app, family, post):
    _parent, child = family
    answers = poem_answers(1, 1, 1, 1, 1, 1, 1)
    del answers["sleep"]
    response = post(f"/people/{child.id}/poem", answers)
    assert response.status_code == 400
    assert "Choose how many nights your child’s sleep was disturbed." in soup(response).get_text()
    response = post(f"/people/{child.id}/poem", poem_answers(1, 1, 1, 1, 1, 1, 1))
    assert response.status_code == 302 and count(app, PoemResponse) == 1


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_in_spanish_and_french_the_poem_page_says_the_questions_are_our_own_translation(
    app, pages, make_account, sign_in, locale
):
    account = make_account(locale=locale)
    sign_in(account)
    with app.test_request_context(), force_locale(locale):
        note = translate(
            "We translated these questions ourselves. This is not the official, validated translation of POEM."
        )
    page = pages.get(f"/people/{account.people[0].id}/poem")
    assert page.select_one(".translation-note").get_text(strip=True) == note


def test_in_english_the_poem_page_has_no_translation_note(pages, person):
    page = pages.get(f"/people/{person.id}/poem")
    assert page.select_one(".translation-note") is None
    assert "validated translation" not in page.get_text()


def test_a_missing_poem_answer_is_refused_and_nothing_is_stored(app, person, post):
    answers = poem_answers(1, 1, 1, 1, 1, 1, 1)
    del answers["sleep"]
    response = post(f"/people/{person.id}/poem", answers)
    assert response.status_code == 400
    page = soup(response)
    assert "Choose how many nights your sleep was disturbed." in page.select_one(".error-summary").get_text()
    assert page.select_one("#sleep-error")
    assert count(app, PoemResponse) == 0


def test_a_poem_answer_outside_the_choices_is_refused(app, person, post):
    response = post(f"/people/{person.id}/poem", poem_answers(1, 1, 1, 1, 1, 1, 5))
    assert response.status_code == 400
    assert "Choose how many days your skin felt dry or rough." in soup(response).get_text()
    assert count(app, PoemResponse) == 0


# Side effects and red flags


def test_side_effects_page_lists_common_effects_and_red_flags_apart(pages, person):
    page = pages.get(f"/people/{person.id}/side-effects")
    effects, *tiers = page.select("form fieldset")
    assert "Headache" in effects.get_text() and "Trouble breathing" not in effects.get_text()
    assert "Trouble breathing" in tiers[0].get_text() and "Swollen glands" in tiers[2].get_text()
    assert page.select_one("input[name=other]")["maxlength"] == "200"


def test_common_side_effects_are_saved_without_red_flag_guidance(app, pages, person, post):
    response = post(f"/people/{person.id}/side-effects", {"effects": ["headache", "burning"], "other": " dry lips "})
    page = pages.get(response.location)
    assert not page.select(".callout-urgent")
    assert "usually mild" in page.get_text()
    [report] = rows(app, SideEffectReport)
    assert (report.effects, report.other, report.red_flags) == (["burning", "headache"], "dry lips", [])


def test_the_get_help_link_is_in_the_accounts_language(pages, make_account, sign_in, post):
    account = make_account(locale="es")
    sign_in(account)
    response = post(f"/people/{account.people[0].id}/side-effects", {"red_flags": ["skin_changes"]})
    links = [a["href"] for a in pages.get(response.location).select("section.help-tier ~ p a")]
    assert links == ["/es/medicines/pimecrolimus/get-help"]


def test_other_text_over_200_characters_is_refused(app, person, post):
    response = post(f"/people/{person.id}/side-effects", {"other": "x" * 300, "red_flags": ["breathing"]})
    assert response.status_code == 400
    assert "Use 200 characters or fewer." in soup(response).select_one(".error-summary").get_text()
    assert count(app, SideEffectReport) == 0


def test_an_empty_report_is_refused(app, person, post):
    response = post(f"/people/{person.id}/side-effects", {"other": "   "})
    assert response.status_code == 400
    assert "Tick at least one box, or write what you noticed." in soup(response).get_text()
    assert count(app, SideEffectReport) == 0


def test_an_unknown_side_effect_is_refused(app, person, post):
    response = post(f"/people/{person.id}/side-effects", {"effects": ["hiccups"]})
    assert response.status_code == 400
    assert count(app, SideEffectReport) == 0


# The summary page


def test_symptoms_page_links_to_the_three_and_says_when_nothing_is_logged(pages, person):
    page = pages.get(f"/people/{person.id}/symptoms")
    hrefs = {a["href"] for a in page.select("main a")}
    assert {f"/people/{person.id}/itch", f"/people/{person.id}/poem", f"/people/{person.id}/side-effects"} <= hrefs
    assert "No itch score yet." in page.get_text() and "No weekly score yet." in page.get_text()
    assert not page.select(".callout-urgent")


def test_symptoms_page_shows_latest_itch_poem_and_unreviewed_red_flags(pages, person, post):
    post(f"/people/{person.id}/itch", {"peak": "7"})
    post(f"/people/{person.id}/poem", poem_answers(2, 2, 2, 2, 0, 0, 0))
    post(f"/people/{person.id}/side-effects", {"effects": ["headache"]})
    post(f"/people/{person.id}/side-effects", {"red_flags": ["infection", "swollen_glands"]})
    text = pages.get(f"/people/{person.id}/symptoms").get_text(" ", strip=True)
    assert "Worst itch on 1 June 2026: 7 out of 10, severe itch." in text
    assert "On 1 June 2026: 8 out of 28, moderate eczema." in text
    assert "Other signs of infection: weeping, crusts, pus, or hot and painful skin; Swollen glands" in text
    assert "Headache" not in text


# Who may see what


def other_persons_urls(person_id: int) -> list[str]:
    return [f"/people/{person_id}/{path}" for path in ("symptoms", "itch", "side-effects", "poem")]


def test_another_accounts_person_is_not_found(app, client, pages, make_account, sign_in):
    stranger = make_account(email="other@example.org").people[0]
    me = make_account(email="me@example.org")
    sign_in(me)
    token = pages.get(f"/people/{me.people[0].id}/itch").find("input", attrs={"name": "csrf_token"})["value"]
    valid = {"peak": "5", "red_flags": ["breathing"], **poem_answers(1, 1, 1, 1, 1, 1, 1)}
    for url in other_persons_urls(stranger.id):
        assert client.get(url).status_code == 404, url
    for url in other_persons_urls(stranger.id)[1:]:
        assert client.post(url, data={"csrf_token": token, **valid}).status_code == 404, url
    assert count(app, ItchEntry) == count(app, SideEffectReport) == count(app, PoemResponse) == 0


def test_a_report_or_score_under_another_person_of_the_same_account_is_not_found(client, make_account, sign_in, post):
    account = make_account(people=(("Me", "Europe/London"), ("Sam", "Europe/London")))
    sign_in(account)
    me, child = account.people
    report = post(f"/people/{me.id}/side-effects", {"red_flags": ["breathing"]}).location
    score = post(f"/people/{me.id}/poem", poem_answers(1, 1, 1, 1, 1, 1, 1)).location
    for owned in (report, score):
        assert client.get(owned).status_code == 200
        assert client.get(owned.replace(f"/people/{me.id}/", f"/people/{child.id}/")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, make_account):
    person = make_account().people[0]
    for url in other_persons_urls(person.id):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location.startswith("/account/login"), response.location


def test_symptoms_pages_are_not_kept_by_the_browser(client, person):
    assert client.get(f"/people/{person.id}/itch").headers["Cache-Control"] == "no-store"
