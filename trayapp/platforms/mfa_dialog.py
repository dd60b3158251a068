"""A minimal Tk dialog that prints the MFA code it was given; run as ``python -m`` in its own process."""

from __future__ import annotations

import sys
from typing import Any

from trayapp.platforms.tkdialog import ask


def code_field(root: Any) -> Any:
    """Six digits, not echoed."""
    import tkinter as tk

    return tk.Entry(root, show="•", width=12, justify="center", font=("TkFixedFont", 16))


def main(text: str) -> int:
    """Show the dialog; exit 0 and print the code, 1 when cancelled, 3 when no dialog can be shown."""
    return ask("trayapp", text, code_field)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "MFA code"))
