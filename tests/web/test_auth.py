"""Sign up, sign in and out, remember me, rate limits, password reset by email, settings and CSRF."""

import ast
import datetime as dt
import inspect
import re
from urllib.parse import urlsplit

import pytest
import zxcvbn.feedback
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy import select

from app import accounts
from app.extensions import db
from app.models import Account, LoginSession
from app.models.accounts import hash_token
from app.web.auth.forms import ZXCVBN_HINTS
from app.web.auth.routes import safe_next
from tests.conftest import PageClient, check_page
from tests.smtp import free_port

STRONG = "correct horse battery staple"
GENERIC = "Email or password is wrong, or too many attempts. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id still, with the smallest cost, so dozens of sign-ins take milliseconds."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def submit(pages, url, data, status=302, **kwargs):
    """Fetch the form page (checked), post `data` with its CSRF token; the answer page is checked too."""
    token = pages.get(url, **kwargs).find("input", attrs={"name": "csrf_token"})["value"]
    response = pages.client.post(url, data={"csrf_token": token, **data}, **kwargs)
    assert response.status_code == status, f"{url}: {response.status_code}"
    if response.mimetype == "text/html" and status != 302:
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        check_page(soup, url)
        response.soup = soup
    return response


def sign_up(pages, email="pat@example.org", password=STRONG, status=302, **fields):
    data = {"email": email, "password": password, "name": "Pat", "timezone": "Europe/Paris", "locale": "en"}
    return submit(pages, "/account/signup", {**data, **fields}, status=status)


def log_in(pages, email="pat@example.org", password=STRONG, status=302, ip="203.0.113.5", **fields):
    data = {"email": email, "password": password, **fields}
    return submit(pages, "/account/login", data, status=status, environ_base={"REMOTE_ADDR": ip})


def log_out(client):
    """Press the sign-out button in the page header."""
    page = BeautifulSoup(client.get("/account/people").get_data(as_text=True), "html.parser")
    token = page.select_one("form[action='/account/logout'] input[name=csrf_token]")["value"]
    return client.post("/account/logout", data={"csrf_token": token})


def errors(response) -> str:
    return " ".join(p.get_text(" ", strip=True) for p in response.soup.select(".error-summary li, .error-message"))


def signed_in(client) -> bool:
    return client.get("/account/people").status_code == 200


@pytest.fixture
def account(make_account):
    """pat@example.org, whose password is STRONG, with one person."""
    return make_account(password_hash=accounts.hasher.hash(STRONG))


# --- sign up ----------------------------------------------------------------------------------


def test_sign_up_page_offers_every_time_zone_with_london_until_the_script_finds_the_devices(pages):
    soup = pages.get("/account/signup")
    options = [o["value"] for o in soup.select("#timezone option")]
    assert options == sorted(options) and len(options) > 400
    assert soup.select_one("#timezone option[selected]")["value"] == "Europe/London"
    hidden = soup.select_one("input[type=hidden][data-timezone-for=timezone]")
    assert hidden["name"] == "detected_timezone" and hidden["data-keep-choice"] == "false"
    assert soup.find("script", src=re.compile(r"^/static/js/timezone\.js\?v=[0-9a-f]{12}$"))
    assert soup.select_one("label[for=name]").get_text(strip=True) == "Your name or a nickname"


def test_sign_up_language_defaults_to_the_pages_language(pages):
    soup = pages.get("/account/signup", headers={"Accept-Language": "fr"})
    assert soup.html["lang"] == "fr"
    assert soup.select_one("#locale option[selected]")["value"] == "fr"


def test_a_weak_password_is_refused_with_our_sentence_first_then_a_hint(pages):
    response = sign_up(pages, password="password1234", status=400)
    message = response.soup.select_one("#password-error").get_text(" ", strip=True)
    assert message.startswith("This password is too easy to guess. Try three or four unrelated words.")
    assert "common password" in message
    assert response.soup.title.get_text().startswith("Error:")
    assert not signed_in(pages.client)


