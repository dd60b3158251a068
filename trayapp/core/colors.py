"""Colours: hex parsing, the console's switch-role palette and the menu's emoji swatches, matched as people see them."""

from __future__ import annotations

import math
import re
from functools import lru_cache

HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")

# The switch-role page accepts only its own palette (AWS-FACTS.md); AWS has changed it before.
SWITCH_ROLE_PALETTE = {
    "red": "f2b0a9",
    "orange": "fbc8aa",
    "yellow": "efda95",
    "green": "b7ca9d",
    "blue": "83d4e8",
}
# OKLab chroma under which a colour reads as grey (about one just-noticeable step from neutral).
HUELESS_CHROMA = 0.02
# The menu's swatches (SPEC.md), with the colour each emoji shows in common emoji fonts.
SWATCHES = {
    "🔴": "dd2e44",
    "🟠": "f4900c",
    "🟡": "fdcb58",
    "🟢": "78b159",
    "🔵": "55acee",
    "🟣": "aa8ed6",
    "🟤": "c1694f",
    "⚫": "31373d",
    "⚪": "e6e7e8",
}


def normalize_color(value: str) -> str:
    """Lower-case ``rrggbb`` from "#RRGGBB" or "rrggbb"; raises ValueError otherwise."""
    m = HEX_COLOR.fullmatch(value.strip())
    if not m:
        raise ValueError(f'expected a hex colour such as "#2e7d32", got {value!r}')
    return m.group(1).lower()


def rgb(value: str) -> tuple[int, int, int]:
    """``(r, g, b)`` of "#rrggbb" or "rrggbb"; raises ValueError otherwise."""
    hex6 = normalize_color(value)
    return int(hex6[0:2], 16), int(hex6[2:4], 16), int(hex6[4:6], 16)


@lru_cache(maxsize=1024)
def oklab(hex6: str) -> tuple[float, float, float]:
    """OKLab of an sRGB colour: unlike CIE L*a*b*, its hue angle keeps pure and pale blues together."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(hex6))
    lms = (
        0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b,
        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b,
    )
    l_, m_, s_ = (c ** (1 / 3) for c in lms)
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def has_hue(hex6: str) -> bool:
    """False for greys, black and white: their hue angle is rounding noise, not a colour."""
    _, a, b = oklab(hex6)
    return math.hypot(a, b) >= HUELESS_CHROMA


def nearest_palette_color(hex6: str) -> str | None:
    """The switch-role palette colour closest in hue to ``hex6`` (the palette is all pastels); None for greys."""
    if not has_hue(hex6):
        return None
    _, a, b = oklab(hex6)
    hue = math.atan2(b, a)

    def hue_distance(candidate: str) -> tuple[float, float]:
        _, ca, cb = oklab(candidate)
        turn = abs(hue - math.atan2(cb, ca)) % (2 * math.pi)
        return min(turn, 2 * math.pi - turn), math.dist((a, b), (ca, cb))

    return min(SWITCH_ROLE_PALETTE.values(), key=hue_distance)


@lru_cache(maxsize=1024)
def swatch(hex6: str | None) -> str:
    """The emoji circle nearest to a colour, for menu labels; "" without a colour.

    OKLab distance with hue and chroma weighted over lightness, so dark blue stays blue, not black.
    """
    if not hex6:
        return ""

    def weighted(hex_: str) -> tuple[float, float, float]:
        lightness, a, b = oklab(hex_)
        return lightness * 0.5, a * 2, b * 2

    target = weighted(hex6)
    return min(SWATCHES, key=lambda emoji: math.dist(target, weighted(SWATCHES[emoji])))
