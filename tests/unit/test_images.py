"""The tray's pictures: sizes, exact account colours, readable initials, the busy badge, the icon files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from PIL import Image, ImageChops

from trayapp.tray import images

SIZES = (16, 22, 24, 32, 48, 64, 256)
ASSETS = Path(__file__).resolve().parents[2] / "assets"
GREEN = (0x2E, 0x7D, 0x32)
WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int, int]]]:
    """(count, RGBA) for every colour in an RGBA image."""
    return cast(list[tuple[int, tuple[int, int, int, int]]], image.getcolors(image.width * image.height))


def count(image: Image.Image, rgba: tuple[int, int, int, int]) -> int:
    return sum(n for n, colour in colours(image) if colour == rgba)


def near(image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """Opaque pixels within ``tolerance`` of ``rgb`` on every channel."""
    return sum(
        n
        for n, (r, g, b, a) in colours(image)
        if a == 255 and max(abs(r - rgb[0]), abs(g - rgb[1]), abs(b - rgb[2])) <= tolerance
    )


@pytest.mark.parametrize("size", SIZES)
def test_every_picture_is_rgba_of_the_asked_size(size: int) -> None:
    for image in (
        images.mark(size),
        images.account_icon(size, "2e7d32", "SP"),
        images.busy_icon(images.mark(size)),
        images.busy_icon(images.account_icon(size, "#ffeb3b", "PR")),
    ):
        assert image.mode == "RGBA"
        assert image.size == (size, size)


@pytest.mark.parametrize("size", SIZES)
def test_account_icon_keeps_the_exact_colour_over_most_of_the_square(size: int) -> None:
    icon = images.account_icon(size, "2e7d32", "SP")
    assert count(icon, (*GREEN, 255)) >= 0.4 * size * size
    # A band around the letters: the middle of the left edge and of the top edge, inside the corners.
    inset = max(size // 10, 1)
    assert icon.getpixel((inset, size // 2)) == (*GREEN, 255)
    assert icon.getpixel((size // 2, inset)) == (*GREEN, 255)
    # Rounded, anti-aliased corners: the very corner is transparent.
    assert icon.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_colour_accepts_both_spellings_and_rejects_others() -> None:
    assert (
        images.account_icon(24, "#2E7D32", "SP").tobytes()
        == images.account_icon(24, "2e7d32", "SP").tobytes()
    )
    for bad in ("", "2e7d3", "#2e7d32ff", "green", "#ggg000", "2e 7d 32"):
        with pytest.raises(ValueError, match="colour"):
            images.account_icon(24, bad, "SP")
    assert images.parse_color(" #0a0B0c ") == (10, 11, 12)


@pytest.mark.parametrize("size", [0, -3])
def test_sizes_must_be_positive(size: int) -> None:
    with pytest.raises(ValueError, match="size"):
        images.mark(size)
    with pytest.raises(ValueError, match="size"):
        images.account_icon(size, "2e7d32", "SP")


def test_contrast_follows_wcag() -> None:
    assert images.contrast_ratio(WHITE, BLACK) == pytest.approx(21)
    assert images.contrast_ratio(GREEN, GREEN) == pytest.approx(1)
    assert images.relative_luminance(WHITE) == pytest.approx(1)
    assert images.relative_luminance(BLACK) == 0
    for dark in ("2e7d32", "000000", "1565c0", "c62828", "6a1b9a", "263238"):
        assert images.text_color(images.parse_color(dark)) == WHITE, dark
    for light in ("ffeb3b", "ffffff", "ff9800", "81d4fa", "a5d6a7", "bdbdbd"):
        assert images.text_color(images.parse_color(light)) == BLACK, light


@pytest.mark.parametrize(("colour", "ink", "not_ink"), [("2e7d32", WHITE, BLACK), ("ffeb3b", BLACK, WHITE)])
@pytest.mark.parametrize("size", [16, 24, 64])
def test_initials_are_drawn_in_the_contrasting_ink(
    colour: str, ink: tuple[int, int, int], not_ink: tuple[int, int, int], size: int
) -> None:
    icon = images.account_icon(size, colour, "SP")
    assert near(icon, ink) >= size  # a letter's worth of strokes
    assert near(icon, not_ink) == 0
    bare = images.account_icon(size, colour, "")  # nothing to write: the mark's arrows in the ink
    assert near(bare, ink) >= size
    assert near(bare, not_ink) == 0


def test_initials_are_normalised_before_drawing() -> None:
    assert (
        images.account_icon(32, "2e7d32", "sp").tobytes() == images.account_icon(32, "2e7d32", "SP").tobytes()
    )
    assert (
        images.account_icon(32, "2e7d32", "SPX").tobytes()
        == images.account_icon(32, "2e7d32", "SP").tobytes()
    )
    # Characters the bundled font cannot draw are dropped rather than shown as boxes.
    assert (
        images.account_icon(32, "2e7d32", "🚀").tobytes() == images.account_icon(32, "2e7d32", "").tobytes()
    )


@pytest.mark.parametrize("size", SIZES)
def test_busy_icon_differs_from_its_base_and_leaves_the_base_alone(size: int) -> None:
    base = images.account_icon(size, "2e7d32", "SP")
    before = base.tobytes()
    busy = images.busy_icon(base)
    assert base.tobytes() == before
    diff = ImageChops.difference(busy, base).getbbox()
    assert diff is not None
    # The badge sits in the lower right; the top left keeps the account colour.
    assert diff[0] >= size // 3 and diff[1] >= size // 3
    assert count(busy, (*GREEN, 255)) >= 0.25 * size * size


def test_busy_icon_accepts_any_mode_and_size() -> None:
    busy = images.busy_icon(Image.new("RGB", (40, 30), (200, 10, 10)))
    assert busy.mode == "RGBA"
    assert busy.size == (40, 30)


@pytest.mark.parametrize("size", SIZES)
def test_mark_is_crisp_dark_slate_with_a_light_glyph(size: int) -> None:
    mark = images.mark(size)
    area = size * size
    assert near(mark, images.BACKGROUND, 12) >= 0.3 * area
    assert near(mark, images.FOREGROUND, 24) >= 0.06 * area
    assert mark.getpixel((0, 0))[3] == 0  # type: ignore[index]
    assert mark.getpixel((size // 2, size // 2))[3] == 255  # type: ignore[index]


def test_results_are_fresh_copies() -> None:
    first = images.mark(24)
    first.paste((255, 0, 0, 255), (0, 0, 24, 24))
    assert images.mark(24).getpixel((12, 12)) != (255, 0, 0, 255)
    icon = images.account_icon(24, "2e7d32", "SP")
    icon.paste((255, 0, 0, 255), (0, 0, 24, 24))
    assert count(images.account_icon(24, "2e7d32", "SP"), (*GREEN, 255)) > 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Side project", "SP"),
        ("side project", "SP"),
        ("prod", "PR"),
        ("x", "X"),
        ("SideProject", "SP"),
        ("acme-prod-eu", "AP"),
        ("my_account", "MA"),
        ("a.b", "AB"),
        ("team 2", "T2"),
        ("42", "42"),
        ("AWS", "AW"),
        ("  Side   project  ", "SP"),
        ("Élan", "EL"),
        ("Ørsted", "OR"),
        ("Straße", "ST"),
        ("🚀 launch", "LA"),
        ("prod🚀dev", "PD"),
        ("🚀", ""),
        ("", ""),
        ("   ", ""),
        ("Прод", ""),
        ("日本", ""),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert images.initials(name) == expected


def test_images_module_imports_no_pystray() -> None:
    code = "import sys, trayapp.tray.images; sys.exit('pystray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_asset_files_are_the_current_mark() -> None:
    """If this fails after changing ``mark()``, run ``python packaging/make_icons.py``."""
    for name, size in (("trayapp.png", 256), ("trayapp-64.png", 64)):
        with Image.open(ASSETS / name) as stored:
            assert stored.size == (size, size)
            _low, high = zip(
                *ImageChops.difference(stored.convert("RGBA"), images.mark(size)).getextrema(), strict=True
            )
            assert max(high) <= 8, f"{name} is stale: run python packaging/make_icons.py"
    with Image.open(ASSETS / "trayapp.ico") as ico:
        assert {(16, 16), (24, 24), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])


@pytest.mark.parametrize("size", [16, 22, 64])
def test_a_dark_account_colour_gets_a_light_ring_and_stands_apart_from_the_mark(size: int) -> None:
    navy = (0x1A, 0x23, 0x7E)
    assert images.needs_outline(navy) and images.needs_outline(images.BACKGROUND)
    assert not images.needs_outline(GREEN) and not images.needs_outline((0xFF, 0xEB, 0x3B))
    icon = images.account_icon(size, "1a237e", "PR")
    edge = icon.getpixel((0, size // 2))
    assert near(icon, images.FOREGROUND, 30) >= 2 * size  # the ring, most of the way round
    assert edge[3] == 255 and min(edge[:3]) > 150, edge  # type: ignore[index]
    assert count(icon, (*navy, 255)) >= 0.3 * size * size  # and the exact colour inside it
    plain = images.account_icon(size, "2e7d32", "PR")
    assert plain.getpixel((0, size // 2)) == (*GREEN, 255)  # no ring where the colour stands out anyway


@pytest.mark.parametrize("size", [16, 22, 32])
@pytest.mark.parametrize("colour", ["00897b", "c62828", "ad1457", "000000", "ffffff"])
def test_a_swatch_is_the_exact_colour_in_a_grey_ring(size: int, colour: str) -> None:
    rgb = images.parse_color(colour)
    swatch = images.swatch(size, colour)
    assert swatch.mode == "RGBA" and swatch.size == (size, size)
    assert swatch.getpixel((size // 2, size // 2)) == (*rgb, 255)
    assert count(swatch, (*rgb, 255)) >= 0.25 * size * size
    assert swatch.getpixel((0, 0))[3] == 0  # type: ignore[index]  # round, with a clear corner
    ring = [swatch.getpixel((x, size // 2)) for x in range(size // 2)]
    assert any(p[3] > 200 and max(abs(c - 0x8A) for c in p[:3]) <= 40 for p in ring), ring  # type: ignore[index]


def test_red_and_crimson_swatches_differ_where_their_emoji_do_not() -> None:
    from trayapp.core.colors import swatch as emoji

    assert emoji("c62828") == emoji("ad1457") == "🔴"
    assert images.swatch(16, "c62828").tobytes() != images.swatch(16, "ad1457").tobytes()


def test_an_account_without_a_colour_gets_an_empty_ring() -> None:
    ring = images.swatch(16, None)
    assert ring.getpixel((8, 8))[3] == 0  # type: ignore[index]
    assert images.swatch(16, "").tobytes() == ring.tobytes()
    assert max(ring.getchannel("A").tobytes()) > 200
