"""Forms for data rights: the export choice, and the typed confirmations before deleting anything."""

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, ValidationError

from app.web.forms import Form


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _same(typed: str, expected: str) -> bool:
    """Typed text matches when it is the same apart from case, spacing and how accents are encoded."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return norm(typed) == norm(expected)


class ExportForm(Form):
    """Download one person's data, or everyone's in the account."""

    everyone = BooleanField(_l("Include everyone in my account, and my account’s email address and language"))


def _confirm_field(label, missing_message, **render_kw) -> StringField:
    render_kw = {"autocomplete": "off", "spellcheck": "false", **render_kw}
    return StringField(label, filters=[_strip], validators=[DataRequired(message=missing_message)], render_kw=render_kw)


class ConfirmForm(Form):
    """A deletion goes ahead only when the person types the expected text into `confirm`."""

    mismatch_message = _l("That does not match. Check it and try again.")

    def __init__(self, expected: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def validate_confirm(self, field):
        if not _same(field.data or "", self.expected):
            raise ValidationError(self.mismatch_message)


class DeletePersonForm(ConfirmForm):
    confirm = _confirm_field(_l("Type their name to confirm"), _l("Type the name to confirm."))
    mismatch_message = _l("That is not the name shown. Check the spelling and try again.")


class DeleteAccountForm(ConfirmForm):
    confirm = _confirm_field(
        _l("Type your email address to confirm"), _l("Type your email address to confirm."), inputmode="email"
    )
    mismatch_message = _l("That is not your account’s email address. Check it and try again.")
