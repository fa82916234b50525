"""Error pages in the reader's language, with links onward."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from app.web.api.errors import error_response, http_error_code, http_error_message
from app.web.input_checks import input_message


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error):
        message = input_message(error)
        if request.path.startswith("/api/") or request.is_json:
            # Routing errors never reach the API blueprint's own handlers, and the JSON that push.js posts
            # shows the message it gets back: answer in JSON here too.
            return error_response(error.code or 500, http_error_code(error), message or http_error_message(error))
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error, messages=[message] if message else []), error.code
