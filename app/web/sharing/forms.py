"""Forms for joining a clinic and leaving it."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.clinics.staff import JOIN_CODE_LENGTH
from app.web.forms import Form


class JoinCodeForm(Form):
    code = StringField(_l("Clinic code"), validators=[
        InputRequired(_l("Enter the code from your clinic's leaflet.")),
        Length(max=20, message=_l("A clinic code has %(num)s letters and numbers.", num=JOIN_CODE_LENGTH)),
    ], render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})  # fmt: skip


class ConsentForm(Form):
    person = RadioField(_l("Whose record to share"), coerce=int,
                        validators=[InputRequired(_l("Choose whose record to share."))])  # fmt: skip
    consent = BooleanField(_l("I agree to share this with the clinic"), validators=[
        DataRequired(_l("Tick the box to agree, or go back if you do not want to share.")),
    ])  # fmt: skip


class LeaveForm(Form):
    """Only the CSRF token: leaving is one button, and can be undone by joining again."""
