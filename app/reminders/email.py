"""Reminder emails: a ReminderMessage as a plain-text and an HTML body, in the person's language."""

from email.message import EmailMessage

from app import mail
from app.reminders.message import ReminderMessage


def compose_reminder(to: str, message: ReminderMessage, settings_url: str) -> EmailMessage:
    """The reminder email: the message's title as subject, its lines and link, and where to change reminders."""
    return mail.compose(to, message.title, "reminder", message.locale, message=message, settings_url=settings_url)


def send_reminder(to: str, message: ReminderMessage, settings_url: str) -> None:
    """Compose and send one reminder email; OSError or smtplib.SMTPException if the server refuses it."""
    mail.send(compose_reminder(to, message, settings_url))
