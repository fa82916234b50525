"""Forms that record something: a request key against resends, the instant of an offline tap, and the answer
as a page (flash and redirect) or, for the phone's offline queue, as JSON.

Every recording form renders a fresh random `request_key`; the record stores it, so the same form sent twice
(a reload, a lost answer, two tabs, the queue trying again) is stored once and answered as the first time.
The offline queue adds `tapped_at`, the instant of the tap, and the services judge the report at it.
"""

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from app.models.doses import REQUEST_KEY_LENGTH
from app.web.forms import Form

KEY_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{1,{REQUEST_KEY_LENGTH}}}")
# A phone's clock may run a little ahead of ours: a tap up to this far in the future is taken as made now.
CLOCK_SKEW = dt.timedelta(minutes=5)
HIDDEN_FIELDS = ("request_key", "tapped_at")


def new_key() -> str:
    return uuid.uuid4().hex


def fresh_key_input(field: Field, **_kwargs) -> Markup:
    """A hidden input with a new key each time it is rendered, so two forms on a page never share one.

    Written out in this order on purpose: the service worker gives a saved page's forms new keys by
    matching `name="request_key" value="..."`. No id: a page may hold several of these.
    """
    return Markup(f'<input type="hidden" name="{field.name}" value="{new_key()}">')


class RequestKeyField(StringField):
    """The request's key: None when the form was sent without one (no resend check then)."""

    widget = staticmethod(fresh_key_input)

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else None

    def pre_validate(self, form):
        if self.data is not None and not KEY_SHAPE.fullmatch(self.data):
            raise ValidationError(_l("This form could not be read. Reload the page and try again."))


class TappedAtField(StringField):
    """The ISO 8601 instant of an offline tap, with its offset ("2026-12-07T21:30:05.123Z"), as a UTC
    datetime; None when the form was sent at once."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                instant = dt.datetime.fromisoformat(valuelist[0])
            except ValueError:
                raise ValueError(_l("The time of this tap could not be read, so it was not saved.")) from None
            if instant.tzinfo is None:
                raise ValueError(_l("The time of this tap could not be read, so it was not saved."))
            self.data = instant.astimezone(dt.UTC)


class RecordingForm(Form):
    """A form that records something; `now` (the view's clock) judges the tap's instant."""

    request_key = RequestKeyField()
    tapped_at = TappedAtField()

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def validate_tapped_at(self, field):
        if field.data is not None and self.now is not None and field.data > self.now + CLOCK_SKEW:
            raise ValidationError(
                _l("This tap is dated in the future, so it was not saved. Check the date and time on your phone.")
            )

    def tapped_instant(self) -> dt.datetime | None:
        """When the person tapped (a few minutes ahead is taken as now), or None for a form sent at once."""
        return None if self.tapped_at.data is None else min(self.tapped_at.data, self.now)


@dataclass(frozen=True)
class Answer:
    """What a recording request gets back: the flash message and its category; `stored` is False for a repeat
    or a refusal; a refusal has status 409, or 400 with `errors` by field."""

    message: str
    category: str
    stored: bool = True
    status: int = 200
    errors: dict[str, list[str]] | None = None


def repeat(message: str, category: str) -> Answer:
    """A request whose key was stored before: nothing new, the same words."""
    return Answer(message, category, stored=False)


def refusal(message: str, tap_too_old: bool = False) -> Answer:
    """Nothing stored: a tap too old to take is a 400 on tapped_at; any other refusal is a 409."""
    if tap_too_old:
        return Answer(message, "error", stored=False, status=400, errors={"tapped_at": [message]})
    return Answer(message, "error", stored=False, status=409)


def wants_json() -> bool:
    """True for the offline queue, which asks for JSON."""
    return request.accept_mimetypes.best == "application/json"


def answer(reply: Answer, done_url: str):
    """JSON for the queue, else the message flashed on the page at `done_url`."""
    if wants_json():
        if reply.status == 200:
            return {"stored": reply.stored, "message": reply.message, "category": reply.category}
        body = {"message": reply.message}
        return (body | {"errors": reply.errors} if reply.status == 400 else body), reply.status
    flash(reply.message, reply.category)
    return redirect(done_url)


def refused(form: Form, page: Callable[[], tuple]):
    """400 for a form that did not validate: JSON for the queue, else the page again (`page`), with the
    errors of the hidden fields, which no field shows, as a message at the top."""
    errors = {name or "form": [str(m) for m in messages] for name, messages in form.errors.items()}
    if wants_json():
        return {"message": next(iter(errors.values()))[0], "errors": errors}, 400
    for name in HIDDEN_FIELDS:
        for message in errors.get(name, []):
            flash(message, "error")
    return page()
