"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from app import create_app

app = create_app()
# What start-up built (~170,000 objects: content packs, catalogs, templates, SQLAlchemy's mappers) lives
# as long as the process. Set apart from the garbage collector, a full collection walks only what
# requests made, instead of pausing a request for ~110 ms to walk it all (bench/README.md).
gc.freeze()