def test_a_short_password_is_refused_with_the_length_rule(pages):
    response = sign_up(pages, password="x7#Qz!p2R", status=400)
    assert "Use at least 10 characters." in errors(response)


def test_every_hint_zxcvbn_can_give_is_in_our_catalog():
    """zxcvbn speaks English only; a hint it gains in an upgrade must be added for translation."""
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    hints = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(hints) > 20
    assert hints == ZXCVBN_HINTS


def test_every_field_is_checked_with_a_message(pages):
    response = sign_up(pages, email="not-an-email", password="", name="", timezone="Mars/Base", locale="xx", status=400)
    assert "Enter an email address like name@example.com." in errors(response)
    assert "Enter a password." in errors(response)
    assert "Enter a name or a nickname." in errors(response)
    assert "Choose a time zone from the list." in errors(response)
    assert "Choose a language from the list." in errors(response)
    assert response.soup.select_one("input[data-timezone-for]")["data-keep-choice"] == "true"


def test_an_email_already_in_use_is_refused_with_a_way_to_sign_in(pages, account):
    response = sign_up(pages, email=" PAT@Example.org ", status=400)
    assert "An account with this email address already exists. Sign in instead." in errors(response)


def test_signing_up_signs_in_and_creates_the_first_person(app, pages):
    response = sign_up(pages, email="New@Example.org", name="Pat", timezone="Europe/Paris", locale="es")
    with app.app_context():
        account = db.session.scalar(select(Account))
        assert (account.email, account.locale) == ("new@example.org", "es")
        assert [(p.name, p.timezone) for p in account.people] == [("Pat", "Europe/Paris")]
        person_id = account.people[0].id
    assert response.location == f"/people/{person_id}/today"
    assert signed_in(pages.client)


# --- sign in and out --------------------------------------------------------------------------


def test_signing_in_goes_to_the_first_persons_today_page(pages, account):
    response = log_in(pages, email="PAT@example.org ")
    assert response.location == f"/people/{account.people[0].id}/today"
    assert pages.get("/account/people").select_one("h1").get_text(strip=True) == "People in your account"


def test_a_wrong_password_and_an_unknown_email_get_the_same_generic_message(pages, account):
    wrong = log_in(pages, password="not the password", status=400)
    unknown = log_in(pages, email="nobody@example.org", status=400)
    assert errors(wrong) == errors(unknown) == GENERIC
    assert not signed_in(pages.client)


def test_five_failures_for_one_email_block_the_right_password_with_the_same_message(pages, account):
    for n in range(5):
        log_in(pages, password="not the password", ip=f"198.51.100.{n}", status=400)
    blocked = log_in(pages, ip="203.0.113.77", status=400)
    assert errors(blocked) == GENERIC
    assert not signed_in(pages.client)


def test_twenty_failures_from_one_address_block_it_but_not_other_addresses(pages, account):
    for n in range(20):
        log_in(pages, email=f"guess{n}@example.org", password="not the password", ip="203.0.113.66", status=400)
    assert errors(log_in(pages, ip="203.0.113.66", status=400)) == GENERIC
    assert log_in(pages, ip="203.0.113.67").status_code == 302


def test_a_successful_sign_in_clears_the_emails_failures(pages, account):
    for _ in range(4):
        log_in(pages, password="not the password", status=400)
    log_in(pages)
    log_out(pages.client)
    for _ in range(4):
        log_in(pages, password="not the password", status=400)
    assert log_in(pages).status_code == 302


def csrf_token(pages, url="/account/people") -> str:
    return pages.get(url).find("input", attrs={"name": "csrf_token"})["value"]


