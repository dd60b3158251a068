"""Line numbers of a TOML file's tables and keys, found by a light scan that tomllib does not offer."""

from __future__ import annotations

import re

# One pattern for a line and for the whole text (MULTILINE): TOML lines end at "\n" (or "\r\n").
HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([A-Za-z0-9_.\"' -]+?)[ \t]*\]\]?[ \t]*(?:#.*)?\r?$", re.MULTILINE)
KEY = re.compile(r"\s*(?:\"([^\"]+)\"|'([^']+)'|([A-Za-z0-9_-]+))\s*=")
MULTILINE_STRING = ('"""', "'''")

Place = tuple[object, ...]


class KeyLines:
    """Where each table and key of ``text`` starts; a valid file asks only for its tables' lines.

    Tables are found at once with one regular expression over the whole text; the line of every
    key (needed only to place a problem) is scanned line by line the first time one is asked for.
    A file with multi-line strings is scanned line by line from the start: a header inside such a
    string is text, not a table.
    """

    def __init__(self, text: str):
        self.text = text
        self.keys = self._scan() if any(quote in text for quote in MULTILINE_STRING) else None
        self.tables = self.keys if self.keys is not None else self._tables()

    def line(self, *where: object) -> int | None:
        """The line of the most precise known place: the key, else its table."""
        lines = self.tables if where in self.tables else self.all()
        for end in range(len(where), 0, -1):
            if where[:end] in lines:
                return lines[where[:end]]
        return None

    def all(self) -> dict[Place, int]:
        """Tables and keys: scanned once, on first use."""
        if self.keys is None:
            self.keys = self._scan()
        return self.keys

    def _tables(self) -> dict[Place, int]:
        lines: dict[Place, int] = {}
        counts: dict[str, int] = {}
        number, at = 1, 0
        for header in HEADER.finditer(self.text):
            number += self.text.count("\n", at, header.start())
            at = header.start()
            _add_table(lines, counts, header, number)
        return lines

    def _scan(self) -> dict[Place, int]:
        lines: dict[Place, int] = {}
        counts: dict[str, int] = {}
        table: Place = ()
        in_string: str | None = None
        for number, line in enumerate(self.text.split("\n"), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = HEADER.match(line)
            if header:
                table = _add_table(lines, counts, header, number)
                continue
            key = KEY.match(line)
            if key:
                name = next(g for g in key.groups() if g)
                lines.setdefault((*table, name), number)
                for quote in MULTILINE_STRING:
                    if line.count(quote) % 2 == 1:
                        in_string = quote
        return lines


def _add_table(lines: dict[Place, int], counts: dict[str, int], header: re.Match[str], number: int) -> Place:
    name = header.group(2).strip("\"'")
    if header.group(1) == "[[":
        index = counts.get(name, 0)
        counts[name] = index + 1
        table: Place = (name, index)
    else:
        table = (name,)
    lines.setdefault(table, number)
    return table
