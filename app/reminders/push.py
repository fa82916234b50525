"""The Web Push channel: encrypt a reminder for one browser and hand it to that browser's push service.

RFC 8030 is the protocol, RFC 8291 the encryption (aes128gcm, done by pywebpush) and RFC 8292 the
VAPID signature that tells the push service the message is ours. `PushSender.send` never raises for
HTTP or network trouble: it returns what the caller should do next with the subscription.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

KEY_FILE = "vapid_private.pem"
TOKEN_LIFETIME = 12 * 3600  # push services refuse tokens that live longer than 24 hours
RESIGN_BEFORE = 3600  # a fresh token before the old one gets close to expiring in flight
URGENCIES = ("very-low", "low", "normal", "high")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


def load_vapid(instance_path: str) -> Vapid02:
    """The app's VAPID key pair, made on first use and kept (owner-only) in the instance folder.

    Browsers tie every subscription to this public key, so losing or replacing it silently
    orphans them all. A new key is written to a private temporary file and linked into place,
    so two workers starting at once agree on one key (the pattern of `_kept_secret` in config).
    """
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid02()
        vapid.generate_keys()
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(vapid.private_pem())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: everyone uses its key
        finally:
            tmp.unlink()
    return Vapid02.from_pem(path.read_bytes())


def application_server_key(vapid: Vapid02) -> str:
    """The public key as the browser's `applicationServerKey`: an uncompressed P-256 point, base64url."""
    return _b64(vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


def push_topic(topic: str) -> str:
    """A `Topic` header value for topic: itself if it is valid, else a stable 32-character digest.

    The header allows at most 32 characters of the base64url alphabet. A digest rather than a
    clipped prefix keeps two long topics that share a prefix from replacing each other's pushes.
    """
    if _TOPIC.fullmatch(topic):
        return topic
    return _b64(hashlib.sha256(topic.encode()).digest())[:32]


@dataclass(frozen=True)
class PushResult:
    """What happened: "sent", "gone" (delete the subscription), "retry" (later) or "failed" (don't)."""

    outcome: str
    status_code: int | None
    detail: str = ""


class PushSender:
    """Sends pushes over one kept-alive HTTP session, signing VAPID tokens once per push service."""

    def __init__(self, vapid: Vapid02, subject: str, *, timeout: float = 10.0, clock=time.time):
        self._vapid = vapid
        self._subject = subject
        self._timeout = timeout
        self._clock = clock
        self._tokens: dict[str, tuple[int, str]] = {}  # audience -> (expiry, Authorization header)
        self._lock = threading.Lock()
        # urllib3's connection pool is thread-safe; we never rely on the session's cookies.
        self._session = requests.Session()
        # Proxy and CA settings come from the environment once, here: left to requests, every send would
        # walk the whole environment again (a fifth of a push's time).
        self._session.trust_env = False
        self._session.proxies = {k: v for k, v in urllib.request.getproxies().items() if k != "no"}
        self._session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        try:  # a bad subject would fail every send; fail at start-up instead
            vapid.sign({"aud": "https://push.example", "sub": subject})
        except VapidException as exc:
            raise ValueError(f"VAPID subject must be a mailto: or https: URL, not {subject!r}") from exc

    def send(self, subscription: dict, payload: dict, ttl: int, topic: str, urgency: str = "high") -> PushResult:
        """Encrypt payload for subscription and post it; ttl is how long the service may hold it (seconds)."""
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}, not {urgency!r}")
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            headers = {"Authorization": self._authorization(subscription["endpoint"]), "Urgency": urgency}
            if topic:
                headers["Topic"] = push_topic(topic)
            pusher = WebPusher(subscription, requests_session=self._session)
            response = pusher.send(data, headers, ttl=max(0, int(ttl)), timeout=self._timeout)
        except requests.RequestException as exc:  # refused, reset, timed out: the service may be back soon
            return PushResult("retry", None, f"{type(exc).__name__}: {exc}")
        except (WebPushException, VapidException, KeyError, TypeError, ValueError) as exc:
            return PushResult("failed", None, f"unusable subscription: {exc}")
        return _result(response)

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _authorization(self, endpoint: str) -> str:
        """The `vapid t=..., k=...` header for endpoint's origin; signing costs more than encrypting."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = int(self._clock())
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is None or now >= cached[0] - RESIGN_BEFORE:
                expiry = now + TOKEN_LIFETIME
                claims = {"aud": audience, "sub": self._subject, "exp": expiry}
                cached = self._tokens[audience] = (expiry, self._vapid.sign(claims)["Authorization"])
            return cached[1]


def _result(response: requests.Response) -> PushResult:
    """Sort the push service's answer into what the caller does next."""
    code = response.status_code
    detail = f"{code} {response.reason} {response.text[:200]}".strip()
    if 200 <= code < 300:
        return PushResult("sent", code, detail)
    if code in (404, 410):
        return PushResult("gone", code, detail)
    if code == 429 or code >= 500:
        retry_after = response.headers.get("Retry-After")
        return PushResult("retry", code, f"{detail} (Retry-After: {retry_after})" if retry_after else detail)
    return PushResult("failed", code, detail)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
