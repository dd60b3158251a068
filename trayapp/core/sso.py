"""IAM Identity Center: the accounts and roles the token of ``aws sso login`` reaches, as candidate accounts.

The token, its refresh and the portal client are botocore's; trayapp only pages through
ListAccounts and ListAccountRoles and turns each (account, role) into an ``[[account]]`` with
``sso_session``, whose credentials come from GetRoleCredentials (core/sessions.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from trayapp.core.errors import AwsError, UsageError
from trayapp.core.identifiers import DISPLAY_NAME_MAX
from trayapp.core.importing import Skipped

MAX_PAGES = 10_000  # a guard against a portal that never stops paging
WHERE = "Could not list the accounts of IAM Identity Center"


def pick_session(sessions: dict[str, Any], wanted: str | None) -> str:
    """The ``[sso-session NAME]`` to use: the one asked for, else the only one; a sentence otherwise."""
    names = sorted(sessions)
    if wanted:
        if wanted not in sessions:
            known = ", ".join(names) or "none"
            raise UsageError(f"the AWS config has no [sso-session {wanted}] (it has: {known})")
        return wanted
    if len(names) == 1:
        return names[0]
    if not names:
        raise UsageError(
            "the AWS config has no [sso-session NAME] section; run 'aws configure sso-session' first"
        )
    raise UsageError(
        f"the AWS config has several SSO sessions ({', '.join(names)}); pick one with --sso-session"
    )


def sso_candidates(
    wanted: str | None = None, group: str | None = None
) -> tuple[list[dict[str, str]], list[Skipped]]:
    """Candidate accounts for every role of every account the cached token of the SSO session reaches."""
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config as BotoConfig

    core = botocore.session.Session()
    name = pick_session(core.full_config.get("sso_sessions", {}), wanted)
    region = core.full_config["sso_sessions"][name].get("sso_region")
    if not region:
        raise UsageError(f"[sso-session {name}] sets no sso_region")
    token = access_token(core, name)
    client = core.create_client(
        "sso",
        region_name=region,
        config=BotoConfig(signature_version=UNSIGNED, retries={"mode": "standard", "total_max_attempts": 2}),
    )
    candidates: list[dict[str, str]] = []
    for account in sorted(pages(client.list_accounts, "accountList", name, accessToken=token), key=_by_name):
        account_id, label = str(account.get("accountId", "")), str(account.get("accountName") or "").strip()
        roles = pages(client.list_account_roles, "roleList", name, accessToken=token, accountId=account_id)
        for role in sorted(str(r.get("roleName", "")) for r in roles):
            title = f"{label or account_id} / {role}"
            candidate = {
                "name": f"{label or account_id}-{role}",
                "display_name": title[:DISPLAY_NAME_MAX].strip(),
                "account_id": account_id,
                "role_name": role,
                "sso_session": name,
                "group": group or name,
            }
            candidates.append(candidate)
    return candidates, []


def _by_name(account: dict[str, Any]) -> tuple[str, str]:
    return str(account.get("accountName", "")).casefold(), str(account.get("accountId", ""))


def access_token(core: Any, session_name: str) -> str:
    """The token ``aws sso login --sso-session NAME`` cached (refreshed by botocore when it can)."""
    from botocore.exceptions import BotoCoreError
    from botocore.tokens import SSOTokenProvider

    probe = f"trayapp-sso-import:{session_name}"
    core.full_config.setdefault("profiles", {})[probe] = {"sso_session": session_name}
    try:
        token = SSOTokenProvider(core, profile_name=probe).load_token()
        value = token.get_frozen_token().token if token else None
    except BotoCoreError:
        value = None
    if not value:
        raise AwsError(
            f"no valid IAM Identity Center sign-in for [sso-session {session_name}]; "
            f"run 'aws sso login --sso-session {session_name}'"
        )
    return str(value)


def pages(
    call: Callable[..., dict[str, Any]], key: str, session_name: str, **params: Any
) -> Iterator[dict[str, Any]]:
    """Every item of a paged portal list; failures in one sentence."""
    from botocore.exceptions import BotoCoreError, ClientError

    token: str | None = None
    for _ in range(MAX_PAGES):
        try:
            page = call(**params, **({"nextToken": token} if token else {}))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "UnauthorizedException":
                raise AwsError(
                    f"{WHERE}: the sign-in has expired; run 'aws sso login --sso-session {session_name}'"
                ) from None
            raise AwsError(f"{WHERE}: the portal said {code or 'no'}") from None
        except BotoCoreError as exc:
            raise AwsError(f"{WHERE}: the portal could not be reached ({type(exc).__name__})") from None
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return
    raise AwsError(f"{WHERE}: the portal kept answering with more pages")
