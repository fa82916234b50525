"""Forms of the account pages: sign up, log in, password reset, people, settings and the language switch."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from app.accounts import DEFAULT_TIMEZONE, MAX_PASSWORD_LENGTH, check_password, timezone_names
from app.formatting import has_control_characters
from app.web.forms import Form
from app.web.i18n import native_name


def N_(message: str) -> str:
    """Marks a string for the catalog (pybabel knows N_); it is translated where it is shown."""
    return message


# zxcvbn's hints are English only. The same sentences are in our catalog, so the reader sees them
# in their language; a hint not listed here is left out rather than shown in English.
ZXCVBN_HINTS = frozenset(
    {
        N_("Use a few words, avoid common phrases."),
        N_("No need for symbols, digits, or uppercase letters."),
        N_("Add another word or two. Uncommon words are better."),
        N_("Straight rows of keys are easy to guess."),
        N_("Short keyboard patterns are easy to guess."),
        N_("Use a longer keyboard pattern with more turns."),
        N_('Repeats like "aaa" are easy to guess.'),
        N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
        N_("Avoid repeated words and characters."),
        N_('Sequences like "abc" or "6543" are easy to guess.'),
        N_("Avoid sequences."),
        N_("Recent years are easy to guess."),
        N_("Avoid recent years."),
        N_("Avoid years that are associated with you."),
        N_("Dates are often easy to guess."),
        N_("Avoid dates and years that are associated with you."),
        N_("This is a top-10 common password."),
        N_("This is a top-100 common password."),
        N_("This is a very common password."),
        N_("This is similar to a commonly used password."),
        N_("A word by itself is easy to guess."),
        N_("Names and surnames by themselves are easy to guess."),
        N_("Common names and surnames are easy to guess."),
        N_("Capitalization doesn't help very much."),
        N_("All-uppercase is almost as easy to guess as all-lowercase."),
        N_("Reversed words aren't much harder to guess."),
        N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
    }
)

EMAIL_PATTERN = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(autocomplete: str = "email") -> EmailField:
    return EmailField(
        _l("Email address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Use %(max)d characters or fewer.")),
            Regexp(EMAIL_PATTERN, message=_l("Enter an email address like name@example.com.")),
        ],
        render_kw={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "none"},
    )


def one_line_only(_form, field) -> None:
    """A name is printed in calendar names, mail subjects and file headers: one line, no control characters."""
    if field.data and has_control_characters(field.data):
        raise ValidationError(_l("Write the name on one line, without line breaks or tabs."))


def name_field(label) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter a name or a nickname.")),
            Length(max=80, message=_l("Use %(max)d characters or fewer.")),
            one_line_only,
        ],
        render_kw={"autocomplete": "off"},
    )


def timezone_field() -> SelectField:
    return SelectField(
        _l("Time zone"),
        choices=lambda: [SelectChoice(tz, tz.replace("_", " ")) for tz in timezone_names()],
        default=DEFAULT_TIMEZONE,
        validate_choice=False,
    )


def new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Enter a password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Use %(max)d characters or fewer.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def password_errors(password: str, user_inputs) -> list:
    """Our own sentence first, then zxcvbn's most useful hint in the reader's language."""
    check = check_password(password, user_inputs)
    if check.ok:
        return []
    if check.too_short:
        return [_l("Use at least 10 characters. A few unrelated words make a long password that is easy to remember.")]
    errors = [_l("This password is too easy to guess. Try three or four unrelated words.")]
    hints = [_(hint) for hint in (check.warning, *check.suggestions) if hint in ZXCVBN_HINTS]
    return errors + hints[:1]


class TimezoneMixin:
    """A time zone select, and a hidden field that static/js/timezone.js fills with the device's zone."""

    def validate_timezone(self, field):
        if field.data not in timezone_names():
            raise ValidationError(_l("Choose a time zone from the list."))


class LocaleMixin:
    def validate_locale(self, field):
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_l("Choose a language from the list."))


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, native_name(code)) for code in current_app.config["LANGUAGES"]]


class SignUpForm(TimezoneMixin, LocaleMixin, Form):
    email = email_field()
    password = new_password_field(_l("Choose a password"))
    name = name_field(_l("Your name or a nickname"))
    timezone = timezone_field()
    detected_timezone = HiddenField()
    locale = SelectField(_l("Language"), choices=language_choices, validate_choice=False)

    def validate_password(self, field):
        errors = password_errors(field.data, (self.email.data or "", self.name.data or ""))
        if errors:
            raise ValidationError(" ".join(str(e) for e in errors))


class LoginForm(Form):
    email = email_field(autocomplete="username")
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Use %(max)d characters or fewer.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(Form):
    email = email_field()


class NewPasswordForm(Form):
    password = new_password_field(_l("New password"))

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def validate_password(self, field):
        errors = password_errors(field.data, (self.email,))
        if errors:
            raise ValidationError(" ".join(str(e) for e in errors))


class PersonForm(TimezoneMixin, Form):
    name = name_field(_l("Name or nickname"))
    timezone = timezone_field()
    detected_timezone = HiddenField()


class SettingsForm(LocaleMixin, Form):
    locale = SelectField(_l("Language"), choices=language_choices, validate_choice=False)


class LanguageForm(LocaleMixin, Form):
    """The language switch of signed-in pages: the button pressed names the language; `next` is the page."""

    locale = StringField()
    next = HiddenField()
