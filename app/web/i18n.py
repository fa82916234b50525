"""Locale in URLs, the language switcher and hreflang alternates."""

from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask import Flask, abort, current_app, g, request, url_for
from flask_babel import get_locale


def register(app: Flask) -> None:
    app.context_processor(lambda: {"alternates": alternates, "current_locale": lambda: str(get_locale())})
    app.add_template_filter(long_date)


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
    """This page in every language, for the switcher and for hreflang links (worked out once a request)."""
    cache = g.setdefault("alternates", {})
    if external not in cache:
        cache[external] = _alternates(external)
    return cache[external]


def _alternates(external: bool) -> list[dict]:
    if not request.url_rule or "locale" not in request.url_rule.arguments:
        return []
    args = dict(request.view_args or {}, **request.args.to_dict())
    return [
        {
            "locale": locale,
            "name": native_name(locale),
            "url": url_for(request.endpoint, **dict(args, locale=locale), _external=external),
        }
        for locale in current_app.config["LANGUAGES"]
    ]


def long_date(date) -> str:
    """A date written out in the reader's locale: "20 November 2026", "20 de noviembre de 2026"."""
    return _long_date(date, str(get_locale()))


@lru_cache(maxsize=512)
def _long_date(date, locale: str) -> str:
    return format_date(date, "long", locale=locale)
