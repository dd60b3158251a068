"""The stdlib-webbrowser fallback ($BROWSER, xdg-open) gives the browser stdio of its own, like every helper."""

from __future__ import annotations

import os
from pathlib import Path

from support.cli import run_python


def test_a_browser_from_the_browser_variable_never_holds_our_stdout(tmp_path: Path) -> None:
    """``trayapp open X | cat`` must end: a browser that inherited the pipe would hold it for 30 s."""
    out = tmp_path / "argv"
    script = tmp_path / "browser.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {out}\n(sleep 30 &)\necho noise\necho more >&2\n')
    script.chmod(0o755)
    url = "https://example.com/console?x=1&y=2"
    caller = f"from trayapp.platforms import browser; browser.open_url({url!r})"
    # timeout: the pipe held by the sleeping grandchild would run past it
    done = run_python(caller, {**os.environ, "BROWSER": str(script)}, timeout=20)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done
    assert out.read_text().splitlines() == [url]  # $BROWSER is waited for, as the stdlib does


def test_a_failing_browser_variable_is_one_sentence(tmp_path: Path) -> None:
    script = tmp_path / "broken.sh"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(0o755)
    caller = "from trayapp.platforms import browser; browser.open_url('https://example.com/')"
    done = run_python(caller, {**os.environ, "BROWSER": str(script)}, timeout=20)
    assert done.returncode == 1 and "trayapp.core.errors.TrayappError: no web browser found" in done.stderr
