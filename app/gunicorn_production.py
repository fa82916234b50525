"""gunicorn settings for production (deploy/thinlayer-web.service): `gunicorn --config python:app.gunicorn_production`.

The workers, the bind address and the timeout are given on the command line. No access log: the app logs each
request itself, as JSON, without query strings (app/web/request_log.py); gunicorn's own messages are JSON too.
With PROMETHEUS_MULTIPROC_DIR set, a worker that exits has its live gauges dropped from /metrics (its
counters stay counted).
"""

import os

accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": []},  # the app's own JSON handler (app/logs.py) goes here
    "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False}},
}


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
