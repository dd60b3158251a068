"""Display text made safe for a terminal or a menu: no control, line-breaking or bidi-override characters."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the Unicode line/paragraph separators, bidi marks, embeddings,
# overrides and isolates, and the Arabic letter mark: each can move the cursor, end a line
# or make text read differently from what it is.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


# Zero-width characters and the byte-order mark: harmless to a terminal, but they hide in a menu label.
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060-\u2065\ufeff]")  # U+2065: reserved, default-ignorable


def one_line(text: str) -> str:
    """``text`` for a menu, tooltip or notification: unsafe and invisible characters become spaces, runs of space one."""
    return " ".join(INVISIBLE.sub(" ", UNSAFE.sub(" ", text)).split())


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character that ``safe_text`` would replace."""
    return UNSAFE.search(text) is not None


def safe_text(text: str) -> str:
    """``text`` with every unsafe character shown as a visible escape (``\\x1b``, ``\\u202e``)."""
    return UNSAFE.sub(_escape, text)


def safe_lines(text: str) -> str:
    """``safe_text`` for a message of several lines: its own line breaks stay, all else is escaped."""
    return "\n".join(safe_text(line) for line in text.split("\n"))


def safe_json(text: str) -> str:
    """JSON text with unsafe characters as ``\\uXXXX`` escapes: the same data, harmless on a terminal."""
    # json.dumps escapes C0 inside strings already, so a raw newline is layout: it stays.
    return UNSAFE.sub(lambda m: m.group(0) if m.group(0) == "\n" else f"\\u{ord(m.group(0)):04x}", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
