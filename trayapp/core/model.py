"""The configuration as plain, immutable data shared by the command line and the tray."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trayapp.core.errors import Problem
from trayapp.core.identifiers import PARTITION_DEFAULT_REGION
from trayapp.core.schema import BACK_MODES as BACK_MODES
from trayapp.core.schema import CONSOLE_MODES as CONSOLE_MODES
from trayapp.core.schema import CREDENTIAL_FORMATS as CREDENTIAL_FORMATS
from trayapp.core.schema import SESSION_CACHES as SESSION_CACHES
from trayapp.core.schema import BackMode as BackMode
from trayapp.core.schema import ConsoleMode as ConsoleMode


@dataclass(frozen=True)
class Primary:
    """The base session: the IAM user whose keys (or browser sign-in) reach every role."""

    label: str | None = None
    account_id: str | None = None
    profile: str | None = None
    mfa_serial: str | None = None
    region: str = "us-east-1"
    console: ConsoleMode = "switch-role"
    back: BackMode = "sign-in-page"  # how Back to primary returns (README, "Back to primary")


@dataclass(frozen=True)
class Settings:
    """Preferences that apply to every account."""

    clipboard_clear_seconds: int = 45
    credential_format: str = "sh"
    aws_config_profiles: bool = True
    session_cache: str = "file"
    browser: str | None = None


@dataclass(frozen=True)
class Account:
    """One secondary account reached through a role."""

    name: str
    display_name: str
    account_id: str
    role_name: str  # path and name without the leading slash: "ops/admin"
    partition: str = "aws"
    color: str | None = None  # "rrggbb", lower case
    region: str | None = None
    group: str | None = None
    external_id: str | None = None
    duration_seconds: int | None = None
    destination: str | None = None
    browser: str | None = None
    mfa_serial: str | None = None
    source: str = "config"  # "config" | "aws-config" | "aws-sso"
    source_profile: str | None = None
    role_session_name: str | None = None
    chained: bool = False  # STS sees role chaining: the 1-hour cap and no SessionDuration
    line: int | None = None
    source_chain: tuple[str, ...] = ()  # aws-config: the profiles botocore walks to the signer (cache key)
    sso_session: str | None = None  # aws-sso accounts of trayapp's config: the [sso-session NAME] to use

    @property
    def is_aws_profile(self) -> bool:
        """A profile of the AWS config already (role or SSO), not an account of trayapp's own config."""
        return self.source != "config" and not self.sso_session

    @property
    def role_arn(self) -> str:
        """The role's ARN, rebuilt from partition, account and path/name."""
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.role_name}"


@dataclass(frozen=True)
class Config:
    """A loaded, validated configuration."""

    path: Path
    exists: bool
    primary: Primary = field(default_factory=Primary)
    settings: Settings = field(default_factory=Settings)
    accounts: tuple[Account, ...] = ()
    warnings: tuple[Problem, ...] = ()  # AWS config profiles that were skipped, and why

    def region_for(self, account: Account) -> str:
        """The account's region, else the primary's when in the same partition, else the partition's first."""
        if account.region:
            return account.region
        from trayapp.core.identifiers import partition_of_region

        if partition_of_region(self.primary.region) == account.partition:
            return self.primary.region
        return PARTITION_DEFAULT_REGION.get(account.partition, self.primary.region)


@dataclass(frozen=True)
class RoleCredentials:
    """Temporary credentials; ``repr`` hides the secret parts so they cannot reach a log by accident."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str  # RFC 3339, UTC

    def __repr__(self) -> str:
        return f"RoleCredentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r}, ...)"

    @classmethod
    def from_sts(cls, creds: Mapping[str, Any]) -> RoleCredentials:
        """The ``Credentials`` of an STS answer; its Expiration a datetime (boto3) or RFC 3339 text (a cache)."""
        from trayapp.core.clock import parse_expiration, stamp

        expiration = creds["Expiration"]
        moment = parse_expiration(expiration) if isinstance(expiration, str) else expiration
        return cls(
            access_key_id=creds["AccessKeyId"],
            secret_access_key=creds["SecretAccessKey"],
            session_token=creds["SessionToken"],
            expiration=stamp(moment),
        )
