"""Forms of the symptoms pages, and the words they use for each choice, score band and red flag."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from app.measures import itch, poem
from app.patients.symptoms import EFFECTS, OTHER_MAX, RED_FLAGS
from app.web.fields import CheckboxListField
from app.web.forms import Form
from app.web.request_keys import RecordingForm
from app.web.triage import SIGN_LABELS

EFFECT_LABELS = {
    "burning": _l("Burning or a warm feeling where the cream goes on"),
    "redness": _l("Redness"),
    "itching": _l("Itching"),
    "headache": _l("Headache"),
    "cold": _l("Cold-like symptoms"),
    "alcohol_flushing": _l("Flushing or red skin after drinking alcohol"),
}
RED_FLAG_LABELS = SIGN_LABELS  # the words of the tiers of help, so the form and the pages say the same
ITCH_BANDS = {
    "none": _l("no itch"),
    "mild": _l("mild itch"),
    "moderate": _l("moderate itch"),
    "severe": _l("severe itch"),
    "very_severe": _l("very severe itch"),
}
POEM_BANDS = {
    "clear": _l("clear or almost clear"),
    "mild": _l("mild eczema"),
    "moderate": _l("moderate eczema"),
    "severe": _l("severe eczema"),
    "very_severe": _l("very severe eczema"),
}
_CHOOSE_PEAK = _l("Choose a number from 0 to 10.")
ITCH_TAP_TOO_OLD = _l("This itch score is more than 24 hours old, so it was not saved.")
# The ends are named in their own labels, so a screen reader hears "0 no itch" on the first choice.
_ITCH_SCALE = [
    SelectChoice(itch.PEAK_MIN, _l("0 no itch")),
    *(SelectChoice(n, str(n)) for n in range(itch.PEAK_MIN + 1, itch.PEAK_MAX)),
    SelectChoice(itch.PEAK_MAX, _l("10 worst itch imaginable")),
]
# The day counts, in the order of poem.DAY_CHOICES: each value is the answer's score.
DAY_LABELS = (_l("No days"), _l("1 to 2 days"), _l("3 to 4 days"), _l("5 to 6 days"), _l("Every day"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _whole_number(value):
    """A posted choice as an int; None for anything else, so a validator can say what is wrong."""
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ItchForm(RecordingForm):
    peak = RadioField(
        _l("Worst itch in the last 24 hours"),
        choices=_ITCH_SCALE,
        coerce=_whole_number,
        validate_choice=False,
        validators=[InputRequired(_CHOOSE_PEAK), AnyOf(range(itch.PEAK_MIN, itch.PEAK_MAX + 1), message=_CHOOSE_PEAK)],
    )
    woke_up = BooleanField(_l("Itch woke me up last night"))


class SideEffectsForm(Form):
    effects = CheckboxListField(
        _l("Common side effects"),
        choices=[SelectChoice(key, EFFECT_LABELS[key]) for key in EFFECTS],
        validate_choice=False,
    )
    other = StringField(
        _l("Something else (optional)"),
        filters=[_strip],
        validators=[Length(max=OTHER_MAX, message=_l("Use %(max)d characters or fewer."))],
    )
    red_flags = CheckboxListField(
        _l("Serious signs"),
        choices=[SelectChoice(key, RED_FLAG_LABELS[key]) for key in RED_FLAGS],
        validate_choice=False,
    )

    def validate_effects(self, field):
        if set(field.data) - set(EFFECTS):
            raise ValidationError(_l("Choose from the list."))

    def validate_red_flags(self, field):
        if set(field.data) - set(RED_FLAGS):
            raise ValidationError(_l("Choose from the list."))

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: something must be reported."""
        if not super().validate(extra_validators):
            return False
        if not (self.effects.data or self.other.data or self.red_flags.data):
            self.effects.errors.append(_l("Tick at least one box, or write what you noticed."))
            return False
        return True


def _question(label, missing):
    return RadioField(
        label,
        choices=[SelectChoice(score, text) for score, text in enumerate(DAY_LABELS)],
        coerce=_whole_number,
        validate_choice=False,
        validators=[InputRequired(missing), AnyOf(range(poem.ITEM_MAX + 1), message=missing)],
    )


class PoemForm(Form):
    """The seven POEM questions in their fixed order (poem.ITEMS), each about the last 7 days."""

    itchy = _question(
        _l("In the last 7 days, on how many days was your skin itchy because of eczema?"),
        _l("Choose how many days your skin was itchy."),
    )
    sleep = _question(
        _l("In the last 7 days, on how many nights was your sleep disturbed because of eczema?"),
        _l("Choose how many nights your sleep was disturbed."),
    )
    bleeding = _question(
        _l("In the last 7 days, on how many days was your skin bleeding because of eczema?"),
        _l("Choose how many days your skin was bleeding."),
    )
    weeping = _question(
        _l("In the last 7 days, on how many days was your skin weeping or oozing clear fluid because of eczema?"),
        _l("Choose how many days your skin was weeping or oozing."),
    )
    cracked = _question(
        _l("In the last 7 days, on how many days was your skin cracked because of eczema?"),
        _l("Choose how many days your skin was cracked."),
    )
    flaking = _question(
        _l("In the last 7 days, on how many days was your skin flaking off because of eczema?"),
        _l("Choose how many days your skin was flaking."),
    )
    dry = _question(
        _l("In the last 7 days, on how many days did your skin feel dry or rough because of eczema?"),
        _l("Choose how many days your skin felt dry or rough."),
    )

    def questions(self) -> list:
        return [self[item] for item in poem.ITEMS]

    def answers(self) -> dict[str, int]:
        """Each item's score, keyed as poem.ITEMS."""
        return {item: self[item].data for item in poem.ITEMS}


class ChildPoemForm(PoemForm):
    """The same seven questions, worded for a parent answering about their child (POEM's proxy version)."""

    itchy = _question(
        _l("In the last 7 days, on how many days was your child’s skin itchy because of eczema?"),
        _l("Choose how many days your child’s skin was itchy."),
    )
    sleep = _question(
        _l("In the last 7 days, on how many nights was your child’s sleep disturbed because of eczema?"),
        _l("Choose how many nights your child’s sleep was disturbed."),
    )
    bleeding = _question(
        _l("In the last 7 days, on how many days was your child’s skin bleeding because of eczema?"),
        _l("Choose how many days your child’s skin was bleeding."),
    )
    weeping = _question(
        _l(
            "In the last 7 days, on how many days was your child’s skin weeping or oozing clear fluid "
            "because of eczema?"
        ),
        _l("Choose how many days your child’s skin was weeping or oozing."),
    )
    cracked = _question(
        _l("In the last 7 days, on how many days was your child’s skin cracked because of eczema?"),
        _l("Choose how many days your child’s skin was cracked."),
    )
    flaking = _question(
        _l("In the last 7 days, on how many days was your child’s skin flaking off because of eczema?"),
        _l("Choose how many days your child’s skin was flaking."),
    )
    dry = _question(
        _l("In the last 7 days, on how many days did your child’s skin feel dry or rough because of eczema?"),
        _l("Choose how many days your child’s skin felt dry or rough."),
    )
