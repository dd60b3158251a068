"""Console URL builders, checked against exact strings."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from trayapp.core.colors import SWITCH_ROLE_PALETTE, nearest_palette_color
from trayapp.core.console import (
    ISSUER,
    destination_url,
    federation_endpoint,
    login_url,
    logout_url,
    signin_token_url,
    switch_role_problem,
    switch_role_url,
)
from trayapp.core.errors import UsageError
from trayapp.core.model import Account, RoleCredentials

SIDE = Account(
    name="side-project",
    display_name="Side project",
    account_id="044455556666",
    role_name="ops/admin",
    color="2e7d32",
)

# --- switch-role links -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partition", "url"),
    [
        (
            "aws",
            "https://signin.aws.amazon.com/switchrole"
            "?account=044455556666&roleName=ops%2Fadmin&displayName=Side%20project&color=b7ca9d",
        ),
        (
            "aws-us-gov",
            "https://signin.amazonaws-us-gov.com/switchrole"
            "?account=044455556666&roleName=ops%2Fadmin&displayName=Side%20project&color=b7ca9d",
        ),
        (
            "aws-cn",
            "https://signin.amazonaws.cn/switchrole"
            "?account=044455556666&roleName=ops%2Fadmin&displayName=Side%20project&color=b7ca9d",
        ),
    ],
)
def test_switch_role_url_per_partition(partition: str, url: str) -> None:
    assert switch_role_url(replace(SIDE, partition=partition)) == url


def test_switch_role_url_without_colour_has_no_color_parameter() -> None:
    account = replace(SIDE, color=None, role_name="admin")
    assert (
        switch_role_url(account)
        == "https://signin.aws.amazon.com/switchrole?account=044455556666&roleName=admin&displayName=Side%20project"
    )


@pytest.mark.parametrize(
    ("display_name", "encoded"),
    [
        ("Side project", "Side%20project"),
        ("R&D + Ops", "R%26D%20%2B%20Ops"),
        ("Café ☕", "Caf%C3%A9%20%E2%98%95"),
        ("a=b?c#d/e", "a%3Db%3Fc%23d%2Fe"),
        ("x" * 70, "x" * 64),
        ("é" * 70, "%C3%A9" * 64),  # cut by characters, not bytes
    ],
)
def test_switch_role_display_name_is_encoded_and_cut(display_name: str, encoded: str) -> None:
    url = switch_role_url(replace(SIDE, display_name=display_name, color=None))
    assert url.endswith(f"&displayName={encoded}")
    assert parse_qs(urlsplit(url).query)["displayName"] == [display_name[:64]]


def test_switch_role_role_name_with_special_characters_survives() -> None:
    url = switch_role_url(replace(SIDE, role_name="team/dev+ops@x=y,z"))
    assert "&roleName=team%2Fdev%2Bops%40x%3Dy%2Cz&" in url
    assert parse_qs(urlsplit(url).query)["roleName"] == ["team/dev+ops@x=y,z"]


@pytest.mark.parametrize(
    ("color", "palette"),
    [
        ("ff0000", "f2b0a9"),  # pure red -> red
        ("f44336", "f2b0a9"),
        ("b71c1c", "f2b0a9"),
        ("2e7d32", "b7ca9d"),  # dark green -> green
        ("1b5e20", "b7ca9d"),
        ("00ff00", "b7ca9d"),
        ("87ceeb", "83d4e8"),  # sky blue -> blue
        ("00bcd4", "83d4e8"),
        ("0000ff", "83d4e8"),  # pure blue -> blue
        ("1f77b4", "83d4e8"),
        ("3f51b5", "83d4e8"),
        ("ffff00", "efda95"),  # yellow
        ("ffd700", "efda95"),
        ("ffa500", "fbc8aa"),  # orange
        ("ff8c00", "fbc8aa"),
    ],
)
def test_nearest_palette_color(color: str, palette: str) -> None:
    assert nearest_palette_color(color) == palette
    assert switch_role_url(replace(SIDE, color=color)).endswith(f"&color={palette}")


@pytest.mark.parametrize("palette", SWITCH_ROLE_PALETTE.values())
def test_palette_colours_map_to_themselves(palette: str) -> None:
    assert nearest_palette_color(palette) == palette


@pytest.mark.parametrize(
    ("account", "region", "service", "redirect"),
    [
        (
            SIDE,
            "eu-west-1",
            None,
            "https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1",
        ),
        (SIDE, None, "s3", "https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Dus-east-1"),
        (
            SIDE,
            "eu-west-1",
            "s3",
            "https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1",
        ),
        (
            replace(SIDE, region="ap-south-1", destination="/billing/home"),
            None,
            None,
            "https%3A%2F%2Fap-south-1.console.aws.amazon.com%2Fbilling%2Fhome%3Fregion%3Dap-south-1",
        ),
        (
            replace(SIDE, region="ap-south-1", destination="ec2"),
            "us-west-2",
            "lambda",
            "https%3A%2F%2Fus-west-2.console.aws.amazon.com%2Flambda%2Fhome%3Fregion%3Dus-west-2",
        ),
        (
            replace(SIDE, partition="aws-us-gov"),
            "us-gov-west-1",
            None,
            "https%3A%2F%2Fconsole.amazonaws-us-gov.com%2Fconsole%2Fhome%3Fregion%3Dus-gov-west-1",
        ),
    ],
)
def test_switch_role_redirect(
    account: Account, region: str | None, service: str | None, redirect: str
) -> None:
    url = switch_role_url(account, region=region, service=service)
    assert url.endswith("&color=b7ca9d&redirect_uri=" + redirect)


def test_switch_role_without_region_or_service_has_no_redirect() -> None:
    assert "redirect_uri" not in switch_role_url(SIDE)


# --- why switch-role cannot be used ----------------------------------------------------------------------


def test_switch_role_problem_external_id() -> None:
    account = replace(SIDE, external_id="ext-123")
    problem = switch_role_problem(account)
    assert problem is not None
    assert "external id" in problem
    with pytest.raises(
        UsageError, match="Side project: the console cannot switch to a role that requires an external id"
    ):
        switch_role_url(account)


def test_switch_role_problem_path_plus_name_over_64() -> None:
    role = "p" * 30 + "/" + "n" * 34  # 65 characters
    account = replace(SIDE, role_name=role)
    problem = switch_role_problem(account)
    assert problem is not None
    assert "65 characters" in problem
    assert "at most 64" in problem
    with pytest.raises(UsageError, match="role path \\+ name is 65 characters"):
        switch_role_url(account)


def test_switch_role_exactly_64_is_fine() -> None:
    account = replace(SIDE, role_name="p" * 30 + "/" + "n" * 33)
    assert switch_role_problem(account) is None
    assert "roleName=" + "p" * 30 + "%2F" + "n" * 33 in switch_role_url(account)


# --- console destinations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partition", "region", "target", "url"),
    [
        ("aws", "us-east-1", None, "https://console.aws.amazon.com/console/home?region=us-east-1"),
        ("aws", "eu-west-1", None, "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
        ("aws", "us-east-1", "s3", "https://console.aws.amazon.com/s3/home?region=us-east-1"),
        (
            "aws",
            "eu-west-1",
            "cloudwatch",
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1",
        ),
        (
            "aws",
            "eu-west-1",
            "/billing/home",
            "https://eu-west-1.console.aws.amazon.com/billing/home?region=eu-west-1",
        ),
        ("aws", "us-east-1", "/billing/home", "https://console.aws.amazon.com/billing/home?region=us-east-1"),
        (
            "aws",
            "eu-west-1",
            "/cloudwatch/home?x=1",
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?x=1&region=eu-west-1",
        ),
        (
            "aws",
            "eu-west-1",
            "/ec2/home?region=us-west-2#Instances:",
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=us-west-2#Instances:",
        ),
        (
            "aws",
            "eu-west-1",
            "/ec2/home#Instances:",
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
        ),
        (
            "aws-us-gov",
            "us-gov-west-1",
            None,
            "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        (
            "aws-us-gov",
            "us-gov-east-1",
            "s3",
            "https://console.amazonaws-us-gov.com/s3/home?region=us-gov-east-1",
        ),
        ("aws-cn", "cn-north-1", None, "https://console.amazonaws.cn/console/home?region=cn-north-1"),
        ("aws-cn", "cn-northwest-1", "ec2", "https://console.amazonaws.cn/ec2/home?region=cn-northwest-1"),
    ],
)
def test_destination_url(partition: str, region: str, target: str | None, url: str) -> None:
    assert destination_url(partition, region, target) == url


# --- federation (signed mode) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partition", "endpoint"),
    [
        ("aws", "https://signin.aws.amazon.com/federation"),
        ("aws-us-gov", "https://signin.amazonaws-us-gov.com/federation"),
        ("aws-cn", "https://signin.amazonaws.cn/federation"),
    ],
)
def test_federation_endpoint_defaults(partition: str, endpoint: str) -> None:
    assert federation_endpoint(partition) == endpoint
    assert federation_endpoint(partition, "") == endpoint


@pytest.mark.parametrize(
    ("override", "endpoint"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/federation"),
        ("http://127.0.0.1:8080/federation", "http://127.0.0.1:8080/federation"),
        ("http://127.1.2.3/", "http://127.1.2.3/federation"),
        ("http://localhost:9000/federation/", "http://localhost:9000/federation"),
        ("https://LOCALHOST:9000/proxy", "https://LOCALHOST:9000/proxy/federation"),
        ("http://[::1]:5000", "http://[::1]:5000/federation"),
        ("https://signin.aws.amazon.com", "https://signin.aws.amazon.com/federation"),
        (
            "https://us-east-1.signin.aws.amazon.com/federation",
            "https://us-east-1.signin.aws.amazon.com/federation",
        ),
        ("https://signin.amazonaws-us-gov.com", "https://signin.amazonaws-us-gov.com/federation"),
        ("https://signin.amazonaws.cn/", "https://signin.amazonaws.cn/federation"),
    ],
)
def test_federation_endpoint_accepted_overrides(override: str, endpoint: str) -> None:
    assert federation_endpoint("aws", override) == endpoint


@pytest.mark.parametrize(
    "override",
    [
        "https://evil.example.com/federation",
        "http://signin.aws.amazon.com/federation",  # AWS host, but not https
        "http://us-east-1.signin.aws.amazon.com",
        "https://signin.aws.amazon.com.evil.example.com",
        "https://notsignin.aws.amazon.com",
        "https://127.0.0.1.nip.io",
        "http://127.evil.example.com",  # looks like loopback, is a DNS name
        "http://localhost.evil.example.com",
        "http://127.0.0.1@evil.example.com",  # userinfo trick: the host is evil.example.com
        "ftp://127.0.0.1/federation",
        "127.0.0.1:8080",
        "not a url",
    ],
)
def test_federation_endpoint_rejected_overrides(override: str) -> None:
    with pytest.raises(UsageError, match="TRAYAPP_SIGNIN_ENDPOINT"):
        federation_endpoint("aws", override)


CREDS = RoleCredentials(
    access_key_id="ASIAEXAMPLE",
    secret_access_key="se/cr+et=key",
    session_token="to+ken/with==",
    expiration="2030-01-01T00:00:00Z",
)
SESSION = {"sessionId": "ASIAEXAMPLE", "sessionKey": "se/cr+et=key", "sessionToken": "to+ken/with=="}


def test_signin_token_url_with_session_duration() -> None:
    url = signin_token_url("https://signin.aws.amazon.com/federation", CREDS, 3600)
    assert url.startswith(
        "https://signin.aws.amazon.com/federation?Action=getSigninToken&SessionDuration=3600&Session="
    )
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert set(query) == {"Action", "SessionDuration", "Session"}
    assert query["SessionDuration"] == ["3600"]
    assert json.loads(query["Session"][0]) == SESSION


def test_signin_token_url_without_session_duration() -> None:
    url = signin_token_url("http://127.0.0.1:8080/federation", CREDS, None)
    assert url.startswith("http://127.0.0.1:8080/federation?Action=getSigninToken&Session=")
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert set(query) == {"Action", "Session"}
    assert json.loads(query["Session"][0]) == SESSION


def test_signin_token_url_encodes_plus_and_slash() -> None:
    # A raw '+' would reach the sign-in service as a space and break the secret key.
    query = urlsplit(signin_token_url("https://signin.aws.amazon.com/federation", CREDS, None)).query
    assert "+" not in query
    assert "/" not in query


def test_login_url_exact() -> None:
    url = login_url(
        "https://signin.aws.amazon.com/federation",
        "tok+en/=",
        "https://console.aws.amazon.com/console/home?region=us-east-1",
    )
    assert url == (
        "https://signin.aws.amazon.com/federation?Action=login"
        "&Issuer=https%3A%2F%2Fgithub.com%2Ftrayapp%2Ftrayapp"
        "&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-1"
        "&SigninToken=tok%2Ben%2F%3D"
    )


def test_login_url_parameters_decode() -> None:
    destination = destination_url("aws", "eu-west-1", "/ec2/home?x=1#Instances:")
    url = login_url("http://127.0.0.1:1/federation", "TOKEN", destination, issuer="https://example.com/me")
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert query == {
        "Action": ["login"],
        "Issuer": ["https://example.com/me"],
        "Destination": [destination],
        "SigninToken": ["TOKEN"],
    }
    assert urlsplit(url).fragment == ""  # the destination's '#' is encoded, not the login URL's fragment
    assert ISSUER.startswith("https://")


@pytest.mark.parametrize(
    ("partition", "redirect", "url"),
    [
        ("aws", None, "https://signin.aws.amazon.com/oauth?Action=logout"),
        ("aws-us-gov", None, "https://signin.amazonaws-us-gov.com/oauth?Action=logout"),
        ("aws-cn", None, "https://signin.amazonaws.cn/oauth?Action=logout"),
        (
            "aws",
            "https://console.aws.amazon.com/console/home?region=us-east-1",
            "https://us-east-1.signin.aws.amazon.com/oauth?Action=logout"
            "&redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Dus-east-1",
        ),
    ],
)
def test_logout_url(partition: str, redirect: str | None, url: str) -> None:
    assert logout_url(partition, redirect) == url


def test_logout_url_defaults_to_the_aws_partition() -> None:
    assert logout_url() == "https://signin.aws.amazon.com/oauth?Action=logout"
