"""``trayapp COMMAND``: parse, build the Environment (once) unless given one, run, say errors in one sentence."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from trayapp.cli.context import Context
from trayapp.core.errors import TrayappError

if TYPE_CHECKING:
    import argparse

    from trayapp.environment import Environment

log = logging.getLogger("trayapp")


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    """Run one command; exit 0 on success, 1 for AWS/system errors, 2 for usage or config errors.

    ``env`` is the outside world (tests pass a fake one); the real one is built here, once.
    """
    from trayapp.core.display import safe_lines, safe_text
    from trayapp.core.redact import configure_logging, redact

    if env is None:
        from trayapp.environment import Environment

        env = Environment.from_system()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    debug = getattr(args, "debug", False)
    configure_logging(debug)  # every diagnostic below goes through its redacting filter
    # botocore logs its own refresh failures with tracebacks; trayapp says them in one sentence.
    logging.getLogger("botocore").setLevel(logging.WARNING if debug else logging.CRITICAL)
    try:
        code: int = args.run(Context(args, env))
        return code
    except TrayappError as exc:
        if debug:
            log.exception("failed")
        print(f"trayapp: {redact(safe_lines(str(exc)))}", file=env.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("trayapp: interrupted", file=env.stderr)
        return 130
    except OSError as exc:
        if debug:
            log.exception("failed")
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        print(f"trayapp: {redact(safe_text(f'{where}{reason}'))}", file=env.stderr)
        return 1
    except Exception as exc:
        if debug:
            log.exception("unexpected error")  # the traceback goes through the redacting filter too
        print(
            f"trayapp: unexpected error ({type(exc).__name__}); run again with --debug for details",
            file=env.stderr,
        )
        return 1


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command to run; plain ``trayapp`` and ``trayapp tray`` skip argparse altogether (the tray's start)."""
    if list(argv) in ([], ["tray"]):
        from trayapp.cli.manage import cmd_tray

        # What argparse would give, attribute for attribute (a test compares them), without importing it.
        return cast("argparse.Namespace", SimpleNamespace(command="tray", run=cmd_tray))
    from trayapp.cli.parser import parse_args as parse_with_argparse

    return parse_with_argparse(argv)
