"""API errors: always JSON {"error": code, "message": text} in the reader's language, never an HTML page."""

from flask import Blueprint, Response, jsonify
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.patients.doses import RecordError
from app.patients.symptoms import OTHER_MAX, SymptomError
from app.web.input_checks import input_message
from app.web.patient.record_errors import record_error_message


class ApiError(Exception):
    """A request the API turns down; `field` names the part of the body or query at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def invalid(field: str, message: str) -> ApiError:
    """A value that is missing, of the wrong type or out of range: 422."""
    return ApiError(422, "invalid", message, field)


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"error": code, "message": message}
    if field is not None:
        body["field"] = field
    response = jsonify(body)
    response.status_code = status
    return response


def symptom_error_message(code: str) -> str:
    """Why a symptom report was not stored (the API checks first, so these are a backstop)."""
    messages = {
        "peak_out_of_range": _("Choose a number from 0 to 10."),
        "future_date": _("That date is in the future."),
        "unknown_choice": _("Choose from the list."),
        "other_too_long": _("Use %(max)d characters or fewer.", max=OTHER_MAX),
        "empty": _("Choose at least one side effect or serious sign, or describe what you noticed."),
        "poem_incomplete": _("Answer all seven questions."),
    }
    return messages.get(code, _("We could not record that."))


def http_error_message(error: HTTPException) -> str:
    if message := input_message(error):
        return message
    if error.code == 404:
        return _("We could not find that.")
    if error.code is not None and error.code >= 500:
        return _("Sorry, there is a problem on our side. Please try again in a few minutes.")
    return _("We could not do that. Check the request and try again.")


def http_error_code(error: HTTPException) -> str:
    """A stable snake_case name for an HTTP error: not_found, method_not_allowed, ..."""
    if error.code is not None and error.code >= 500:
        return "server_error"
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def register(bp: Blueprint) -> None:
    """JSON error handlers for every request the blueprint has matched."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.field)

    @bp.errorhandler(RecordError)
    def record_error(error: RecordError):
        return error_response(422, error.code, record_error_message(error.code))

    @bp.errorhandler(SymptomError)
    def symptom_error(error: SymptomError):
        return error_response(422, error.code, symptom_error_message(error.code))

    @bp.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if "referrer" in (error.description or ""):
            # Flask-WTF's HTTPS check: the Referer must name this site.
            message = _(
                "Over HTTPS, send a Referer header with this site's address, as well as the X-CSRFToken header."
            )
        else:
            message = _(
                "The security token is missing or out of date. "
                "Get one from /api/v1/csrf-token and send it in the X-CSRFToken header."
            )
        return error_response(400, "csrf", message)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, http_error_code(error), http_error_message(error))
