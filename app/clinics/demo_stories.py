"""The demo's made-up patients: one deterministic story each (plan, pauses, doses, itch, POEM, side effects).

app.clinics.demo stores the stories; this file only invents them, from a seed.
"""

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.dosing import schedule
from app.models.plans import ACTIVE, PAUSED, STOPPED
from app.patients import plans
from app.patients.triage import SIGNS

LOCALES = ("en", "es", "fr")
ZONES = ("Europe/London", "Europe/Madrid", "Europe/Paris", "America/New_York", "America/Mexico_City",
         "Australia/Sydney", "Asia/Kolkata", "America/St_Johns")  # fmt: skip
TWICE = ("07:00 19:00", "08:00 20:00", "07:30 19:30", "06:30 18:30", "08:00 21:00", "09:00 21:00")
ONCE = ("08:00", "21:00", "19:30", "07:15")
AREAS = ("face", "neck", "hands", "arms", "legs", "trunk", "folds")  # the plan form's order
# Chance of applying a dose at the start and at the end of the period; of applying it late; of a second one.
PROFILES = ((0.96, 0.95, 0.03, 0.01), (0.88, 0.82, 0.1, 0.03), (0.55, 0.48, 0.25, 0.05), (0.95, 0.4, 0.15, 0.04))
NAMES = {"en": ("Amelia", "Oliver", "Isla", "Harry", "Grace", "Noah"),
         "es": ("Lucía", "Mateo", "Sofía", "Hugo", "Valeria", "Diego"),
         "fr": ("Chloé", "Louis", "Inès", "Gabriel", "Manon", "Jules")}  # fmt: skip
REASONS = {"en": ("Skin clear today", "Skin too sore", "Away from home", "Cream left at work"),
           "es": ("Piel limpia hoy", "Piel muy irritada", "Fuera de casa"),
           "fr": ("Peau nette aujourd’hui", "Peau trop irritée", "Pas à la maison")}  # fmt: skip
REVIEW_NOTES = ("Phoned the patient; no action needed.", "Seen in clinic; swab taken.", "Advised to see their GP.")
# Added to each POEM item (poem.ITEMS order): itchy and dry skin are common, bleeding and weeping rarer.
POEM_OFFSETS = (0.6, 0.1, -0.8, -1.0, -0.3, 0.0, 0.5)
MIN_DAYS_FOR_CHANGES = 21  # a week's pause and a later stop need room
MINUTE = dt.timedelta(minutes=1)
MEDICINE, STRENGTH = "pimecrolimus", "1%"
EVENT_KINDS = {ACTIVE: "resumed", PAUSED: "paused", STOPPED: "stopped"}  # as plans.set_status records them


@dataclass
class Story:
    """One made-up patient: who they are, their plan, and what they reported when (instants in UTC)."""

    number: int
    locale: str
    name: str
    timezone: str
    times: list[dt.time]
    early: int
    areas: list[str]
    created_at: dt.datetime  # account, clinic link and plan: the evening before the first dose
    start_date: dt.date
    changes: list[tuple[dt.datetime, str]] = field(default_factory=list)  # (at, plan status)
    slots: list[schedule.DoseSlot] = field(default_factory=list)  # as stored at `now`
    reports: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)  # (applied, recorded)
    skips: list[tuple[int, str, dt.datetime]] = field(default_factory=list)  # (slot index, reason, recorded)
    taken: dict[dt.date, list[bool]] = field(default_factory=dict)  # per local day: each due dose applied?
    itch: list[tuple[dt.date, int, bool, dt.datetime]] = field(default_factory=list)
    poems: list[tuple[dt.date, list[int], dt.datetime]] = field(default_factory=list)
    effects: list[dict] = field(default_factory=list)  # SideEffectReport columns

    def report(self, at: dt.datetime, recorded: dt.datetime, now: dt.datetime) -> None:
        """An application at `at`, logged at `recorded`, if it had been logged by `now`."""
        if at + MINUTE <= now:
            self.reports.append((at, min(recorded, now)))


# --- the stories ----------------------------------------------------------------------------------


def make_stories(count: int, days: int, now: dt.datetime, seed: int = 1) -> list[Story]:
    """Every patient's story up to `now`; the n-th is the same whatever `count` is, for a given seed."""
    return [_story(i, days, now, random.Random(f"{seed}:{i}")) for i in range(count)]


