"""Form fields shared by several areas."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError

from app.patients.plans import FIRST_PLAN_DATE, LAST_PLAN_DATE


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def in_plan_years(_form, field) -> None:
    """A plan's date (start, review, tube opened) must lie in the years a plan can have."""
    if field.data and not FIRST_PLAN_DATE <= field.data <= LAST_PLAN_DATE:
        raise ValidationError(
            _l("Enter a date between %(first)d and %(last)d.", first=FIRST_PLAN_DATE.year, last=LAST_PLAN_DATE.year)
        )