def session_token(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def test_every_sign_in_starts_a_new_session_and_drops_a_planted_one(pages, client, account):
    with client.session_transaction() as session:
        session["_user_id"] = "planted-by-someone-else"
    log_in(pages)
    first = session_token(client)
    log_out(client)
    log_in(pages)
    assert len({"planted-by-someone-else", first, session_token(client)}) == 3


def test_signing_in_again_from_a_second_tab_ends_the_session_it_replaces(app, pages, client, account):
    log_in(pages)
    first = session_token(client)
    data = {"csrf_token": csrf_token(pages), "email": "pat@example.org", "password": STRONG}
    assert client.post("/account/login", data=data).status_code == 302
    second = session_token(client)
    with app.app_context():
        ended = {s.token_hash: s.ended_at is not None for s in db.session.scalars(select(LoginSession))}
    assert ended == {hash_token(first): True, hash_token(second): False}


def test_signing_out_ends_the_session_so_a_copy_of_the_old_cookie_no_longer_works(app, pages, client, account):
    log_in(pages)
    old_cookie = client.get_cookie("session").value
    assert log_out(client).status_code == 302
    assert not signed_in(client)
    client.set_cookie("session", old_cookie)
    response = client.get("/account/people")
    assert response.status_code == 302 and response.location.startswith("/account/login")
    with app.app_context():
        assert db.session.scalar(select(LoginSession)).ended_at is not None


def test_remember_me_keeps_you_signed_in_until_you_sign_out(app, pages, client, account):
    log_in(pages, remember="y")
    remember = client.get_cookie("remember_token").value

    def only_the_remember_cookie():
        fresh = app.test_client()
        fresh.set_cookie("remember_token", remember)
        return fresh

    assert signed_in(only_the_remember_cookie()), "the remember cookie alone signs in"
    log_out(client)
    assert client.get_cookie("remember_token") is None
    assert not signed_in(only_the_remember_cookie()), "its session ended with the sign-out"


def test_without_remember_me_no_remember_cookie_is_set(pages, client, account):
    log_in(pages)
    assert client.get_cookie("remember_token") is None


def test_sign_out_is_a_post(client, sign_in, account):
    sign_in(account)
    assert client.get("/account/logout").status_code == 405
    assert signed_in(client)


def test_a_post_without_its_csrf_token_is_refused(app, client, sign_in, account):
    assert app.config.get("WTF_CSRF_ENABLED", True), "the suite runs with CSRF protection on"
    assert client.post("/account/login", data={"email": "pat@example.org", "password": STRONG}).status_code == 400
    sign_in(account)
    assert client.post("/account/logout").status_code == 400
    assert client.post("/account/settings", data={"locale": "fr"}).status_code == 400
    assert signed_in(client)


def test_a_signed_in_person_visiting_sign_in_goes_to_their_page(client, sign_in, account):
    sign_in(account)
    assert client.get("/account/login").location == f"/people/{account.people[0].id}/today"


def test_a_page_that_needs_sign_in_sends_you_back_after_it(pages, account):
    response = pages.client.get("/account/settings")
    assert response.location == "/account/login?next=%2Faccount%2Fsettings"
    response = submit(pages, response.location, {"email": "pat@example.org", "password": STRONG})
    assert response.location == "/account/settings"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "/\tevil", "x"])
def test_next_never_leads_off_the_site(pages, account, target):
    token = pages.get("/account/login").find("input", attrs={"name": "csrf_token"})["value"]
    data = {"csrf_token": token, "email": "pat@example.org", "password": STRONG}
    response = pages.client.post("/account/login", query_string={"next": target}, data=data)
    assert response.location == f"/people/{account.people[0].id}/today"


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/people/1/plan?x=1", "/people/1/plan?x=1"), ("/account/people", "/account/people"), ("http://a/b", None),
     ("//a/b", None), ("/\\a", None), ("", None), (None, None), ("javascript:alert(1)", None), ("/%0d%0aX", "/%0d%0aX")],
)  # fmt: skip
def test_safe_next_keeps_only_paths_on_this_site(target, safe):
    assert safe_next(target) == safe


def test_account_pages_are_never_cached(pages):
    response = pages.client.get("/account/login")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --- password reset by email ------------------------------------------------------------------


def reset_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return urlsplit(re.search(r"https?://\S+/account/reset/\S+", text)[0]).path


def ask_for_reset(pages, address="pat@example.org"):
    response = submit(pages, "/account/reset", {"email": address})
    assert response.location == "/account/reset/sent"
    return pages.get(response.location)


