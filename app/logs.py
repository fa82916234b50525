"""Logs: one JSON object a line when LOG_JSON is on (production's default), plain text otherwise.

A log call adds structured fields with `extra={"fields": {...}}`; the JSON formatter puts them beside
the time, level, logger and message. What is logged never names a person: no emails, names or tokens
(app/web/request_log.py leaves query strings and secret path parts out of request lines).
"""

import datetime as dt
import json
import logging
import sys

from flask import Flask

QUIET_LIBRARIES = ("weasyprint", "fontTools", "apscheduler.executors", "alembic.runtime.migration")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, ISO 8601), level, logger, message, and its fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler):
    """The handler configure() installs, told apart from any other so a second app replaces it."""


def configure(app: Flask) -> None:
    """With LOG_JSON: INFO and above from every logger, as JSON lines on standard error. Without it,
    logging is left as it was (warnings and errors in plain text)."""
    if not app.config.get("LOG_JSON"):
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(handler)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for chatty in QUIET_LIBRARIES:  # a line per step of each PDF, and the like
        logging.getLogger(chatty).setLevel(logging.WARNING)
