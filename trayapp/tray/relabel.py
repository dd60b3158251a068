"""Which menu lines only changed their words, so the toolkit menu can be relabelled instead of rebuilt.

A rebuilt menu closes the one the user has open on StatusNotifierItem hosts (xfce4-panel, KDE):
the header's "42 min left" changes every minute, and the menu must not close every minute.
"""

from __future__ import annotations

from trayapp.tray.menu import Entry

Path = tuple[int, ...]


def shown_text(entry: Entry) -> str:
    """The words the toolkit item carries: the label, or the label without its emoji beside an image."""
    return entry.swatch[1] if entry.swatch else entry.label


def label_changes(old: tuple[Entry, ...], new: tuple[Entry, ...], at: Path = ()) -> dict[Path, str] | None:
    """The new words of each changed line by its position, or None when anything but words changed."""
    if len(old) != len(new):
        return None
    changes: dict[Path, str] = {}
    for index, (before, after) in enumerate(zip(old, new, strict=True)):
        path = (*at, index)
        same_shape = (
            before.separator == after.separator
            and before.action == after.action
            and before.enabled == after.enabled
            and before.default == after.default
            and before.checked == after.checked
            and (before.swatch or ("", ""))[0] == (after.swatch or ("", ""))[0]
            and (before.swatch is None) == (after.swatch is None)
        )
        if not same_shape:
            return None
        if shown_text(before) != shown_text(after):
            if after.default:
                return None  # drawn in bold markup by pystray: rebuilt, not relabelled
            changes[path] = shown_text(after)
        inner = label_changes(before.children, after.children, path)
        if inner is None:
            return None
        changes.update(inner)
    return changes
