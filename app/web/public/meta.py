"""What a browser or a crawler asks the site for by itself: the web app manifest, the usual icon paths,
robots.txt, and /today, where the installed app starts."""

from flask import Blueprint, current_app, redirect, request, send_from_directory, url_for
from flask_login import current_user

from app.web.auth.routes import landing

bp = Blueprint("meta", __name__)

ICONS = "icons"  # under static/; the PNGs and favicon.ico are built from icon.svg by tools/build_icons.py
# The same for everyone, so any cache may keep them for a day.
CACHE = "public, max-age=86400"
# The header's colour (--header-bg in static/css/screen.css), for the browser's bar and the splash screen.
THEME = {"light": "#075e57", "dark": "#0d2f2c"}
BACKGROUND = "#ffffff"  # --bg, light: the manifest has no dark variant
# Personal and signed-in areas: nothing there is for a search engine.
PRIVATE_PREFIXES = ("/people/", "/clinic/", "/account/", "/api/", "/join", "/calendar/", "/today")

bp.add_app_template_global(THEME, "theme_colours")


@bp.after_request
def cache_publicly(response):
    """A day-long public cache for what is the same for everyone (app.web.security.SAME_FOR_EVERYONE leaves
    it be for signed-in people); /today, which depends on who asks, keeps its own no-store."""
    if request.endpoint != "meta.today" and response.status_code == 200:
        response.headers["Cache-Control"] = CACHE
    return response


@bp.get("/today")
def today():
    """The installed app's start: the signed-in account's first person's Today page, or sign-in."""
    target = landing(current_user.account) if current_user.is_authenticated else url_for("auth.login")
    response = redirect(target)
    response.headers["Cache-Control"] = "no-store"  # where it leads depends on who asks
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest that makes the site installable (and Web Push possible on an iPhone)."""
    body = {
        "name": "Thinlayer",
        "short_name": "Thinlayer",
        # The app's identity once installed: never change it, or phones see a different app.
        "id": "/today",
        "start_url": url_for(".today"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME["light"],
        "background_color": BACKGROUND,
        "icons": [
            *(icon(f"icon-{size}.png", size, "any") for size in (192, 512)),
            *(icon(f"maskable-{size}.png", size, "maskable") for size in (192, 512)),
            icon("monochrome-512.png", 512, "monochrome"),
        ],
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return response


def icon(filename: str, size: int, purpose: str) -> dict:
    return {
        "src": url_for("static", filename=f"{ICONS}/{filename}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the public content; the personal pages are not theirs to read."""
    # Disallow lines first: some crawlers take the first rule that matches, not the longest.
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES), "Allow: /"]
    return "\n".join(lines) + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/favicon.ico")
def favicon():
    return static_icon("favicon.ico")


@bp.get("/apple-touch-icon-precomposed.png")
@bp.get("/apple-touch-icon.png")  # the first registered, so the one url_for builds
def apple_touch_icon():
    """iOS asks for these paths itself, whatever the page links to."""
    return static_icon("apple-touch-icon.png")


def static_icon(filename: str):
    return send_from_directory(current_app.static_folder, f"{ICONS}/{filename}", max_age=86400)
