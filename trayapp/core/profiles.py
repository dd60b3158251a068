"""Profiles of ``~/.aws/config`` resolved by botocore itself, with trayapp's MFA prompt and cache plugged in.

botocore decides who signs a role profile's AssumeRole (its ``source_profile`` chain, its
``credential_source``, a ``credential_process`` or SSO source) and refuses what it refuses; trayapp
only sends the last AssumeRole itself, so that its own cache, MFA prompt and chaining cap apply.
Profiles botocore serves whole (IAM Identity Center, web identity) are served by botocore.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from trayapp.core.botodata import use_quick_loader
from trayapp.core.cache import CachedSession, SessionCache
from trayapp.core.errors import AwsError
from trayapp.core.lookup import LookupGuard
from trayapp.core.model import RoleCredentials
from trayapp.core.stserrors import NoSourceCredentials, SourceRefused

Prompter = Callable[[str], str]  # botocore's hook: the prompt text in, the code out
SERIAL_IN_PROMPT = re.compile(r"for (\S+?):?\s*$")


def refused_sentence(name: str, exc: Exception) -> str:
    """One sentence naming the profile, from botocore's refusal (its own words, which name it too)."""
    from botocore.exceptions import InfiniteLoopConfigError, PartialCredentialsError

    if isinstance(exc, PartialCredentialsError):
        why = "it has role_arn but neither source_profile nor credential_source"
    elif isinstance(exc, InfiniteLoopConfigError):
        why = "its source_profile chain loops back on itself"
    else:
        why = str(exc).rstrip(".").replace("\n", " ")
        why = why[0].lower() + why[1:] if why else "botocore refuses it"
    return f"AWS profile {name!r} cannot be used as the AWS CLI would refuse it too: {why}"


def _assume_role_provider(session: Any, cache: Any, prompter: Prompter, guard: LookupGuard) -> Any:
    """botocore's AssumeRoleProvider for the session's profile, wired as botocore wires it, with our hooks."""
    from botocore.credentials import create_credential_resolver

    provider = guard.arm(create_credential_resolver(session, cache=cache)).get_provider("assume-role")
    provider._prompter = prompter
    return provider


class HopCache:
    """botocore's cache hook (a dict-like of AssumeRole answers) kept in trayapp's session cache."""

    PREFIX = "hop-"

    def __init__(self, cache: SessionCache, account: str):
        self.cache = cache
        self.account = account

    def __contains__(self, key: str) -> bool:
        return self.cache.get(self.PREFIX + key) is not None

    def __getitem__(self, key: str) -> dict[str, Any]:
        found = self.cache.get(self.PREFIX + key)
        if found is None:
            raise KeyError(key)
        c = found.credentials
        return {
            "Credentials": {
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": c.expiration,
            }
        }

    def __setitem__(self, key: str, response: Mapping[str, Any]) -> None:
        session = CachedSession(
            account=self.account,
            role_arn=str(response.get("AssumedRoleUser", {}).get("Arn", "")),
            credentials=RoleCredentials.from_sts(response["Credentials"]),
        )
        self.cache.put(self.PREFIX + key, session)


