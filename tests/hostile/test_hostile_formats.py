"""Class 9: every credential format round-trips hostile values through its real consumer, or refuses them.

bash, dash and fish source the output; python-dotenv reads it from a file; PowerShell's and cmd's
quoting rules are implemented here from their documentation and checked as tables.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from kit import needs

from trayapp.core.formats import UnsafeValue, render, variables
from trayapp.core.model import RoleCredentials

EXPIRES = "2026-01-02T03:04:05Z"
HOSTILE = {
    "single quote": "it's",
    "double quote": 'say "hi"',
    "backslashes": "a\\b\\\\c\\",
    "dollar": "$HOME $1 $$",
    "dollar brace": "${HOME}",
    "backticks": "`id`",
    "command substitution": "$(touch PWNED)",
    "newline": "line1\nline2",
    "carriage return": "a\rb",
    "crlf": "a\r\nb",
    "tab": "a\tb",
    "percent": "%PATH%",
    "bang": "!x!",
    "cmd metacharacters": "^&|<>()",
    "typographic quotes": "\u2018a\u2019 \u201ab\u201b",
    "line separator": "a\u2028b",
    "emoji": "key🔑",
    "hash": "#not a comment",
    "spaces": "  padded  ",
    "equals": "a=b==",
    "semicolons": "a; touch PWNED;",
    "escape words": "\\n\\t\\x41",
}
NUL = "a\x00b"


TOKEN = "FwoGZXIvYXdzE/abc+def=="


def creds(secret: str, token: str | None = None) -> RoleCredentials:
    return RoleCredentials("ASIAEXAMPLE000000001", secret, token or TOKEN, EXPIRES)


def read_back(shell: list[str], text: str, tmp_path: Path, source: str) -> dict[str, str]:
    """Let a real shell source ``text``; return each AWS variable exactly as the shell holds it."""
    script = tmp_path / "creds.txt"
    script.write_text(text, encoding="utf-8", newline="")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    dump = "".join(
        f"printf '%s' \"${name}\" > {out / name}\n" for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    )
    done = subprocess.run(
        [*shell],
        input=f"{source} {script}\n{dump}",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"},
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes().decode("utf-8") for p in out.iterdir()}


SHELLS = {
    "bash": (["bash", "--noprofile", "--norc"], "sh", "."),
    "dash": (["dash"], "sh", "."),
    "fish": (["fish", "--no-config"], "fish", "source"),
}


@pytest.mark.parametrize("shell", SHELLS.keys())
@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_shell_formats_round_trip_through_the_real_shell(tmp_path: Path, shell: str, value: str) -> None:
    argv, fmt, source = SHELLS[shell]
    needs(argv[0])
    given = creds(value, token=value[::-1])
    got = read_back(argv, render(given, fmt, "Side", "eu-west-1"), tmp_path, source)
    assert got == {"AWS_SECRET_ACCESS_KEY": value, "AWS_SESSION_TOKEN": value[::-1]}
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("shell", SHELLS.keys())
def test_a_hostile_label_or_expiration_cannot_inject_a_command(tmp_path: Path, shell: str) -> None:
    argv, fmt, source = SHELLS[shell]
    needs(argv[0])
    label = "Side\ntouch PWNED\n\u2028touch PWNED2 #"
    hostile = RoleCredentials("ASIAEXAMPLE000000001", "s", "t", "soon\ntouch PWNED3")
    text = render(hostile, fmt, label, None)
    comment = text.split("\n")[0]
    assert comment.startswith("# Side\\x0atouch PWNED") and comment.endswith("soon\\x0atouch PWNED3")
    read_back(argv, text, tmp_path, source)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("PWNED")]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_dotenv_round_trips_through_python_dotenv_or_refuses(tmp_path: Path, value: str) -> None:
    import dotenv

    given = creds(value)
    if "${" in value:
        with pytest.raises(UnsafeValue, match="AWS_SECRET_ACCESS_KEY holds '\\$\\{'"):
            render(given, "dotenv", "Side", None)
        return
    path = tmp_path / ".env"
    path.write_text(render(given, "dotenv", "Side\nX=1", "eu-west-1"), encoding="utf-8", newline="")
    loaded = dotenv.dotenv_values(path)
    assert dict(loaded) == dict(variables(given, "eu-west-1")), "every variable, nothing more (no X)"


# -- PowerShell, by its language specification (verbatim strings, section 2.3.5.2) -------------------

PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell_assignments(text: str) -> dict[str, str]:
    """Parse ``$Env:NAME = '...'`` statements as PowerShell does: in a verbatim string any two
    single-quote characters in a row stand for one; one alone ends the string; nothing else is special
    (newlines included). Comments run from # to the end of the line."""
    found: dict[str, str] = {}
    i = 0
    while i < len(text):
        if text[i] == "#":
            i = text.index("\n", i) + 1
            continue
        if text[i] == "\n":
            i += 1
            continue
        assert text.startswith("$Env:", i), text[i : i + 40]
        eq = text.index(" = ", i)
        name = text[i + 5 : eq]
        i = eq + 3
        assert text[i] in PS_QUOTES
        i += 1
        value = []
        while True:
            c = text[i]
            if c in PS_QUOTES:
                if i + 1 < len(text) and text[i + 1] in PS_QUOTES:
                    value.append(c)
                    i += 2
                    continue
                i += 1
                break
            value.append(c)
            i += 1
        assert text[i] == "\n", "one statement per line: nothing after the closing quote"
        found[name] = "".join(value)
    return found


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_powershell_round_trips_by_its_quoting_rules(value: str) -> None:
    given = creds(value, token=value + "'")
    text = render(given, "powershell", "Side\n$Env:X = 'owned'", "eu-west-1")
    assert powershell_assignments(text) == dict(variables(given, "eu-west-1"))


