"""Render the trayapp mark into the icon files under ``assets/``.

    python packaging/make_icons.py [--out DIR]
    python packaging/make_icons.py --hicolor ~/.local/share/icons/hicolor     (what install.sh runs)

Writes ``trayapp.png`` (256 px), ``trayapp-64.png``, ``trayapp.ico`` (Windows, 16 to 256 px) and
``trayapp.icns`` (macOS, 16 to 1024 px), each size drawn on its own rather than scaled from the
largest, so the small ones stay crisp. ``--hicolor DIR`` writes ``DIR/NxN/apps/trayapp.png`` at the
freedesktop.org theme's standard sizes instead. The output is deterministic: running it again on
the same Pillow gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trayapp.tray.images import mark  # noqa: E402  (needs the path above when run as a script)

ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # Apple's icon sizes, @1x and @2x
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def render(out: Path) -> list[Path]:
    """Write the icon files into ``out`` (created if missing); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, size in (("trayapp.png", 256), ("trayapp-64.png", 64)):
        path = out / name
        mark(size).save(path, optimize=True)
        written.append(path)
    ico = out / "trayapp.ico"
    largest = mark(max(ICO_SIZES))
    # Pillow's ICO writer takes the frames as append_images and keeps each one whose size is
    # listed; without them it would scale the largest down for every size.
    largest.save(
        ico,
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[mark(s) for s in ICO_SIZES if s != max(ICO_SIZES)],
    )
    written.append(ico)
    icns = out / "trayapp.icns"
    # Pillow's ICNS writer likewise takes each size from append_images when one is given.
    mark(max(ICNS_SIZES)).save(icns, format="ICNS", append_images=[mark(s) for s in ICNS_SIZES[:-1]])
    written.append(icns)
    return written


def render_hicolor(theme: Path) -> list[Path]:
    """Write ``trayapp.png`` into the hicolor icon theme folder at every standard size."""
    written = []
    for size in HICOLOR_SIZES:
        path = theme / f"{size}x{size}" / "apps" / "trayapp.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        mark(size).save(path, optimize=True)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "assets", help="folder to write into (default: assets/)"
    )
    parser.add_argument("--hicolor", type=Path, help="write PNGs into this hicolor icon theme folder instead")
    args = parser.parse_args(argv)
    if args.hicolor:  # absolute paths: install.sh keeps them to uninstall
        for path in render_hicolor(args.hicolor.resolve()):
            print(path)
        return 0
    for path in render(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
