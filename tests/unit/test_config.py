"""config.toml: every key into the model, every problem reported at once with file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trayapp.core.config import config_path, load_config
from trayapp.core.console import switch_role_url
from trayapp.core.errors import ConfigError, UsageError
from trayapp.core.model import Account, Config, Primary, Settings

WriteFile = Callable[..., Path]

FULL = """
[primary]
label = "george"
account_id = "011122223333"
profile = "personal"
mfa_serial = "arn:aws:iam::011122223333:mfa/george"
region = "eu-west-1"
console = "signed"

[settings]
clipboard_clear_seconds = 0
credential_format = "fish"
aws_config_profiles = false
session_cache = "memory"
browser = "firefox -P work --new-window {url}"

[[account]]
name = "side-project"
display_name = "Side project"
account_id = "044455556666"
role_name = "ops/admin"
color = "#2E7D32"
region = "eu-central-1"
group = "Personal"
external_id = "ext-123"
duration = "1h"
destination = "cloudwatch"
browser = "chromium --profile-directory=Work {url}"
mfa_serial = "arn:aws:iam::011122223333:mfa/george"
role_session_name = "george@laptop"

[[account]]
display_name = "Billing Team (prod)"
role_arn = "arn:aws:iam::777788889999:role/billing/reader"
duration = "90m"
color = "f2b0a9"
destination = "/billing/home"

[[account]]
link = "https://signin.amazonaws-us-gov.com/switchrole?account=123456789012&roleName=gov%2Fadmin&displayName=Gov+Cloud&color=83d4e8"
duration = "3600"

