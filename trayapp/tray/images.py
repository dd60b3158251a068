"""The tray's pictures, drawn with Pillow: the trayapp mark, an account's icon and the busy overlay.

Everything here is pure (no pystray, no files, no side effects at import) and cheap: results are
cached by their arguments and every function hands back a fresh RGBA copy the caller may change.
Shapes are drawn at four times the asked size and scaled down with LANCZOS, so their edges stay
smooth from 16 px to 256 px; text is rendered by FreeType at the final size, where its hinting
keeps small letters sharp. The font is the one bundled with Pillow (``ImageFont.load_default``),
so no system font is needed.

Safe to call from any thread.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from trayapp.core.colors import rgb as parse_color  # the one hex-colour parser: "#2e7d32" -> (46, 125, 50)

__all__ = [
    "BACKGROUND",
    "FOREGROUND",
    "account_icon",
    "busy_icon",
    "contrast_ratio",
    "initials",
    "mark",
    "needs_outline",
    "parse_color",
    "relative_luminance",
    "swatch",
    "terminal_badge",
    "text_color",
    "warning_badge",
]

RGB = tuple[int, int, int]

BACKGROUND: RGB = (0x26, 0x32, 0x38)
"""The mark's dark slate."""
FOREGROUND: RGB = (0xEC, 0xEF, 0xF1)
"""The mark's light glyph."""

WHITE: RGB = (0xFF, 0xFF, 0xFF)
BLACK: RGB = (0x00, 0x00, 0x00)
RING: RGB = (0x8A, 0x8A, 0x8A)
"""A menu swatch's outline: a mid grey that stands out on light and on dark menus alike."""
DARK_CONTRAST = 2.0  # account colours closer than this to the mark's slate get a light outline

_SUPERSAMPLE = 4
_RADIUS = 0.22  # corner radius of the rounded square, as a fraction of its side


# --- colours -------------------------------------------------------------------------------------


def relative_luminance(rgb: RGB) -> float:
    """The WCAG 2 relative luminance of an sRGB colour, from 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """The WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_color(background: RGB) -> RGB:
    """White or black, whichever contrasts better with ``background`` (white wins a tie)."""
    return WHITE if contrast_ratio(WHITE, background) >= contrast_ratio(BLACK, background) else BLACK


# --- initials ------------------------------------------------------------------------------------

_WORD_BREAK = re.compile(r"[^A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Latin letters that Unicode does not decompose into a plain letter and a mark.
_LATIN = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "TH",
    }
)


def initials(display_name: str) -> str:
    """One or two upper-case ASCII letters or digits that stand for ``display_name`` on its icon.

    - Several words (split on anything but letters and digits: spaces, ``-``, ``_``, ``.``,
      emoji): the first character of the first two: ``"Side project"`` -> ``"SP"``,
      ``"acme-prod-eu"`` -> ``"AP"``, ``"team 2"`` -> ``"T2"``.
    - One camel-case word: its first two humps: ``"SideProject"`` -> ``"SP"``.
    - One plain word: its first two characters: ``"prod"`` -> ``"PR"``, ``"x"`` -> ``"X"``.

    Latin letters lose their accents (``"Élan"`` -> ``"EL"``, ``"Straße"`` -> ``"ST"``). Other
    scripts, emoji and symbols count as spaces, because the bundled font draws only ASCII
    letters and digits. Returns ``""`` when nothing is left (``""``, ``"🚀"``, ``"Прод"``):
    the icon then shows the mark's arrows on the colour.
    """
    folded = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", display_name.translate(_LATIN))
        if not unicodedata.combining(ch)
    )
    words = [w for w in _WORD_BREAK.split(folded) if w]
    if len(words) == 1:
        words = [w for w in _CAMEL.split(words[0]) if w]
    if not words:
        return ""
    picked = words[0][0] + words[1][0] if len(words) >= 2 else words[0][:2]
    return picked.upper()


# --- drawing -------------------------------------------------------------------------------------


def _check_size(size: int) -> None:
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"icon size must be a positive integer, not {size!r}")


