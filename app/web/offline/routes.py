"""Offline: the service worker, with the list of what it keeps, and the page it shows for a page never kept.

The worker's code is static/sw.js; this module writes its first lines: the version (so any change to the
code or to a precached file makes the browser install a new worker, which drops the old static cache), the
static files to keep, under the hashed URLs the pages use, and, per language, the pages every reader gets
offline (the get-help page and the offline page).
"""

import datetime as dt
import hashlib
import json

from flask import Blueprint, current_app, render_template, url_for
from markupsafe import Markup

from app.web.i18n import add_locale, pull_locale

bp = Blueprint("offline", __name__)
bp.url_value_preprocessor(pull_locale)
bp.url_defaults(add_locale)


@bp.app_template_global()
def saved_time() -> Markup:
    """The instant this page is made, for "saved at" on its offline copy (the worker writes the phone's clock)."""
    now = dt.datetime.now(dt.UTC)
    return Markup('<time datetime="{}" data-saved-at>{}</time>').format(
        now.isoformat(timespec="seconds"), now.strftime("%H:%M")
    )


# What the pages link to: a page read offline keeps its look and its scripts.
PRECACHED_STATIC = (
    "css/screen.css",
    "css/history.css",
    "js/offline.js",
    "js/timezone.js",
    "js/progress.js",
    "js/push.js",
    "icons/icon.svg",
    "icons/favicon.ico",
    "icons/icon-192.png",
)


@bp.get("/sw.js")
def service_worker():
    """The service worker, scoped to the whole site and never cached by the HTTP cache."""
    head = worker_head()
    response = current_app.response_class(head + worker_code(), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<locale>/offline")
def page():
    """What a phone shows, in the reader's language, for a page it never saved."""
    return render_template("public/offline.html")


def worker_head() -> str:
    precache = [url_for("static", filename=name) for name in PRECACHED_STATIC]
    medicine = next(iter(current_app.extensions["content"].medicines))
    pages = {
        locale: [
            url_for("public.topic", locale=locale, medicine=medicine, topic="get-help"),
            url_for(".page", locale=locale),
        ]
        for locale in current_app.config["LANGUAGES"]
    }
    # The hashed static URLs change with the files; the code and the page list are hashed here.
    version = hashlib.sha256(json.dumps([precache, pages]).encode() + worker_code().encode()).hexdigest()[:12]
    return (
        f"const VERSION = {json.dumps(version)};\n"
        f"const PRECACHE = {json.dumps(precache)};\n"
        f"const PAGES = {json.dumps(pages)};\n"
    )


def worker_code() -> str:
    with current_app.open_resource(f"{current_app.static_folder}/sw.js", "r") as source:
        return source.read()
