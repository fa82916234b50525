"""Forms of the public pages."""

from flask_babel import lazy_gettext as _l
from wtforms import SearchField
from wtforms.validators import DataRequired, Length

from app.web.forms import Form


class SearchForm(Form):
    """Search across one medicine's topics; sent by GET, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search this medicine's pages"), validators=[DataRequired(), Length(max=100)])
