"""Open a URL in the user's browser: a configured command template, else stdlib webbrowser."""

from __future__ import annotations

import shlex
import subprocess

from trayapp.core.errors import TrayappError


def browser_argv(template: str, url: str) -> list[str]:
    """The argv for a ``firefox -P work {url}`` template; the URL is always one whole argument."""
    words = shlex.split(template)
    if any("{url}" in w for w in words):
        return [url if w == "{url}" else w.replace("{url}", url) for w in words]
    return [*words, url]


def open_url(url: str, template: str | None = None) -> None:
    """Open ``url`` without a shell; raise TrayappError when no browser could take it."""
    if template:
        argv = browser_argv(template, url)
        try:
            subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise TrayappError(f"could not start the browser {argv[0]!r}: {exc.strerror}") from None
        return
    import webbrowser

    try:
        opened = webbrowser.open(url, new=2)
    except webbrowser.Error:
        opened = False
    if not opened:
        raise TrayappError("no web browser found; set $BROWSER or settings.browser in the config")
