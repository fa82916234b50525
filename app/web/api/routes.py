"""The JSON API under /api/v1/ for scripts and the app's own JavaScript."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
