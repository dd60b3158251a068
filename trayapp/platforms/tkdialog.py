"""The small Tk dialog our own prompts are made of: a line of text, one field, a cancel button and OK."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def ask(title: str, text: str, field: Callable[[Any], Any], cancel: str = "Cancel") -> int:
    """Show the dialog; print what the field holds and exit 0, 1 when cancelled, 3 without a display.

    ``field`` makes the input widget in the given Tk root (it has ``get()``). Run in a process of
    its own (``python -m``): the answer travels on stdout, never on a command line.
    """
    try:
        import tkinter as tk

        root = tk.Tk(className="trayapp")
    except Exception as exc:  # ImportError without Tk; TclError without a display
        print(f"cannot open the dialog: {type(exc).__name__} (no display?)", file=sys.stderr)
        return 3
    root.title(title)
    root.resizable(False, False)
    answer: list[str] = []
    tk.Label(root, text=text, justify="left", padx=12, pady=8).pack()
    entry = field(root)
    entry.pack(padx=12, pady=4)

    def ok(_event: object = None) -> None:
        answer.append(entry.get())
        root.destroy()

    buttons = tk.Frame(root)
    tk.Button(buttons, text=cancel, command=root.destroy).pack(side="left", padx=4)
    tk.Button(buttons, text="OK", command=ok, default="active").pack(side="left", padx=4)
    buttons.pack(pady=8)
    root.bind("<Return>", ok)
    root.bind("<Escape>", lambda _e: root.destroy())
    entry.focus_force()
    root.mainloop()
    if not answer:
        return 1
    print(answer[0])
    return 0
