"""The quick switcher: a small keyboard-first window to find an account and act on it.

``window`` draws it with Tk (which ships with Python on Linux, macOS and Windows); ``host`` runs
it inside the tray (on a thread of its own) or on its own for ``trayapp switch``; ``ipc`` lets
``trayapp switch`` ask a running tray to show its window. Filtering and ranking are pure, in
:mod:`trayapp.core.ranking`. Only ``window`` imports tkinter, and only ``host`` imports it, when
a window is about to open.
"""
