"""Add accounts to config.toml with tomlkit, keeping the user's comments and layout.

Every import (a switch-role link, an AWS Extend Switch Roles config, an AWS Organization) turns
its source into candidate accounts, dicts of config keys, and hands them to ``add_accounts``:
it skips those already there (same account id and role), picks unique names, validates the
result as trayapp would load it and writes the file atomically (0600), unless it is a dry run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from trayapp.core import colors
from trayapp.core import identifiers as ids
from trayapp.core import inisections as ini
from trayapp.core.config import CONFIG_TEMPLATE, parse_config
from trayapp.core.errors import ConfigError, TrayappError, UsageError
from trayapp.core.files import atomic_write, locked, read_regular
from trayapp.core.identifiers import DISPLAY_NAME_MAX, slug
from trayapp.core.model import Account
from trayapp.core.switchlink import parse_switch_role_link

NAME_MAX = ids.NAME_MAX


@dataclass(frozen=True)
class Skipped:
    """A candidate that was not added, and why (one short clause)."""

    label: str
    reason: str


def add_link(path: Path, link: str, dry_run: bool = False, group: str | None = None) -> str:
    """Add the account of a switch-role link unless the same account and role is there; return its name."""
    try:
        found = parse_switch_role_link(link.strip())
    except ValueError as exc:
        raise UsageError(f"not a switch-role link: {exc}") from None
    candidate = {
        "name": found.get("display_name") or f"{found['account_id']}-{found['role_name']}",
        "link": link.strip(),
    }
    if group:
        candidate["group"] = group
    added, skipped = add_accounts(path, [candidate], dry_run=dry_run)
    if skipped:
        raise UsageError(f"{skipped[0].reason}; nothing added")
    return added[0].name


def add_accounts(
    path: Path, candidates: Sequence[Mapping[str, str]], dry_run: bool = False
) -> tuple[list[Account], list[Skipped]]:
    """``_add_accounts`` holding the config's lock across the read and the write: no import is lost."""
    with locked(path):
        return _add_accounts(path, candidates, dry_run)


def _add_accounts(
    path: Path, candidates: Sequence[Mapping[str, str]], dry_run: bool = False
) -> tuple[list[Account], list[Skipped]]:
    """Append the candidates that are not there yet to the config at ``path``; return (added, skipped).

    A candidate is a dict of ``[[account]]`` keys. Its ``name`` (else ``display_name``) is only a
    hint: the name written is its slug, made unique with ``-2``, ``-3``... A candidate that is not
    a valid account, or whose account id and role are already there (in the file or earlier in
    ``candidates``), is skipped with the reason. The config is validated as a whole before it is
    written; with ``dry_run`` nothing is written. A missing config starts from the commented template.
    """
    import tomlkit

    existed = path.exists()
    try:
        data = read_regular(path) if existed else b""
    except OSError as exc:
        raise TrayappError(f"cannot read {path}: {exc.strerror}") from None
    current = parse_config(data, path)  # a broken config is refused with every problem listed
    text = data.decode("utf-8") if existed else CONFIG_TEMPLATE
    if text and not text.endswith("\n"):
        text += "\n"
    document = tomlkit.parse(text)

    taken = {a.name for a in current.accounts}
    seen: dict[tuple[str, str], str] = {(a.account_id, a.role_name): a.name for a in current.accounts}
    new_in_batch: set[str] = set()
    tables: list[Any] = []
    skipped: list[Skipped] = []
    for candidate in candidates:
        label = str(
            candidate.get("display_name") or candidate.get("name") or candidate.get("account_id") or "?"
        )
        keys = {k: v for k, v in candidate.items() if k != "name"}
        try:
            account = check_candidate(keys, current.primary.region, path)
        except ValueError as exc:
            skipped.append(Skipped(label, str(exc)))
            continue
        label = f"{label} ({account.account_id}, {account.role_name})"
        key = (account.account_id, account.role_name)
        if key in seen:
            where = "earlier in this import" if seen[key] in new_in_batch else "already there"
            skipped.append(Skipped(label, f"{where} as {seen[key]!r}"))
            continue
        hint = candidate.get("name") or candidate.get("display_name") or account.display_name
        name = unique_name(slug(str(hint)), taken)
        taken.add(name)
        new_in_batch.add(name)
        seen[key] = name
        table = tomlkit.table()
        table.add("name", name)
        for k, v in keys.items():
            table.add(k, v)
        tables.append(table)

    if not tables:
        return [], skipped
    _append_tables(document, tables)
    new_text = tomlkit.dumps(document)
    try:
        result = parse_config(new_text.encode("utf-8"), path)
    except ConfigError as exc:
        what = "account" if len(tables) == 1 else "accounts"
        raise UsageError(f"the {what} would make the config invalid:\n{exc}") from None
    by_name = {a.name: a for a in result.accounts}
    added = [by_name[str(t["name"])] for t in tables]
    if not dry_run:
        atomic_write(path, new_text, mode=0o600, follow_symlink=True)
    return added, skipped


