"""A real local Web Push service for tests and benchmarks: it checks VAPID, decrypts, and records.

In a test: `with PushEndpoint() as push: sub = push.subscribe()`, then read `push.deliveries` and
`push.rejections`. For crash tests, `python -m tests.reminders.push_endpoint --port N --state FILE`
prints "listening on ORIGIN", keeps subscriptions (private keys too) in FILE, rereading it when it
changes, and appends each delivery to `deliveries_path(FILE)` as a JSON line. Once it is listening,
a test calls `make_subscriptions(n, FILE)`, and later `read_deliveries(deliveries_path(FILE))`.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

URGENCIES = ("very-low", "low", "normal", "high")
MAX_TOKEN_LIFETIME = 24 * 3600  # RFC 8292 §2


@dataclass(frozen=True)
class Delivery:
    """One push the endpoint accepted: decrypted, with the headers it came with."""

    subscription_id: str
    payload: dict
    ttl: int
    topic: str | None
    urgency: str | None
    vapid_ok: bool
    received_at: float
    vapid_token: str = ""  # the JWT, so tests can see when the sender signed a new one


class Rejected(Exception):
    """A request a real push service would refuse: Rejected(status it answers, reason)."""


class PushEndpoint:
    """A push service on 127.0.0.1 in a background thread (or in the foreground: `serve_forever`)."""

    def __init__(self, port: int = 0, state_file: str | os.PathLike | None = None):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.endpoint = self
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.state_file = Path(state_file) if state_file else None
        self.deliveries: list[Delivery] = []
        self.rejections: list[str] = []
        self._lock = threading.Lock()
        self._subscriptions: dict[str, dict] = {}  # id -> {"private", "auth", "status"}
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}  # derived once: it costs a key operation
        self._state_seen = None
        if self.state_file:
            self._subscriptions = _read_state(self.state_file)["subscriptions"]
            _write_state(self.state_file, {"port": self.port, "subscriptions": self._subscriptions})
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> "PushEndpoint":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()

    def subscribe(self, status: int = 201) -> dict:
        """A new browser-like subscription (its own P-256 key pair and auth secret) answering status."""
        subscription_id, record = _new_record(status)
        with self._lock:
            self._subscriptions[subscription_id] = record
            if self.state_file:
                _write_state(self.state_file, {"port": self.port, "subscriptions": self._subscriptions})
        return _subscription_info(self.origin, subscription_id, record)

    def set_status(self, subscription: dict, status: int) -> None:
        """Make subscription answer status from now on (e.g. 410 once the person unsubscribes)."""
        with self._lock:
            self._subscriptions[subscription["endpoint"].rsplit("/", 1)[1]]["status"] = status

    def receive(self, path: str, headers, body: bytes) -> int:
        """Check and decrypt one push; the status the service answers."""
        subscription_id = path.removeprefix("/push/")
        record = self._record(subscription_id)
        if record is None or not path.startswith("/push/"):
            return 404
        try:
            token = verify_vapid(headers.get("Authorization", ""), self.origin, time.time())
            ttl, topic, urgency = _check_headers(headers)
            key = self._keys.get(subscription_id) or self._keys.setdefault(subscription_id, _key(record))
            payload = _decrypt(body, key, _unb64(record["auth"]))
        except Rejected as exc:
            status, reason = exc.args
            with self._lock:
                self.rejections.append(f"{subscription_id}: {status} {reason}")
            return status
        if record["status"] != 201:
            return record["status"]
        delivery = Delivery(subscription_id, payload, ttl, topic, urgency, True, time.time(), token)
        with self._lock:
            self.deliveries.append(delivery)
            if self.state_file:
                with deliveries_path(self.state_file).open("a") as f:
                    f.write(json.dumps(asdict(delivery)) + "\n")
        return 201

    def _record(self, subscription_id: str) -> dict | None:
        """The subscription's record, reloading the state file if another process changed it."""
        with self._lock:
            if self.state_file:
                stat = self.state_file.stat()
                if self._state_seen != (stat.st_mtime_ns, stat.st_size):
                    self._state_seen = (stat.st_mtime_ns, stat.st_size)
                    self._subscriptions = _read_state(self.state_file)["subscriptions"]
            return self._subscriptions.get(subscription_id)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real push services offer
    disable_nagle_algorithm = True
    timeout = 30

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.endpoint.receive(self.path, self.headers, body)
        self.send_response(status)
        if status == 201:
            self.send_header("Location", f"/message/{secrets.token_hex(8)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def verify_vapid(header: str, origin: str, now: float) -> str:
    """Check a `vapid t=<jwt>, k=<key>` header (RFC 8292) for origin; the JWT, or Rejected."""
    scheme, _, params = header.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
    if scheme.lower() != "vapid" or not fields.get("t") or not fields.get("k"):
        raise Rejected(401, "no vapid Authorization")
    token = fields["t"]
    signed, _, signature = token.rpartition(".")
    try:
        jose, claims = (json.loads(_unb64(part)) for part in signed.split("."))
        raw = _unb64(signature)
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(fields["k"]))
        if len(raw) != 64 or jose.get("alg") != "ES256":
            raise InvalidSignature
        public.verify(utils.encode_dss_signature(r, s), signed.encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise Rejected(401, f"bad VAPID token {exc!r}") from None
    if claims.get("aud") != origin or not claims.get("sub"):
        raise Rejected(403, f"VAPID claims aud/sub wrong: {claims}")
    if not now < claims.get("exp", 0) <= now + MAX_TOKEN_LIFETIME:
        raise Rejected(403, f"VAPID exp out of range: {claims}")
    return token


def _check_headers(headers) -> tuple[int, str | None, str | None]:
    """TTL, Topic and Urgency as RFC 8030 allows them, and the one encoding browsers accept."""
    if not (headers.get("TTL") or "").isdigit():
        raise Rejected(400, "TTL header missing")
    if headers.get("Content-Encoding") != "aes128gcm":
        raise Rejected(400, "Content-Encoding must be aes128gcm")
    topic, urgency = headers.get("Topic"), headers.get("Urgency")
    if topic is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topic):
        raise Rejected(400, f"bad Topic {topic!r}")
    if urgency is not None and urgency not in URGENCIES:
        raise Rejected(400, f"bad Urgency {urgency!r}")
    return int(headers["TTL"]), topic, urgency


