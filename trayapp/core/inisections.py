"""Section headers of the AWS CLI's INI files, and the profile each names as botocore reads it."""

from __future__ import annotations

import re
import shlex

HEADER = re.compile(r"[ \t]*\[([^\]\r\n]*)\]")  # configparser's: the text between the first brackets
PROFILE_PREFIX = re.compile(r"^profile\s+")
DEFAULT = "default"  # [default] needs no "profile " in ~/.aws/config


def header(line: str) -> str | None:
    """The stripped text between the brackets of a section header line; None for any other line."""
    m = HEADER.match(line)
    return m.group(1).strip() if m else None


def config_profile(header: str) -> str | None:
    """The profile ``[header]`` names in ~/.aws/config (botocore: "default", or "profile NAME" split by shlex)."""
    if header == DEFAULT:
        return header
    if not header.startswith("profile"):
        return None
    try:
        parts = shlex.split(header)
    except ValueError:
        return None
    return parts[1] if len(parts) == 2 else None  # botocore does not look at parts[0]: "[profilex y]" is y


def loose_profile(inner: str) -> str:
    """The name in ``[profile NAME]`` or ``[NAME]`` (``inner`` is the text between the brackets), as AESR reads either."""
    return PROFILE_PREFIX.sub("", inner.lstrip(), count=1).strip()
