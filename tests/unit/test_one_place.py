"""Each rule lives in one place (issue 13): the shared parsers agree with their references, and no
pattern is compiled twice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from botocore.configloader import build_profile_map, raw_config_parse
from botocore.utils import ArnParser, InvalidArnException

import trayapp
from trayapp.core import colors, inisections, stserrors
from trayapp.core import identifiers as ids
from trayapp.core.awsconfig import role_profiles
from trayapp.core.config import parse_config
from trayapp.core.errors import ConfigError
from trayapp.core.importing import parse_aesr
from trayapp.tray import images

PACKAGE = Path(trayapp.__file__).parent


def compiled_patterns() -> list[tuple[str, str]]:
    """(pattern, where) of every ``re.compile("literal")`` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "compile"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.args[0].value, f"{path.relative_to(PACKAGE)}:{node.lineno}"))
    return found


def test_no_pattern_is_compiled_in_two_places() -> None:
    places: dict[str, list[str]] = {}
    for pattern, where in compiled_patterns():
        places.setdefault(pattern, []).append(where)
    assert len(places) > 20  # the walk found the package's patterns
    assert {p: w for p, w in places.items() if len(w) > 1} == {}


ROLE_ARNS = [
    "arn:aws:iam::123456789012:role/admin",
    "arn:aws:iam::123456789012:role/ops/admin",
    "arn:aws:iam::123456789012:role//ops/admin/",
    "arn:aws-us-gov:iam::123456789012:role/r",
    "arn:aws-cn:iam::123456789012:role/service-role/x+=,.@-",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:iam::12345678901:role/short",
    "arn:aws:sts::123456789012:role/wrong-service",
    "arn:aws:iam:eu-west-1:123456789012:role/regional",
    "arn:aws:iam::123456789012:role/",
    "arn:aws:iam::123456789012:role/has space",
    f"arn:aws:iam::123456789012:role/{'n' * 65}",
    "nope",
]


@pytest.mark.parametrize("text", ROLE_ARNS)
def test_role_arns_are_read_as_botocore_reads_them(text: str) -> None:
    try:
        arn = ids.parse_role_arn(text)
    except ValueError as exc:
        assert "role" in str(exc) and str(exc).count("\n") == 0
        return
    reference = ArnParser().parse_arn(text)  # botocore: an ARN we accept is one it can take apart
    assert (reference["partition"], reference["service"], reference["region"]) == (arn.partition, "iam", "")
    assert reference["account"] == arn.account_id
    assert reference["resource"].removeprefix("role/").strip("/") == arn.role


def test_botocore_rejects_what_is_no_arn() -> None:
    with pytest.raises(InvalidArnException):
        ArnParser().parse_arn("nope")


@pytest.mark.parametrize("text", ROLE_ARNS)
def test_every_reader_of_role_arn_agrees(text: str, tmp_path: Path) -> None:
    """trayapp's config, the AWS config reader and the AESR importer accept the same role ARNs."""
    try:
        expected: ids.RoleArn | None = ids.parse_role_arn(text)
    except ValueError:
        expected = None
    toml = f'[[account]]\nname = "a"\nrole_arn = "{text}"\n'.encode()
    try:
        account = parse_config(toml, tmp_path / "config.toml").accounts[0]
        got: ids.RoleArn | None = ids.RoleArn(account.partition, account.account_id, account.role_name)
    except ConfigError:
        got = None
    assert got == expected
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(f"[profile a]\nrole_arn = {text}\ncredential_source = Environment\n")
    accounts, _ = role_profiles(aws_config)
    assert [(a.partition, a.account_id, a.role_name) for a in accounts] == (
        [tuple(expected)] if expected else []
    )
    candidates, _ = parse_aesr(f"[profile a]\nrole_arn = {text}\n")
    assert bool(candidates) == bool(expected)


HEADERS = [
    "default",
    "profile a",
    "profile  spaced",
    'profile "quoted name"',
    "profilex y",
    'profile"q"',
    "profile",
    "profile a b",
    "plain",
    "sso-session s",
    "profile 'unclosed",
]


def test_config_headers_name_the_profiles_botocore_names(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("".join(f"[{h}]\nregion = eu-west-1\n" for h in HEADERS))
    reference = set(build_profile_map(raw_config_parse(str(path)))["profiles"])
    lines = path.read_text().splitlines()
    ours = {
        name
        for line in lines
        if (header := inisections.header(line)) is not None
        if (name := inisections.config_profile(header)) is not None
    }
    assert ours == reference
    assert {"default", "a", "spaced", "quoted name", "y"} <= ours


@pytest.mark.parametrize(
    ("inner", "name"),
    [("profile a", "a"), ("a", "a"), (" profile  b ", "b"), ("profile", "profile"), ("profile   ", "")],
)
def test_aesr_reads_profile_prefix_or_none(inner: str, name: str) -> None:
    assert inisections.loose_profile(inner) == name


@pytest.mark.parametrize(
    "text", ["#2e7d32", "2E7D32", " #0a0B0c ", "#12345", "red", "#2e7d32ff", "", "#ggg000", "٣٣٣٣٣٣"]
)
def test_one_hex_colour_parser_for_config_and_pictures(text: str) -> None:
    assert images.parse_color is colors.rgb
    try:
        rgb = colors.rgb(text)
    except ValueError:
        with pytest.raises(ValueError):
            colors.normalize_color(text)
        return
    assert bytes(rgb).hex() == colors.normalize_color(text)


SPELLINGS = [
    ("AccessDenied", "AccessDeniedException"),
    ("ExpiredToken", "ExpiredTokenException"),
    ("InvalidClientTokenId", "UnrecognizedClientException"),
    ("SignatureDoesNotMatch", "InvalidSignatureException"),
    ("Throttling", "TooManyRequestsException"),
    ("Throttling", "ThrottlingException"),
    ("Throttling", "RequestLimitExceeded"),
]


@pytest.mark.parametrize(("query", "json"), SPELLINGS)
def test_one_sentence_per_failure_whatever_the_protocol_spells_it(query: str, json: str) -> None:
    assert stserrors.reason(query, "m") == stserrors.reason(json, "m")
    assert not stserrors.reason(query, "m").startswith("AWS said")


def test_a_service_words_only_what_is_its_own() -> None:
    from trayapp.core import federation, organizations

    for own in (organizations.OWN_REASONS, federation.OWN_REASONS):
        assert stserrors.reason("AccessDeniedException", "m", own=own) == own["denied"]
        assert stserrors.reason("ExpiredTokenException", "m", own=own) == stserrors.reason(
            "ExpiredToken", "m"
        )
    assert stserrors.reason("Weird", "what AWS said", own=organizations.OWN_REASONS) == (
        "AWS said Weird: what AWS said"
    )


def test_the_checks_cover_exactly_the_schema_keys() -> None:
    from trayapp.core import config, schema

    assert tuple(config.PRIMARY_CHECKS) == schema.PRIMARY_KEYS
    assert tuple(config.SETTINGS_CHECKS) == schema.SETTINGS_KEYS
    assert tuple(config.ACCOUNT_CHECKS) == schema.ACCOUNT_KEYS
