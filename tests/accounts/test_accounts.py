"""Accounts as services: sign up, sign in with its limits, password reset, people, preferences."""

import datetime as dt
import hashlib

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app import accounts
from app.extensions import db
from app.models import Account, DoseSlot, LoginFailure, LoginSession, PasswordReset, Person
from tests.accounts.conftest import NOW, STRONG

pytestmark = pytest.mark.usefixtures("ctx")
MINUTE = dt.timedelta(minutes=1)


def new_account(email="pat@example.org", password=STRONG, name="Pat", timezone="Europe/London", locale="en"):
    return accounts.create_account(email, password, name, timezone, locale, NOW)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- sign up ----------------------------------------------------------------------------------


def test_sign_up_stores_a_normalised_email_an_argon2id_hash_and_the_first_person():
    account = new_account(email="  Pat@Example.ORG ", name=" Pat ", timezone="Europe/Madrid", locale="es")
    assert account.email == "pat@example.org"
    assert account.password_hash.startswith("$argon2id$")
    assert STRONG not in account.password_hash
    assert account.locale == "es"
    assert [(p.name, p.timezone) for p in account.people] == [("Pat", "Europe/Madrid")]


@pytest.mark.parametrize("password", ["Tr0ub4dor", "password1234", "qwertyuiop123", "aaaaaaaaaaaa"])
def test_a_short_or_guessable_password_is_refused_and_nothing_is_stored(password):
    with pytest.raises(accounts.WeakPassword) as refused:
        new_account(password=password)
    assert not refused.value.check.ok
    assert count(Account) == 0 and count(Person) == 0


def test_a_password_is_too_short_under_ten_characters_however_random():
    assert accounts.check_password("x7#Qz!p2R").too_short
    assert not accounts.check_password("x7#Qz!p2R").ok
    assert accounts.check_password("x7#Qz!p2Rw").ok


def test_the_persons_own_email_counts_as_easy_to_guess():
    password = "patterson.zebulon@example.org"
    assert accounts.check_password(password).ok
    assert not accounts.check_password(password, (password, "Zebulon Patterson")).ok


def test_weak_password_check_carries_zxcvbns_hints():
    check = accounts.check_password("password1234")
    assert check.warning or check.suggestions


def test_an_email_already_in_use_is_refused_whatever_its_case():
    new_account(email="pat@example.org")
    with pytest.raises(accounts.EmailTaken):
        new_account(email="PAT@example.org ")
    assert count(Account) == 1


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(accounts.UnknownTimezone):
        new_account(timezone="Mars/Olympus_Mons")
    assert count(Account) == 0


def test_time_zones_are_every_iana_zone_sorted_without_the_ones_that_are_not_places():
    names = accounts.timezone_names()
    assert list(names) == sorted(names)
    assert {"Europe/London", "America/New_York", "Pacific/Auckland", "UTC"} <= set(names)
    assert "localtime" not in names and "Factory" not in names


# --- sign in and its limits -------------------------------------------------------------------


def test_the_right_password_signs_in_whatever_the_emails_case():
    account = new_account()
    assert accounts.authenticate(" PAT@example.org", STRONG, "203.0.113.5", NOW).id == account.id


def test_a_wrong_password_or_unknown_email_gives_nothing_and_is_counted():
    new_account()
    assert accounts.authenticate("pat@example.org", "wrong password here", "203.0.113.5", NOW) is None
    assert accounts.authenticate("nobody@example.org", STRONG, "203.0.113.5", NOW) is None
    keys = db.session.scalars(select(LoginFailure.key)).all()
    assert sorted(keys) == ["email:nobody@example.org", "email:pat@example.org", "ip:203.0.113.5", "ip:203.0.113.5"]


def test_five_failures_for_an_email_block_even_the_right_password_for_fifteen_minutes():
    new_account()
    for minute in range(5):
        accounts.authenticate("pat@example.org", "wrong", f"198.51.100.{minute}", NOW + minute * MINUTE)
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.9", NOW + 5 * MINUTE) is None
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.9", NOW + 16 * MINUTE) is not None


def test_a_blocked_attempt_is_not_counted_so_the_block_does_not_grow():
    new_account()
    for _ in range(5):
        accounts.authenticate("pat@example.org", "wrong", "203.0.113.5", NOW)
    for _ in range(3):
        accounts.authenticate("pat@example.org", "wrong", "203.0.113.5", NOW + 5 * MINUTE)
    assert count(LoginFailure) == 10
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW + 16 * MINUTE) is not None


def test_twenty_failures_from_one_address_block_every_email_from_it_but_not_from_elsewhere():
    new_account()
    for n in range(20):
        accounts.authenticate(f"guess{n}@example.org", "wrong", "203.0.113.5", NOW)
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW + MINUTE) is None
    assert accounts.authenticate("pat@example.org", STRONG, "198.51.100.7", NOW + MINUTE) is not None


def test_ipv6_addresses_in_one_64_block_share_a_limit():
    new_account()
    for n in range(20):
        accounts.authenticate(f"guess{n}@example.org", "wrong", f"2001:db8:1:2::{n + 1:x}", NOW)
    assert accounts.authenticate("pat@example.org", STRONG, "2001:db8:1:2:ffff::1", NOW) is None
    assert accounts.authenticate("pat@example.org", STRONG, "2001:db8:1:3::1", NOW) is not None


def test_signing_in_clears_that_emails_failures():
    new_account()
    for _ in range(4):
        accounts.authenticate("pat@example.org", "wrong", "203.0.113.5", NOW)
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW) is not None
    for _ in range(4):
        accounts.authenticate("pat@example.org", "wrong", "203.0.113.5", NOW)
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW) is not None


