"""Entry point for ``python -m trayapp`` and the ``trayapp`` script: a cache hit is answered before the CLI loads."""

from __future__ import annotations

import sys


def main() -> int:
    """The fast path for ``creds`` on a cache hit (trayapp.fastpath), else the full command line."""
    if "creds" in sys.argv[1:]:  # other commands (the tray) do not even import the fast path
        from trayapp.fastpath import answer

        code = answer(sys.argv[1:])
        if code is not None:
            return code
    from trayapp.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
