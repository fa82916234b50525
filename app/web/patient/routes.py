"""The patient's own pages: plan, Today (apply, skip, undo) and the personal missed-dose page."""

from flask import Blueprint

bp = Blueprint("patient", __name__, url_prefix="/people/<int:person_id>")
