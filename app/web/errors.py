"""Error pages in the reader's language, with links onward."""

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error):
        if request.path.startswith("/api/"):
            # Routing errors never reach the API blueprint's own handlers: answer in JSON here too.
            return {"error": error.name.lower().replace(" ", "_"), "message": error.description}, error.code
        template = "errors/404.html" if error.code == 404 else "errors/error.html"
        return render_template(template, error=error), error.code
