"""Open a URL in the user's browser: a configured command template, else stdlib webbrowser."""

from __future__ import annotations

import shlex

from trayapp.core.errors import TrayappError
from trayapp.platforms.spawn import detached


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
            detached(argv)  # a browser that inherited our stdout would hold `trayapp open X | cat` open
        except OSError as exc:
            raise TrayappError(f"could not start the browser {argv[0]!r}: {exc.strerror}") from None
        return
    if not _open_with_webbrowser(url):
        raise TrayappError("no web browser found; set $BROWSER or settings.browser in the config")


def _open_with_webbrowser(url: str) -> bool:
    """The stdlib's choice ($BROWSER, xdg-open, ...); its command-line browsers get /dev/null stdio.

    webbrowser's GenericBrowser (every $BROWSER entry, xdg-open, gio) lets the browser inherit our
    stdout, which would hold ``trayapp open X | cat`` open: those run here, as they would there.
    """
    import webbrowser

    try:
        chosen = webbrowser.get()
    except webbrowser.Error:
        return False
    if not isinstance(chosen, webbrowser.GenericBrowser):
        try:
            return bool(chosen.open(url, new=2))
        except webbrowser.Error:
            return False
    argv = [chosen.name, *(arg.replace("%s", url) for arg in chosen.args)]
    try:
        child = detached(argv)
    except OSError:
        return False
    if isinstance(chosen, webbrowser.BackgroundBrowser):
        return child.poll() is None or child.returncode == 0  # as BackgroundBrowser.open decides
    return child.wait() == 0  # a plain GenericBrowser ($BROWSER) is waited for, as the stdlib does


class Handoff:
    """Serves one redirect on loopback, so a secret URL never shows in a process's arguments.

    The browser is given ``http://127.0.0.1:PORT/<random>``; the first request for that path
    gets a 302 to the secret URL, then the server closes. Unanswered after ``timeout``, it closes too.
    """

    def __init__(self, target: str, timeout: float = 60.0):
        import http.server
        import secrets

        self.target = target
        self.timeout = timeout
        self.path = "/" + secrets.token_urlsafe(24)
        self.served = False
        self.cancelled = False
        handoff = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != handoff.path or handoff.served:
                    self.send_error(404)
                    return
                handoff.served = True
                self.send_response(302)
                self.send_header("Location", handoff.target)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Referrer-Policy", "no-referrer")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the default logs request lines to stderr

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 0.5

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def serve(self) -> bool:
        """Answer requests until the redirect was served or the time is up; True when served."""
        import time

        deadline = time.monotonic() + self.timeout
        try:
            while not (self.served or self.cancelled) and time.monotonic() < deadline:
                self.server.handle_request()
        finally:
            self.server.server_close()
        return self.served


def open_secret_url(url: str, template: str | None = None, timeout: float = 60.0) -> None:
    """Open a secret URL (a sign-in link) through a one-shot loopback redirect; blocks until taken."""
    import threading

    handoff = Handoff(url, timeout)
    result: list[bool] = []
    server = threading.Thread(target=lambda: result.append(handoff.serve()), daemon=True)
    server.start()
    try:
        open_url(handoff.url, template)
    except BaseException:
        handoff.cancelled = True
        raise
    finally:
        server.join(timeout + 1)
    if not (result and result[0]):
        raise TrayappError(f"the browser did not pick up the sign-in link within {int(timeout)} seconds")