# -- cmd: set "NAME=value" in a batch file or at the prompt -----------------------------------------


def cmd_assignments(text: str) -> dict[str, str]:
    """Parse cmd lines as cmd would, for the subset trayapp may write: ``REM`` lines, and
    ``set "NAME=value"`` where the value holds no % or ! (expanded differently in a batch file and at
    the prompt), and exactly two quotes so every metacharacter is inside them."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("REM "):
            assert not line.rstrip().endswith("^"), (
                "a caret at the end would join the next line to the comment"
            )
            assert not set(line) & set('&|<>"%!'), line
            continue
        assert line.startswith('set "') and line.endswith('"') and line.count('"') == 2, line
        assert "%" not in line and "!" not in line and "\r" not in line
        name, _, value = line[5:-1].partition("=")
        found[name] = value
    return found


CMD_REFUSED = {"double quote", "newline", "carriage return", "crlf", "tab", "percent", "bang"}


@pytest.mark.parametrize(("case", "value"), HOSTILE.items(), ids=HOSTILE.keys())
def test_cmd_round_trips_by_its_rules_or_refuses_with_a_sentence(case: str, value: str) -> None:
    given = creds(value)
    if case in CMD_REFUSED:
        with pytest.raises(UnsafeValue) as caught:
            render(given, "cmd", "Side", None)
        message = str(caught.value)
        assert message.startswith("AWS_SECRET_ACCESS_KEY holds ") and "use --format json" in message
        assert value not in message and "\n" not in message
        return
    text = render(given, "cmd", 'Side & del "x" %PATH% ^', "eu-west-1")
    assert cmd_assignments(text) == dict(variables(given, "eu-west-1"))


# -- every format: NUL is refused, JSON carries anything ------------------------------------------------


@pytest.mark.parametrize("fmt", ["sh", "fish", "powershell", "cmd", "dotenv"])
def test_a_nul_is_refused_by_every_text_format_without_showing_the_value(fmt: str) -> None:
    with pytest.raises(UnsafeValue) as caught:
        render(creds(NUL), fmt, "Side", None)
    assert str(caught.value) == (
        f"AWS_SECRET_ACCESS_KEY holds a NUL character, which the {fmt} format cannot carry safely; use --format json"
    )


@pytest.mark.parametrize("fmt", ["json", "credential-process"])
@pytest.mark.parametrize("value", [*HOSTILE.values(), NUL], ids=[*HOSTILE.keys(), "nul"])
def test_json_formats_carry_any_value(fmt: str, value: str) -> None:
    data = json.loads(render(creds(value), fmt, "Side", None))
    assert data["SecretAccessKey"] == value
