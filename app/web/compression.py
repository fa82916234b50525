"""Compressed responses (brotli or gzip, by flask-compress), except where compression could leak a secret.

BREACH reads a secret from the size of compressed responses: it needs a secret and text the attacker
chose in one compressed body, and many requests sent by the victim's browser with the victim's cookies.
A signed-in page holds secrets: the CSRF token of the sign-out form, the names of the account's people,
their health record. Every localised page echoes its query string (the language switcher's links,
app.web.i18n.alternates) and the search page its query. The session cookie is SameSite=Lax, so the only
cross-site requests that carry it are top-level GET navigations, whose attacker's text is in the query
string. So a signed-in response to a request with a query string (or a body) goes out uncompressed;
everything else is compressed when it is worth it (settings in app.config: COMPRESS_*).
"""

from flask import Flask, request
from flask_login import current_user

from app.extensions import compress

# A Content-Range counts the file's own bytes, so a part of a file cannot be sent compressed.
PARTIAL_CONTENT = 206


def register(app: Flask) -> None:
    """Compress responses; call before other hooks are registered, so this one sees their final headers."""
    compress.init_app(app)

    @app.after_request
    def compress_response(response):
        if response.status_code == PARTIAL_CONTENT or may_echo_attacker_text():
            return response
        body = response.response
        response = compress.after_request(response)
        if response.response is not body and hasattr(body, "close"):
            # A file is compressed as it streams, in a generator that never closes the file it reads.
            response.call_on_close(body.close)
        return response


def may_echo_attacker_text() -> bool:
    """True for a signed-in request that carries a query string or a body: its page may echo them."""
    if request.endpoint == "static":
        return False  # files echo nothing (and reading current_user would cost a query per file)
    carries_input = bool(request.query_string) or request.method not in ("GET", "HEAD")
    return carries_input and bool(current_user) and current_user.is_authenticated