def _rounded_square(size: int, fill: RGB, outline: RGB | None = None) -> Image.Image:
    """A square of ``fill`` with rounded, anti-aliased corners, ``size`` px, supersampled.

    ``outline`` draws a thin ring of that colour just inside the edge (about a twentieth of the side).
    """
    big = size * _SUPERSAMPLE
    canvas = Image.new("RGBA", (big, big), (*fill, 0))
    draw = ImageDraw.Draw(canvas)
    radius = round(big * _RADIUS)
    if outline is None:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=(*fill, 255))
    else:
        ring = max(round(size / 20), 1) * _SUPERSAMPLE
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=(*outline, 255))
        draw.rounded_rectangle(
            (ring, ring, big - 1 - ring, big - 1 - ring), radius=max(radius - ring, 0), fill=(*fill, 255)
        )
    # A box filter keeps a ring's neighbours exact; LANCZOS (sharper) would smear it inwards.
    small = canvas.resize((size, size), Image.Resampling.LANCZOS if outline is None else Image.Resampling.BOX)
    # LANCZOS rings a little past the edge; drop that faint halo so the corners are truly clear.
    small.putalpha(small.getchannel("A").point(lambda a: 0 if a < 8 else a))
    return small


def _arrow(draw: ImageDraw.ImageDraw, y: float, tail: float, tip: float, width: float, fill: RGB) -> None:
    """A horizontal arrow from ``tail`` to ``tip`` at height ``y`` (supersampled coordinates)."""
    head = width * 1.55  # half the height of the arrow head
    direction = 1 if tip > tail else -1
    neck = tip - direction * head * 1.1
    draw.rectangle(
        (min(tail, neck), y - width / 2, max(tail, neck), y + width / 2),
        fill=fill,
    )
    draw.polygon([(neck, y - head), (tip, y), (neck, y + head)], fill=fill)


def _arrows(size: int, ink: RGB) -> Image.Image:
    """Two opposed arrows, offset like a "switch" sign (one account out, the other in), on clear."""
    big = size * _SUPERSAMPLE
    glyph = Image.new("RGBA", (big, big), (*ink, 0))
    draw = ImageDraw.Draw(glyph)
    width = big * 0.105
    _arrow(draw, big * 0.35, tail=big * 0.20, tip=big * 0.82, width=width, fill=(*ink,))
    _arrow(draw, big * 0.65, tail=big * 0.80, tip=big * 0.18, width=width, fill=(*ink,))
    return glyph.resize((size, size), Image.Resampling.LANCZOS)


@lru_cache(maxsize=32)
def _mark(size: int) -> Image.Image:
    return Image.alpha_composite(_rounded_square(size, BACKGROUND), _arrows(size, FOREGROUND))


def mark(size: int) -> Image.Image:
    """The trayapp mark, ``size`` x ``size`` RGBA: two light opposed arrows on a dark slate square.

    Used whenever no account is active, and for the application's icon files.
    """
    _check_size(size)
    return _mark(size).copy()


def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(px, 1))


def _fit_font(
    text: str, box: float, stroke: float
) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, tuple[float, float, float, float]]:
    """The largest bundled font whose ink for ``text`` fits a ``box`` x ``box`` square."""
    px = max(int(box * (1.0 if len(text) == 1 else 0.75)), 1)
    while True:
        font = _font(px)
        bbox = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
            (0, 0), text, font=font, anchor="mm", stroke_width=stroke
        )
        if (bbox[2] - bbox[0] <= box and bbox[3] - bbox[1] <= box) or px <= 4:
            return font, bbox
        px -= 1


def needs_outline(rgb: RGB) -> bool:
    """Whether an account colour is too close to the neutral mark's slate (and to dark panels) alone."""
    return contrast_ratio(rgb, BACKGROUND) < DARK_CONTRAST


