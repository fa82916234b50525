"""Static file URLs that carry the file's content hash, so a browser may keep each file for a year.

url_for('static', filename=...) adds v=<the first 12 hex digits of the file's SHA-256>. A request whose v
is the file's current hash gets a one-year immutable cache. Without v, or with the v of an older version
(a page from before a deploy), the file gets the short default (SEND_FILE_MAX_AGE_DEFAULT), so the old URL
never pins the new bytes for a year.
"""

import hashlib
import os
import stat
from functools import lru_cache

from flask import Flask, current_app, request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
# A service worker keeps one URL (/sw.js, app/web/offline/routes.py) and the browser checks it for a new
# version itself: it must never be cached for a year, so it never gets a hash.
UNHASHED = frozenset({"sw.js"})
CACHEABLE_STATUS = (200, 206, 304)


def register(app: Flask) -> None:
    """Hash every static URL the app builds, and cache the files asked for by their current hash."""
    app.url_defaults(add_content_hash)
    app.after_request(cache_hashed_file)


def add_content_hash(endpoint: str, values: dict) -> None:
    """url_defaults callback: v=<hash> on a static URL, unless the caller gave one."""
    if endpoint != "static" or "v" in values:
        return
    digest = content_hash(values.get("filename", ""))
    if digest:
        values["v"] = digest


def cache_hashed_file(response):
    """A year's immutable cache for a static file asked for by its current hash; others keep the default."""
    if request.endpoint != "static" or response.status_code not in CACHEABLE_STATUS:
        return response
    asked = request.args.get("v")
    if asked and asked == content_hash(request.view_args["filename"]):
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)  # send_file's one-hour Expires would contradict it
    return response


def content_hash(filename: str) -> str | None:
    """The first 12 hex digits of the static file's SHA-256; None if there is no such file or it is unhashed."""
    if filename in UNHASHED:
        return None
    path = safe_join(current_app.static_folder, filename)
    try:
        info = os.stat(path) if path else None
    except OSError:
        return None
    if info is None or not stat.S_ISREG(info.st_mode):
        return None
    # Keyed by modification time and size: a file edited while the server runs gets a new hash.
    return _digest(path, info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=512)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:12]