def _decrypt(body: bytes, key: ec.EllipticCurvePrivateKey, auth: bytes) -> dict:
    try:
        return json.loads(http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm"))
    except Exception as exc:  # anything undecryptable is the sender's fault
        raise Rejected(400, f"cannot decrypt: {exc!r}") from None


def make_subscriptions(n: int, state_file, status: int = 201) -> list[dict]:
    """Add n subscriptions to a running endpoint process's state file; their browser-like dicts."""
    state = _read_state(Path(state_file))
    new = dict(_new_record(status) for _ in range(n))
    state["subscriptions"].update(new)
    _write_state(Path(state_file), state)
    origin = f"http://127.0.0.1:{state['port']}"
    return [_subscription_info(origin, sid, record) for sid, record in new.items()]


def deliveries_path(state_file) -> Path:
    """Where an endpoint process with this state file appends its deliveries."""
    return Path(f"{state_file}.deliveries.jsonl")


def read_deliveries(path) -> list[Delivery]:
    """Deliveries from a .deliveries.jsonl file, skipping a last line cut short by a kill."""
    lines = Path(path).read_text().splitlines() if Path(path).exists() else []
    return [Delivery(**json.loads(line)) for line in lines if line.endswith("}")]


def _new_record(status: int) -> tuple[str, dict]:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return secrets.token_urlsafe(12), {"private": _b64(private), "auth": _b64(os.urandom(16)), "status": status}


def _key(record: dict) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(_unb64(record["private"]), "big"), ec.SECP256R1())


def _subscription_info(origin: str, subscription_id: str, record: dict) -> dict:
    p256dh = _key(record).public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    keys = {"p256dh": _b64(p256dh), "auth": record["auth"]}
    return {"endpoint": f"{origin}/push/{subscription_id}", "keys": keys}


def _read_state(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"port": None, "subscriptions": {}}


def _write_state(path: Path, state: dict) -> None:
    """Replace the state file whole, so the endpoint process never reads half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", required=True, help="JSON file of subscriptions, shared with tests")
    args = parser.parse_args()
    endpoint = PushEndpoint(args.port, args.state)
    print(f"listening on {endpoint.origin}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        endpoint.serve_forever()
