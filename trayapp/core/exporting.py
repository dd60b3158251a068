"""AWS CLI profiles whose ``credential_process`` is trayapp, kept in one marked block of ``~/.aws/config``.

Pure: no GUI, no network. ``profiles_block`` renders the block; ``write_block`` puts it into
a file, replacing an earlier block or appending one, and leaves every other byte as it was.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from trayapp.core import inisections as ini
from trayapp.core.errors import TrayappError, UsageError
from trayapp.core.files import atomic_write, locked, read_regular
from trayapp.core.identifiers import NAME
from trayapp.core.model import Account

BEGIN = "# >>> trayapp managed profiles (trayapp export aws-config --write) >>>"
END = "# <<< trayapp managed profiles <<<"
NOTE = "# 'trayapp export aws-config --write' rewrites this block: edit trayapp's config instead."
# What a profile name may be here: the names trayapp's own config allows (identifiers.NAME), which
# the AWS CLI, its config parser and both ways of splitting credential_process take as they are.
PROFILE_NAME = NAME
RESERVED = "default"  # [default] is every tool's fallback; trayapp itself may read it for the primary keys
SKIP_AWS_PROFILE = "it is a profile of the AWS config already"


def trayapp_command() -> list[str]:
    """The absolute command that runs this very trayapp, for a ``credential_process``.

    The ``trayapp`` script found on PATH when it belongs to this interpreter's installation
    (its real folder is the one ``sys.executable`` lives in: a venv, pipx, Homebrew, a distro
    package), spelled as found, so a pipx or Homebrew link keeps working after an upgrade.
    Otherwise ``sys.executable -m trayapp``, which always runs this installation. Absolute
    either way: the AWS CLI, IDEs and SDKs start it with a PATH of their own.
    """
    found = shutil.which("trayapp")
    here = Path(sys.executable).parent
    if found:
        script = Path(found).absolute()
        try:
            same = script.resolve().parent == here.resolve()
        except OSError:
            same = False
        if same:
            return [str(script)]
    return [sys.executable, "-m", "trayapp"]


def command_line(argv: Sequence[str], platform: str | None = None) -> str:
    """``argv`` as one string that botocore's ``compat_shell_split`` turns back into ``argv``.

    POSIX: ``shlex`` quoting (botocore splits with ``shlex.split``; ``sh -c``, used by other
    SDKs, reads it the same). Windows: ``list2cmdline``, the rules its splitter follows.
    """
    if (platform or sys.platform) == "win32":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


def export_plan(accounts: Iterable[Account]) -> tuple[list[Account], list[tuple[str, str]]]:
    """The accounts that get a profile, and (name, reason) for those that do not."""
    chosen: list[Account] = []
    skipped: list[tuple[str, str]] = []
    for account in accounts:
        if account.is_aws_profile:
            skipped.append((account.name, SKIP_AWS_PROFILE))
        elif account.name == RESERVED:
            skipped.append((account.name, "'default' is the AWS CLI's fallback profile; rename the account"))
        elif not PROFILE_NAME.fullmatch(account.name):
            skipped.append((account.name, "not a valid AWS profile name (letters, digits, '.', '_', '-')"))
        else:
            chosen.append(account)
    return chosen, skipped


def profiles_block(accounts: Iterable[Account], command: Sequence[str]) -> str:
    """The marked block: one ``[profile NAME]`` per exportable account, ending with a newline."""
    chosen, _ = export_plan(accounts)
    lines = [BEGIN, NOTE]
    for index, account in enumerate(chosen):
        if index:
            lines.append("")
        process = command_line([*command, "creds", account.name, "--format", "credential-process"])
        if "\n" in process or "\r" in process:
            raise UsageError("the trayapp command contains a line break; an AWS config value cannot hold one")
        lines.append(f"[profile {account.name}]")
        lines.append(f"credential_process = {process}")
        if account.region:
            lines.append(f"region = {account.region}")
    lines.append(END)
    return "\n".join(lines) + "\n"


def block_names(block: str) -> list[str]:
    """The profile names a rendered block defines."""
    return [name for name, _ in _sections(_lines(block))]


def find_block(text: str, path: Path) -> tuple[int, int] | None:
    """Character offsets (start, end) of the marked block in ``text``, None when there is none."""
    lines = _lines(text)
    starts = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise UsageError(
            f"{path} has a damaged trayapp block (expected one '{BEGIN}' line and one '{END}' "
            "line after it); fix or remove those lines and run again"
        )
    start = sum(len(line) for line in lines[: starts[0]])
    end = sum(len(line) for line in lines[: ends[0] + 1])
    return start, end


def has_block(path: Path) -> bool:
    """Whether ``path`` exists and holds a marked block."""
    try:
        text = _read(path)
    except FileNotFoundError:
        return False
    return find_block(text, path) is not None


def write_block(path: Path, block: str) -> Path:
    """``_write_block`` holding the file's lock across the read and the write: no update is lost."""
    with locked(path):
        return _write_block(path, block)


