"""Read one content file: validate its front matter, render and sanitise its Markdown."""

import datetime as dt
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
    html: Markup  # sanitised here, so templates print it as it is
    text: str
    headings: tuple[str, ...]
    blocks: tuple[str, ...]


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
    tokens = _MD.parse(body)
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
        html=Markup(sanitise(_MD.renderer.render(tokens, _MD.options, {}))),
        text=" ".join(t.content for t in tokens if t.type == "inline"),
        headings=tuple(tokens[i + 1].content for i, t in enumerate(tokens) if t.tag == "h2" and t.nesting == 1),
        blocks=tuple(_block_kind(t) for t in tokens if t.type.startswith("container_") and t.nesting == 1),
    )


def _block_kind(token) -> str:
    """'urgent' for the token that opens a `::: urgent` block."""
    return token.type.removeprefix("container_").removesuffix("_open")
