"""A minimal Tk dialog that prints the group chosen or typed; run as ``python -m`` in its own process."""

from __future__ import annotations

import sys
from typing import Any

from trayapp.platforms.tkdialog import ask


def main(text: str, groups: list[str]) -> int:
    """Show the dialog; exit 0 and print the group (empty: none), 1 when cancelled, 3 without a display."""

    def group_field(root: Any) -> Any:
        from tkinter import ttk

        return ttk.Combobox(root, values=groups, width=32)

    return ask("trayapp: group", text, group_field, cancel="No group")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Group", sys.argv[2:]))
