"""Locale in URLs, the language switcher and hreflang alternates."""

from babel import Locale
from flask import Flask, abort, current_app, g, request, url_for
from flask_babel import get_locale


def register(app: Flask) -> None:
    app.context_processor(lambda: {"alternates": alternates, "current_locale": lambda: str(get_locale())})


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


def native_name(locale: str) -> str:
    """The language's name in itself: English, Español, Français."""
    name = Locale.parse(locale).get_display_name(locale)
    return name[:1].upper() + name[1:]


def alternates(external: bool = False) -> list[dict]:
    """This page in every language, for the switcher and for hreflang links."""
    if not request.endpoint or "locale" not in (request.url_rule.arguments if request.url_rule else ()):
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
