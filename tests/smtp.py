"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests that send email."""

import asyncio
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app):
    """Start a real SMTP server on 127.0.0.1 and a free port and point the app at it; yields its Inbox."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), loop=asyncio.new_event_loop())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        controller.stop()
        controller.loop.close()
