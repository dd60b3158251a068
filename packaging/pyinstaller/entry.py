"""The frozen trayapp's entry point (PyInstaller runs this file as ``__main__``).

``trayapp ARGS`` runs the command line, as the ``trayapp`` script does.

``trayapp -m trayapp[.MODULE] ARGS`` runs a bundled trayapp module the way ``python -m`` would.
trayapp starts its helpers (the clipboard clear, the Tk MFA dialog) and writes its
``credential_process`` and autostart lines as ``sys.executable -m ...``; in the bundle
``sys.executable`` is this program, so those lines keep working unchanged.

Child processes get the library search path the user started us with. The bootloader points
``LD_LIBRARY_PATH`` at the bundle's own libraries and restarts itself with it; left alone it would
leak into ``xdg-open``, a web browser, ``xclip``, ``zenity`` or the command ``trayapp exec`` runs,
whose system libraries the bundle's copies would then shadow (PyInstaller's "Common Issues and
Pitfalls"). This process resolved its libraries at start-up, so restoring the variable changes
nothing for it. ``PYINSTALLER_RESET_ENVIRONMENT=1`` then makes a bundled helper started with ``-m``
(or any other PyInstaller program, such as AWS CLI v2) start as a top-level process that sets its
own library path again, instead of taking itself for our restarted child.

The variables PyInstaller's GTK run-time hooks set (``GI_TYPELIB_PATH``, ``GTK_PATH``,
``GDK_PIXBUF_MODULE_FILE``, ``XDG_DATA_DIRS`` ...) stay: GTK reads some of them lazily, after
this point, in the tray.
"""

from __future__ import annotations

import os
import runpy
import sys


def environment_for_children() -> None:
    """Give child processes the user's library path; make bundled children start afresh."""
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)
    os.environ["PYINSTALLER_RESET_ENVIRONMENT"] = "1"


def main() -> int:
    environment_for_children()
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "-m":
        module = args[1]
        if module != "trayapp" and not module.startswith("trayapp."):
            print(f"trayapp: -m runs trayapp's own modules only, not {module!r}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *args[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0

    from trayapp.__main__ import main as trayapp_main  # the cache-hit fast path, then the CLI

    return trayapp_main()


if __name__ == "__main__":
    sys.exit(main())
