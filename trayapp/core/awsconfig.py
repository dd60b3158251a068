"""Profiles from the AWS CLI config (``~/.aws/config``) as extra accounts, read as botocore reads them.

Role profiles (``role_arn``), AWS Extend Switch Roles profiles (``aws_account_id`` + ``role_name``,
or a base's ``target_role_name``) and IAM Identity Center profiles (``sso_account_id`` +
``sso_role_name``). A profile botocore would refuse, or that trayapp cannot read, is skipped
with a problem naming the file, its line and the profile; it never falls back to other keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trayapp.core import colors
from trayapp.core import identifiers as ids
from trayapp.core import inisections as ini
from trayapp.core.errors import Problem
from trayapp.core.model import Account
from trayapp.core.places import aws_config_path as aws_config_path
from trayapp.core.places import aws_credentials_path as aws_credentials_path
from trayapp.core.sourcechain import walk

TEXT_KEYS = (
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "mfa_serial",
    "external_id",
    "duration_seconds",
    "role_session_name",
    "region",
    "color",
    "aws_account_id",
    "role_name",
    "target_role_name",
    "target_region",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "group",
)


def merged_profiles(profiles: Mapping[str, Any], credentials: Path | None) -> dict[str, Any]:
    """The profiles as botocore's ``full_config`` sees them: the credentials file's keys merged in."""
    from botocore.configloader import raw_config_parse
    from botocore.exceptions import BotoCoreError

    merged = {name: dict(p) if isinstance(p, dict) else p for name, p in profiles.items()}
    if credentials is None:
        return merged
    try:
        extra = raw_config_parse(str(credentials))
    except (BotoCoreError, OSError, UnicodeDecodeError):
        return merged
    for name, keys in extra.items():
        target = merged.setdefault(name, {})
        if isinstance(target, dict) and isinstance(keys, dict):
            target.update(keys)
    return merged


def load_aws_config(path: Path) -> tuple[dict[str, Any], Problem | None]:
    """The whole AWS CLI config parsed by botocore's own loader; ({}, problem) when it cannot be read."""
    from botocore.configloader import load_config
    from botocore.exceptions import ConfigNotFound, ConfigParseError

    try:
        return dict(load_config(str(path))), None
    except ConfigNotFound:
        return {}, None
    except ConfigParseError as exc:
        cause = exc.__context__ or exc
        line = getattr(cause, "lineno", None)
        why = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        return {}, Problem(
            path, line, "", f"the AWS CLI cannot read this file either ({why}); no profile used"
        )
    except (OSError, UnicodeDecodeError, RecursionError) as exc:
        return {}, Problem(path, None, "", f"cannot read the file ({type(exc).__name__}); no profile used")


def load_profiles(path: Path) -> dict[str, dict[str, Any]]:
    """Every profile of an AWS CLI config, parsed by botocore's own loader; {} when absent or unreadable."""
    profiles: dict[str, dict[str, Any]] = load_aws_config(path)[0].get("profiles", {})
    return profiles


def role_profiles(path: Path, credentials: Path | None = None) -> tuple[list[Account], list[Problem]]:
    """Accounts for the profiles that name a role or an SSO role; problems skip a profile.

    ``credentials`` is the shared credentials file, whose profiles botocore merges in when it
    checks a ``source_profile`` chain.
    """
    full, unreadable = load_aws_config(path)
    if unreadable:
        return [], [unreadable]
    own: dict[str, dict[str, Any]] = full.get("profiles", {})
    profiles = merged_profiles(own, credentials)
    sso_sessions: dict[str, Any] = full.get("sso_sessions", {})
    lines = _section_lines(path) if profiles else {}
    bases = {
        p["source_profile"]
        for p in profiles.values()
        if isinstance(p, dict) and isinstance(p.get("source_profile"), str)
    }
    accounts: list[Account] = []
    problems: list[Problem] = []
    for name in own:
        profile, line = profiles[name], lines.get(name)
        try:
            account = _account(name, _text_values(profile), profiles, sso_sessions, name in bases, line)
        except ValueError as exc:
            problems.append(Problem(path, line, f"profile {name}", str(exc)))
            continue
        if account:
            accounts.append(account)
    return accounts, problems


def _text_values(profile: Any) -> dict[str, str]:
    """The keys trayapp reads, each a plain value; a nested (indented) sub-key block is refused."""
    if not isinstance(profile, dict):
        raise ValueError("the profile is not a section of key = value lines")
    values: dict[str, str] = {}
    for key in TEXT_KEYS:
        value = profile.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{key} is a nested block of sub-keys, not a value")
        values[key] = value.strip()
    return values