def check_candidate(keys: Mapping[str, str], region: str, path: Path) -> Account:
    """The account ``keys`` describe, checked as the config loader would; ValueError says what is wrong."""
    import tomlkit

    probe = tomlkit.dumps({"primary": {"region": region}, "account": [dict(keys)]})
    try:
        config = parse_config(probe.encode("utf-8"), path)
    except ConfigError as exc:
        reasons = [(f"{p.setting}: " if p.setting else "") + p.message for p in exc.problems]
        raise ValueError("; ".join(reasons)) from None
    return config.accounts[0]


def unique_name(base: str, taken: set[str]) -> str:
    """``base`` (at most 64 characters), or ``base-2``, ``base-3``... whichever is free."""
    base = base[:NAME_MAX].rstrip("-._") or "account"
    name, n = base, 2
    while name in taken:
        suffix = f"-{n}"
        name = base[: NAME_MAX - len(suffix)].rstrip("-._") + suffix
        n += 1
    return name


def _append_tables(document: Any, tables: list[Any]) -> None:
    """Append ``[[account]]`` tables, one blank line before each, keeping what follows the last one apart."""
    import tomlkit
    from tomlkit.items import AoT

    accounts = document.get("account")
    if accounts is None:
        before = tomlkit.dumps(document)
        gap, trailing = bool(before) and not before.endswith("\n\n"), False
        accounts = tomlkit.aot()
        document.append("account", accounts)
    elif isinstance(accounts, AoT):
        # A blank line after the last table separates it from what follows: it moves to the new last one.
        trailing = len(accounts) > 0 and accounts[-1].as_string().endswith("\n\n")
        gap = not trailing
    else:
        raise UsageError("the config writes 'account' inline; write each account as an [[account]] table")
    for index, table in enumerate(tables):
        if index or gap:
            table.trivia.indent = "\n"
        if trailing and index == len(tables) - 1:
            table.add(tomlkit.nl())
        accounts.append(table)


# -- AWS Extend Switch Roles --------------------------------------------------------------------

SHORT_COLOR = re.compile(r"[0-9a-fA-F]{3}")


@dataclass
class _Section:
    name: str
    line: int
    values: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    key_lines: dict[str, int] = field(default_factory=dict)


def parse_aesr(text: str) -> tuple[list[dict[str, str]], list[Skipped]]:
    """Candidate accounts from an AWS Extend Switch Roles config; sections that are not roles are skipped.

    ``[profile NAME]`` or ``[NAME]`` sections; a role has ``role_arn``, or ``aws_account_id`` and
    ``role_name``; a base (sign-in) account is one that other sections name as ``source_profile``
    (its ``role_name``, if any, is the role or permission set one signs in with) or one with
    ``aws_account_id`` only; its ``target_role_name`` and ``target_region`` apply to the roles
    that name it. ``;`` and ``#`` start a comment anywhere on a line. Optional ``color`` (hex
    without '#') and ``region``. A key given twice, or a ``role_arn`` that contradicts
    ``aws_account_id``/``role_name``, skips the section with its line, as AESR refuses it.
    """
    sections, skipped = _aesr_sections(text)
    by_name: dict[str, _Section] = {}
    for section in sections:
        by_name.setdefault(section.name, section)
    bases = {s.values.get("source_profile") for s in sections if s.values.get("source_profile")}
    candidates: list[dict[str, str]] = []
    for section in sections:
        label = f"{section.name or '[]'} (line {section.line})"
        if by_name[section.name] is not section:
            skipped.append(
                Skipped(
                    label,
                    f"a second [{section.name}] section (the first is at line {by_name[section.name].line})",
                )
            )
            continue
        if section.name in bases and not section.problem:
            skipped.append(Skipped(label, "a base account (where you sign in), not a role to switch to"))
            continue
        try:
            candidate = _aesr_role(section, by_name)
        except ValueError as exc:
            skipped.append(Skipped(label, str(exc)))
            continue
        if candidate is None:
            skipped.append(Skipped(label, "a base account (where you sign in), not a role to switch to"))
            continue
        candidates.append(candidate)
    return candidates, skipped


