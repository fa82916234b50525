"""Locale in URLs, the language switcher, hreflang alternates, and the locale dates and times are written in."""

from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask import Flask, abort, current_app, g, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from app.formatting import format_locale


def register(app: Flask) -> None:
    app.context_processor(lambda: {"alternates": alternates, "current_locale": str(get_locale())})
    app.context_processor(bound_gettext)
    app.add_template_filter(long_date)
    app.after_request(say_language)


def say_language(response):
    """Content-Language on pages: the service worker shows its offline page for a personal address in it."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Language", str(get_locale()))
    return response


def bound_gettext() -> dict:
    """Template gettext bound to this render's catalog, looked up once rather than once a string.

    Behaves as Jinja's newstyle gettext (escaping, %-formatting). Context processors run for each
    render, so a render inside force_locale (leaflets) gets that locale's catalog.
    """
    translations = get_translations()

    @pass_context
    def gettext(context, string, **variables):
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"gettext": gettext, "ngettext": ngettext}


def pull_locale(_endpoint, values) -> None:
    """url_value_preprocessor for routes under /<locale>: an unknown locale is a 404."""
    if not values or "locale" not in values:
        return
    locale = values.pop("locale")
    if locale not in current_app.config["LANGUAGES"]:
        abort(404)
    g.locale = locale


def add_locale(endpoint, values) -> None:
    """url_defaults: links keep the reader's locale unless they name another."""
    if "locale" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "locale"):
        values["locale"] = str(get_locale())


@lru_cache(maxsize=64)
def native_name(locale: str) -> str:
    """The language's name in itself: English, Español, Français."""
    name = Locale.parse(locale).get_display_name(locale)
    return name[:1].upper() + name[1:]


def alternates(external: bool = False) -> list[dict]:
    """This page in every language, for the switcher and for hreflang links.

    Every localised URL starts with /<locale>/, so another language's URL is the same path and
    query with that first segment swapped: no URL building needed.
    """
    if not request.url_rule or "locale" not in request.url_rule.arguments:
        return []
    base = (request.host_url.rstrip("/") if external else "") + request.script_root
    rest = request.path.split("/", 2)[2]
    query = request.query_string.decode("latin-1")
    suffix = f"{rest}?{query}" if query else rest
    return [
        {"locale": locale, "name": native_name(locale), "url": f"{base}/{locale}/{suffix}"}
        for locale in current_app.config["LANGUAGES"]
    ]


def formatting_locale() -> str:
    """The locale this request writes dates and times in: the reader's language, English the UK way."""
    return format_locale(str(get_locale()))


def long_date(date) -> str:
    """A date written out in the reader's locale: "20 November 2026", "20 de noviembre de 2026"."""
    return _long_date(date, formatting_locale())


@lru_cache(maxsize=512)
def _long_date(date, locale: str) -> str:
    return format_date(date, "long", locale=locale)