class BotocoreProfiles:
    """Resolution of one profile's credentials by botocore, for one account request."""

    def __init__(self, name: str, prompter: Prompter, hop_cache: Any, guard: LookupGuard):
        self.guard = guard  # every credential_process botocore starts here carries the lookup's names
        self.name = name
        self.prompter = prompter
        self.hop_cache = hop_cache
        self.login = f"aws sso login --profile {name}"  # what renews this account's IAM Identity Center token

    def session(self) -> Any:
        """A botocore session with this profile chosen, as ``aws --profile NAME`` makes one."""
        import botocore.session

        core = botocore.session.Session(profile=self.name)
        with self.errors():
            core.full_config  # noqa: B018 - read now, so a file botocore cannot parse is one sentence
            use_quick_loader(core)
        return core

    def sso_session(self, sso_session: str, account_id: str, role_name: str) -> Any:
        """A botocore session whose chosen profile is an SSO account of trayapp's config (import sso).

        botocore's SSO provider reads profiles only: one is added to this session's loaded config,
        never to the file, so the token, its refresh and the portal call stay botocore's own.
        """
        import botocore.session

        core = botocore.session.Session()
        with self.errors():
            profiles = core.full_config.setdefault("profiles", {})
        profiles[self.name] = {
            "sso_session": sso_session,
            "sso_account_id": account_id,
            "sso_role_name": role_name,
        }
        core.set_config_variable("profile", self.name)
        self.login = f"aws sso login --sso-session {sso_session}"
        return core

    def role_source(self, session: Any) -> tuple[dict[str, Any], Any]:
        """(botocore's role config, the frozen credentials botocore picks to sign its AssumeRole)."""
        provider = _assume_role_provider(session, self.hop_cache, self.prompter, self.guard)
        with self.errors():
            provider._loaded_config = provider._load_config()
            role_config = provider._get_role_config(self.name)
            source = provider._resolve_source_credentials(role_config, self.name)
            frozen = source.get_frozen_credentials() if source else None
        if frozen is None or not frozen.access_key:
            raise NoSourceCredentials(self.no_credentials(role_config))
        return role_config, frozen

    def profile_source(self, session: Any, source: str) -> Any:
        """The credentials of ``source`` as botocore resolves a source_profile (its keys before its role)."""
        provider = _assume_role_provider(session, self.hop_cache, self.prompter, self.guard)
        with self.errors():
            provider._loaded_config = provider._load_config()
            provider._validate_source_profile(self.name, source)
            provider._visited_profiles.append(source)
            frozen = provider._resolve_credentials_from_profile(source).get_frozen_credentials()
        if frozen is None or not frozen.access_key:
            raise NoSourceCredentials(self.no_credentials({"source_profile": source}))
        return frozen

    def whole(self, session: Any) -> tuple[Any, datetime | None]:
        """Credentials botocore serves for the whole profile (SSO, web identity) and when they expire."""
        from botocore.credentials import create_credential_resolver

        with self.errors():
            # trayapp caches the result itself: botocore gets a throw-away cache, not a second copy on disk
            credentials = self.guard.arm(create_credential_resolver(session, cache={})).load_credentials()
            frozen = credentials.get_frozen_credentials() if credentials else None
        if frozen is None or not frozen.access_key:
            raise NoSourceCredentials(f"AWS profile {self.name!r} gave no credentials")
        expiry = getattr(credentials, "_expiry_time", None)
        return frozen, expiry

    def no_credentials(self, role_config: Mapping[str, Any]) -> str:
        """Names the real source (a profile or a credential_source), never "the primary IAM user"."""
        if role_config.get("credential_source"):
            where = f"credential_source {role_config['credential_source']}"
        else:
            where = f"source profile {role_config.get('source_profile')!r}"
        return f"AWS profile {self.name!r}: its {where} has no credentials"

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turns botocore's refusals into typed trayapp errors (its classes, never its text matched)."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            InfiniteLoopConfigError,
            InvalidConfigError,
            PartialCredentialsError,
            ProfileNotFound,
            SSOError,
            SSOTokenLoadError,
            TokenRetrievalError,
            UnauthorizedSSOTokenError,
        )

        name = self.name
        try:
            yield
        except (InvalidConfigError, PartialCredentialsError, InfiniteLoopConfigError) as exc:
            raise SourceRefused(refused_sentence(name, exc)) from None
        except ProfileNotFound:
            raise SourceRefused(
                f"AWS profile {name!r} is not in the AWS config or credentials files"
            ) from None
        except (UnauthorizedSSOTokenError, SSOTokenLoadError, SSOError, TokenRetrievalError):
            raise AwsError(
                f"the IAM Identity Center sign-in for {name!r} is missing or expired; run '{self.login}'"
            ) from None
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise AwsError(
                f"AWS profile {name!r}: its source could not be assumed (AWS said {code or 'no'})"
            ) from None
        except BotoCoreError as exc:
            raise AwsError(
                f"AWS profile {name!r}: its source credentials failed ({type(exc).__name__})"
            ) from None


def serial_of(prompt_text: str) -> str:
    """The MFA device botocore asks about, from its prompt text (the whole text when it cannot tell)."""
    m = SERIAL_IN_PROMPT.search(prompt_text.strip())
    return m.group(1) if m else prompt_text.strip()