def _write_block(path: Path, block: str) -> Path:
    """Put ``block`` into the AWS config at ``path``; return the file actually written.

    An existing marked block is replaced where it is; otherwise the block is appended after a
    blank line. Every byte outside the block stays as it was. A profile of the block that is
    also defined outside it is an error, and then nothing is written. The file is replaced
    atomically with mode 0600; a missing file (and folder, 0700) is created. A symlink (say,
    from a dotfiles manager) is followed, so the link stays a link.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        text = _read(target)
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise TrayappError(f"cannot read {path}: {exc.strerror}") from None
    span = find_block(text, path)
    before, after = (text[: span[0]], text[span[1] :]) if span else (text, "")
    taken: dict[str, int] = {}
    for name, line in _sections(_lines(before + after)):
        taken.setdefault(name, line)
    clashes = [name for name in block_names(block) if name in taken]
    if clashes:
        where = ", ".join(f"{name!r} (line {_line_of(text, taken[name], span)})" for name in clashes)
        them = "them" if len(clashes) > 1 else "it"
        raise UsageError(
            f"{path} already defines profile{'s' if len(clashes) > 1 else ''} {where} outside trayapp's block; "
            f"remove or rename {them} (or the trayapp account) and run again; nothing was written"
        )
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    body = block.replace("\n", newline) if newline != "\n" else block
    if span:
        new_text = before + body + after
    else:
        sep = ""
        if text and not text.endswith("\n"):
            sep = newline + newline
        elif text.strip() and not text.endswith(("\n\n", "\r\n\r\n")):
            sep = newline
        new_text = text + sep + body
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)
        if os.name == "posix":
            target.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    try:
        atomic_write(target, new_text.encode("utf-8", errors="surrogateescape"), mode=0o600)
    except OSError as exc:
        raise TrayappError(f"cannot write {path}: {exc.strerror}") from None
    return target


def _read(path: Path) -> str:
    # surrogateescape: bytes that are not UTF-8 survive the round trip unchanged
    return read_regular(path).decode("utf-8", errors="surrogateescape")


def _lines(text: str) -> list[str]:
    """Lines with their ends, split at '\\n' only (as the AWS CLI reads the file), so joining them gives ``text``."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _sections(lines: list[str]) -> list[tuple[str, int]]:
    """(profile name, line index) of each profile header, named the way botocore reads them."""
    found: list[tuple[str, int]] = []
    for index, line in enumerate(lines):
        text = ini.header(line)
        name = ini.config_profile(text) if text is not None else None
        if name is not None:
            found.append((name, index))
    return found


def _line_of(text: str, index: int, span: tuple[int, int] | None) -> int:
    """1-based line in the whole file of line ``index`` of the text outside the block."""
    if span is None:
        return index + 1
    before_lines = len(_lines(text[: span[0]]))
    if index < before_lines:
        return index + 1
    block_lines = len(_lines(text[span[0] : span[1]]))
    return index + block_lines + 1


def export_command(config_path: Path, default_path: Path) -> list[str]:
    """trayapp's command for credential_process; a config other than the default is named in it.

    The AWS CLI, an IDE or an SDK may not see $TRAYAPP_CONFIG, so the file goes on the command.
    """
    command = trayapp_command()
    if config_path != default_path:
        command += ["--config", str(config_path.absolute())]
    return command


def export_notes(accounts: Sequence[Account], skipped: Sequence[tuple[str, str]]) -> list[str]:
    """What ``export aws-config`` left out and why, one sentence each (profiles of the AWS config in one)."""
    notes = [f"Left out account {name!r}: {why}." for name, why in skipped if why != SKIP_AWS_PROFILE]
    from_aws = sum(1 for a in accounts if a.is_aws_profile)
    if from_aws:
        notes.insert(0, f"Left out {from_aws} role profile(s) of the AWS config: they are profiles already.")
    return notes