[[account]]
name = "plain"
account_id = "999988887777"
role_name = "viewer"
duration = 3600
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line of ``text`` (as written to disk) containing needle."""
    lines = text.lstrip("\n").splitlines()
    hits = [number for number, line in enumerate(lines, start=1) if needle in line]
    return hits[occurrence - 1]


@pytest.fixture
def full(write_file: WriteFile) -> Config:
    return load_config(write_file("config.toml", FULL))


def test_full_config_primary_and_settings(full: Config) -> None:
    assert full.exists is True
    assert full.primary == Primary(
        label="george",
        account_id="011122223333",
        profile="personal",
        mfa_serial="arn:aws:iam::011122223333:mfa/george",
        region="eu-west-1",
        console="signed",
    )
    assert full.settings == Settings(
        clipboard_clear_seconds=0,
        credential_format="fish",
        aws_config_profiles=False,
        session_cache="memory",
        browser="firefox -P work --new-window {url}",
    )


def test_full_config_accounts(full: Config) -> None:
    assert full.accounts == (
        Account(
            name="side-project",
            display_name="Side project",
            account_id="044455556666",  # a string, the leading zero kept
            role_name="ops/admin",
            partition="aws",
            color="2e7d32",  # normalised: no '#', lower case
            region="eu-central-1",
            group="Personal",
            external_id="ext-123",
            duration_seconds=3600,
            destination="cloudwatch",
            browser="chromium --profile-directory=Work {url}",
            mfa_serial="arn:aws:iam::011122223333:mfa/george",
            role_session_name="george@laptop",
            source="config",
            line=line_of(FULL, "[[account]]", 1),
        ),
        Account(
            name="billing-team-prod",  # slug of the display name
            display_name="Billing Team (prod)",
            account_id="777788889999",
            role_name="billing/reader",  # from role_arn, path kept
            color="f2b0a9",
            duration_seconds=5400,
            destination="/billing/home",
            line=line_of(FULL, "[[account]]", 2),
        ),
        Account(
            name="gov-cloud",
            display_name="Gov Cloud",  # from the link's displayName ('+' is a space)
            account_id="123456789012",
            role_name="gov/admin",
            partition="aws-us-gov",  # from the link's host
            color="83d4e8",
            duration_seconds=3600,
            line=line_of(FULL, "[[account]]", 3),
        ),
        Account(
            name="plain",
            display_name="plain",  # defaults to the name
            account_id="999988887777",
            role_name="viewer",
            duration_seconds=3600,
            line=line_of(FULL, "[[account]]", 4),
        ),
    )


def test_role_arn_of_loaded_accounts(full: Config) -> None:
    assert [a.role_arn for a in full.accounts] == [
        "arn:aws:iam::044455556666:role/ops/admin",
        "arn:aws:iam::777788889999:role/billing/reader",
        "arn:aws-us-gov:iam::123456789012:role/gov/admin",
        "arn:aws:iam::999988887777:role/viewer",
    ]


def test_region_defaults(write_file: WriteFile) -> None:
    bare = load_config(
        write_file(
            "bare.toml",
            """
            [[account]]
            name = "a"
            account_id = "111111111111"
            role_name = "r"
            """,
        )
    )
    assert bare.primary.region == "us-east-1"
    assert bare.primary.console == "switch-role"
    assert bare.settings == Settings()
    assert bare.settings.clipboard_clear_seconds == 45
    assert bare.region_for(bare.accounts[0]) == "us-east-1"


def test_account_region_overrides_primary_region(full: Config) -> None:
    side, billing = full.accounts[0], full.accounts[1]
    assert full.region_for(side) == "eu-central-1"
    assert full.region_for(billing) == "eu-west-1"


def minimal_account(extra: str) -> str:
    return f'[[account]]\nname = "a"\naccount_id = "111111111111"\nrole_name = "r"\n{extra}\n'


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ('"1h"', 3600),
        ('"90m"', 5400),
        ('"1h30m"', 5400),
        ('"15m"', 900),
        ('"12h"', 43200),
        ('"3600"', 3600),
        ("3600", 3600),
        ('"900s"', 900),
    ],
)
def test_durations(write_file: WriteFile, value: str, seconds: int) -> None:
    config = load_config(write_file("d.toml", minimal_account(f"duration = {value}")))
    assert config.accounts[0].duration_seconds == seconds


@pytest.mark.parametrize(
    ("value", "color"),
    [('"#2E7D32"', "2e7d32"), ('"2e7d32"', "2e7d32"), ('"#FFA500"', "ffa500"), ('" #abcdef "', "abcdef")],
)
def test_colours_are_normalised(write_file: WriteFile, value: str, color: str) -> None:
    config = load_config(write_file("c.toml", minimal_account(f"color = {value}")))
    assert config.accounts[0].color == color


@pytest.mark.parametrize(
    ("keys", "account_id", "role", "partition"),
    [
        ('account_id = "111111111111"\nrole_name = "ops/admin"', "111111111111", "ops/admin", "aws"),
        ('account_id = "1111-2222-3333"\nrole_name = "/ops/admin/"', "111122223333", "ops/admin", "aws"),
        ('role_arn = "arn:aws:iam::000011112222:role/a/b/c"', "000011112222", "a/b/c", "aws"),
        ('role_arn = "arn:aws-cn:iam::000011112222:role/admin"', "000011112222", "admin", "aws-cn"),
        ('role_arn = "arn:aws-us-gov:iam::000011112222:role/admin"', "000011112222", "admin", "aws-us-gov"),
    ],
)
def test_role_paths_and_arns(
    write_file: WriteFile, keys: str, account_id: str, role: str, partition: str
) -> None:
    config = load_config(write_file("r.toml", f'[[account]]\nname = "a"\n{keys}\n'))
    account = config.accounts[0]
    assert (account.account_id, account.role_name, account.partition) == (account_id, role, partition)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "https://signin.aws.amazon.com/switchrole?account=012345678901&roleName=admin"
            "&displayName=Prod%20%26%20Co&color=fbc8aa",
            ("prod-co", "Prod & Co", "012345678901", "admin", "aws", "fbc8aa"),
        ),
        (
            "https://us-east-1.signin.aws.amazon.com/switchrole?roleName=ops%2Fadmin&account=222233334444",
            ("admin-222233334444", "admin @ 222233334444", "222233334444", "ops/admin", "aws", None),
        ),
        (
            "https://signin.amazonaws.cn/switchrole?account=333344445555&roleName=dev&displayName=China",
            ("china", "China", "333344445555", "dev", "aws-cn", None),
        ),
        (
            "https://signin.amazonaws-us-gov.com/switchrole?account=444455556666&roleName=dev&displayName=Gov",
            ("gov", "Gov", "444455556666", "dev", "aws-us-gov", None),
        ),
    ],
)
def test_link_accounts(write_file: WriteFile, link: str, expected: tuple[object, ...]) -> None:
    config = load_config(write_file("l.toml", f'[[account]]\nlink = "{link}"\n'))
    a = config.accounts[0]
    assert (a.name, a.display_name, a.account_id, a.role_name, a.partition, a.color) == expected


def test_link_with_own_name_and_display_name(write_file: WriteFile) -> None:
    link = (
        "https://signin.aws.amazon.com/switchrole?account=012345678901&roleName=admin&displayName=From+link"
    )
    config = load_config(
        write_file(
            "l.toml",
            f'[[account]]\nname = "mine"\ndisplay_name = "Mine"\ncolor = "#000000"\nlink = "{link}"\n',
        )
    )
    a = config.accounts[0]
    assert (a.name, a.display_name, a.color) == ("mine", "Mine", "000000")


def test_switch_role_url_read_back_as_link_gives_the_same_account(write_file: WriteFile) -> None:
    account = Account(
        name="x",
        display_name="R&D + Ops: café",
        account_id="001122334455",
        role_name="team/dev+ops",
        color="b7ca9d",
    )
    url = switch_role_url(account)
    config = load_config(write_file("l.toml", f'[[account]]\nname = "x"\nlink = "{url}"\n'))
    assert config.accounts[0] == Account(
        name="x",
        display_name="R&D + Ops: café",
        account_id="001122334455",
        role_name="team/dev+ops",
        color="b7ca9d",
        line=1,
    )


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "config.toml"
    config = load_config(path)
    assert (config.path, config.exists, config.accounts) == (path, False, ())
    assert config.primary == Primary()
    assert not path.parent.exists()  # loading never creates anything


def test_empty_file_is_valid(write_file: WriteFile) -> None:
    config = load_config(write_file("empty.toml", ""))
    assert (config.exists, config.accounts) == (True, ())


# --- invalid configs -------------------------------------------------------------------------------------
# Each case marks the line the problem must point at with "# <-".


def marked_line(text: str) -> int:
    return line_of(text, "# <-")


INVALID = {
    "syntax error": (
        """
        [primary]
        region = eu-west-1  # <-
        """,
        "",
        "TOML syntax error",
    ),
    "wrong type": (
        """
        [settings]
        aws_config_profiles = "yes"  # <-
        """,
        "settings.aws_config_profiles",
        "must be true or false, got a string",
    ),
    "wrong type for a string": (
        """
        [[account]]
        name = "a"
        display_name = 42  # <-
        account_id = "111111111111"
        role_name = "r"
        """,
        "account 'a'.display_name",
        "must be a string in quotes, got an integer",
    ),
    "11-digit account id": (
        """
        [[account]]
        name = "a"
        account_id = "11111111111"  # <-
        role_name = "r"
        """,
        "account 'a'.account_id",
        "must be exactly 12 digits",
    ),
    "integer account id": (
        """
        [[account]]
        name = "a"
        account_id = 44455556666  # <-
        role_name = "r"
        """,
        "account 'a'.account_id",
        'in quotes (leading zeros are real), e.g. "044455556666"',
    ),
    "65-character display name": (
        f"""
        [[account]]
        name = "a"
        display_name = "{"x" * 65}"  # <-
        account_id = "111111111111"
        role_name = "r"
        """,
        "account 'a'.display_name",
        "at most 64 characters, got 65",
    ),
    "unknown key with suggestion": (
        """
        [[account]]
        name = "a"
        account_id = "111111111111"
        role_name = "r"
        colour = "#ff0000"  # <-
        """,
        "account 'a'.colour",
        "unknown key; did you mean 'color'?",
    ),
    "unknown top-level table": (
        """
        [primray]  # <-
        region = "eu-west-1"
        """,
        "primray",
        "unknown key; did you mean 'primary'?",
    ),
    "duplicate name": (
        """
        [[account]]
        name = "same"
        account_id = "111111111111"
        role_name = "r"

        [[account]]
        name = "same"  # <-
        account_id = "222222222222"
        role_name = "r"
        """,
        "account[2].name",
        "duplicate name 'same', already used by an account above (line 1)",
    ),
    "duplicate name from the display name's slug": (
        """
        [[account]]
        name = "side-project"
        account_id = "111111111111"
        role_name = "r"

        [[account]]  # <-
        display_name = "Side Project"
        account_id = "222222222222"
        role_name = "r"
        """,
        "account[2].name",
        "duplicate name 'side-project'",
    ),
    "role_arn together with account_id": (
        """
        [[account]]
        name = "a"
        account_id = "111111111111"
        role_arn = "arn:aws:iam::111111111111:role/r"  # <-
        """,
        "account 'a'.role_arn",
        "give role_arn or account_id + role_name, never both",
    ),
    "bad role_arn": (
        """
        [[account]]
        name = "a"
        role_arn = "arn:aws:iam::111111111111:user/r"  # <-
        """,
        "account 'a'.role_arn",
        "is not a role ARN such as arn:aws:iam::123456789012:role/NAME",
    ),
    "missing role name": (
        """
        [[account]]  # <-
        name = "a"
        account_id = "111111111111"
        """,
        "account 'a'",
        "missing role_name",
    ),
    "bad region": (
        """
        [primary]
        region = "eu-west"  # <-
        """,
        "primary.region",
        'must be an AWS region such as "eu-west-1"',
    ),
    "region outside the link's partition": (
        """
        [[account]]
        link = "https://signin.amazonaws.cn/switchrole?account=111111111111&roleName=r"
        region = "eu-west-1"  # <-
        """,
        "account[1].region",
        "region eu-west-1 is not in the role's partition aws-cn",
    ),
    "bad external id": (
        """
        [[account]]
        name = "a"
        account_id = "111111111111"
        role_name = "r"
        external_id = "no spaces allowed"  # <-
        """,
        "account 'a'.external_id",
        "must be 2 to 1224 of letters, digits",
    ),
    "duration too long": (
        minimal_account('duration = "13h"  # <-'),
        "account 'a'.duration",
        "must be between 15m and 12h (900..43200 seconds), got 46800",
    ),
    "duration too short": (
        minimal_account('duration = "10m"  # <-'),
        "account 'a'.duration",
        "got 600",
    ),
    "duration not a duration": (
        minimal_account('duration = "an hour"  # <-'),
        "account 'a'.duration",
        'expected a duration such as "1h"',
    ),
    "bad colour": (
        minimal_account('color = "#12345"  # <-'),
        "account 'a'.color",
        "expected a hex colour such as \"#2e7d32\", got '#12345'",
    ),
    "link that is not a switch-role link": (
        """
        [[account]]
        link = "https://signin.example.com/switchrole?account=111111111111&roleName=r"  # <-
        """,
        "account[1].link",
        "expected a link such as https://signin.aws.amazon.com/switchrole?",
    ),
    "bad console mode": (
        """
        [primary]
        console = "sso"  # <-
        """,
        "primary.console",
        "must be one of 'switch-role', 'signed', got 'sso'",
    ),
    "bad destination": (
        minimal_account('destination = "https://example.com/"  # <-'),
        "account 'a'.destination",
        'must be a console service such as "s3" or a path',
    ),
    "bidirectional override in a display name": (
        minimal_account('display_name = "evil\\u202eexe"  # <-'),
        "account 'a'.display_name",
        "must not contain control or bidirectional-override characters",
    ),
}


@pytest.mark.parametrize(("text", "key", "message"), INVALID.values(), ids=INVALID.keys())
def test_invalid_config(write_file: WriteFile, text: str, key: str, message: str) -> None:
    path = write_file("bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    written = path.read_text(encoding="utf-8")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (path, marked_line(written), key)
    assert message in problem.message
    assert caught.value.exit_code == 2
    assert isinstance(caught.value, UsageError)


def test_bom_is_reported_on_line_1(write_file: WriteFile) -> None:
    path = write_file("bom.toml", b'\xef\xbb\xbf[primary]\nregion = "eu-west-1"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (path, 1, "")
    assert "byte-order mark" in problem.message


def test_bom_does_not_hide_the_other_problems(write_file: WriteFile) -> None:
    path = write_file("bom.toml", b'\xef\xbb\xbf[primary]\nregion = "nowhere"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(p.line, p.key) for p in caught.value.problems] == [(1, ""), (2, "primary.region")]


def test_invalid_utf8_names_the_line(write_file: WriteFile) -> None:
    path = write_file("latin1.toml", b'[primary]\nlabel = "ok"\n\n[[account]]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (path, 5, "")
    assert "invalid UTF-8 (byte 0xe9)" in problem.message


def test_every_problem_is_reported_at_once(write_file: WriteFile) -> None:
    # "# !KEY" marks each line a problem must point at, with the key it must name.
    text = """
        [primary]
        region = "eu-west"  # !primary.region
        console = 3  # !primary.console

        [settings]
        clipboard_clear_seconds = "45"  # !settings.clipboard_clear_seconds
        colour_format = "sh"  # !settings.colour_format

        [[account]]
        name = "a"
        account_id = "12345678901"  # !account 'a'.account_id
        role_name = "admin"

        [[account]]
        name = "b"
        account_id = 444455556666  # !account 'b'.account_id
        role_name = "admin"
        display_name = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"  # !account 'b'.display_name

        [[account]]
        name = "c"
        account_id = "444455556666"
        role_name = "admin"
        colour = "#ff0000"  # !account 'c'.colour
        external_id = "x"  # !account 'c'.external_id
        duration = "13h"  # !account 'c'.duration
        color = "#12345"  # !account 'c'.color

        [[account]]
        name = "c"  # !account[4].name
        role_arn = "arn:aws:iam::444455556666:role/admin"  # !account 'c'.role_arn
        account_id = "444455556666"

        [[account]]  # !account 'ok-but-incomplete'
        name = "ok-but-incomplete"
        """
    path = write_file("bad.toml", text)
    written = path.read_text(encoding="utf-8").splitlines()
    expected = [
        (path, number, line.split("# !")[1]) for number, line in enumerate(written, start=1) if "# !" in line
    ]
    assert len(expected) == 14
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(p.file, p.line, p.key) for p in caught.value.problems] == expected
    message = str(caught.value)
    assert message.startswith(f"{len(expected)} problems in the config:\n")
    assert f"  {path}:2: primary.region: must be an AWS region" in message


# --- where the config lives ------------------------------------------------------------------------------


def test_config_path_default_is_under_xdg_config_home(isolated_home: Path) -> None:
    assert config_path() == isolated_home / ".config" / "trayapp" / "config.toml"


def test_config_path_environment_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert config_path(None, {"TRAYAPP_CONFIG": str(tmp_path / "env.toml")}) == tmp_path / "env.toml"


def test_config_path_explicit_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRAYAPP_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(str(tmp_path / "cli.toml")) == tmp_path / "cli.toml"


def test_config_path_expands_tilde(isolated_home: Path) -> None:
    assert config_path("~/trayapp.toml") == isolated_home / "trayapp.toml"


def test_config_path_takes_an_injected_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAYAPP_CONFIG", "/from/os/environ.toml")
    assert config_path(environ={"TRAYAPP_CONFIG": "/injected.toml"}) == Path("/injected.toml")
