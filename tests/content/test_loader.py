import datetime as dt

import pytest
from bs4 import BeautifulSoup

from app.content.loader import ContentError, load_topic

GOOD = """---
title: Missed a dose?
summary: What to do.
order: 4
audience: patient
leaflet_section: use
last_reviewed: 2026-11-20
---

Intro.

## If you forget

Put it on when you remember.

::: urgent
## Get help now
Call.
:::
"""


def write(tmp_path, text, name="missed-dose.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_becomes_a_topic(tmp_path):
    topic = load_topic(write(tmp_path, GOOD), "pimecrolimus", "en")
    assert (topic.slug, topic.title, topic.order, topic.leaflet_section) == ("missed-dose", "Missed a dose?", 4, "use")
    assert topic.last_reviewed == dt.date(2026, 11, 20)
    assert topic.headings == ("If you forget", "Get help now")
    assert topic.blocks == ("urgent",)
    assert '<div class="callout callout-urgent">' in topic.html
    assert "Put it on when you remember." in topic.text


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        (
            "title: x\nsummary: y\norder: 1\naudience: patient\nlast_reviewed: 2026-01-01",
            "missing front matter: leaflet_section",
        ),
        ("title: x\nsummary: y\norder: 1\naudience: kids\nlast_reviewed: 2026-01-01", "audience must be one of"),
        (
            "title: x\nsummary: y\norder: one\naudience: professional\nlast_reviewed: 2026-01-01",
            "order must be a whole number",
        ),
        ("title: x\nsummary: y\norder: 1\naudience: professional\nlast_reviewed: soon", "last_reviewed must be a date"),
        (
            "title: x\nsummary: y\norder: 1\naudience: professional\nlast_reviewed: 2026-01-01\ncolour: red",
            "unknown front matter: colour",
        ),
        ("title: [x\nsummary", "not valid YAML"),
        ("just text", "must be a set of 'key: value' lines"),
    ],
)
def test_broken_front_matter_names_the_file_and_the_reason(tmp_path, front_matter, reason):
    path = write(tmp_path, f"---\n{front_matter}\n---\nBody\n")
    with pytest.raises(ContentError) as error:
        load_topic(path, "pimecrolimus", "en")
    assert str(path) in str(error.value)
    assert reason in str(error.value)


def test_a_file_without_front_matter_is_refused(tmp_path):
    with pytest.raises(ContentError, match="must start with front matter"):
        load_topic(write(tmp_path, "# Title\n"), "pimecrolimus", "en")


def test_unclosed_front_matter_is_refused(tmp_path):
    with pytest.raises(ContentError, match="no closing"):
        load_topic(write(tmp_path, "---\ntitle: x\n"), "pimecrolimus", "en")


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        "<img src=x onerror=alert(1)>",
        '<div class="callout" onclick="alert(1)">x</div>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_scripts_and_javascript_links_never_reach_the_page(tmp_path, evil):
    topic = load_topic(write(tmp_path, GOOD + "\n" + evil + "\n"), "pimecrolimus", "en")
    soup = BeautifulSoup(topic.html, "html.parser")
    assert not soup.find_all(["script", "img", "iframe"])
    assert not [tag for tag in soup.find_all(True) if any(a.lower().startswith("on") for a in tag.attrs)]
    hrefs = [a.get("href", "").strip().lower() for a in soup.find_all("a")]
    assert not [h for h in hrefs if h.startswith(("javascript:", "data:"))]


def test_safe_links_survive_sanitising(tmp_path):
    topic = load_topic(write(tmp_path, GOOD + "\n[Get help](get-help) [NHS](https://www.nhs.uk)\n"), "p", "en")
    assert 'href="get-help"' in topic.html
    assert 'href="https://www.nhs.uk"' in topic.html


