"""The state badges stay legible at 22 px and never hide or imitate the console's colour."""

from __future__ import annotations

import pytest
from PIL import Image

from trayapp.tray import images

RED = (0xC6, 0x28, 0x28)


def pixels(icon: Image.Image) -> list[tuple[int, int, int, int]]:
    return [icon.getpixel((x, y)) for y in range(icon.height) for x in range(icon.width)]  # type: ignore[misc]


def exact(icon: Image.Image, rgb: tuple[int, int, int]) -> int:
    return sum(1 for pixel in pixels(icon) if pixel[:3] == rgb and pixel[3] == 255)


@pytest.mark.parametrize("size", [16, 22, 32, 64])
def test_badges_leave_most_of_the_console_colour(size: int) -> None:
    base = images.account_icon(size, "c62828", "PR")
    both = images.warning_badge(images.terminal_badge(base))
    assert both.size == base.size and both.mode == "RGBA"
    assert exact(both, RED) >= exact(base, RED) * 0.45  # two quarters at most, letters included


def test_badges_are_drawn_where_they_belong_at_22_px() -> None:
    base = images.account_icon(22, "c62828", "PR")
    terminal, warning = images.terminal_badge(base), images.warning_badge(base)
    # The terminal badge: light pixels in the lower left quarter, the upper right untouched.
    lower_left = terminal.crop((0, 11, 11, 22))
    assert sum(1 for p in pixels(lower_left) if min(p[:3]) > 200) >= 12
    assert list(pixels(terminal.crop((11, 0, 22, 11)))) == list(pixels(base.crop((11, 0, 22, 11))))
    # The warning badge: amber in the upper right quarter.
    upper_right = warning.crop((11, 0, 22, 11))
    amber = sum(1 for p in pixels(upper_right) if p[0] > 200 and 120 < p[1] < 210 and p[2] < 90)
    assert amber >= 10
    assert list(pixels(warning.crop((0, 11, 11, 22)))) == list(pixels(base.crop((0, 11, 11, 22))))


def test_the_terminal_badge_never_uses_an_account_colour() -> None:
    neutral = images.terminal_badge(images.mark(64))
    colours = {p[:3] for p in pixels(neutral) if p[3] == 255}
    assert all(max(c) - min(c) <= 40 for c in colours), colours  # greys and slates only
