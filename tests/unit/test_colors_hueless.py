"""Greys, black and white have no console palette colour: the switch-role link carries no ``color``."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from trayapp.core.colors import SWITCH_ROLE_PALETTE, has_hue, nearest_palette_color
from trayapp.core.console import switch_role_url
from trayapp.core.model import Account

SIDE = Account(name="side", display_name="Side", account_id="444455556666", role_name="admin")
GREYS = ["000000", "ffffff", "808080", "7f7f80", "fefefe", "010101", "777777", "c0c0c0", "8b8378", "a0a0a8"]


@pytest.mark.parametrize("grey", GREYS)
def test_a_colour_without_a_hue_gets_no_palette_colour(grey: str) -> None:
    assert not has_hue(grey)
    assert nearest_palette_color(grey) is None
    query = parse_qs(urlsplit(switch_role_url(replace(SIDE, color=grey))).query)
    assert "color" not in query and query["displayName"] == ["Side"]


def test_every_hue_of_the_colour_wheel_still_gets_one() -> None:
    """Saturated and pastel colours all round the wheel keep a palette colour (never dropped by the rule)."""
    import colorsys

    for step in range(0, 360, 5):
        for saturation, value in ((1.0, 1.0), (0.35, 0.95), (0.8, 0.45)):
            r, g, b = colorsys.hsv_to_rgb(step / 360, saturation, value)
            hex6 = f"{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
            assert nearest_palette_color(hex6) in SWITCH_ROLE_PALETTE.values(), hex6
