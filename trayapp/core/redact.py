"""Secrets out of diagnostics: one function every log line, traceback and error message passes through.

Whatever a server sends (cut off, HTML, huge), its secrets follow a few shapes: a named field
(XML element, JSON or dict key, query or form parameter, header, environment variable) or a
long high-entropy run of base64. Both are replaced, also when the value is cut off mid-way.
"""

from __future__ import annotations

import logging
import re
import threading

HIDDEN = "[hidden]"
SECRET_NAMES = (
    "SecretAccessKey",
    "SessionToken",
    "SecurityToken",
    "SigninToken",
    "sessionKey",
    "sessionToken",
    "Session",
    "TokenCode",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "secret_access_key",
    "session_token",
    "secret_key",
    "token",
)
_NAMES = "|".join(sorted((re.escape(n) for n in SECRET_NAMES), key=len, reverse=True))
# NAME, an optional closing quote, a separator (= : > or an XML-ish tag end), an optional opening
# quote (or b' for bytes), then the value up to a delimiter or the end of the text (a cut-off body).
NAMED = re.compile(
    rf"""(?P<name>(?<![A-Za-z0-9_-])(?:{_NAMES}))(?P<sep>\\?["']?\s*(?:=|:|>)\s*b?\\?["']?)(?P<value>[^"'<&\s,;}}\]\\]+)""",
    re.IGNORECASE,
)
# A run of 32+ base64/url-safe characters with upper, lower case and a digit: secret keys, tokens.
LONG_RUN = re.compile(r"(?<![A-Za-z0-9+/=_%-])[A-Za-z0-9+/=_%-]{32,}")


def redact(text: str) -> str:
    """``text`` with every secret-shaped value replaced by ``[hidden]``."""
    text = NAMED.sub(lambda m: m.group("name") + m.group("sep") + HIDDEN, text)
    return LONG_RUN.sub(_long_run, text)


def _long_run(match: re.Match[str]) -> str:
    run = match.group(0)
    mixed = (
        re.search(r"[a-z]", run) is not None
        and re.search(r"[A-Z]", run) is not None
        and re.search(r"[0-9]", run) is not None
    )
    return HIDDEN if mixed else run


class RedactingFilter(logging.Filter):
    """Renders each record (message, arguments, traceback) and redacts it before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(debug: bool, fmt: str = "trayapp: %(levelname)s: %(message)s") -> None:
    """The one logging set-up: a stderr handler whose filter redacts every record, whoever logs it."""
    root = logging.getLogger()
    if not root.handlers:  # like logging.basicConfig: a host that configured logging keeps its set-up
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(fmt))
        root.addHandler(stream)
        root.setLevel(logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    logging.getLogger("trayapp").setLevel(logging.DEBUG if debug else logging.WARNING)
    threading.excepthook = _log_thread_exception  # a worker's traceback takes the same redacting path


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("trayapp").error("unexpected error in a worker thread", exc_info=exc_info)
