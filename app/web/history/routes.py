"""History (calendar, adherence, charts) and data rights (export, delete)."""

from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/people/<int:person_id>")
