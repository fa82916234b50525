"""Reminder emails, sent through a real local SMTP server and read back as a mail client would."""

from bs4 import BeautifulSoup

from app.reminders.email import send_reminder
from app.reminders.message import ReminderMessage

SETTINGS_URL = "https://thinlayer.example/en/people/1/reminders?from=email&x=1"


def reminder(locale="en") -> ReminderMessage:
    return ReminderMessage(
        kind="due",
        title="Time for your 8:00 AM dose",
        lines=[
            "Apply a thin layer of pimecrolimus cream.",
            "You can apply it until 2:00 PM. Never apply extra <ever>.",
        ],
        url="https://thinlayer.example/en/people/1/today?from=email&slot=2",
        topic="slot-2-due",
        locale=locale,
    )


def send(app, message: ReminderMessage) -> None:
    # The scheduler's sweep sends inside a request context built from PUBLIC_BASE_URL; so do we.
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        send_reminder("pat@example.org", message, SETTINGS_URL)


def test_a_reminder_email_arrives_with_its_title_lines_and_link_in_text_and_html(app, inbox):
    send(app, reminder())
    [received] = inbox.messages
    assert received["To"] == "pat@example.org"
    assert received["Subject"] == "Time for your 8:00 AM dose"
    assert received["Content-Language"] == "en"

    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert text.startswith("Time for your 8:00 AM dose\n")
    for line in reminder().lines:
        assert f"\n{line}\n" in text
    assert reminder().url in text
    assert f"You get this email because you turned on email reminders. Change this: {SETTINGS_URL}" in text

    html = BeautifulSoup(received.get_body(("html",)).get_content(), "html.parser")
    assert html.html["lang"] == "en"
    assert html.title.get_text() == "Time for your 8:00 AM dose"
    assert [h.get_text() for h in html.find_all("h1")] == ["Time for your 8:00 AM dose"]
    paragraphs = [p.get_text() for p in html.find_all("p")]
    assert all(line in paragraphs for line in reminder().lines)  # "<ever>" arrives as text, escaped
    button = html.find("a", string="Open your Today page")
    assert button["href"] == reminder().url
    footer = html.find("a", href=SETTINGS_URL)
    assert footer.get_text() == SETTINGS_URL
    assert " ".join(footer.parent.get_text().split()) == (
        f"You get this email because you turned on email reminders. Change this: {SETTINGS_URL}"
    )


def test_a_reminder_email_is_marked_with_the_messages_language(app, inbox):
    send(app, reminder(locale="fr"))
    [received] = inbox.messages
    assert received["Content-Language"] == "fr"
    html = BeautifulSoup(received.get_body(("html",)).get_content(), "html.parser")
    assert html.html["lang"] == "fr"
