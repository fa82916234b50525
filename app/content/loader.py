"""Read one content file: validate its front matter, render and sanitise its Markdown."""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import nh3
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.container import container_plugin

AUDIENCES = ("patient", "professional")
LEAFLET_SECTIONS = ("about", "before", "use", "side-effects", "storage", "more", "none")
BLOCK_KINDS = ("urgent", "note")
# `::: help-tiers` (opened and closed at once) marks where the app puts the three tiers of help,
# with the reader's emergency number: the words live in one place (templates/components/help_tiers.html).
TIERS_SLOT = "help-tiers"
# `<!-- facts: id-a, id-b -->` on its own line, directly under a `## ` heading (or first in the body, for
# the opening text): the facts of content/<medicine>/facts.yaml that the section carries. The loader
# removes these lines before rendering (the Markdown parser escapes raw HTML, it does not drop it).
FACTS_MARKER = re.compile(r"<!--\s*facts\s*:(.*?)-->")
FACT_ID = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
HEADING = re.compile(r"## ")
REQUIRED = {"title", "summary", "order", "audience", "last_reviewed"}
ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "code", "blockquote", "hr",
    "br", "table", "thead", "tbody", "tr", "th", "td", "div",
}  # fmt: skip
ALLOWED_CLASSES = {"div": {"callout", *(f"callout-{kind}" for kind in BLOCK_KINDS)}}


class ContentError(Exception):
    """A content file that cannot be served; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Topic:
    """One rendered topic page of a medicine in one language."""

    medicine: str
    locale: str
    slug: str
    title: str
    summary: str
    order: int
    audience: str
    leaflet_section: str | None
    last_reviewed: dt.date
    html: Markup  # sanitised here, so templates print it as it is; without the tiers of help
    parts: tuple[Markup, ...]  # html cut at the `::: help-tiers` slot: one part, or two with the tiers between
    text: str
    headings: tuple[str, ...]
    blocks: tuple[str, ...]
    # Per section: index 0 is the opening text, then one per `## ` heading (headings inside blocks too).
    facts: tuple[tuple[str, ...], ...] = ()  # the fact ids its `<!-- facts: -->` marker names
    sections: tuple[str, ...] = ()  # its Markdown source, heading included, markers removed


def _render_block(kind):
    def render(self, tokens, idx, _options, _env):
        if tokens[idx].nesting == 1:
            return f'<div class="callout callout-{kind}">\n'
        return "</div>\n"

    return render


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    for kind in BLOCK_KINDS:
        md.use(container_plugin, name=kind, render=_render_block(kind))
    md.use(container_plugin, name=TIERS_SLOT)
    return md


_MD = _markdown()


def sanitise(html: str) -> str:
    """Keep only the tags, classes and link schemes a content page may use."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


