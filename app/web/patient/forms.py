"""Forms of the patient's own pages."""

import datetime as dt
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.dosing.clock import zone_abbreviation
from app.dosing.schedule import PATIENT_SPACING_MINUTES, PlanRuleError, check_rule, default_cutoff_minutes, gaps_minutes
from app.measures.ftu import TUBE_SIZES
from app.web.fields import CheckboxListField, in_plan_years
from app.web.forms import Form
from app.web.patient.messages import clock
from app.web.request_keys import RecordingForm

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
OCCURRENCES = ("first", "second")  # of a local time that happened twice: before, after the clocks went back


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


class PlanForm(Form):
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
    start_date = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the date you start.")), in_plan_years])
    review_date = DateField(_l("Review date (optional)"), validators=[Optional(), in_plan_years])
    tube_grams = RadioField(
        _l("Size of the tube you use now (optional)"),
        choices=[SelectChoice("", _l("Not set"))] + [SelectChoice(str(g), f"{g} g") for g in TUBE_SIZES],
        default="",
    )
    tube_opened = DateField(_l("Date you opened it (optional)"), validators=[Optional(), in_plan_years])
    local_today: dt.date | None = None  # the person's today, set by the view: a tube is not opened in the future

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

    def validate_tube_opened(self, field):
        if field.data and not self.tube_grams.data:
            raise ValidationError(_l("Choose the size of the tube too."))
        if field.data and self.local_today and field.data > self.local_today:
            raise ValidationError(_l("The date you opened the tube cannot be in the future."))

    def tube(self) -> tuple[int | None, dt.date | None]:
        """The tube's size in grams and the day it was opened (None: left to the plan's default)."""
        grams = int(self.tube_grams.data) if self.tube_grams.data else None
        return grams, self.tube_opened.data if grams else None

    def validate_doses(self, field):
        times = self.times() if self.first_time.time and (field.data == "1" or self.second_time.time) else None
        if times:
            try:
                check_rule(times, 120, default_cutoff_minutes(times))
            except PlanRuleError:
                raise ValidationError(_l("Your two doses must be at least 8 hours apart.")) from None
            if min(gaps_minutes(times)) < PATIENT_SPACING_MINUTES:
                raise ValidationError(_l("Your two doses must be at least 8 hours apart."))


class StatusForm(Form):
    status = RadioField(
        _l("Plan status"),
        choices=[SelectChoice("active", _l("Active")), SelectChoice("paused", _l("Paused: my skin is clear")),
                 SelectChoice("stopped", _l("Stopped"))],
    )  # fmt: skip


class ApplyForm(RecordingForm):
    """ "I applied it": now, or earlier (up to 24 hours back) at a local time; from a tap kept offline, both
    counted from the tap's instant."""

    when = RadioField(
        _l("When did you apply it?"),
        choices=[SelectChoice("now", _l("Just now")), SelectChoice("today", _l("Earlier today, at")),
                 SelectChoice("yesterday", _l("Yesterday, at"))],
        default="now",
    )  # fmt: skip
    at_time = TimeText(_l("Time (HH:MM)"))
    # Offered only when the time happened twice (the clocks went back): offer_occurrences labels it.
    occurrence = RadioField(
        _l("Which time was it?"),
        choices=[SelectChoice(value, value) for value in OCCURRENCES],
        validate_choice=False,
    )
    occurrence_offered = False

    def validate_at_time(self, field):
        if self.when.data != "now" and not field.time:
            raise ValidationError(_l("Enter the time you applied it, like 07:45."))

    def pick_instant(self, instants: list[dt.datetime], timezone: str) -> dt.datetime | None:
        """The instant the reported local time names, or None with the reason put on the form.

        `instants` are all the instants the time named that day (app.dosing.clock.local_instants):
        none is an error on the time (the clocks went forward); two (the clocks went back) need the
        occurrence chosen, and offer both, each with its clock and zone.
        """
        if len(instants) == 1:
            return instants[0]
        if not instants:
            self.at_time.errors.append(_l("The clocks went forward at that time, so it did not exist. "
                                          "Enter the time a clock showed when you applied it."))  # fmt: skip
            return None
        self.offer_occurrences(instants, timezone)
        if self.occurrence.data in OCCURRENCES:
            return instants[OCCURRENCES.index(self.occurrence.data)]
        self.occurrence.errors.append(_l("The clocks went back that night, so this time happened twice. "
                                         "Choose which one it was."))  # fmt: skip
        return None

    def offer_occurrences(self, instants: list[dt.datetime], timezone: str) -> None:
        """Show the occurrence choice, labelled like "1:20 AM BST (the first time)"."""
        first, second = (
            {"time": clock(i, timezone), "zone": zone_abbreviation(i, ZoneInfo(timezone))} for i in instants
        )
        self.occurrence.choices = [
            SelectChoice("first", _("%(time)s %(zone)s (the first time)", **first)),
            SelectChoice("second", _("%(time)s %(zone)s (the second time, after the clocks went back)", **second)),
        ]
        self.occurrence_offered = True


class SkipForm(RecordingForm):
    reason = StringField(
        _l("Why are you skipping this dose?"),
        validators=[InputRequired(_l("Tell us why, in a few words.")), Length(max=200)],
    )


class EmptyForm(Form):
    """A form with only a CSRF token, for buttons that change something."""
