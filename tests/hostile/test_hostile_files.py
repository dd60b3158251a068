"""Class 2 and 3: files that are not what they seem, and read-modify-writes that lose nothing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kit import TRAYAPP, trayapp

from trayapp.core.cache import CachedSession, FileCache, sessions_dir
from trayapp.core.files import atomic_write, ensure_private_dir
from trayapp.core.model import RoleCredentials

LINK = "https://signin.aws.amazon.com/switchrole?account={id}&roleName=admin&displayName=Acct{n}"


def session() -> CachedSession:
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    creds = RoleCredentials("ASIAEXAMPLE000000001", "secret/key+" * 3, "token" * 10, later)
    return CachedSession("side", "arn:aws:iam::444455556666:role/admin", creds)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside trayapp's folders, as a system file would be (0644)."""
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_text("root:x:0:0\n")
    path.chmod(0o644)
    return path


# -- symlinks planted in the cache folder ----------------------------------------------------------------


def test_setting_aside_a_planted_symlink_never_chmods_its_target(tmp_path: Path, victim: Path) -> None:
    cache = FileCache(tmp_path / "sessions")
    ensure_private_dir(cache.folder)
    cache.path("k1").symlink_to(victim)
    assert cache.get("k1") is None
    assert mode(victim) == 0o644 and victim.read_text() == "root:x:0:0\n"
    aside = list(cache.folder.glob("k1.bad-*"))
    assert len(aside) == 1 and aside[0].is_symlink(), "the link itself was set aside"


def test_a_planted_symlink_to_a_private_file_of_ours_is_not_read_as_an_entry(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "sessions")
    cache.put("real", session())
    cache.path("k2").symlink_to(cache.path("real"))  # a valid entry of another key, through a link
    assert cache.get("k2") is None
    assert cache.get("real") is not None


def test_writing_an_entry_replaces_a_planted_symlink_instead_of_writing_through_it(
    tmp_path: Path, victim: Path
) -> None:
    cache = FileCache(tmp_path / "sessions")
    ensure_private_dir(cache.folder)
    cache.path("k3").symlink_to(victim)
    cache.put("k3", session())
    assert victim.read_text() == "root:x:0:0\n" and mode(victim) == 0o644
    assert not cache.path("k3").is_symlink() and mode(cache.path("k3")) == 0o600


def test_forget_unlinks_planted_links_never_their_targets(victim: Path) -> None:
    folder = sessions_dir()
    FileCache(folder).put("k4", session())
    (folder / "k5.json").symlink_to(victim)
    done = trayapp("forget")
    assert done.returncode == 0, done.stderr
    assert victim.exists() and victim.read_text() == "root:x:0:0\n" and mode(victim) == 0o644
    assert not list(folder.glob("*.json"))


def test_a_sessions_folder_that_is_a_symlink_is_not_used(tmp_path: Path, victim: Path) -> None:
    elsewhere = victim.parent
    elsewhere.chmod(0o755)
    link = tmp_path / "cache" / "sessions"
    link.parent.mkdir()
    link.symlink_to(elsewhere)
    FileCache(link).put("k6", session())
    assert sorted(p.name for p in elsewhere.iterdir()) == ["passwd"]
    assert mode(elsewhere) == 0o755


# -- folders the user passed: never chmod them ---------------------------------------------------------


