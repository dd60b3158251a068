"""The accounts of the primary's AWS Organization (ListAccounts) as candidate accounts to import."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from trayapp.core.awscall import CONNECT_TIMEOUT, READ_TIMEOUT, call_aws, client_for
from trayapp.core.errors import AwsError
from trayapp.core.identifiers import DISPLAY_NAME_MAX
from trayapp.core.importing import Skipped
from trayapp.core.lookup import LookupGuard
from trayapp.core.model import Config
from trayapp.core.primary import boto_session, primary_credentials
from trayapp.core.stserrors import explain, reason, scrub

DEFAULT_ROLE = "OrganizationAccountAccessRole"
MAX_PAGES = 10_000  # 20 accounts a page; a guard against an endpoint that never stops paging
WHERE = "Could not list the accounts of your AWS Organization"
INACTIVE = {"SUSPENDED": "suspended", "PENDING_CLOSURE": "being closed", "CLOSED": "closed"}
OWN_REASONS = {  # the rest of the table is stserrors.reason's
    "denied": (
        "access denied (only the management account or a delegated administrator may call "
        "organizations:ListAccounts, and the primary IAM user needs that permission)"
    ),
    "AWSOrganizationsNotInUseException": "the primary account is not a member of an AWS Organization",
}


def organization_accounts(
    config: Config,
    role_name: str = DEFAULT_ROLE,
    group: str | None = None,
    timeouts: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    environ: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, str]], list[Skipped]]:
    """Candidate accounts for every active account of the organization but the primary's own.

    Called with the primary's keys ([primary] profile, else the default chain); the endpoint is
    boto3's (``AWS_ENDPOINT_URL_ORGANIZATIONS`` is honoured). AwsError in one sentence otherwise.
    """
    session = boto_session(config.primary.profile)
    frozen = primary_credentials(
        session, guard=LookupGuard(environ or {})
    )  # a credential_process child gets environ
    client = client_for("organizations", session, frozen, config.primary.region, timeouts)
    found = list(list_accounts(client, [frozen.secret_key, frozen.token]))
    own = config.primary.account_id or own_account(session, frozen, config.primary.region, timeouts)

    candidates: list[dict[str, str]] = []
    skipped: list[Skipped] = []
    for entry in sorted(found, key=lambda a: (str(a.get("Name", "")).casefold(), str(a.get("Id")))):
        account_id, name = str(entry.get("Id", "")), str(entry.get("Name", "")).strip()
        label = f"{name or account_id} ({account_id}, {role_name})"
        state = str(entry.get("State") or entry.get("Status") or "")
        if account_id == own:
            skipped.append(Skipped(label, "the primary's own account"))
            continue
        if state in INACTIVE:
            skipped.append(Skipped(label, f"the account is {INACTIVE[state]}"))
            continue
        candidate = {"account_id": account_id, "role_name": role_name}
        if name:
            candidate = {"name": name, "display_name": name[:DISPLAY_NAME_MAX].strip(), **candidate}
        if group:
            candidate["group"] = group
        candidates.append(candidate)
    return candidates, skipped


def own_account(session: Any, frozen: Any, region: str, timeouts: tuple[float, float]) -> str:
    """The primary's account id (GetCallerIdentity), to leave it out of the import."""
    sts = client_for("sts", session, frozen, region, timeouts)
    secrets = [frozen.secret_key, frozen.token]

    def refuse(code: str, message: str, attempts: int) -> Exception:
        return AwsError(explain(code, scrub(message, secrets), None, sts, attempts))

    answer = call_aws(lambda: sts.get_caller_identity(), sts, "AWS STS", True, refuse)
    return str(answer["Account"])


def list_accounts(client: Any, secrets: list[str | None]) -> Iterator[dict[str, Any]]:
    """Every account of the organization, page by page."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = call(client, {"NextToken": token} if token else {}, secrets)
        yield from page.get("Accounts", [])
        token = page.get("NextToken")
        if not token:
            return
    raise AwsError(f"{WHERE}: AWS kept answering with more pages")


def call(client: Any, params: dict[str, Any], secrets: list[str | None]) -> dict[str, Any]:
    """One ListAccounts page; throttling is retried with backoff, any other failure is one sentence."""

    def refuse(code: str, message: str, attempts: int) -> Exception:
        why = reason(code, scrub(message, secrets), tries=attempts, own=OWN_REASONS)
        return AwsError(f"{WHERE}: {why}")

    return call_aws(lambda: client.list_accounts(**params), client, "AWS Organizations", True, refuse, WHERE)