MARKED = """---
title: Storing the cream
summary: Where to keep it.
order: 12
audience: patient
leaflet_section: storage
last_reviewed: 2026-12-07
---

<!-- facts: storage.intro -->
Keep it safe.

## Where to keep it
<!-- facts: storage.max-25, storage.no-freeze -->

Keep it at 25 °C or cooler.

## When to throw it away

Check the date.

::: urgent
## If someone swallows it
<!--facts:swallow.call-->
Call a doctor.
:::
"""


def test_facts_markers_are_recorded_per_section(tmp_path):
    topic = load_topic(write(tmp_path, MARKED, "storage.md"), "pimecrolimus", "en")
    assert topic.headings == ("Where to keep it", "When to throw it away", "If someone swallows it")
    assert topic.facts == (("storage.intro",), ("storage.max-25", "storage.no-freeze"), (), ("swallow.call",))
    assert len(topic.sections) == 4
    assert "Keep it safe." in topic.sections[0]
    assert topic.sections[1].startswith("## Where to keep it\n") and "25 °C" in topic.sections[1]
    assert "Call a doctor." in topic.sections[3]


def test_facts_markers_never_reach_the_page(tmp_path):
    topic = load_topic(write(tmp_path, MARKED, "storage.md"), "pimecrolimus", "en")
    assert "facts" not in topic.html and "&lt;!--" not in topic.html
    assert "facts" not in topic.text
    assert not any("<!--" in section for section in topic.sections)
    assert topic.blocks == ("urgent",)


def test_a_page_without_markers_carries_no_facts(tmp_path):
    topic = load_topic(write(tmp_path, GOOD), "pimecrolimus", "en")
    assert topic.facts == ((), (), ())
    assert "".join(topic.sections) == GOOD.split("\n---\n", 1)[1]


def with_body(body):
    return GOOD.split("\n---\n", 1)[0] + "\n---\n" + body


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("\nIntro.\n<!-- facts: a.b -->\n", "line 11: a facts marker must sit directly under a '## ' heading"),
        ("\n## Heading\n\n<!-- facts: a.b -->\nText.\n", "line 12: a facts marker must sit directly under"),
        ("\n## Heading\nText.\n<!-- facts: a.b -->\n", "line 12: a facts marker must sit directly under"),
        ("\n## Heading\n<!-- facts: a.b -->\n<!-- facts: c.d -->\n", "line 12: a facts marker must sit directly"),
        ("\n## Heading\n<!-- facts: -->\n", "line 11: the facts marker names no facts"),
        ("\n## Heading\n<!-- facts:  ,  -->\n", "not a fact id: ''"),
        ("\n## Heading\n<!-- facts: Storage Max -->\n", "not a fact id: 'Storage Max'"),
        ("\n## Heading\n<!-- facts: a.b, a.b -->\n", "names a fact twice"),
        ("\n## Heading\n<!-- facts: a.b\n", "line 11: write a facts marker as '<!-- facts: id-a, id-b -->'"),
        ("\n## Heading\n<!-- facts: a.b --> More text\n", "write a facts marker as"),
        ("\nHeading\n-------\n\nText.\n", "write every section heading as a line starting with '## '"),
    ],
)
def test_a_misplaced_or_malformed_facts_marker_names_the_file_line_and_reason(tmp_path, body, reason):
    path = write(tmp_path, with_body(body))
    with pytest.raises(ContentError) as error:
        load_topic(path, "pimecrolimus", "en")
    assert str(path) in str(error.value)
    assert reason in str(error.value)


def test_the_tiers_slot_and_a_facts_marker_share_a_section(tmp_path):
    body = "\nIntro.\n\n## When to get help\n<!-- facts: help.tiers -->\n\n::: help-tiers\n:::\n\nMore.\n"
    topic = load_topic(write(tmp_path, with_body(body)), "pimecrolimus", "en")
    assert topic.facts == ((), ("help.tiers",))
    assert "::: help-tiers" in topic.sections[1]
    assert len(topic.parts) == 2 and "More." in topic.parts[1]