def _aesr_sections(text: str) -> tuple[list[_Section], list[Skipped]]:
    sections: list[_Section] = []
    skipped: list[Skipped] = []
    current: _Section | None = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = re.split(r"[;#]", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            header = ini.HEADER.fullmatch(line)
            current = _Section(ini.loose_profile(header.group(1)) if header else line, number)
            if not header:
                current.problem = f"{line!r} is not a section header such as [profile NAME]"
            elif not current.name:
                current.problem = "the section has no name"
            sections.append(current)
            continue
        key, equals, value = line.partition("=")
        if current is None:
            skipped.append(Skipped(f"line {number}", "outside any [section]"))
            continue
        if not equals or not key.strip():
            current.problem = current.problem or f"line {number} is not 'key = value'"
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip()
        name = key.strip().lower()
        if name in current.key_lines:
            first = current.key_lines[name]
            current.problem = current.problem or f"{name} is given twice (lines {first} and {number})"
            continue
        current.key_lines[name] = number
        current.values[name] = value
    return sections, skipped


def _aesr_role(section: _Section, by_name: Mapping[str, _Section]) -> dict[str, str] | None:
    """The candidate for a role section; None for a base account; ValueError when it cannot be used."""
    if section.problem:
        raise ValueError(section.problem)
    values = {k: v for k, v in section.values.items() if v}
    base_name = values.get("source_profile")
    base = by_name.get(base_name) if base_name else None
    if base_name and base is None:
        raise ValueError(f"source_profile {base_name!r} names no section of this file")
    inherited = {k: v for k, v in base.values.items() if v} if base else {}
    if "role_arn" in values:
        try:
            arn = ids.parse_role_arn(values["role_arn"])
        except ValueError as exc:
            raise ValueError(f"role_arn {exc}") from None
        partition, account_id, role = arn
        conflict = ids.role_arn_conflict(arn, values.get("aws_account_id", ""), values.get("role_name", ""))
        if conflict:
            raise ValueError(conflict.sentence(f" (line {section.key_lines[conflict.key]})"))
    else:
        partition = ""
        if "aws_account_id" not in values:
            raise ValueError("neither role_arn nor aws_account_id is set")
        if "role_name" not in values and not base_name:
            return None  # a base account: where the user signs in, not a role
        account_id = values["aws_account_id"].replace("-", "")
        role = values.get("role_name") or inherited.get("target_role_name", "")
        if not role:
            raise ValueError(
                f"no role_name, and its base [{base_name}] sets no target_role_name"
                if base_name
                else "no role_name"
            )
        if not ids.ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(
                f"aws_account_id {values['aws_account_id']!r} is not a 12-digit account id "
                "(trayapp cannot use an account alias)"
            )
    problem = ids.role_name_problem(role)
    if problem:
        raise ValueError(f"role {role!r}: {problem}")
    region = values.get("region") or inherited.get("target_region")
    candidate = {"name": section.name, "display_name": section.name[:DISPLAY_NAME_MAX].strip()}
    if partition and partition != ids.partition_of_region(region or "us-east-1"):
        # Only the ARN names a GovCloud or China partition (or a region that contradicts it).
        candidate["role_arn"] = values["role_arn"]
    else:
        candidate.update(account_id=account_id, role_name=role.strip("/"))
    color = values.get("color")
    if color:
        if SHORT_COLOR.fullmatch(color):
            color = "".join(c * 2 for c in color)
        candidate["color"] = f"#{color.lower()}" if colors.HEX_COLOR.fullmatch(color) else color
    if region:
        candidate["region"] = region
    return candidate


def read_import_file(name: str, stdin: TextIO) -> str:
    """The text of the file to import ('-': ``stdin``); a file that cannot be read is a usage error."""
    if name == "-":
        return stdin.read()
    try:
        with open(name, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UsageError(f"cannot read {name}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {name}: it is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None


def in_group(candidates: list[dict[str, str]], group: str | None) -> list[dict[str, str]]:
    """The candidates, put in ``group`` when one is asked for."""
    return [{**c, "group": group} for c in candidates] if group else candidates


def import_summary(added: int, skipped: int, path: Path, dry_run: bool) -> str:
    """The last line of an import: what was (or would be) added where, and how many were skipped."""
    count = f"{added} account{'s' if added != 1 else ''}"
    if dry_run:
        return f"Dry run: would add {count} to {path}, {skipped} skipped; nothing was written."
    if added:
        return f"Added {count} to {path}, {skipped} skipped."
    return f"Nothing added, {skipped} skipped; {path} is unchanged."