def _story(i: int, days: int, now: dt.datetime, rng: random.Random) -> Story:
    locale, tz = LOCALES[i % len(LOCALES)], ZoneInfo(ZONES[i % len(ZONES)])
    times = [dt.time.fromisoformat(t) for t in rng.choice(ONCE if i % 10 in (1, 4, 7) else TWICE).split()]
    early = rng.choice((schedule.DEFAULT_EARLY_MINUTES,) * 3 + (60, 90))
    today = now.astimezone(tz).date()
    start = today - dt.timedelta(days=days)
    created = _local(start - dt.timedelta(days=1), dt.time(17), tz) + rng.randrange(180) * MINUTE
    story = Story(i + 1, locale, rng.choice(NAMES[locale]), tz.key, times, early,
                  sorted(rng.sample(AREAS, rng.randint(1, 3)), key=AREAS.index), created, start)  # fmt: skip
    slots = schedule.make_slots(times, tz, start, today + dt.timedelta(days=plans.HORIZON_DAYS), early,
                                schedule.default_cutoff_minutes(times))  # fmt: skip
    story.changes = _changes(i, rng, slots, start, days)
    story.slots = [dataclasses.replace(s, paused=status == PAUSED) for s in slots
                   if (status := _status_at(story.changes, s.opens)) != STOPPED]  # fmt: skip
    profile = PROFILES[i % len(PROFILES)]
    _doses(story, rng, profile, days, now)
    _itch_and_poem(story, rng, 0.55 + 0.4 * profile[1], days, now)
    _side_effects(story, i, rng, days, now)
    return story