@pytest.mark.parametrize("folder_mode", [0o1777, 0o755, 0o775])
def test_import_into_a_users_folder_keeps_its_mode(tmp_path: Path, folder_mode: int) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(folder_mode)
    config = shared / "c.toml"
    done = trayapp("import", "link", LINK.format(id="444455556666", n=1), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert mode(shared) == folder_mode
    assert mode(config) == 0o600 and "444455556666" in config.read_text()


def test_folders_trayapp_creates_are_private_and_parents_that_exist_are_left_alone(tmp_path: Path) -> None:
    parent = tmp_path / "p"
    parent.mkdir()
    parent.chmod(0o755)
    atomic_write(parent / "a" / "b" / "f.txt", "x")
    assert mode(parent) == 0o755
    assert mode(parent / "a") == 0o700 and mode(parent / "a" / "b") == 0o700
    assert mode(parent / "a" / "b" / "f.txt") == 0o600


# -- symlinked user files: written through, the link kept ----------------------------------------------


def test_a_symlinked_config_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "trayapp.toml"
    real.write_text('# my accounts\n[primary]\nregion = "eu-west-1"\n')
    link = tmp_path / "config" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    done = trayapp("import", "link", LINK.format(id="444455556666", n=1), "--config", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and Path(os.readlink(link)) == real
    assert "# my accounts" in real.read_text() and "444455556666" in real.read_text()
    assert not [p for p in dotfiles.iterdir() if p.name != "trayapp.toml"], "no temp file left behind"


def test_a_relative_symlink_chain_is_followed_to_the_end(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    real = tmp_path / "repo" / "real.toml"
    real.write_text("")
    (tmp_path / "repo" / "middle.toml").symlink_to("real.toml")
    link = tmp_path / "config.toml"
    link.symlink_to("repo/middle.toml")
    done = trayapp("import", "link", LINK.format(id="444455556666", n=1), "--config", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and (tmp_path / "repo" / "middle.toml").is_symlink()
    assert "444455556666" in real.read_text()


def test_export_write_keeps_a_symlinked_aws_config(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "aws-config"
    real.write_text("[default]\nregion = eu-west-1\n")
    aws_config = Path(os.environ["AWS_CONFIG_FILE"])
    aws_config.parent.mkdir(parents=True, exist_ok=True)
    aws_config.symlink_to(real)
    config = tmp_path / "c.toml"
    config.write_text('[[account]]\nname = "side"\naccount_id = "444455556666"\nrole_name = "admin"\n')
    done = trayapp("export", "aws-config", "--write", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert aws_config.is_symlink() and "[profile side]" in real.read_text()
    assert "[default]" in real.read_text()


# -- lost updates: concurrent writers -------------------------------------------------------------------


def test_twenty_concurrent_imports_keep_every_account(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    ids = [f"{444455550000 + n:012d}" for n in range(20)]
    children = [
        subprocess.Popen(
            [*TRAYAPP, "import", "link", LINK.format(id=acct, n=n), "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, acct in enumerate(ids)
    ]
    results = [(child.wait(timeout=120), *child.communicate()) for child in children]
    assert all(code == 0 for code, _, _ in results), results
    text = config.read_text()
    assert [acct for acct in ids if acct not in text] == []
    assert text.count("\n[[account]]") == 20


def test_concurrent_imports_of_the_same_link_add_it_once(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    link = LINK.format(id="444455556666", n=1)
    children = [
        subprocess.Popen(
            [*TRAYAPP, "import", "link", link, "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    codes = sorted(child.wait(timeout=120) for child in children)
    assert codes == [0] + [2] * 7, "one added it; the others were told it is already there"
    assert config.read_text().count("\n[[account]]") == 1


def test_a_lock_held_elsewhere_makes_the_writer_wait_not_lose(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, pathlib\n"
                "from trayapp.core.files import locked\n"
                f"with locked(pathlib.Path({str(config)!r})):\n"
                "    print('held', flush=True)\n"
                "    sys.stdin.readline()\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "held\n"
    writer = subprocess.Popen(
        [*TRAYAPP, "import", "link", LINK.format(id="444455556666", n=1), "--config", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with pytest.raises(subprocess.TimeoutExpired):
        writer.wait(timeout=3)  # it waits for the lock (a real wait: it cannot finish without it)
    assert not config.exists()
    holder.stdin.write("go\n")
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0
    assert writer.wait(timeout=60) == 0
    assert "444455556666" in config.read_text()


def test_a_symlink_planted_as_a_lock_file_is_never_followed(tmp_path: Path, victim: Path) -> None:
    from trayapp.core.files import lock_path

    config = tmp_path / "c.toml"
    lock = lock_path(config)
    lock.parent.mkdir(parents=True)
    lock.symlink_to(victim)
    done = trayapp("import", "link", LINK.format(id="444455556666", n=1), "--config", str(config))
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"trayapp: cannot use the lock file {lock}: Too many levels of symbolic links; remove it and try again"
    )
    assert victim.read_text() == "root:x:0:0\n" and mode(victim) == 0o644
    assert not config.exists()


def test_concurrent_export_writes_leave_one_intact_block(tmp_path: Path) -> None:
    aws_config = Path(os.environ["AWS_CONFIG_FILE"])
    aws_config.parent.mkdir(parents=True, exist_ok=True)
    aws_config.write_text("[default]\nregion = eu-west-1\n")
    configs = []
    for n in range(10):
        config = tmp_path / f"c{n}.toml"
        config.write_text(
            f'[[account]]\nname = "acct{n}"\naccount_id = "{444455550000 + n:012d}"\nrole_name = "admin"\n'
        )
        configs.append(config)
    children = [
        subprocess.Popen(
            [*TRAYAPP, "export", "aws-config", "--write", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for config in configs
    ]
    results = [(child.wait(timeout=120), *child.communicate()) for child in children]
    assert all(code == 0 for code, _, _ in results), results
    text = aws_config.read_text()
    assert text.startswith("[default]\nregion = eu-west-1\n")
    assert text.count("[profile acct") == 1, "one block, from the last writer"
    done = trayapp("export", "aws-config", "--write", "--config", str(configs[0]))
    assert done.returncode == 0, done.stderr


def test_config_edit_in_a_shared_folder_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    config = shared / "new" / "c.toml"
    done = trayapp("config", "edit", "--config", str(config), env={"EDITOR": "true", "VISUAL": ""})
    assert done.returncode == 0, done.stderr
    assert mode(shared) == 0o1777
    assert mode(config.parent) == 0o700 and mode(config) == 0o600


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_cache_entry_that_is_not_a_file_is_set_aside_without_blocking(tmp_path: Path, kind: str) -> None:
    cache = FileCache(tmp_path / "sessions")
    ensure_private_dir(cache.folder)
    if kind == "fifo":
        os.mkfifo(cache.path("k7"), 0o600)  # opening it for reading would wait for a writer forever
    else:
        cache.path("k7").mkdir(mode=0o700)
    assert cache.get("k7") is None
    assert not cache.path("k7").exists() and len(list(cache.folder.glob("k7.bad-*"))) == 1
    cache.put("k7", session())
    assert cache.get("k7") is not None
