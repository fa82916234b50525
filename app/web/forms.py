"""The base of every form on the site."""

from flask import request
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField

SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FROM_REQUEST = object()  # the default formdata: the posted form, if any


class Form(FlaskForm):
    """A Flask-WTF form that reads only the posted form's text, and whose hidden CSRF field has no id.

    Flask-WTF would also read file parts and JSON bodies into the fields: a file part sent in a text field
    hands the field a file object, and JSON hands it numbers, lists or objects, none of which a text field
    can take. No page takes either (app/web/input_checks.py turns files down), so a form reads text only.

    Many pages hold several forms (Today, the plan, the inbox, a clinician's patient page), and each
    would render id="csrf_token": ids must be unique in a page. Nothing looks the field up by id.
    """

    def __init__(self, formdata=FROM_REQUEST, **kwargs):
        if formdata is FROM_REQUEST:
            formdata = request.form if request and request.method in SUBMIT_METHODS and request.form else None
        super().__init__(formdata=formdata, **kwargs)

    class Meta:
        def render_field(self, field, render_kw):
            if isinstance(field, CSRFTokenField):
                render_kw = {"id": False, **render_kw}  # WTForms leaves out an attribute that is False
            return super().render_field(field, render_kw)