def _local(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def _changes(i: int, rng: random.Random, slots, start: dt.date, days: int) -> list[tuple[dt.datetime, str]]:
    """A week's pause ("my skin is clear") for every fifth patient, a stop for every twelfth."""
    if days < MIN_DAYS_FOR_CHANGES:
        return []
    changes, resumed = [], 0
    if i % 5 == 2:
        paused = int(days * 0.3) + rng.randrange(days // 4)
        resumed = paused + 7
        changes += [
            (_in_skip_zone(rng, slots, start, day), status) for day, status in ((paused, PAUSED), (resumed, ACTIVE))
        ]
    if i % 12 == 5:
        stopped = max(int(days * 0.75) + rng.randrange(days // 8), resumed + 1)
        changes.append((_in_skip_zone(rng, slots, start, stopped), STOPPED))
    return changes


def _in_skip_zone(rng: random.Random, slots, start: dt.date, day: int) -> dt.datetime:
    """An instant after the day's first window closed and before the next opened.

    No window is open then, so plans.set_status remakes exactly the slots that open after it.
    """
    k = next(k for k, s in enumerate(slots) if s.local_date == start + dt.timedelta(days=day))
    return slots[k].closes + rng.randrange((slots[k + 1].opens - slots[k].closes) // MINUTE) * MINUTE


def _status_at(changes: list[tuple[dt.datetime, str]], at: dt.datetime) -> str:
    return next((status for t, status in reversed(changes) if t < at), ACTIVE)


def _doses(story: Story, rng: random.Random, profile, days: int, now: dt.datetime) -> None:
    """Applications, extras and skips for every window opened by `now`, then put in report order."""
    first, last, late, extra = profile
    for j, slot in enumerate(story.slots):
        if slot.opens >= now:
            break
        if slot.paused:
            if j % 9 == 4 and rng.random() < 0.5:  # applied out of habit while paused: unscheduled
                at = slot.scheduled + rng.randrange(30) * MINUTE
                story.report(at, at + MINUTE, now)
            continue
        applies = rng.random() < first + (last - first) * (slot.local_date - story.start_date).days / days
        story.taken.setdefault(slot.local_date, []).append(applies)
        if applies:
            _apply(story, rng, slot, late, extra, now)
        elif rng.random() < 0.2:
            recorded = slot.opens + rng.random() * (min(slot.closes, now) - slot.opens)
            story.skips.append((j, rng.choice(REASONS[story.locale]), recorded))
        elif rng.random() < 0.15 and j + 1 < len(story.slots):
            _catch_up_too_late(story, rng, slot, story.slots[j + 1], now)
    story.reports.sort(key=lambda report: report[1])


def _apply(story: Story, rng: random.Random, slot, late: float, extra: float, now: dt.datetime) -> None:
    """One application in the slot's window, sometimes late or logged hours later, sometimes a second one."""
    if rng.random() < late:
        at = min(slot.scheduled + rng.uniform(61, 240) * MINUTE, slot.closes - MINUTE)
    else:
        at = max(slot.opens, slot.scheduled + min(rng.gauss(5, 20), 58) * MINUTE)
    at = at.replace(second=rng.randrange(60), microsecond=0)
    logged_later = rng.random() < 0.1
    story.report(at, at + (rng.randint(60, 600) * MINUTE if logged_later else MINUTE), now)
    second = at + rng.randint(15, 90) * MINUTE
    if rng.random() < extra and second < slot.closes:
        story.report(second, second + MINUTE, now)


def _catch_up_too_late(story: Story, rng: random.Random, slot, following, now: dt.datetime) -> None:
    """A missed dose applied in the skip zone after its window: an extra application."""
    # Not where the plan changed: the rule reads a skip zone by its neighbours, which the change remade.
    if any(slot.closes <= t < following.opens for t, _ in story.changes):
        return
    at = slot.closes + rng.random() * (following.opens - slot.closes)
    story.report(at.replace(microsecond=0), at.replace(microsecond=0) + MINUTE, now)


def _itch_and_poem(story: Story, rng: random.Random, logs: float, days: int, now: dt.datetime) -> None:
    """Daily peak itch falling as doses are applied (low while paused), and a weekly POEM on Sundays."""
    tz, base = ZoneInfo(story.timezone), rng.randint(6, 9)
    paused = {s.local_date for s in story.slots if s.paused}
    last_day = max(story.taken, default=story.start_date)
    for d in range(days + 1):
        day = story.start_date + dt.timedelta(days=d)
        week = [t for k in range(7) for t in story.taken.get(day - dt.timedelta(days=k), [])]
        applied = sum(week) / len(week) if week else 0
        peak = base * (1 - 0.7 * applied * min(1, (d + 1) / 21)) + rng.gauss(0, 0.9)
        peak = rng.randint(0, 2) if day in paused else max(0, min(10, round(peak)))
        at = _local(day, dt.time(20, 30), tz) + rng.randrange(150) * MINUTE
        if at > now or day > last_day:
            break
        if rng.random() < logs:
            woke = rng.random() < (0.7 if peak >= 7 else 0.2 if peak >= 5 else 0)
            story.itch.append((day, peak, woke, at))
        if day.weekday() == 6 and rng.random() < logs:
            recent = [entry[1] for entry in story.itch[-7:] if (day - entry[0]).days < 7] or [base]
            level = sum(recent) / len(recent) / 2.5
            answers = [max(0, min(4, round(level + offset + rng.gauss(0, 0.6)))) for offset in POEM_OFFSETS]
            story.poems.append((day, answers, _local(day, dt.time(18), tz) + rng.randint(5, 150) * MINUTE))


def _side_effects(story: Story, i: int, rng: random.Random, days: int, now: dt.datetime) -> None:
    """Burning or redness in the first days for many; a red flag for every eighth, the latest unreviewed."""
    tz = ZoneInfo(story.timezone)

    def report(day: int, effects: list[str], red_flags: list[str], reviewed: bool) -> None:
        local_date = story.start_date + dt.timedelta(days=day)
        at = _local(local_date, dt.time(21), tz) + rng.randrange(90) * MINUTE
        seen = at + rng.randint(12, 48) * 60 * MINUTE if reviewed else None
        if at <= now:
            story.effects.append({"local_date": local_date, "effects": effects, "other": "", "red_flags": red_flags,
                                  "recorded_at": at, "reviewed_at": seen if seen and seen <= now else None,
                                  "review_note": rng.choice(REVIEW_NOTES) if seen and seen <= now else ""})  # fmt: skip

    if rng.random() < 0.45:
        report(rng.randint(0, 4), [e for e in ("burning", "redness", "itching") if rng.random() < 0.6] or ["burning"],
               [], False)  # fmt: skip
    if i % 8 == 3:
        recent = i % 16 == 3
        day = days - rng.randint(1, 4) if recent else rng.randint(days // 3, days // 2)
        report(day, ["redness"] if rng.random() < 0.5 else [], [rng.choice(SIGNS["within_24h"][:4])], not recent)
