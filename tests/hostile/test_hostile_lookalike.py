"""Class 8: identifiers are ASCII; display text is made safe before it reaches a terminal or a menu."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from kit import trayapp

from trayapp.core import identifiers as ids
from trayapp.core.display import one_line, safe_json, safe_text
from trayapp.tray.menu import clean

ARABIC_INDIC = "٤٤٤٤٥٥٥٥٦٦٦٦"  # 444455556666 in Arabic-Indic digits
FULLWIDTH = "４４４４５５５５６６６６"
DEVANAGARI = "४४४४५५५५६६६६"
MIXED = "44445555666٦"
LOOKALIKE_IDS = {
    "arabic-indic": ARABIC_INDIC,
    "fullwidth": FULLWIDTH,
    "devanagari": DEVANAGARI,
    "one-digit": MIXED,
}
HOSTILE_TEXT = {
    "C1 NEL": "Prod\u0085rm -rf",
    "C1 CSI": "Prod\u009b31mred",
    "ESC sequence": "Prod\x1b]0;owned\x07",
    "line separator": "Prod\u2028Staging",
    "paragraph separator": "Prod\u2029Staging",
    "right-to-left override": "Prod\u202eTSET",
    "isolate": "Prod\u2067x\u2069",
    "arabic letter mark": "Prod\u061c",
    "DEL": "Prod\x7f",
}


@pytest.mark.parametrize("value", LOOKALIKE_IDS.values(), ids=LOOKALIKE_IDS.keys())
def test_lookalike_digits_are_not_an_account_id(value: str) -> None:
    assert value.isdigit() and len(value) == 12  # what \d and str.isdigit would have let in
    assert not ids.ACCOUNT_ID.fullmatch(value)
    assert not ids.ROLE_ARN.fullmatch(f"arn:aws:iam::{value}:role/admin")


@pytest.mark.parametrize("value", LOOKALIKE_IDS.values(), ids=LOOKALIKE_IDS.keys())
@pytest.mark.parametrize("shape", ["account_id", "role_arn", "link"])
def test_a_config_with_lookalike_digits_is_refused(tmp_path: Path, value: str, shape: str) -> None:
    key = {
        "account_id": f'account_id = "{value}"\nrole_name = "admin"',
        "role_arn": f'role_arn = "arn:aws:iam::{value}:role/admin"',
        "link": f'link = "https://signin.aws.amazon.com/switchrole?account={value}&roleName=admin"',
    }[shape]
    config = tmp_path / "c.toml"
    config.write_text(f'[[account]]\nname = "x"\n{key}\n')
    done = trayapp("url", "x", "--config", str(config))
    assert done.returncode == 2
    assert f"{config}:" in done.stderr and done.stdout == ""
    assert value not in done.stdout


@pytest.mark.parametrize("value", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_import_link_with_lookalike_digits_is_refused(tmp_path: Path, value: str) -> None:
    config = tmp_path / "c.toml"
    done = trayapp(
        "import",
        "link",
        f"https://signin.aws.amazon.com/switchrole?account={value}&roleName=admin",
        "--config",
        str(config),
    )
    assert done.returncode == 2 and "12 digits" in done.stderr
    assert not config.exists()


@pytest.mark.parametrize(
    "region",
    ["eu-west-١", "eu-west-１", "ｅu-west-1", "eu-west-1\n"],
    ids=["arabic", "fullwidth", "fullwidth-e", "newline"],
)
def test_lookalike_regions_are_refused(tmp_path: Path, region: str) -> None:
    assert not ids.REGION.fullmatch(region)
    done = trayapp("url", "x", "--region", region, "--config", str(tmp_path / "c.toml"))
    assert done.returncode == 2 and "not an AWS region" in done.stderr


@pytest.mark.parametrize(
    "value", ["١h", "９０m", "３６００", "१२००"], ids=["arabic-h", "fullwidth-m", "fullwidth-s", "devanagari"]
)
def test_lookalike_durations_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        ids.parse_duration(value)


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_display_names_with_hostile_characters_are_refused_in_the_config(tmp_path: Path, text: str) -> None:
    config = tmp_path / "c.toml"
    escaped = json.dumps(text)  # a TOML basic string takes JSON's escapes
    config.write_text(
        f'[[account]]\nname = "x"\ndisplay_name = {escaped}\naccount_id = "444455556666"\nrole_name = "a"\n'
    )
    done = trayapp("config", "check", "--config", str(config))
    assert done.returncode == 2 and "display_name" in done.stderr
    assert text not in done.stderr


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_the_sanitisers_leave_nothing_a_terminal_or_menu_would_act_on(text: str) -> None:
    for shown in (safe_text(text), one_line(text), clean(text)):
        assert shown.isprintable() or all(c.isprintable() or c == " " for c in shown), repr(shown)
        assert "Prod" in shown
    assert "\\u" in safe_text(text) or "\\x" in safe_text(text)
    assert json.loads(safe_json(json.dumps(text, ensure_ascii=False))) == text
    assert safe_json(json.dumps(text, ensure_ascii=False)).isascii() or text not in safe_json(
        json.dumps(text)
    )


def aws_profiles(names: list[str]) -> None:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    sections = "".join(
        f"[profile {name}]\nrole_arn = arn:aws:iam::444455556666:role/admin\nsource_profile = default\n\n"
        for name in names
    )
    path.write_text("[default]\nregion = eu-west-1\n\n" + sections, encoding="utf-8")


@pytest.mark.parametrize("text", HOSTILE_TEXT.values(), ids=HOSTILE_TEXT.keys())
def test_hostile_aws_profile_names_reach_the_terminal_escaped(tmp_path: Path, text: str) -> None:
    """Profile names from ~/.aws/config are not ours to refuse, but they are shown safely."""
    name = text.replace("\n", "")
    aws_profiles([name])
    config = tmp_path / "c.toml"
    listed = trayapp("list", "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "444455556666" in line]
    raw = trayapp("list", "--json", "--config", str(config))
    assert raw.returncode == 0
    assert all(c.isprintable() or c in "\n " for c in raw.stdout + listed.stderr + raw.stderr), repr(
        raw.stdout
    )
    names = [row["name"] for row in json.loads(raw.stdout)]
    if name.splitlines() != [
        name
    ]:  # AWS's own INI reader may split such a line: then it is simply not listed
        assert names in ([], [name])
    else:
        assert len(rows) == 1 and rows[0].isprintable(), repr(listed.stdout)
        assert names == [name], "listed, and the JSON keeps the exact name"
    shown = trayapp("config", "show", "--config", str(config))
    assert all(c.isprintable() or c == "\n" for c in shown.stdout + shown.stderr)


@pytest.mark.aws
@pytest.mark.parametrize(
    "code", ["١٢٣٤٥٦", "１２３４５６", "12345６"], ids=["arabic-indic", "fullwidth", "one-fullwidth"]
)
def test_an_mfa_code_in_lookalike_digits_is_never_sent(
    tmp_path: Path, aws_env: object, sts_stub: object, code: str
) -> None:
    from support.servers import AwsEnv, StsFaultStub

    assert isinstance(aws_env, AwsEnv) and isinstance(sts_stub, StsFaultStub)
    aws_env.use_sts(sts_stub.url)
    sts_stub.mfa_code = "123456"
    config = tmp_path / "c.toml"
    config.write_text(
        '[primary]\nlabel = "george"\nmfa_serial = "arn:aws:iam::123456789012:mfa/george"\n\n'
        '[[account]]\nname = "side"\naccount_id = "444455556666"\nrole_name = "admin"\n'
    )
    done = trayapp("creds", "side", "--mfa-code", code, "--config", str(config))
    assert done.returncode == 2, done.stderr
    assert "not 6 digits" in done.stderr and done.stdout == ""
    assert sts_stub.calls("AssumeRole") == []
