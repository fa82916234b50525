"""The one shape every channel sends: what a reminder says, already in the person's language."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReminderMessage:
    """A reminder ready to send.

    `lines` are short paragraphs in order (the first says what to do); `url` is the absolute link
    to the person's Today page; `topic` names the occasion (at most 32 URL-safe characters), so a
    newer push for the same slot replaces an older one; `actions` offers "Applied" and "Skip"
    (only for a dose whose window is open and not yet taken); `act_url` and `token` are where a
    notification action posts and the signed token that authorises it.
    """

    kind: str
    title: str
    lines: list[str]
    url: str
    topic: str
    locale: str = "en"
    actions: list[dict] = field(default_factory=list)  # [{"action": "applied", "title": "Applied"}, ...]
    act_url: str = ""
    token: str = ""

    def payload(self) -> dict:
        """The JSON a push message carries; the service worker shows it."""
        return {
            "title": self.title, "body": "\n".join(self.lines), "url": self.url, "topic": self.topic,
            "actions": self.actions, "act_url": self.act_url, "token": self.token, "lang": self.locale,
        }  # fmt: skip
