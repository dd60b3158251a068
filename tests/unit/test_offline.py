"""Offline says so in words: "no network connection", never a Python exception's name."""

from __future__ import annotations

import pytest

from trayapp.core.errors import AwsError
from trayapp.core.signin import fetch_signin_token


def test_an_unresolvable_sign_in_host_says_no_network_connection() -> None:
    # .invalid never resolves (RFC 2606), online or not: the same failure as being offline.
    with pytest.raises(AwsError) as caught:
        fetch_signin_token("https://signin.example.invalid/federation?Action=getSigninToken", timeout=5)
    message = str(caught.value)
    assert message.startswith("could not reach the AWS sign-in service: no network connection")
    assert "gaierror" not in message and "invalid/federation" not in message


def test_an_unresolvable_sts_host_says_no_network_connection() -> None:
    import boto3

    from trayapp.core.awscall import call_aws

    client = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url="https://sts.example.invalid",
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(AwsError) as caught:
        call_aws(client.get_caller_identity, client, "AWS STS", False, lambda *_: AwsError("refused"))
    assert (
        str(caught.value) == "no network connection: could not look up AWS STS at https://sts.example.invalid"
    )
