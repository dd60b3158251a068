"""Checks of single config values: each returns the value as the model wants it, or raises ValueError with the rule."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable

from trayapp.core import colors
from trayapp.core import identifiers as ids
from trayapp.core.display import UNSAFE

CONTROL = UNSAFE  # controls (C0, C1), line separators and bidi overrides: see core/display.py
WHITESPACE = re.compile(r"\s")
KINDS = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
}


def kind(value: object) -> str:
    """What a TOML value is, in words: "a string", "a table"..."""
    return KINDS.get(type(value), type(value).__name__)


def string(value: object) -> str:
    """The value when it is a string; TOML gives numbers and booleans unquoted."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string in quotes, got {kind(value)}")
    return value


def text(limit: int) -> Callable[[object], str]:
    """A check for one line of text people read: not empty, no control characters, at most ``limit``."""

    def check(value: object) -> str:
        found = string(value)
        if not found.strip():
            raise ValueError("must not be empty")
        if CONTROL.search(found):
            raise ValueError(
                "must not contain control or bidirectional-override characters (nor line separators)"
            )
        if len(found) > limit:
            raise ValueError(f"at most {limit} characters, got {len(found)}")
        return found

    return check


def choice(options: tuple[str, ...]) -> Callable[[object], str]:
    """A check that the value is one of ``options``."""

    def check(value: object) -> str:
        if string(value) not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
        return str(value)

    return check


def boolean(value: object) -> bool:
    """true or false, never a string that looks like one."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {kind(value)}")
    return value


def seconds(value: object) -> int:
    """A whole number of seconds within a day."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 86400:
        raise ValueError("must be a whole number of seconds from 0 (never) to 86400")
    return value


def account_id(value: object) -> str:
    """Twelve digits in quotes (dashes as the console shows them are dropped)."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'must be a string of 12 digits in quotes (leading zeros are real), e.g. "{value:012d}"'
        )
    found = string(value).strip().replace("-", "")
    if not ids.ACCOUNT_ID.fullmatch(found):
        raise ValueError(f"must be exactly 12 digits, got {value!r} ({len(found)} characters)")
    return found


def role_name(value: object) -> str:
    """A role's path and name, "ops/admin", without the leading slash."""
    found = string(value).strip().strip("/")
    problem = ids.role_name_problem(found)
    if problem:
        raise ValueError(f"{problem}, got {value!r}")
    return found


def role_arn(value: object) -> ids.RoleArn:
    """A role ARN taken apart (core/identifiers.py parses it for every reader)."""
    return ids.parse_role_arn(string(value))


def name(value: object) -> str:
    """An account name: also its AWS CLI profile name and its command-line handle."""
    found = string(value)
    if not ids.NAME.fullmatch(found):
        raise ValueError(
            f"must be 1 to 64 of letters, digits, '.', '_' and '-', starting with a letter or digit, got {value!r}"
        )
    return found


def color(value: object) -> str:
    """ "#rrggbb" or "rrggbb", kept as lower-case "rrggbb"."""
    return colors.normalize_color(string(value))


def matching(pattern: re.Pattern[str], rule: str, echo: bool = True) -> Callable[[object], str]:
    """A check that the value is a string matching ``pattern``; the error says the rule."""

    def check(value: object) -> str:
        found = string(value)
        if not pattern.fullmatch(found):
            raise ValueError(f"must be {rule}" + (f", got {value!r}" if echo else ""))
        return found

    return check


region = matching(ids.REGION, 'an AWS region such as "eu-west-1"')
external_id = matching(ids.EXTERNAL_ID, "2 to 1224 of letters, digits and + = , . @ : / _ -", echo=False)
mfa_serial = matching(ids.MFA_SERIAL, "an MFA device ARN such as arn:aws:iam::123456789012:mfa/NAME")
session_name = matching(ids.SESSION_NAME, "2 to 64 of letters, digits and + = , . @ _ - (no '/')", echo=False)


def destination(value: object) -> str:
    """Where the console opens: a service ("s3") or a path ("/billing/home")."""
    found = string(value).strip()
    if ids.SERVICE.fullmatch(found) or (
        found.startswith("/") and not found.startswith("//") and not WHITESPACE.search(found)
    ):
        return found
    raise ValueError(
        f'must be a console service such as "s3" or a path such as "/billing/home", got {value!r}'
    )


def browser(value: object) -> str:
    """A browser command line, split as a shell would, that names a command."""
    found = string(value)
    try:
        words = shlex.split(found)
    except ValueError as exc:
        raise ValueError(f"is not a valid command line: {exc}") from None
    if not words:
        raise ValueError('must name a browser command, e.g. "firefox -P work --new-window {url}"')
    return found
