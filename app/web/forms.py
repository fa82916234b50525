"""The base of every form on the site."""

from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField


class Form(FlaskForm):
    """A Flask-WTF form whose hidden CSRF field has no id.

    Many pages hold several forms (Today, the plan, the inbox, a clinician's patient page), and each
    would render id="csrf_token": ids must be unique in a page. Nothing looks the field up by id.
    """

    class Meta:
        def render_field(self, field, render_kw):
            if isinstance(field, CSRFTokenField):
                render_kw = {"id": False, **render_kw}  # WTForms leaves out an attribute that is False
            return super().render_field(field, render_kw)