@lru_cache(maxsize=128)
def _account_icon(size: int, rgb: RGB, text: str) -> Image.Image:
    # A dark colour gets a light ring: it must not pass for the neutral mark, nor melt into a dark panel.
    icon = _rounded_square(size, rgb, FOREGROUND if needs_outline(rgb) else None)
    ink = text_color(rgb)
    if not text:
        # No letter the bundled font can draw ("Прод", "🚀"): the mark's arrows, never a blank square.
        glyph = _arrows(size, ink)
        return Image.alpha_composite(icon, glyph)
    # A hairline stroke in the ink colour gives the regular face a bold weight; below 20 px it
    # would close the counters, so small icons get a thinner one.
    stroke = size / 48 if size > 24 else 0.3
    # Small icons give the letters more of the square: legibility beats margins there.
    share = (0.80 if size <= 24 else 0.66) if len(text) == 2 else (0.66 if size <= 24 else 0.56)
    font, bbox = _fit_font(text, size * share, stroke)
    # Centre the ink (not the advance box): anchor "mm" centres on the font's middle line, which
    # puts capitals a little high; correct by the measured ink box.
    cx = size / 2 - (bbox[0] + bbox[2]) / 2
    cy = size / 2 - (bbox[1] + bbox[3]) / 2
    draw = ImageDraw.Draw(icon)
    draw.text(
        (cx, cy), text, fill=(*ink, 255), font=font, anchor="mm", stroke_width=stroke, stroke_fill=(*ink, 255)
    )
    return icon


def account_icon(size: int, color_hex: str, initials: str) -> Image.Image:
    """An active account's icon: a rounded square of exactly ``color_hex`` with ``initials`` on it.

    The square keeps the exact colour everywhere outside the letters' anti-aliased edges (a band of
    at least an eighth of the side around them), so a screenshot can find it. The letters are
    white or black, whichever contrasts better with the colour (WCAG). ``initials`` (normally from
    :func:`initials`) is upper-cased and cut to two ASCII letters or digits, the only characters
    the bundled font draws; anything else is dropped, and ``""`` (say, a name in another script) draws the mark's
    arrows instead: never a blank square. A dark colour (:func:`needs_outline`) gets a thin
    light ring inside the edge, so it stands apart from the neutral mark and from a dark panel.
    Raises ``ValueError`` for a colour that is not ``#rrggbb``/``rrggbb`` or a bad size.
    """
    _check_size(size)
    text = "".join(ch for ch in initials.upper() if ch.isascii() and ch.isalnum())[:2]
    return _account_icon(size, parse_color(color_hex), text).copy()


@lru_cache(maxsize=512)
def _swatch(size: int, rgb: RGB | None) -> Image.Image:
    big = size * _SUPERSAMPLE
    canvas = Image.new("RGBA", (big, big), (*RING, 0))
    ring = max(round(size / 16), 1) * _SUPERSAMPLE
    margin = _SUPERSAMPLE  # one clear pixel all round, like the menu's own icons
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((margin, margin, big - 1 - margin, big - 1 - margin), fill=(*RING, 255))
    inner = (margin + ring, margin + ring, big - 1 - margin - ring, big - 1 - margin - ring)
    draw.ellipse(inner, fill=(*rgb, 255) if rgb else (0, 0, 0, 0))
    small = canvas.resize((size, size), Image.Resampling.LANCZOS)
    if rgb:  # LANCZOS rings inside the disc too: repaint its inner part in the exact colour
        inset = (margin + ring) / _SUPERSAMPLE + 1
        ImageDraw.Draw(small).ellipse((inset, inset, size - 1 - inset, size - 1 - inset), fill=(*rgb, 255))
    return small


def swatch(size: int, color_hex: str | None) -> Image.Image:
    """A menu item's colour swatch: a disc of exactly ``color_hex`` in a thin grey ring, ``size`` px.

    The ring keeps a dark colour visible on a dark menu and a pale one on a light menu; the
    middle of the disc is the exact colour. No colour (``None`` or ``""``) draws the ring alone.
    """
    _check_size(size)
    return _swatch(size, parse_color(color_hex) if color_hex else None).copy()


