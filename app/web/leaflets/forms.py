"""The leaflet options, shared by the builder page and the PDF URL."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, Length, Optional, Regexp, ValidationError

from app.clinics.staff import clinic_by_code
from app.leaflets.pdf import PAPER_SIZES
from app.web.fields import CheckboxListField
from app.web.forms import Form
from app.web.i18n import native_name


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LeafletOptionsForm(Form):
    """Paper, topics and clinic block; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    paper = RadioField(
        _l("Paper size"),
        choices=[SelectChoice("a4", _l("A4")), SelectChoice("letter", _l("US Letter"))],
        default="a4",
        validate_choice=False,
        validators=[AnyOf(PAPER_SIZES, message=_l("Choose A4 or US Letter."))],
    )
    topics = CheckboxListField(_l("Topics"), validate_choice=False)
    clinic_name = StringField(
        _l("Clinic name (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=80, message=_l("Use %(max)d characters or fewer."))],
    )
    clinic_phone = StringField(
        _l("Clinic phone number (optional)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=30, message=_l("Use %(max)d characters or fewer.")),
            Regexp(r"^\+?[0-9][0-9 ().-]{2,}$", message=_l("Use digits, spaces and + ( ) - . only.")),
        ],
    )

    join_code = StringField(
        _l("Clinic join code (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=16, message=_l("Use %(max)d characters or fewer."))],
    )

    def validate_join_code(self, field):
        if field.data and clinic_by_code(field.data) is None:
            raise ValidationError(_l("No clinic has this join code. Leave it empty, or check it."))

    def set_topic_choices(self, pages, default_all: bool) -> None:
        """Offer these pages; with default_all, no topics chosen means every one."""
        self.topics.choices = [SelectChoice(p.topic.slug, p.topic.title) for p in pages]
        if default_all and not self.topics.data:
            self.topics.data = [choice.value for choice in self.topics.choices]

    def validate_topics(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one topic."))
        known = {choice.value for choice in field.choices}
        if any(slug not in known for slug in field.data):
            raise ValidationError(_l("One of the topics does not exist. Choose from the list."))

    def query(self) -> dict:
        """The options as query-string arguments for the PDF URL."""
        return {
            name: getattr(self, name).data
            for name in ("paper", "topics", "clinic_name", "clinic_phone", "join_code")
            if getattr(self, name).data
        }


class LeafletBuilderForm(LeafletOptionsForm):
    """The clinic staff's page adds the leaflet's language."""

    language = SelectField(_l("Language of the leaflet"), validate_choice=False)

    def validate_language(self, field):
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_l("Choose a language from the list."))

    def set_language_choices(self) -> None:
        self.language.choices = [SelectChoice(code, native_name(code)) for code in current_app.config["LANGUAGES"]]
