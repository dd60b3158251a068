"""A minimal Tk dialog that prints the group chosen or typed; run as ``python -m`` in its own process."""

from __future__ import annotations

import sys


def main(text: str, groups: list[str]) -> int:
    """Show the dialog; exit 0 and print the group (empty: none), 1 when cancelled, 3 without a display."""
    try:
        import tkinter as tk
        from tkinter import ttk

        root = tk.Tk(className="trayapp")
    except Exception as exc:  # ImportError without Tk; TclError without a display
        print(f"cannot open the dialog: {type(exc).__name__} (no display?)", file=sys.stderr)
        return 3
    root.title("trayapp: group")
    root.resizable(False, False)
    answer: list[str] = []
    tk.Label(root, text=text, justify="left", padx=12, pady=8).pack()
    box = ttk.Combobox(root, values=groups, width=32)
    box.pack(padx=12, pady=4)

    def ok(_event: object = None) -> None:
        answer.append(box.get())
        root.destroy()

    buttons = tk.Frame(root)
    tk.Button(buttons, text="No group", command=root.destroy).pack(side="left", padx=4)
    tk.Button(buttons, text="OK", command=ok, default="active").pack(side="left", padx=4)
    buttons.pack(pady=8)
    root.bind("<Return>", ok)
    root.bind("<Escape>", lambda _e: root.destroy())
    box.focus_force()
    root.mainloop()
    if not answer:
        return 1
    print(answer[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Group", sys.argv[2:]))
