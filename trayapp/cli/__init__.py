"""The command line: ``parser`` (grammar), ``accounts`` and ``manage`` (one small function per command), ``entry`` (main)."""

from trayapp.cli.entry import main
from trayapp.cli.manage import cmd_tray
from trayapp.cli.parser import build_parser, parse_args

__all__ = ["build_parser", "cmd_tray", "main", "parse_args"]