def test_old_failures_are_swept_away_when_new_ones_are_recorded():
    accounts.authenticate("a@example.org", "wrong", "203.0.113.5", NOW)
    accounts.authenticate("b@example.org", "wrong", "203.0.113.5", NOW + 20 * MINUTE)
    assert sorted(db.session.scalars(select(LoginFailure.key)).all()) == ["email:b@example.org", "ip:203.0.113.5"]


# --- password reset ---------------------------------------------------------------------------


def test_a_reset_for_an_unknown_email_starts_nothing():
    assert accounts.start_reset("nobody@example.org", NOW) is None
    assert count(PasswordReset) == 0


def test_only_the_sha256_of_a_reset_token_is_stored_and_it_lasts_an_hour():
    new_account()
    link = accounts.start_reset(" PAT@example.org", NOW)
    reset = db.session.scalars(select(PasswordReset)).one()
    assert reset.token_hash == hashlib.sha256(link.token.encode()).hexdigest()
    assert link.token not in reset.token_hash
    assert reset.expires_at == NOW + dt.timedelta(hours=1)


def test_a_reset_link_sets_the_password_once_and_ends_every_session():
    account = new_account()
    for _ in range(2):
        db.session.add(LoginSession(token_hash=f"t{_}", account=account, created_at=NOW))
    db.session.commit()
    link = accounts.start_reset("pat@example.org", NOW)
    new_password = "a brand new passphrase for pat"
    assert accounts.finish_reset(link.token, new_password, NOW + 10 * MINUTE).id == account.id
    assert accounts.authenticate("pat@example.org", new_password, "203.0.113.5", NOW + 11 * MINUTE) is not None
    assert accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW + 11 * MINUTE) is None
    assert all(login.ended_at == NOW + 10 * MINUTE for login in db.session.scalars(select(LoginSession)))
    assert accounts.finish_reset(link.token, "yet another new passphrase", NOW + 12 * MINUTE) is None


def test_a_reset_link_works_until_the_hour_is_up():
    new_account()
    link = accounts.start_reset("pat@example.org", NOW)
    assert accounts.reset_account(link.token, NOW + 59 * MINUTE) is not None
    assert accounts.finish_reset(link.token, "a brand new passphrase for pat", NOW + 61 * MINUTE) is None


def test_a_weak_new_password_is_refused_and_the_link_still_works():
    new_account()
    link = accounts.start_reset("pat@example.org", NOW)
    with pytest.raises(accounts.WeakPassword):
        accounts.finish_reset(link.token, "password", NOW)
    assert accounts.finish_reset(link.token, "a brand new passphrase for pat", NOW) is not None


def test_using_one_reset_link_ends_the_others():
    new_account()
    first = accounts.start_reset("pat@example.org", NOW)
    second = accounts.start_reset("pat@example.org", NOW)
    accounts.finish_reset(second.token, "a brand new passphrase for pat", NOW)
    assert accounts.reset_account(first.token, NOW) is None


def test_at_most_three_reset_links_are_alive_at_once():
    new_account()
    links = [accounts.start_reset("pat@example.org", NOW) for _ in range(4)]
    assert [link is not None for link in links] == [True, True, True, False]
    assert accounts.start_reset("pat@example.org", NOW + 61 * MINUTE) is not None


def test_an_unknown_token_finds_no_account():
    assert accounts.reset_account("made-up", NOW) is None
    assert accounts.finish_reset("made-up", "a brand new passphrase", NOW) is None


# --- people and preferences -------------------------------------------------------------------


def test_an_account_can_hold_a_second_person_with_their_own_time_zone():
    account = new_account()
    child = accounts.add_person(account, " Sam ", "America/New_York", NOW)
    db.session.refresh(account)
    assert [(p.name, p.timezone) for p in account.people] == [("Pat", "Europe/London"), ("Sam", "America/New_York")]
    assert child.account_id == account.id


def test_a_person_in_an_unknown_time_zone_is_not_added():
    account = new_account()
    with pytest.raises(accounts.UnknownTimezone):
        accounts.add_person(account, "Sam", "Nowhere/At_All", NOW)
    assert count(Person) == 1


def test_moving_a_person_to_another_time_zone_moves_their_future_slots():
    from app.patients.plans import PlanInput, create_plan

    account = new_account()
    person = account.people[0]
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()), NOW)
    accounts.update_person(person, "Pat", "America/New_York", NOW)
    slot = db.session.scalars(
        select(DoseSlot).where(DoseSlot.local_date == dt.date(2026, 6, 3), DoseSlot.local_time == "08:00")
    ).one()
    assert slot.scheduled_at == dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)  # 08:00 EDT


def test_renaming_a_person_keeps_their_slots():
    from app.patients.plans import PlanInput, create_plan

    account = new_account()
    person = account.people[0]
    create_plan(person, PlanInput("pimecrolimus", "1%", [dt.time(8), dt.time(20)], NOW.date()), NOW)
    before = set(db.session.scalars(select(DoseSlot.id)))
    accounts.update_person(person, "Patricia", "Europe/London", NOW)
    assert person.name == "Patricia"
    assert set(db.session.scalars(select(DoseSlot.id))) == before


def test_the_language_preference_is_kept_on_the_account():
    account = new_account()
    accounts.set_locale(account, "fr")
    db.session.expire_all()
    assert db.session.get(Account, account.id).locale == "fr"


def test_a_hash_made_with_older_settings_is_upgraded_at_sign_in(monkeypatch):
    account = new_account()
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", stronger)
    accounts.authenticate("pat@example.org", STRONG, "203.0.113.5", NOW)
    assert not stronger.check_needs_rehash(db.session.get(Account, account.id).password_hash)
