"""The reminder settings form."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Optional, Regexp

from app.reminders.preferences import MISSED_AFTER_CHOICES, SettingsInput
from app.web.forms import Form

WEEKDAYS = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"), _l("Sunday")]
# \Z, not $: "$" also matches before a final newline, and "22:00\n" is not a time the sweep can read.
HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d\Z", message=_l("Enter a time like 22:00."))
NOT_IN_LIST = _l("Choose one of the times in the list.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class SettingsForm(Form):
    email = BooleanField(_l("Also send reminders by email"))
    missed_after = SelectField(
        _l("If a dose is not recorded, remind me again after"),
        choices=[SelectChoice(str(m), _l("%(num)s minutes", num=m)) for m in MISSED_AFTER_CHOICES],
        validate_choice=False,  # AnyOf says it in our words, the same as the service's refusal
        validators=[InputRequired(NOT_IN_LIST), AnyOf([str(m) for m in MISSED_AFTER_CHOICES], NOT_IN_LIST)],
        # Always has a choice: HTML allows `required` on a select only with an empty first option.
        render_kw={"required": False},
    )
    quiet_start = StringField(_l("Quiet hours start"), filters=[strip], validators=[Optional(), HHMM])
    quiet_end = StringField(_l("Quiet hours end"), filters=[strip], validators=[Optional(), HHMM])
    poem_weekday = SelectField(
        _l("Weekly eczema check (POEM) reminder"),
        choices=[SelectChoice("", _l("Off"))] + [SelectChoice(str(i), day) for i, day in enumerate(WEEKDAYS)],
    )
    review = BooleanField(_l("Remind me of my treatment review date"))

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validate_quiet_end: Optional() stops the chain on an empty field, so that
        # would never see "a start but no end". The message goes next to the field left empty.
        valid = super().validate(extra_validators)
        if bool(self.quiet_start.data) != bool(self.quiet_end.data):
            empty = self.quiet_end if self.quiet_start.data else self.quiet_start
            empty.errors.append(_l("Give both a start and an end for quiet hours, or neither."))
            return False
        return valid

    def settings(self) -> SettingsInput:
        return SettingsInput(
            email=self.email.data, missed_after_minutes=int(self.missed_after.data),
            quiet_start=self.quiet_start.data or None, quiet_end=self.quiet_end.data or None,
            poem_weekday=int(self.poem_weekday.data) if self.poem_weekday.data else None, review=self.review.data,
        )  # fmt: skip

    def fill(self, stored) -> None:
        self.email.data, self.review.data = stored.email, stored.review
        self.missed_after.data = str(stored.missed_after_minutes)
        self.quiet_start.data, self.quiet_end.data = stored.quiet_start or "", stored.quiet_end or ""
        self.poem_weekday.data = "" if stored.poem_weekday is None else str(stored.poem_weekday)
