"""Symptoms: daily itch, side effects with red flags, and the weekly POEM."""

from flask import Blueprint

bp = Blueprint("symptoms", __name__, url_prefix="/people/<int:person_id>")
