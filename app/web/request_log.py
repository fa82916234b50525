"""One log line and one latency observation per request, with a request id the response carries back.

The id comes from the proxy's X-Request-ID when the app sits behind trusted proxies and the id looks
sane, so a request can be followed from the proxy's log to ours; otherwise the app makes one. The
line has the path without its query string, and with the secret part of a secret path (a calendar
feed's token, a reset link, a join code) left as the route's placeholder.
"""

import logging
import re
import time
import uuid

from flask import Flask, g, request

from app import metrics

log = logging.getLogger("thinlayer.request")
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
SECRET_ARGUMENTS = frozenset({"token", "code"})


def register(app: Flask) -> None:
    trust_incoming = app.config["TRUSTED_PROXIES"] > 0
    # Nothing reads the latency histogram unless /metrics is served: no observation then, on the hot path.
    observe = app.config["METRICS_ENABLED"]

    def start():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if trust_incoming and SANE_ID.fullmatch(incoming) else uuid.uuid4().hex

    # First of all the before-request hooks, so a hook that answers early (a redirect) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, start)

    @app.after_request
    def finish(response):
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        request_id = g.get("request_id") or uuid.uuid4().hex
        endpoint = request.endpoint or "none"
        response.headers["X-Request-ID"] = request_id
        if observe:
            metrics.observe_request(endpoint, seconds)
        if not log.isEnabledFor(logging.INFO):
            return response
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": loggable_path(),
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "endpoint": endpoint,
        }
        log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra={"fields": fields})
        return response


def loggable_path() -> str:
    """The request's path, never its query string; a route with a secret argument is logged as its rule."""
    if request.url_rule is not None and SECRET_ARGUMENTS & set(request.view_args or ()):
        return request.url_rule.rule
    return request.path[:300]
