"""The switcher window, drawn with Tk: a query line, ranked rows with exact colour swatches, a key footer.

Tk because it ships with Python on Linux, macOS and Windows (Debian's system Python: python3-tk),
starts in tens of milliseconds and draws exact colours; GTK is loaded only in the Linux tray.
Every method runs on the thread that owns the Tk root.
"""

from __future__ import annotations

import logging
import time
import tkinter as tk
from collections.abc import Callable, Sequence
from tkinter import font as tkfont

from trayapp.core.model import Account
from trayapp.core.ranking import Match, Ranker
from trayapp.tray.menu import clean

log = logging.getLogger(__name__)

WIDTH = 560
ROW = 40
VISIBLE = 9
LIMIT = 200  # rows ranked per keystroke; more than anyone scrolls through
BG, FG, QUIET, SELECTED, RING = "#ffffff", "#1f2328", "#6e7781", "#dbe9ff", "#8a8a8a"
FOOTER = "↑↓ select   Enter open   Shift+Enter other mode   Ctrl+C copy credentials   Esc close"

Load = Callable[[], tuple[Sequence[Account], Sequence[str]]]  # the accounts and recent names, now
Act = Callable[[Account, str], str | None]  # ("open" | "open-other" | "copy") -> None, or why not


class SwitcherWindow:
    """One window, shown and hidden again and again (hiding keeps the next show fast)."""

    def __init__(self, root: tk.Tk, load: Load, act: Act, on_close: Callable[[], None]):
        self.root, self.load, self.act, self.on_close = root, load, act, on_close
        self.ranker = Ranker(())
        self.source: tuple[Sequence[Account], Sequence[str]] | None = None
        self.matches: list[Match] = []
        self.selected = 0
        self.top = 0
        self.asked_at: float | None = None
        root.title("trayapp: switch account")
        root.configure(background=BG)
        root.resizable(False, False)
        root.attributes("-topmost", True)
        base = tkfont.nametofont("TkDefaultFont")
        size = abs(int(base.cget("size"))) or 10
        self.font_query = base.copy()
        self.font_query.configure(size=size + 4)
        self.font_name = base.copy()
        self.font_name.configure(size=size + 1, weight="bold")
        self.font_small = base.copy()
        self.font_small.configure(size=max(size - 1, 8))
        self.query = tk.StringVar(root)
        self.entry = tk.Entry(
            root, textvariable=self.query, font=self.font_query, relief="flat", bg=BG, fg=FG,
            highlightthickness=1, highlightcolor=RING, insertbackground=FG,
        )  # fmt: skip
        self.entry.pack(fill="x", padx=10, pady=(10, 6), ipady=4)
        self.canvas = tk.Canvas(root, width=WIDTH, height=ROW * VISIBLE, bg=BG, highlightthickness=0)
        self.canvas.pack(fill="both")
        self.status = tk.Label(root, text=FOOTER, font=self.font_small, fg=QUIET, bg=BG, anchor="w")
        self.status.pack(fill="x", padx=10, pady=(4, 8))
        self.query.trace_add("write", lambda *_: self.filter())
        for sequence, handler in (
            ("<Down>", lambda _e: self.move(1)),
            ("<Up>", lambda _e: self.move(-1)),
            ("<Next>", lambda _e: self.move(VISIBLE)),
            ("<Prior>", lambda _e: self.move(-VISIBLE)),
            ("<Return>", lambda _e: self.choose("open")),
            ("<KP_Enter>", lambda _e: self.choose("open")),
            ("<Shift-Return>", lambda _e: self.choose("open-other")),
            ("<Control-Return>", lambda _e: self.choose("copy")),
            ("<Control-c>", lambda _e: self.choose("copy")),
            ("<Control-C>", lambda _e: self.choose("copy")),
            ("<Escape>", lambda _e: self.close()),
        ):
            self.entry.bind(sequence, self.keyed(handler))
        self.canvas.bind("<Button-1>", self.click)
        self.canvas.bind("<Double-Button-1>", lambda _e: self.choose("open"))
        root.protocol("WM_DELETE_WINDOW", self.close)
        root.bind("<FocusOut>", lambda _e: root.after(150, self.close_if_left), add="+")
        root.bind("<Expose>", self.painted, add="+")

    @staticmethod
    def keyed(handler: Callable[[object], object]) -> Callable[[object], str]:
        """A key handler that also stops Tk's own binding (Ctrl+C would copy the query text)."""

        def run(event: object) -> str:
            handler(event)
            return "break"

        return run

    # -- showing -----------------------------------------------------------------------------

    def show(self) -> None:
        """Fresh accounts and recents, an empty query, the window in front with the keyboard."""
        self.asked_at = time.perf_counter()
        loaded = self.load()
        accounts, recent = tuple(loaded[0]), tuple(loaded[1])
        if self.source is None or accounts != self.source[0]:  # indexing costs ~4 ms per 1,000 accounts
            self.ranker = Ranker(accounts, recent)
        elif recent != self.source[1]:
            self.ranker.set_recent(recent)
        self.source = (accounts, recent)
        self.query.set("")  # runs filter()
        self.status.configure(text=FOOTER, fg=QUIET)
        self.root.deiconify()
        self.place()
        self.root.lift()
        self.entry.focus_force()

    def place(self) -> None:
        """Centred, a little above the middle, where launchers sit."""
        self.root.update_idletasks()
        width, height = self.root.winfo_reqwidth(), self.root.winfo_reqheight()
        x = (self.root.winfo_screenwidth() - width) // 2
        y = max((self.root.winfo_screenheight() - height) // 3, 0)
        self.root.geometry(f"+{x}+{y}")

    def painted(self, event: tk.Event) -> None:  # type: ignore[type-arg,unused-ignore]
        if self.asked_at is not None and event.widget is self.canvas:
            log.debug(
                "switcher painted %.1f ms after it was asked for (at monotonic %.4f)",
                (time.perf_counter() - self.asked_at) * 1000,
                time.monotonic(),
            )
            self.asked_at = None

    def close(self) -> None:
        self.root.withdraw()
        self.on_close()

    def close_if_left(self) -> None:
        """Like a launcher: gone once the keyboard went to another application (not on a first show)."""
        try:
            if self.root.state() == "normal" and self.root.focus_get() is None:
                self.close()
        except (tk.TclError, KeyError):  # destroyed meanwhile; or a focus on a widget Tk has no name for
            pass

    # -- filtering and drawing -------------------------------------------------------------------

    def filter(self) -> None:
        self.matches = self.ranker.rank(self.query.get(), LIMIT)
        self.selected = self.top = 0
        self.draw()

    def move(self, step: int) -> None:
        if not self.matches:
            return
        self.selected = min(max(self.selected + step, 0), len(self.matches) - 1)
        if self.selected < self.top:
            self.top = self.selected
        elif self.selected >= self.top + VISIBLE:
            self.top = self.selected - VISIBLE + 1
        self.draw()

    def draw(self) -> None:
        canvas = self.canvas
        canvas.delete("all")
        if not self.matches:
            text = (
                f"No account matches “{self.query.get().strip()}”"
                if self.source and self.source[0]
                else "No accounts yet: choose Edit accounts… in the tray menu"
            )
            canvas.create_text(16, ROW // 2, text=text, anchor="w", fill=QUIET, font=self.font_name)
            return
        for row, match in enumerate(self.matches[self.top : self.top + VISIBLE]):
            self.draw_row(row, match, self.top + row == self.selected)

    def draw_row(self, row: int, match: Match, selected: bool) -> None:
        canvas, account, y = self.canvas, match.account, row * ROW
        if selected:
            canvas.create_rectangle(0, y, WIDTH, y + ROW, fill=SELECTED, width=0)
        color = f"#{account.color}" if account.color else ""
        canvas.create_oval(12, y + 11, 30, y + 29, fill=color, outline=RING, width=1)
        canvas.create_text(
            42, y + 13, text=one_line(account.display_name), anchor="w", fill=FG, font=self.font_name
        )
        detail = f"{account.account_id} · {account.role_name}"
        canvas.create_text(42, y + 29, text=detail, anchor="w", fill=QUIET, font=self.font_small)
        if account.group:
            canvas.create_text(
                WIDTH - 12, y + 13, text=one_line(account.group), anchor="e", fill=QUIET, font=self.font_small
            )

    def click(self, event: tk.Event) -> None:  # type: ignore[type-arg,unused-ignore]
        index = self.top + event.y // ROW
        if index < len(self.matches):
            self.selected = index
            self.draw()

    # -- acting -------------------------------------------------------------------------------

    def choose(self, what: str) -> None:
        """Hand the selected account to the tray's own actions; close, or say why it cannot be done."""
        if not self.matches:
            return
        problem = self.act(self.matches[self.selected].account, what)
        if problem:
            self.status.configure(text=problem, fg="#b3261e")
            return
        self.close()


def one_line(text: str, limit: int = 60) -> str:
    """A label safe to draw: one line, no control or bidi characters, at most ``limit`` characters."""
    return clean(text, limit)
