"""Build the app's PNG icons and favicon.ico from static/icons/icon.svg.

After changing the SVG, run `.venv/bin/python tools/build_icons.py` and commit the files it writes
(tests/web/test_install.py fails while they differ from what this script builds).

icon.svg is a rounded tile (its first <rect>) with the mark on it. The variants:
- icon-*.png ("any"): the SVG as drawn, corners transparent;
- maskable-*.png and apple-touch-icon.png: the tile square to the edges (the phone cuts its own
  shape), the mark unchanged, which keeps it inside the central circle of 40% radius that every
  mask leaves visible; the Apple icon without any transparency, which iOS would show as black;
- monochrome-512.png: the mark alone, opaque on transparent (the phone uses only its alpha);
- favicon.ico: 16, 32 and 48 px, for browsers and tools that ask for /favicon.ico.
"""

import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import cairosvg
from PIL import Image

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
SOURCE = ICONS / "icon.svg"
SVG = "http://www.w3.org/2000/svg"
FAVICON_SIZES = (16, 32, 48)
ET.register_namespace("", SVG)  # write <svg xmlns=...>, not <ns0:svg>


def full_bleed(svg: str) -> str:
    """The tile without rounded corners, so the background reaches every edge."""
    root = ET.fromstring(svg)
    tile = root.find(f"{{{SVG}}}rect")
    tile.attrib.pop("rx", None)
    tile.attrib.pop("ry", None)
    return ET.tostring(root, encoding="unicode")


def mark_only(svg: str) -> str:
    """The mark in black on nothing: the tile removed."""
    root = ET.fromstring(svg)
    root.remove(root.find(f"{{{SVG}}}rect"))
    for shape in root.iter():
        if shape.get("fill") not in (None, "none"):
            shape.set("fill", "#000")
    return ET.tostring(root, encoding="unicode")


def render(svg: str, size: int) -> Image.Image:
    png = cairosvg.svg2png(bytestring=svg.encode(), output_width=size, output_height=size)
    return Image.open(io.BytesIO(png)).convert("RGBA")


def build(svg: str) -> dict[str, Image.Image]:
    """Every PNG variant, by file name."""
    square, mark = full_bleed(svg), mark_only(svg)
    images = {}
    for size in (192, 512):
        images[f"icon-{size}.png"] = render(svg, size)
        images[f"maskable-{size}.png"] = render(square, size)
    images["monochrome-512.png"] = render(mark, 512)
    images["apple-touch-icon.png"] = render(square, 180).convert("RGB")
    return images


def write(folder: Path, svg: str) -> list[Path]:
    """Write the PNGs and favicon.ico into folder; return their paths."""
    written = []
    for name, image in build(svg).items():
        image.save(folder / name, optimize=True)
        written.append(folder / name)
    # Each size drawn from the SVG, sharper than one image scaled down.
    *smaller, largest = (render(svg, size) for size in FAVICON_SIZES)
    largest.save(folder / "favicon.ico", sizes=[(size, size) for size in FAVICON_SIZES], append_images=smaller)
    written.append(folder / "favicon.ico")
    return written


def main() -> None:
    for path in write(ICONS, SOURCE.read_text(encoding="utf-8")):
        print(path.relative_to(ICONS.parent.parent), file=sys.stderr)


if __name__ == "__main__":
    main()
