"""Forms of the clinician area: the TOTP code, invitations, the plan editor and report reviews."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.clinics.care import CUTOFF_BOUNDS, EARLY_BOUNDS, MIN_GAP_BOUNDS
from app.patients.plans import RuleChange
from app.web.auth.forms import email_field, name_field, new_password_field, password_errors
from app.web.fields import in_plan_years
from app.web.forms import Form

TIME_PATTERN = r"^\s*([01]\d|2[0-3]):[0-5]\d\s*$"


class CodeForm(Form):
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[InputRequired(_l("Enter the 6-digit code.")),
                    Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the 6 digits the app shows now."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )  # fmt: skip


class InviteForm(Form):
    email = email_field()
    is_admin = BooleanField(_l("Can also invite clinicians (clinic admin)"))


class AcceptInviteForm(Form):
    name = name_field(_l("Your name as patients will see it"))
    password = new_password_field(_l("Choose a password"))

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def validate_password(self, field):
        errors = password_errors(field.data, (self.email, self.name.data or ""))
        if errors:
            raise ValidationError(" ".join(str(e) for e in errors))


def time_field(label, required: bool) -> StringField:
    return StringField(label, validators=[
        InputRequired(_l("Enter the first dose time, like 08:00.")) if required else Optional(),
        Regexp(TIME_PATTERN, message=_l("Enter a time like 08:00 or 20:30.")),
    ], render_kw={"inputmode": "numeric", "autocomplete": "off"})  # fmt: skip


def minutes_field(label, bounds: tuple[int, int]) -> IntegerField:
    low, high = bounds
    return IntegerField(label, validators=[
        InputRequired(_l("Enter a number of minutes.")),
        NumberRange(low, high, message=_l("Enter between %(min)s and %(max)s minutes.")),
    ], render_kw={"inputmode": "numeric"})  # fmt: skip


class PlanEditForm(Form):
    first_time = time_field(_l("First dose time"), required=True)
    second_time = time_field(_l("Second dose time (leave empty for once a day)"), required=False)
    early_minutes = minutes_field(_l("A dose counts from this many minutes before its time"), EARLY_BOUNDS)
    cutoff_minutes = minutes_field(
        _l("A missed dose may be applied until this many minutes before the next"), CUTOFF_BOUNDS
    )
    min_gap_minutes = minutes_field(_l("Two doses are never closer than this many minutes"), MIN_GAP_BOUNDS)
    review_date = DateField(_l("Review date"), validators=[InputRequired(_l("Enter the review date.")), in_plan_years])

    def times(self) -> list[dt.time]:
        texts = [self.first_time.data, self.second_time.data]
        return [dt.time.fromisoformat(t.strip()) for t in texts if t and t.strip()]

    def rule_change(self) -> RuleChange:
        return RuleChange(
            self.times(),
            self.early_minutes.data,
            self.cutoff_minutes.data,
            self.min_gap_minutes.data,
            self.review_date.data,
        )


class ReviewForm(Form):
    note = TextAreaField(
        _l("Note (optional)"), validators=[Length(max=2000, message=_l("Use %(max)d characters or fewer."))]
    )


class RemoveForm(Form):
    confirm = BooleanField(_l("Yes, stop this clinic's access to this patient's record"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])  # fmt: skip