def split_front_matter(path: Path, source: str) -> tuple[dict, str]:
    """The YAML front matter as a dict, and the Markdown body after it."""
    if not source.startswith("---\n"):
        raise ContentError(path, "the file must start with front matter between '---' lines")
    head, sep, body = source[4:].partition("\n---\n")
    if not sep:
        raise ContentError(path, "the front matter has no closing '---' line")
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as error:
        raise ContentError(path, f"the front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise ContentError(path, "the front matter must be a set of 'key: value' lines")
    return meta, body


def validate(path: Path, meta: dict) -> None:
    """Raise ContentError unless the front matter has exactly the keys and values a topic needs."""
    required = REQUIRED | ({"leaflet_section"} if meta.get("audience") == "patient" else set())
    if missing := sorted(required - meta.keys()):
        raise ContentError(path, f"missing front matter: {', '.join(missing)}")
    if unknown := sorted(meta.keys() - required):
        raise ContentError(path, f"unknown front matter: {', '.join(unknown)}")
    if problem := _value_problem(meta):
        raise ContentError(path, problem)


def _value_problem(meta: dict) -> str | None:
    """What is wrong with the front matter's values, if anything."""
    if meta["audience"] not in AUDIENCES:
        return f"audience must be one of {', '.join(AUDIENCES)}"
    if meta.get("leaflet_section", "none") not in LEAFLET_SECTIONS:
        return f"leaflet_section must be one of {', '.join(LEAFLET_SECTIONS)}"
    if not isinstance(meta["order"], int) or isinstance(meta["order"], bool):
        return "order must be a whole number"
    if not isinstance(meta["last_reviewed"], dt.date):
        return "last_reviewed must be a date written as YYYY-MM-DD"
    blank = [key for key in ("title", "summary") if not isinstance(meta[key], str) or not meta[key].strip()]
    return f"{blank[0]} must be text" if blank else None


def load_topic(path: Path, medicine: str, locale: str) -> Topic:
    """Parse, validate and render the topic file at path."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ContentError(path, "the file is not UTF-8 text") from None
    meta, body = split_front_matter(path, source)
    validate(path, meta)
    first_line = source[: len(source) - len(body)].count("\n") + 1
    sections, facts = read_sections(path, body, first_line)
    tokens = _MD.parse("".join(sections))
    headings = tuple(tokens[i + 1].content for i, t in enumerate(tokens) if t.tag == "h2" and t.nesting == 1)
    if len(headings) != len(sections) - 1:
        raise ContentError(path, "write every section heading as a line starting with '## '")
    parts = tuple(Markup(sanitise(_MD.renderer.render(part, _MD.options, {}))) for part in _split_at_slot(path, tokens))
    section = meta.get("leaflet_section")
    return Topic(
        medicine=medicine,
        locale=locale,
        slug=path.stem,
        title=meta["title"].strip(),
        summary=meta["summary"].strip(),
        order=meta["order"],
        audience=meta["audience"],
        leaflet_section=None if section in (None, "none") else section,
        last_reviewed=meta["last_reviewed"],
        html=Markup("".join(parts)),
        parts=parts,
        text=" ".join(t.content for t in tokens if t.type == "inline"),
        headings=headings,
        blocks=tuple(
            _block_kind(t)
            for t in tokens
            if t.type.startswith("container_") and t.nesting == 1 and TIERS_SLOT not in t.type
        ),
        facts=facts,
        sections=tuple(sections),
    )


def read_sections(path: Path, body: str, first_line: int = 1) -> tuple[list[str], tuple[tuple[str, ...], ...]]:
    """The body cut into sections (the opening text, then one per `## ` line) without its facts markers,
    and the fact ids each section's marker names; a misplaced or malformed marker is a ContentError."""
    sections: list[str] = [""]
    facts: list[tuple[str, ...]] = [()]
    previous = None  # the last line read, markers included; None before the first
    for number, line in enumerate(body.splitlines(keepends=True), first_line):
        text = line.strip()
        if text.startswith("<!--") and "facts" in text.lower():
            facts[-1] = _marker_ids(path, number, text, placed=_under_heading(previous, sections, facts))
        else:
            if HEADING.match(line):
                sections.append("")
                facts.append(())
            sections[-1] += line
        previous = line
    return sections, tuple(facts)


def _under_heading(previous: str | None, sections: list[str], facts: list[tuple[str, ...]]) -> bool:
    """Whether a marker read now sits where one may: under a `## ` line, or first in the body."""
    if facts[-1]:
        return False  # a second marker for the same section
    if previous is not None and HEADING.match(previous):
        return True
    return len(sections) == 1 and not sections[0].strip()


def _marker_ids(path: Path, number: int, text: str, placed: bool) -> tuple[str, ...]:
    """The fact ids of one `<!-- facts: a, b -->` line."""
    where = f"line {number}: "
    match = FACTS_MARKER.fullmatch(text)
    if not match:
        raise ContentError(path, where + "write a facts marker as '<!-- facts: id-a, id-b -->' on its own line")
    if not placed:
        raise ContentError(
            path, where + "a facts marker must sit directly under a '## ' heading, or first in the body, once"
        )
    ids = tuple(part.strip() for part in match[1].split(","))
    if ids == ("",):
        raise ContentError(path, where + "the facts marker names no facts")
    if bad := [i for i in ids if not FACT_ID.fullmatch(i)]:
        raise ContentError(path, where + f"not a fact id: {bad[0]!r} (lower case, digits, '.' and '-')")
    if len(set(ids)) != len(ids):
        raise ContentError(path, where + "the facts marker names a fact twice")
    return ids


def _block_kind(token) -> str:
    """'urgent' for the token that opens a `::: urgent` block."""
    return token.type.removeprefix("container_").removesuffix("_open")


def _split_at_slot(path: Path, tokens: list) -> list[list]:
    """The tokens before and after the one `::: help-tiers` slot, or all of them when there is none."""
    opens = [i for i, t in enumerate(tokens) if t.type == f"container_{TIERS_SLOT}_open"]
    if not opens:
        return [tokens]
    if len(opens) > 1:
        raise ContentError(path, f"'::: {TIERS_SLOT}' may appear once on a page")
    start = opens[0]
    end = next(i for i, t in enumerate(tokens) if i > start and t.type == f"container_{TIERS_SLOT}_close")
    if end != start + 1:
        raise ContentError(path, f"'::: {TIERS_SLOT}' holds no text: close it on the next line")
    return [tokens[:start], tokens[end + 1 :]]
