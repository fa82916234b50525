"""Security headers on every response."""

from flask import Flask, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


# Production only: a local run on http://127.0.0.1 must not teach the browser to insist on https.
HSTS = "max-age=31536000; includeSubDomains"


# Responses that are the same whoever asks: they keep their own Cache-Control for signed-in people too.
SAME_FOR_EVERYONE = frozenset({"static", "meta.manifest", "meta.robots", "meta.favicon", "meta.apple_touch_icon"})


def register(app: Flask) -> None:
    headers = {**HEADERS, "Strict-Transport-Security": HSTS} if app.config["HSTS"] else HEADERS

    @app.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        # Nothing a signed-in person sees may be kept by a browser or a proxy, but for what is the same for all.
        if request.endpoint not in SAME_FOR_EVERYONE and current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
