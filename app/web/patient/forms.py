"""Forms of the patient's own pages."""

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.dosing.schedule import PlanRuleError, check_rule, default_cutoff_minutes
from app.web.fields import CheckboxListField

BODY_AREAS = [
    SelectChoice("face", _l("Face")),
    SelectChoice("neck", _l("Neck")),
    SelectChoice("hands", _l("Hands")),
    SelectChoice("arms", _l("Arms")),
    SelectChoice("legs", _l("Legs")),
    SelectChoice("trunk", _l("Chest, belly or back")),
    SelectChoice("folds", _l("Skin folds (elbows, knees, neck)")),
    SelectChoice("other", _l("Other")),
]


class TimeText(StringField):
    """A 24-hour local time typed as HH:MM (works on every phone without JavaScript)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.time = None
        if self.data:
            try:
                self.time = dt.time.fromisoformat(self.data.strip())
            except ValueError:
                raise ValueError(_l("Write the time as hours and minutes, like 08:00 or 20:30.")) from None
            if self.time.second or self.time.microsecond:
                raise ValueError(_l("Write the time as hours and minutes, like 08:00 or 20:30."))


class PlanForm(FlaskForm):
    medicine = RadioField(_l("Medicine"), validate_choice=True)
    body_areas = CheckboxListField(_l("Where do you put it?"), choices=BODY_AREAS, validate_choice=True)
    other_area = StringField(_l("Other area"), validators=[Optional(), Length(max=80)])
    doses = RadioField(
        _l("How often?"),
        choices=[SelectChoice("2", _l("Twice a day")), SelectChoice("1", _l("Once a day"))],
        default="2",
        validators=[InputRequired(_l("Choose once or twice a day."))],
    )
    first_time = TimeText(_l("First dose time"), default="08:00", validators=[InputRequired(_l("Enter a time."))])
    second_time = TimeText(_l("Second dose time (twice a day only)"), default="20:00")
    start_date = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the date you start."))])
    review_date = DateField(_l("Review date (optional)"), validators=[Optional()])

    def times(self) -> list[dt.time]:
        times = [self.first_time.time]
        if self.doses.data == "2":
            times.append(self.second_time.time)
        return times

    def validate_second_time(self, field):
        if self.doses.data == "2" and not field.data:
            raise ValidationError(_l("Enter the time of your second dose."))

    def validate_review_date(self, field):
        if field.data and self.start_date.data and field.data <= self.start_date.data:
            raise ValidationError(_l("The review date must be after the start date."))

    def validate_doses(self, field):
        times = self.times() if self.first_time.time and (field.data == "1" or self.second_time.time) else None
        if times:
            try:
                check_rule(times, 120, default_cutoff_minutes(times))
            except PlanRuleError:
                raise ValidationError(_l("Your two doses must be at least 6 hours apart.")) from None


class StatusForm(FlaskForm):
    status = RadioField(
        _l("Plan status"),
        choices=[SelectChoice("active", _l("Active")), SelectChoice("paused", _l("Paused: my skin is clear")),
                 SelectChoice("stopped", _l("Stopped"))],
    )  # fmt: skip


class ApplyForm(FlaskForm):
    """ "I applied it": now, or earlier (up to 24 hours back) at a local time."""

    when = RadioField(
        _l("When did you apply it?"),
        choices=[SelectChoice("now", _l("Just now")), SelectChoice("today", _l("Earlier today, at")),
                 SelectChoice("yesterday", _l("Yesterday, at"))],
        default="now",
    )  # fmt: skip
    at_time = TimeText(_l("Time (HH:MM)"))

    def validate_at_time(self, field):
        if self.when.data != "now" and not field.time:
            raise ValidationError(_l("Enter the time you applied it, like 07:45."))


class SkipForm(FlaskForm):
    reason = StringField(
        _l("Why are you skipping this dose?"),
        validators=[InputRequired(_l("Tell us why, in a few words.")), Length(max=200)],
    )


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for buttons that change something."""
