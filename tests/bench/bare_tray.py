"""The reference for the tray rows: a bare pystray app with a 2-item menu (tests/bench/tray_rows.py)."""

from __future__ import annotations

from typing import Any

import pystray
from PIL import Image, ImageDraw


def main() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 60, 60), fill="#2e7d32")

    def setup(icon: Any) -> None:
        icon.visible = True

    menu = pystray.Menu(
        pystray.MenuItem("Hello", lambda icon, item: None, default=True),
        pystray.MenuItem("Quit", lambda icon, item: icon.stop()),
    )
    pystray.Icon("bare", image, "bare", menu=menu).run(setup=setup)


if __name__ == "__main__":
    main()
