"""When only a menu's words change, the toolkit menu is relabelled in place, not rebuilt."""

from __future__ import annotations

from trayapp.tray.menu import SEPARATOR, Command, Entry, OpenConsole
from trayapp.tray.relabel import label_changes

HEADER = (
    Entry("trayapp · george", enabled=False),
    Entry("Console: 🔴 Production · 42 min left", enabled=False),
)
ACCOUNT = Entry(
    "🔴 Production",
    children=(Entry("Open console", OpenConsole("prod", "signed"), default=True),),
    swatch=("c62828", "Production"),
)
MENU = (*HEADER, SEPARATOR, ACCOUNT, Entry("Quit", Command.QUIT))


def with_header(text: str) -> tuple[Entry, ...]:
    return (HEADER[0], Entry(text, enabled=False), *MENU[2:])


def test_changed_words_are_given_by_position_and_nothing_else() -> None:
    assert label_changes(MENU, MENU) == {}
    assert label_changes(MENU, with_header("Console: 🔴 Production · 41 min left")) == {
        (1,): "Console: 🔴 Production · 41 min left"
    }
    renamed = (*MENU[:3], Entry("🔴 Prod", children=ACCOUNT.children, swatch=("c62828", "Prod")), MENU[4])
    assert label_changes(MENU, renamed) == {(3,): "Prod"}  # beside an image: the words without the emoji


def test_anything_but_words_means_a_rebuild() -> None:
    assert label_changes(MENU, (*MENU, Entry("More"))) is None  # a line more
    assert label_changes(MENU, (*MENU[:4], Entry("Quit", Command.RELOAD))) is None  # another action
    assert label_changes(MENU, (Entry("trayapp · george"), *MENU[1:])) is None  # enabled now
    recoloured = (
        *MENU[:3],
        Entry("🔴 Production", children=ACCOUNT.children, swatch=("00897b", "Production")),
    )
    assert label_changes(MENU, (*recoloured, MENU[4])) is None  # another swatch image
    bold = Entry("Open console (switch role)", OpenConsole("prod", "signed"), default=True)
    changed_default = (*MENU[:3], Entry("🔴 Production", children=(bold,), swatch=ACCOUNT.swatch), MENU[4])
    assert label_changes(MENU, changed_default) is None  # the bold default item is drawn as markup