def busy_icon(base: Image.Image) -> Image.Image:
    """``base`` with a "working" badge: a light spinner arc on a dark disc in the lower right corner.

    The badge covers the bottom-right quarter only, so the account's colour stays visible in the
    rest of the icon. Returns a new RGBA image of ``base``'s size; ``base`` is not changed.
    """
    icon = base.convert("RGBA")  # always a copy
    side = min(icon.size)
    big = side * _SUPERSAMPLE
    badge = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(badge)
    d = big * 0.5  # the disc's diameter
    disc = (big - d, big - d, big - 1, big - 1)
    draw.ellipse(disc, fill=(0x11, 0x11, 0x11, 235), outline=(*WHITE, 255), width=max(int(big * 0.03), 1))
    inset = d * 0.22
    ring = (disc[0] + inset, disc[1] + inset, disc[2] - inset, disc[3] - inset)
    draw.arc(ring, start=-90, end=180, fill=(*WHITE, 255), width=max(int(d * 0.14), 1))
    badge = badge.resize((side, side), Image.Resampling.LANCZOS)
    layer = Image.new("RGBA", icon.size, (0, 0, 0, 0))
    layer.paste(badge, (icon.width - side, icon.height - side))
    return Image.alpha_composite(icon, layer)


# --- state badges --------------------------------------------------------------------------------

WARNING_FILL: RGB = (0xFF, 0xB3, 0x00)
"""Amber: the warning badge's triangle (a config problem waits in the menu)."""


def _badge(
    base: Image.Image, draw_on: Callable[[ImageDraw.ImageDraw, float], None], corner: str
) -> Image.Image:
    """``base`` with a badge drawn (supersampled) in one corner, half the icon's side."""
    icon = base.convert("RGBA")
    side = min(icon.size)
    big = side * _SUPERSAMPLE
    layer = Image.new("RGBA", (big // 2, big // 2), (0, 0, 0, 0))
    draw_on(ImageDraw.Draw(layer), big / 2)
    small = layer.resize((side // 2, side // 2), Image.Resampling.LANCZOS)
    x = 0 if corner.endswith("left") else icon.width - small.width
    y = 0 if corner.startswith("top") else icon.height - small.height
    overlay = Image.new("RGBA", icon.size, (0, 0, 0, 0))
    overlay.paste(small, (x, y))
    return Image.alpha_composite(icon, overlay)


def warning_badge(base: Image.Image) -> Image.Image:
    """``base`` with an amber warning triangle ("!") in the top right: a problem waits in the menu.

    Drawn large enough (half the side) to read at 22 px; the account colour keeps the rest.
    """

    def draw(d: ImageDraw.ImageDraw, s: float) -> None:
        d.polygon([(s / 2, s * 0.04), (s * 0.98, s * 0.94), (s * 0.02, s * 0.94)], fill=(*BLACK, 255))
        d.polygon([(s / 2, s * 0.16), (s * 0.86, s * 0.86), (s * 0.14, s * 0.86)], fill=(*WARNING_FILL, 255))
        d.rectangle((s * 0.45, s * 0.36, s * 0.55, s * 0.64), fill=(*BLACK, 255))
        d.rectangle((s * 0.45, s * 0.70, s * 0.55, s * 0.80), fill=(*BLACK, 255))

    return _badge(base, draw, "top right")


def terminal_badge(base: Image.Image) -> Image.Image:
    """``base`` with a small light "prompt" disc in the bottom left: terminal credentials are live.

    Neutral colours only, so it never reads as an account's colour; the icon's colour stays the
    console's.
    """

    def draw(d: ImageDraw.ImageDraw, s: float) -> None:
        d.ellipse(
            (s * 0.06, s * 0.06, s * 0.94, s * 0.94),
            fill=(*FOREGROUND, 255),
            outline=(*BLACK, 255),
            width=max(int(s * 0.08), 1),
        )
        w = max(int(s * 0.12), 1)
        d.line(
            [(s * 0.30, s * 0.32), (s * 0.50, s * 0.50), (s * 0.30, s * 0.68)],
            fill=(*BACKGROUND, 255),
            width=w,
        )

    return _badge(base, draw, "bottom left")