def _account(
    name: str,
    profile: dict[str, str],
    profiles: dict[str, dict[str, Any]],
    sso_sessions: dict[str, Any],
    is_base: bool,
    line: int | None,
) -> Account | None:
    if profile.get("sso_account_id") and profile.get("sso_role_name") and not profile.get("role_arn"):
        return _sso_account(name, profile, sso_sessions, line)
    try:
        base = _text_values(profiles.get(profile.get("source_profile", ""), {}))
    except ValueError:
        base = {}  # the base's own problem is reported with the base; botocore judges the chain below
    if profile.get("role_arn"):
        try:
            arn = ids.parse_role_arn(profile["role_arn"])
        except ValueError as exc:
            raise ValueError(f"role_arn {exc}") from None
        _check_agrees(profile, arn)
        partition, account_id, role = arn
        chain: tuple[str, ...] = ()
        if not profile.get("web_identity_token_file"):
            chain, refused = walk(profiles, name)
            if refused:
                raise ValueError(refused)
    elif profile.get("aws_account_id") and not is_base:
        # AESR: a role by account id and role name, or its base's target_role_name.
        account_id = profile["aws_account_id"].replace("-", "")
        role = profile.get("role_name") or base.get("target_role_name", "")
        if not role and profile.get("source_profile"):
            # A role under a base that names no role for it: said, never silently dropped.
            raise ValueError(
                f"no role_name, and its source profile {profile['source_profile']!r} sets no target_role_name"
            )
        if not role:
            return None  # an AESR base account (where one signs in), not a role
        partition = ids.partition_of_region(profile.get("region") or base.get("target_region") or "us-east-1")
        chain = (profile["source_profile"],) if profile.get("source_profile") else ("[primary]",)
    else:
        return None  # a base (where one signs in), or a profile of keys and settings only
    region = profile.get("region") or base.get("target_region")
    color = _checked("account id", account_id, role, region, profile.get("color"))
    duration = profile.get("duration_seconds")
    source = profile.get("source_profile")
    return Account(
        name=name,
        display_name=name[: ids.DISPLAY_NAME_MAX],
        account_id=account_id,
        role_name=role.strip("/"),
        partition=partition,
        color=color,
        region=region,
        external_id=profile.get("external_id"),
        duration_seconds=ids.parse_duration(duration) if duration else None,
        mfa_serial=profile.get("mfa_serial"),
        source="aws-config",
        source_profile=source,
        role_session_name=profile.get("role_session_name"),
        # A profile naming itself as source uses its own static keys (botocore): not chaining.
        chained=bool(source and source != name and profiles.get(source, {}).get("role_arn")),
        line=line,
        source_chain=chain,
    )


def _checked(id_key: str, account_id: str, role: str, region: str | None, color: str | None) -> str | None:
    """Check what every kind of profile names (account, role, region); the colour as the model keeps it."""
    if not ids.ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"{id_key} {account_id!r} is not 12 digits")
    problem = ids.role_name_problem(role)
    if problem:
        raise ValueError(problem)
    if region is not None and not ids.REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not an AWS region")
    return colors.normalize_color(color) if color else None


def _check_agrees(profile: dict[str, str], arn: ids.RoleArn) -> None:
    """AESR keys beside role_arn must say the same thing; trayapp will not pick one silently."""
    conflict = ids.role_arn_conflict(arn, profile.get("aws_account_id", ""), profile.get("role_name", ""))
    if conflict:
        raise ValueError(conflict.sentence())


def _sso_account(
    name: str, profile: dict[str, str], sso_sessions: Mapping[str, Any], line: int | None
) -> Account:
    """An IAM Identity Center account: its credentials come from the token 'aws sso login' cached."""
    session = profile.get("sso_session")
    if session is not None and session not in sso_sessions:
        raise ValueError(f"sso_session {session!r} names no [sso-session {session}] section")
    if session is None and not profile.get("sso_start_url"):
        raise ValueError("sso_account_id is set but neither sso_session nor sso_start_url")
    account_id, role, region = profile["sso_account_id"], profile["sso_role_name"], profile.get("region")
    color = _checked("sso_account_id", account_id, role, region, profile.get("color"))
    group = profile.get("group") or session or _start_host(profile.get("sso_start_url", ""))
    return Account(
        name=name,
        display_name=name[: ids.DISPLAY_NAME_MAX],
        account_id=account_id,
        role_name=role,
        partition=ids.partition_of_region(region or "us-east-1"),
        color=color,
        region=region,
        group=group or None,
        source="aws-sso",
        line=line,
        source_chain=(f"sso={session or profile.get('sso_start_url', '')}",),
    )


def _start_host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").split(".")[0]


def _section_lines(path: Path) -> dict[str, int]:
    """Line of each ``[profile NAME]`` header, so problems can point at it."""
    lines: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        header = ini.header(line)
        name = ini.config_profile(header) if header is not None else None
        if name is not None:
            lines.setdefault(name, number)
    return lines
