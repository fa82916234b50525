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
