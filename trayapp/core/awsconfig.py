"""Role profiles from the AWS CLI config (``~/.aws/config``) as extra accounts."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trayapp.core import identifiers as ids
from trayapp.core.errors import Problem
from trayapp.core.model import Account

SECTION = re.compile(r"\s*\[\s*(?:profile\s+)?([^\]]+?)\s*\]")


def aws_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$AWS_CONFIG_FILE``, else ``~/.aws/config``, as the AWS CLI decides."""
    env = os.environ if environ is None else environ
    return Path(env.get("AWS_CONFIG_FILE") or "~/.aws/config").expanduser()


def load_profiles(path: Path) -> dict[str, dict[str, Any]]:
    """Every profile of an AWS CLI config, parsed by botocore's own loader; {} when absent."""
    from botocore.configloader import load_config
    from botocore.exceptions import ConfigNotFound, ConfigParseError

    try:
        profiles: dict[str, dict[str, Any]] = load_config(str(path)).get("profiles", {})
    except (ConfigNotFound, ConfigParseError, OSError, UnicodeDecodeError):
        return {}
    return profiles


def role_profiles(path: Path) -> tuple[list[Account], list[Problem]]:
    """Accounts for profiles with ``role_arn`` (or AESR's account id + role name); problems skip a profile."""
    profiles = load_profiles(path)
    lines = _section_lines(path) if profiles else {}
    accounts: list[Account] = []
    problems: list[Problem] = []
    for name, profile in profiles.items():
        line = lines.get(name)
        try:
            account = _account(name, profile, profiles, line)
        except ValueError as exc:
            problems.append(Problem(path, line, f"profile {name}", str(exc)))
            continue
        if account:
            accounts.append(account)
    return accounts, problems


def _account(
    name: str, profile: dict[str, Any], profiles: dict[str, dict[str, Any]], line: int | None
) -> Account | None:
    arn = profile.get("role_arn")
    if arn:
        m = ids.ROLE_ARN.fullmatch(arn.strip())
        if not m:
            raise ValueError(f"role_arn {arn!r} is not a role ARN")
        partition, account_id, role = m.group(1), m.group(2), m.group(3)
    elif profile.get("aws_account_id") and profile.get("role_name"):
        account_id, role = str(profile["aws_account_id"]).strip(), str(profile["role_name"]).strip("/")
        partition = ids.partition_of_region(profile.get("region", "us-east-1"))
    else:
        return None
    if not ids.ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"account id {account_id!r} is not 12 digits")
    problem = ids.role_name_problem(role)
    if problem:
        raise ValueError(problem)
    region = profile.get("region")
    if region is not None and not ids.REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not an AWS region")
    color = profile.get("color")
    duration = profile.get("duration_seconds")
    source = profile.get("source_profile")
    return Account(
        name=name,
        display_name=name[:64],
        account_id=account_id,
        role_name=role.strip("/"),
        partition=partition,
        color=ids.normalize_color(color) if color else None,
        region=region,
        external_id=profile.get("external_id"),
        duration_seconds=ids.parse_duration(duration) if duration else None,
        mfa_serial=profile.get("mfa_serial"),
        source="aws-config",
        source_profile=source,
        role_session_name=profile.get("role_session_name"),
        # A profile naming itself as source uses its own static keys (botocore): not chaining.
        chained=bool(source and source != name and _is_role(profiles.get(source, {}))),
        line=line,
    )


def _is_role(profile: dict[str, Any]) -> bool:
    return bool(profile.get("role_arn"))


def _section_lines(path: Path) -> dict[str, int]:
    """Line of each ``[profile NAME]`` header, so problems can point at it."""
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        m = SECTION.match(line)
        if m:
            lines.setdefault(m.group(1), number)
    return lines
