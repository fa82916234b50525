"""Email over SMTP: a plain-text and an HTML body rendered from templates/emails/, in the reader's language.

Settings (with local defaults): MAIL_SERVER, MAIL_PORT, MAIL_FROM, and optionally MAIL_USE_STARTTLS,
MAIL_USERNAME and MAIL_PASSWORD for a relay that wants them.
"""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale

DEFAULTS = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 8025,
    "MAIL_FROM": "Thinlayer <no-reply@thinlayer.invalid>",
    "MAIL_USE_STARTTLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_TIMEOUT": 10,
}


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def compose(to: str, subject, template: str, locale: str, **context) -> EmailMessage:
    """The message, with subject and both bodies in `locale`; subject may be a lazy string."""
    with force_locale(locale):
        subject = str(subject)
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", subject=subject, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = setting("MAIL_FROM")
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="thinlayer.invalid")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after the bodies: set_content drops Content-* headers
    return message


def send(message: EmailMessage) -> None:
    """Hand the message to the SMTP server; OSError or smtplib.SMTPException if it cannot."""
    with smtplib.SMTP(setting("MAIL_SERVER"), int(setting("MAIL_PORT")), timeout=setting("MAIL_TIMEOUT")) as smtp:
        if setting("MAIL_USE_STARTTLS"):
            smtp.starttls()
        if setting("MAIL_USERNAME"):
            smtp.login(setting("MAIL_USERNAME"), setting("MAIL_PASSWORD"))
        smtp.send_message(message)


def send_email(to: str, subject, template: str, locale: str, **context) -> None:
    """Render and send one email."""
    send(compose(to, subject, template, locale, **context))
