"""Build the one-folder Linux bundle of trayapp with PyInstaller.

    python packaging/build_bundle.py [--dist DIR] [--work DIR]

Runs PyInstaller on ``packaging/pyinstaller/trayapp.spec``: the program lands in
``DIR/trayapp/trayapp`` (default ``dist/``), PyInstaller's work files in ``--work`` (default
``build/``). Needs the project's ``package`` extra (``pip install -e '.[package]'``) and, to bundle
the tray, PyGObject with the GTK 3 and Ayatana AppIndicator typelibs installed
(``packaging/debian-packages.txt``). Prints how long the build took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "trayapp.spec"


def build(dist: Path, work: Path, *, quiet: bool = False, clean: bool = False) -> Path:
    """Build the bundle; return the path of its program (``dist/trayapp/trayapp``).

    ``clean`` empties PyInstaller's caches first; without it a rebuild reuses ``work``'s analysis
    where its inputs did not change.
    """
    try:
        import PyInstaller.__main__
    except ImportError:
        raise SystemExit("PyInstaller is not installed: pip install -e '.[package]'") from None
    args = [
        str(SPEC),
        "--noconfirm",
        *(["--clean"] if clean else []),
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        "--log-level",
        "WARN" if quiet else "INFO",
    ]
    PyInstaller.__main__.run(args)
    return dist / "trayapp" / "trayapp"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dist", type=Path, default=ROOT / "dist", help="where the bundle goes (default dist/)"
    )
    parser.add_argument(
        "--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder (default build/)"
    )
    parser.add_argument("--quiet", action="store_true", help="show PyInstaller's warnings only")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's caches first")
    args = parser.parse_args(argv)
    began = time.monotonic()
    program = build(args.dist.resolve(), args.work.resolve(), quiet=args.quiet, clean=args.clean)
    print(f"built {program} in {time.monotonic() - began:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