def test_asking_for_a_reset_mails_a_link_in_both_text_and_html(pages, inbox, account):
    ask_for_reset(pages, " PAT@example.org")
    [message] = inbox.messages
    assert message["To"] == "pat@example.org"
    assert message["From"] == "Thinlayer <no-reply@thinlayer.invalid>"
    assert message["Subject"] == "Reset your Thinlayer password"
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
    assert urlsplit(html.find("a")["href"]).path == reset_path(message)
    assert reset_path(message).startswith("/account/reset/")


def test_the_reset_email_is_in_the_accounts_language(app, pages, inbox, account):
    with app.app_context():
        accounts.set_locale(db.session.get(Account, account.id), "es")
    ask_for_reset(pages)
    [message] = inbox.messages
    assert message["Content-Language"] == "es"
    assert BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser").html["lang"] == "es"


def test_the_reset_page_answers_the_same_for_an_unknown_email_and_sends_nothing(pages, inbox, account):
    known = ask_for_reset(pages, "pat@example.org").select_one("main").get_text()
    unknown = ask_for_reset(pages, "nobody@example.org").select_one("main").get_text()
    assert known == unknown
    assert "If an account exists for that address, we sent it a link" in known
    assert len(inbox.messages) == 1


def test_a_reset_link_works_once_and_ends_every_session(app, pages, inbox, account):
    other_device = app.test_client()
    log_in(PageClient(other_device))
    ask_for_reset(pages)
    link = reset_path(inbox.messages[0])
    assert pages.get(link).select_one("h1").get_text(strip=True) == "Choose a new password"
    response = submit(pages, link, {"password": "a brand new passphrase for pat"})
    assert response.location == "/account/login"
    assert "Your password has changed" in pages.get("/account/login").get_text()
    assert not signed_in(other_device), "the reset ended the session on the other device"
    assert log_in(pages, password="a brand new passphrase for pat").status_code == 302
    log_out(pages.client)
    assert errors(log_in(pages, status=400)) == GENERIC, "the old password no longer works"
    used = pages.get(link, status=404)
    assert used.select_one("h1").get_text(strip=True) == "This link does not work"


def test_a_weak_new_password_is_refused_and_the_link_still_works(pages, inbox, account):
    ask_for_reset(pages)
    link = reset_path(inbox.messages[0])
    assert "too easy to guess" in errors(submit(pages, link, {"password": "password1234"}, status=400))
    assert submit(pages, link, {"password": "a brand new passphrase for pat"}).status_code == 302


def test_a_reset_link_has_expired_after_an_hour(pages, inbox, account, monkeypatch):
    ask_for_reset(pages)
    link = reset_path(inbox.messages[0])
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)
    monkeypatch.setattr("app.web.auth.routes.utcnow", lambda: later)
    assert pages.get(link, status=404).select_one("h1").get_text(strip=True) == "This link does not work"
    data = {"csrf_token": csrf_token(pages, "/account/reset"), "password": "a brand new passphrase for pat"}
    assert pages.client.post(link, data=data).status_code == 404


def test_a_made_up_reset_link_does_not_work(pages):
    pages.get("/account/reset/not-a-real-token", status=404)


def test_when_mail_cannot_be_sent_the_page_still_answers_the_same(app, pages, account):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    assert "If an account exists" in ask_for_reset(pages).get_text()


# --- settings ---------------------------------------------------------------------------------


def test_after_choosing_a_language_the_pages_are_in_it(pages, client, sign_in, account):
    sign_in(account)
    assert pages.get("/account/settings").select_one("#locale option[selected]")["value"] == "en"
    assert submit(pages, "/account/settings", {"locale": "es"}).location == "/account/settings"
    soup = pages.get("/account/settings")
    assert soup.html["lang"] == "es"
    assert soup.select_one(".help-link").get_text(strip=True) == "Pida ayuda ahora"
    assert soup.select_one("#locale option[selected]")["value"] == "es"


def test_a_language_that_is_not_offered_is_refused(pages, sign_in, account):
    sign_in(account)
    response = submit(pages, "/account/settings", {"locale": "de"}, status=400)
    assert "Choose a language from the list." in errors(response)
