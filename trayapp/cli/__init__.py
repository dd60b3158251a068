"""The command line: ``parser`` (grammar), ``accounts`` and ``manage`` (one small function per command), ``entry`` (main)."""

from trayapp.cli.entry import main

__all__ = ["main"]  # the grammar is trayapp.cli.parser: the tray's start does not import argparse
