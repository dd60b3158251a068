"""ListAccounts answers that moto does not give (errors, throttling, many pages), with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from trayapp.core import awscall, organizations
from trayapp.core.errors import AwsError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    monkeypatch.setattr(awscall, "BACKOFF_BASE", 0.001)
    client = boto3.client(
        "organizations",
        region_name="us-east-1",
        aws_access_key_id="AKIAEXAMPLE",
        aws_secret_access_key=SECRET,
    )
    with Stubber(client) as stubber:
        yield client, stubber


def account(number: int, status: str = "ACTIVE") -> dict[str, Any]:
    account_id = f"{number:012d}"
    return {
        "Id": account_id,
        "Arn": f"arn:aws:organizations::111111111111:account/o-example/{account_id}",
        "Name": f"account {number}",
        "Email": f"a{number}@example.com",
        "Status": status,
    }


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        ("AccessDeniedException", "access denied (only the management account or a delegated administrator"),
        ("AWSOrganizationsNotInUseException", "the primary account is not a member of an AWS Organization"),
        ("UnrecognizedClientException", "AWS does not recognise the primary access key"),
        ("SomethingNew", "AWS said SomethingNew: about [hidden] and more"),
    ],
)
def test_errors_are_one_sentence_without_secrets(
    stubbed: tuple[Any, Stubber], code: str, sentence: str
) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "list_accounts", service_error_code=code, service_message=f"about {SECRET} and more"
    )
    with pytest.raises(AwsError) as caught:
        list(organizations.list_accounts(client, [SECRET, None]))
    message = str(caught.value)
    assert message.startswith("Could not list the accounts of your AWS Organization: " + sentence)
    assert "\n" not in message and SECRET not in message


def test_every_page_is_read_and_throttling_is_retried(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("list_accounts", {"Accounts": [account(1), account(2)], "NextToken": "t1"}, {})
    stubber.add_client_error("list_accounts", service_error_code="TooManyRequestsException")
    stubber.add_response("list_accounts", {"Accounts": [account(3, "SUSPENDED")]}, {"NextToken": "t1"})
    found = list(organizations.list_accounts(client, []))
    assert [a["Id"] for a in found] == ["000000000001", "000000000002", "000000000003"]
    stubber.assert_no_pending_responses()


def test_throttling_that_does_not_stop_is_one_sentence(stubbed: tuple[Any, Stubber]) -> None:
    client, stubber = stubbed
    for _ in range(awscall.THROTTLE_ATTEMPTS):
        stubber.add_client_error("list_accounts", service_error_code="TooManyRequestsException")
    tried = f"AWS is throttling requests; tried {awscall.THROTTLE_ATTEMPTS} times, try again in a minute"
    with pytest.raises(AwsError, match=tried):
        list(organizations.list_accounts(client, []))
