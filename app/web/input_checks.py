"""Input no page can use, turned down before any view sees it: a 400 with a message, never a 500.

PostgreSQL cannot store or even compare text with a NUL in it, and no database driver can encode a lone
surrogate (which JSON's "\\ud800" makes); each would end a request with a server error wherever it reached
a query. No page takes a file either, and a file part in a text field would hand the form an object
instead of text. One check here covers every form, query string, URL and JSON endpoint; the API checks
its JSON bodies field by field itself (app/web/api/schemas.py), with a 422 that names the field.
"""

import re
from collections.abc import Iterable

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException

UNUSABLE = re.compile("[\x00\ud800-\udfff]")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UnusableInput(BadRequest):
    """A 400 whose description is written for the person who sent the request, in their language."""


def register(app: Flask) -> None:
    app.before_request(refuse_unusable_input)


def refuse_unusable_input() -> None:
    """Raise UnusableInput for a NUL or a lone surrogate anywhere in the request's text, or for a file."""
    # Cheap for the common page fetch: no URL variables, no query string, no body to look at.
    if request.view_args and has_unusable(request.view_args.values()):
        raise unusable_text()
    if request.query_string and has_unusable(request.args.values()):
        raise unusable_text()
    if request.method not in BODY_METHODS:
        return
    if request.files:
        raise UnusableInput(_("This form takes text only, not files. Type your answers and send the form again."))
    if has_unusable(request.form.values()):
        raise unusable_text()
    if request.is_json and not request.path.startswith("/api/") and has_unusable([json_body()]):
        raise unusable_text()


def input_message(error: HTTPException) -> str | None:
    """What to tell the reader about a request turned down for its input; None for other errors."""
    if isinstance(error, UnusableInput):
        return error.description
    if error.code == 413:
        return _("What you sent is too large for us to take. Send less at once, or shorten what you typed.")
    return None


def unusable_text() -> UnusableInput:
    return UnusableInput(
        _(
            "Something you sent contains a character we cannot store, such as a hidden control character. "
            "Type it again without it, or leave that part out."
        )
    )


def has_unusable(values: Iterable) -> bool:
    """True if any string in values, or in the lists and objects they hold (parsed JSON), has a NUL or a
    lone surrogate. Walked with a stack, not recursion: JSON may nest as deep as the parser allows."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if UNUSABLE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def json_body():
    """The parsed JSON body, None if it is not JSON; JSON nested too deep to parse is a 400."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise BadRequest() from None
