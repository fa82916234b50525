"""Installable: the manifest, its icons, the usual icon paths and robots.txt, the head of every page,
and the steps an iPhone user follows to get reminders."""

import io
import math
import re
from urllib.robotparser import RobotFileParser

import pytest
from PIL import Image, ImageChops, ImageStat

from app.config import ROOT
from tests.clinic_fixtures import make_clinic, make_clinician, sign_in_clinician
from tools import build_icons

ICONS = ROOT / "static" / "icons"
DAY = 86400


def manifest(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    return response.get_json(force=True)


def image(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    data = response.get_data()
    response.close()
    return Image.open(io.BytesIO(data))


def css_colour(name: str, dark: bool) -> str:
    """A custom property of the light :root, or of the prefers-color-scheme: dark block, in screen.css."""
    css = (ROOT / "static" / "css" / "screen.css").read_text(encoding="utf-8")
    light, _, rest = css.partition("@media (prefers-color-scheme: dark)")
    return re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", rest if dark else light)[1].lower()


def test_the_manifest_is_served_as_a_web_app_manifest_that_opens_standalone_on_today(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    body = response.get_json(force=True)
    assert body["name"] == "Thinlayer" and body["short_name"] == "Thinlayer"
    assert body["id"] == "/today" and body["start_url"] == "/today"
    assert body["scope"] == "/" and body["display"] == "standalone"
    assert body["theme_color"] == css_colour("header-bg", dark=False)
    assert body["background_color"] == css_colour("bg", dark=False)


def test_the_manifest_offers_every_kind_of_icon_in_both_sizes(client):
    offered = {(icon["purpose"], icon["sizes"]) for icon in manifest(client)["icons"]}
    assert {("any", "192x192"), ("any", "512x512"), ("maskable", "192x192"), ("maskable", "512x512")} <= offered
    assert ("monochrome", "512x512") in offered


def test_every_icon_in_the_manifest_loads_as_a_png_of_its_stated_size(client):
    for icon in manifest(client)["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        picture = image(client, icon["src"])
        assert (picture.format, picture.size) == ("PNG", (width, height)), icon["src"]


def test_the_any_icon_has_the_round_corners_of_the_svg(client):
    icons = {icon["purpose"] + icon["sizes"]: icon["src"] for icon in manifest(client)["icons"]}
    picture = image(client, icons["any512x512"]).convert("RGBA")
    assert picture.getpixel((0, 0))[3] == 0
    assert picture.getpixel((256, 256))[3] == 255


@pytest.mark.parametrize("size", [192, 512])
def test_maskable_icons_are_full_bleed_with_the_mark_inside_the_safe_zone(client, size):
    """A phone may cut any shape that keeps the central circle of 40% radius: only background outside it."""
    picture = image(client, f"/static/icons/maskable-{size}.png").convert("RGBA")
    background = picture.getpixel((0, 0))
    assert background[3] == 255
    centre, safe = (size - 1) / 2, 0.4 * size
    outside = {
        picture.getpixel((x, y)) for x in range(size) for y in range(size) if math.hypot(x - centre, y - centre) > safe
    }
    assert outside == {background}
    assert len(picture.getcolors(size * size)) > 1, "the mark is missing"


def test_the_monochrome_icon_is_the_mark_alone_on_transparency(client):
    alpha = image(client, "/static/icons/monochrome-512.png").convert("RGBA").getchannel("A")
    assert alpha.getpixel((0, 0)) == 0 and alpha.getpixel((511, 511)) == 0
    opaque = alpha.histogram()[255]
    assert 0.05 < opaque / (512 * 512) < 0.5


@pytest.mark.parametrize("url", ["/apple-touch-icon.png", "/apple-touch-icon-precomposed.png"])
def test_the_apple_touch_icon_is_180_square_without_transparency(client, url):
    picture = image(client, url)
    assert (picture.format, picture.size) == ("PNG", (180, 180))
    assert picture.mode == "RGB" or picture.convert("RGBA").getchannel("A").getextrema() == (255, 255)


def test_the_favicon_holds_the_small_sizes(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = Image.open(io.BytesIO(response.get_data()))
    response.close()
    assert {(16, 16), (32, 32)} <= icon.ico.sizes()


def test_the_committed_icons_are_what_the_script_builds_from_the_svg(tmp_path):
    """Change icon.svg, and this fails until `python tools/build_icons.py` is run and its output committed."""
    for built in build_icons.write(tmp_path, (ICONS / "icon.svg").read_text(encoding="utf-8")):
        with Image.open(ICONS / built.name) as committed, Image.open(built) as fresh:
            assert committed.size == fresh.size and committed.mode == fresh.mode, built.name
            difference = ImageStat.Stat(ImageChops.difference(committed, fresh)).mean
        assert max(difference) < 0.25, f"{built.name} differs from the SVG: run tools/build_icons.py"


def test_robots_lets_crawlers_read_the_public_content_but_not_the_personal_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    robots = RobotFileParser()
    robots.parse(response.get_data(as_text=True).splitlines())
    for public in ("/", "/en/", "/es/medicines/pimecrolimus/", "/fr/medicines/pimecrolimus/get-help"):
        assert robots.can_fetch("AnyBot", public), public
    for personal in ("/people/1/today", "/clinic/", "/account/login", "/api/v1/people", "/today", "/calendar/x.ics"):
        assert not robots.can_fetch("AnyBot", personal), personal


URLS = ["/manifest.webmanifest", "/robots.txt", "/favicon.ico", "/apple-touch-icon.png"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_these_answers_may_be_kept_by_any_cache_for_a_day(client, make_account, sign_in, url, signed_in):
    if signed_in:
        sign_in(make_account())
    response = client.get(url)
    response.close()
    cache = response.cache_control
    assert cache.public and not cache.no_store and cache.max_age >= DAY
    assert "Set-Cookie" not in response.headers


def test_today_sends_a_visitor_to_sign_in(client):
    response = client.get("/today")
    assert response.status_code == 302 and response.location == "/account/login"


def test_today_opens_the_first_persons_today_page(client, make_account, sign_in):
    account = make_account(people=(("Sam", "Europe/London"), ("Alex", "Europe/Paris")))
    sign_in(account)
    response = client.get("/today")
    assert response.status_code == 302
    assert response.location == f"/people/{account.people[0].id}/today"
    assert response.cache_control.no_store


def test_today_opens_a_clinicians_patient_list(app, client):
    sign_in_clinician(app, client, make_clinician(app, make_clinic(app), "doc@example.org"))
    assert client.get("/today").location == "/clinic/"


def head_links(page) -> dict:
    return {" ".join(link["rel"]): link for link in page.head.find_all("link") if link.get("rel")}


@pytest.mark.parametrize("signed_in", [False, True], ids=["public page", "Today"])
def test_every_page_links_the_manifest_icons_and_theme_colours(client, pages, make_account, sign_in, signed_in):
    url = "/en/medicines/pimecrolimus/"
    if signed_in:
        account = make_account()
        sign_in(account)
        url = f"/people/{account.people[0].id}/today"
    page = pages.get(url)
    links = head_links(page)
    assert links["manifest"]["href"] == "/manifest.webmanifest"
    assert links["apple-touch-icon"]["href"] == "/apple-touch-icon.png"
    icons = [link["href"] for link in page.head.find_all("link", rel="icon")]
    assert [href.split("?")[0] for href in icons] == ["/favicon.ico", "/static/icons/icon.svg"]
    for href in [links["manifest"]["href"], links["apple-touch-icon"]["href"], *icons]:
        response = client.get(href)
        response.close()
        assert response.status_code == 200, href
    themes = {meta["media"]: meta["content"] for meta in page.head.find_all("meta", attrs={"name": "theme-color"})}
    assert themes == {
        "(prefers-color-scheme: light)": css_colour("header-bg", dark=False),
        "(prefers-color-scheme: dark)": css_colour("header-bg", dark=True),
    }


def test_the_reminders_page_gives_iphone_users_the_steps_in_order(pages, make_account, sign_in):
    account = make_account()
    sign_in(account)
    page = pages.get(f"/people/{account.people[0].id}/reminders")
    heading = page.find(id="iphone-steps")
    steps = [
        item.get_text(" ", strip=True) for item in page.find("ol", attrs={"aria-labelledby": "iphone-steps"})("li")
    ]
    assert heading.get_text() == "On an iPhone or iPad"
    assert "16.4 or later" in heading.find_next("p").get_text()
    assert steps == [
        "Open Thinlayer in Safari.",
        "Tap the Share button (a square with an arrow pointing up). If you do not see it, tap ⋯ first.",
        "Tap “Add to Home Screen”, then “Add”.",
        "Open Thinlayer from its icon on your Home Screen, not from Safari.",
        "Go to Reminders, tap “Turn on notifications”, then tap “Allow”.",
    ]
