"""Fixtures shared by the web tests of a signed-in person's pages."""

import pytest


@pytest.fixture
def person(make_account, sign_in):
    """A signed-in account's one person, in London."""
    account = make_account()
    sign_in(account)
    return account.people[0]


@pytest.fixture
def post(client, pages):
    """Post a form the way a browser does: fetch the page first and send its CSRF token back."""

    def send(url, data, **kwargs):
        token = pages.get(url).find("input", attrs={"name": "csrf_token"})["value"]
        return client.post(url, data={"csrf_token": token, **data}, **kwargs)

    return send
