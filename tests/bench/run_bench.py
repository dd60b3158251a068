"""Benchmarks: trayapp next to what users would otherwise run (the AWS CLI v1), measured here.

    .venv/bin/python tests/bench/run_bench.py            # ~10 runs per command after 1 warm-up
    .venv/bin/python tests/bench/run_bench.py --quick    # 1 run, no warm-up (the smoke test)
    .venv/bin/python tests/bench/run_bench.py --json out.json

Every command runs in a throw-away HOME (XDG dirs, ~/.aws files, caches) with STS pointed at a
``moto_server`` on 127.0.0.1 that this script starts and stops; nothing reads or writes the real
``~/.aws``. Wall time is ``time.perf_counter`` around spawning and reaping each process; peak RSS
is that child's ``ru_maxrss`` from ``os.wait4`` (it covers the child's own reaped children too).
The two tools of a row run interleaved (A B A B ...) so drift hits both alike.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from installed import installed_trayapp  # noqa: E402
from row_keys import MENU_SIZES, ROW_KEYS  # noqa: E402
from support.awscli import aws_cli  # noqa: E402
from support.servers import (  # noqa: E402
    DEFAULT_ACCOUNT,
    PRIMARY_ACCESS_KEY_ID,
    PRIMARY_SECRET_ACCESS_KEY,
    FederationStub,
    MotoServer,
)
from tray_rows import tray_runs, warm_click_ms  # noqa: E402

ROLE_ARN = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/bench-role"
ACCOUNT = "bench"  # the trayapp account
ROLE_PROFILE = "role"  # the AWS CLI's own role profile (role_arn + source_profile)
PROCESS_PROFILE = "via-trayapp"  # credential_process = trayapp creds bench --format credential-process
RUN_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------------
# Running and measuring
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str


def run_once(argv: Sequence[str], env: dict[str, str]) -> Run:
    """Spawn, wait with ``os.wait4`` (this child's rusage), and time both with perf_counter."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(argv), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        deadline = start + RUN_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                raise RuntimeError(f"{argv[0]} did not finish in {RUN_TIMEOUT:.0f} s")
            time.sleep(0.0005)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            elapsed,
            int(usage.ru_maxrss),
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


@dataclass
class Command:
    """One command line to measure, with an optional set-up before each run and a check after it."""

    argv: list[str]
    env: dict[str, str]
    check: Callable[[Run], None]
    before: Callable[[], None] | None = None
    runs: list[Run] = field(default_factory=list)

    def once(self) -> Run:
        if self.before:
            self.before()
        result = run_once(self.argv, self.env)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv)} exited {result.returncode}:\n{result.stderr[-2000:]}")
        self.check(result)
        return result


def measure(commands: Sequence[Command], reps: int, warmup: int) -> None:
    """Warm-up runs (not kept), then ``reps`` rounds running the commands in turn."""
    for _ in range(warmup):
        for command in commands:
            command.once()
    for _ in range(reps):
        for command in commands:
            command.runs.append(command.once())


def p90(values: Sequence[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p90": p90(values), "n": len(values)}


def ms(runs: Sequence[Run]) -> dict[str, float]:
    return summary([r.seconds * 1000 for r in runs])


def mib(runs: Sequence[Run]) -> dict[str, float]:
    return summary([r.maxrss_kib / 1024 for r in runs])


@dataclass
class Row:
    key: str
    label: str
    unit: str
    trayapp: dict[str, float]
    other_label: str | None = None
    other: dict[str, float] | None = None

    @property
    def ratio(self) -> float | None:
        if self.other is None:
            return None
        return self.other["median"] / self.trayapp["median"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "trayapp": self.trayapp,
            "other_label": self.other_label,
            "other": self.other,
            "ratio": self.ratio,
        }


# --------------------------------------------------------------------------------------------
# The isolated world: HOME, AWS files, trayapp config
# --------------------------------------------------------------------------------------------


class World:
    def __init__(self, root: Path, trayapp: Path, aws: Path):
        self.root = root
        self.home = root / "home"
        self.trayapp = trayapp
        self.aws = aws
        self.xdg = {
            "XDG_CONFIG_HOME": self.home / ".config",
            "XDG_CACHE_HOME": self.home / ".cache",
            "XDG_STATE_HOME": self.home / ".local" / "state",
            "XDG_DATA_HOME": self.home / ".local" / "share",
        }
        self.aws_dir = self.home / ".aws"
        self.sessions = self.xdg["XDG_CACHE_HOME"] / "trayapp" / "sessions"
        self.cli_cache = self.aws_dir / "cli" / "cache"
        self.endpoint = ""

    def isolated_vars(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            **{k: str(v) for k, v in self.xdg.items()},
            "AWS_CONFIG_FILE": str(self.aws_dir / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.aws_dir / "credentials"),
        }

    def env(self) -> dict[str, str]:
        """The same environment for both tools: nothing of ours (no PYTHON*, no VIRTUAL_ENV, no venv PATH)."""
        env = {
            **self.isolated_vars(),
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.root / "tmp"),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
        }
        if self.endpoint:
            env["AWS_ENDPOINT_URL_STS"] = self.endpoint
        return env

    def write(self) -> None:
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        for folder in self.xdg.values():
            folder.mkdir(parents=True, exist_ok=True)
        self.aws_dir.mkdir(parents=True, exist_ok=True)
        credentials = self.aws_dir / "credentials"
        credentials.write_text(
            "[default]\n"
            f"aws_access_key_id = {PRIMARY_ACCESS_KEY_ID}\n"
            f"aws_secret_access_key = {PRIMARY_SECRET_ACCESS_KEY}\n"
        )
        credentials.chmod(0o600)
        (self.aws_dir / "config").write_text(
            "[default]\nregion = us-east-1\n\n"
            f"[profile {ROLE_PROFILE}]\nrole_arn = {ROLE_ARN}\nsource_profile = default\n"
            "role_session_name = bench\nregion = us-east-1\n\n"
            f"[profile {PROCESS_PROFILE}]\n"
            f"credential_process = {self.trayapp} creds {ACCOUNT} --format credential-process\n"
        )
        config = self.xdg["XDG_CONFIG_HOME"] / "trayapp" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            '[primary]\nlabel = "bench"\n'
            f'account_id = "{DEFAULT_ACCOUNT}"\nregion = "us-east-1"\n\n'
            f'[[account]]\nname = "{ACCOUNT}"\ndisplay_name = "Bench"\nrole_arn = "{ROLE_ARN}"\n'
            'color = "#2e7d32"\n'
        )

    def snapshot(self, folder: Path) -> dict[str, tuple[int, int]]:
        if not folder.is_dir():
            return {}
        return {
            p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir() if p.suffix != ".lock"
        }

    def drop_sessions(self) -> None:
        shutil.rmtree(self.sessions, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Checks: each run must have done what it claims
# --------------------------------------------------------------------------------------------


def check_version(prefix: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        if not (run.stdout + run.stderr).startswith(prefix):
            raise RuntimeError(f"unexpected --version output: {(run.stdout + run.stderr)[:200]!r}")

    return check


def check_process_json(expected_key: str | None) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        data = json.loads(run.stdout)
        if data.get("Version") != 1 or not str(data.get("AccessKeyId", "")).startswith("ASIA"):
            raise RuntimeError("trayapp did not print credential_process JSON")
        if expected_key and data["AccessKeyId"] != expected_key:
            raise RuntimeError("trayapp served other credentials than the cached ones")

    return check


def check_assumed_identity(run: Run) -> None:
    arn = json.loads(run.stdout).get("Arn", "")
    if ":assumed-role/bench-role/" not in arn:
        raise RuntimeError(f"get-caller-identity did not run as the role: {arn!r}")


def check_assume_role(run: Run) -> None:
    if not json.loads(run.stdout)["Credentials"]["AccessKeyId"].startswith("ASIA"):
        raise RuntimeError("assume-role returned no role credentials")


def check_region(run: Run) -> None:
    if run.stdout.strip() != "us-east-1":
        raise RuntimeError(f"aws configure get region printed {run.stdout!r}")


def check_signed_url(run: Run) -> None:
    if "Action=login" not in run.stdout or "SigninToken=" not in run.stdout:
        raise RuntimeError("trayapp url --signed printed no sign-in URL")  # never the URL itself: a secret


def check_configure_list(run: Run) -> None:
    if "assume-role" not in run.stdout:
        raise RuntimeError(f"aws configure list did not resolve the role profile:\n{run.stdout}")


def switcher_rows(root: Path, quick: bool, trayapp: Path) -> list[Row]:
    """The quick switcher's rows (see switcher_bench.py); the display ones run on a test desktop."""
    import switcher_bench

    rows = [
        Row(
            "switch_filter_5000",
            "switcher filter per keystroke, 5,000 accounts (in-process)",
            "ms",
            summary(switcher_bench.filter_times(5000, 3 if quick else 30)),
        )
    ]
    return rows + switcher_bench.display_rows(root, quick, Row, summary, trayapp)


# --------------------------------------------------------------------------------------------
# In-process: menu model and config loading
# --------------------------------------------------------------------------------------------


def config_toml(count: int, groups: int = 10) -> str:
    lines = ['[primary]\nlabel = "george"\naccount_id = "111122223333"\nregion = "eu-west-1"\n']
    for i in range(count):
        lines.append(
            "[[account]]\n"
            f'name = "acct-{i:03d}"\n'
            f'display_name = "Account {i:03d} of team {i % groups}"\n'
            f'account_id = "{100000000000 + i:012d}"\n'
            f'role_name = "{"ops/admin" if i % 3 else "admin"}"\n'
            f'color = "#{(i * 2654435761) & 0xFFFFFF:06x}"\n'
            f'region = "{("eu-central-1", "us-east-1", "ap-southeast-2")[i % 3]}"\n'
            f'group = "Team {i % groups}"\n'
            + (f'external_id = "ext-{i}"\n' if i % 7 == 0 else "")
            + (f'duration = "{1 + i % 4}h"\n' if i % 5 == 0 else "")
        )
    return "\n".join(lines)


def time_in_process(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()  # warm-up
    values = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        values.append((time.perf_counter() - start) * 1000)
    return summary(values)


def in_process_rows(root: Path, quick: bool) -> list[Row]:
    from trayapp.core.config import load_config
    from trayapp.core.state import Console, State
    from trayapp.tray.menu import MenuView, build_menu, copy_as

    environ = {"AWS_CONFIG_FILE": str(root / "no-aws-config")}  # the AWS config adds nothing here
    rows = []
    now = datetime.now(UTC)
    for count in MENU_SIZES:
        path = root / f"config-{count}.toml"
        path.write_text(config_toml(count))
        config = load_config(path, environ)
        if len(config.accounts) != count:
            raise RuntimeError(f"expected {count} accounts, loaded {len(config.accounts)}")
        state = State(
            console=Console(
                "acct-003", "switch-role", (now + timedelta(minutes=42)).strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            recent=tuple(f"acct-{i:03d}" for i in (3, 1, 4, 5, 9)),
        )
        view = MenuView(config=config, state=state, now=now, primary_label="george", autostart=False)
        rows.append(
            Row(
                f"menu_{count}",
                f"build_menu, {count} accounts in 10 groups (in-process)",
                "ms",
                time_in_process(lambda view=view: build_menu(view), 5 if quick else 200),
            )
        )
        if count == MENU_SIZES[-1]:  # the tray's first build, or after a reload: nothing kept from before

            def first_build(view: MenuView = view) -> None:
                copy_as.cache_clear()
                build_menu(view)

            rows.append(
                Row(
                    f"menu_{count}_first",
                    f"build_menu, {count} accounts, first build (nothing kept from a build before)",
                    "ms",
                    time_in_process(first_build, 5 if quick else 100),
                )
            )
        if count >= 500:
            rows.append(
                Row(
                    f"load_{count}",
                    f"load_config + validate, {count} accounts (in-process)",
                    "ms",
                    time_in_process(lambda path=path: load_config(path, environ), 3 if quick else 50),
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# Import profile of the cache-hit path
# --------------------------------------------------------------------------------------------


def parse_importtime(stderr: str) -> list[tuple[str, int, int, str]]:
    """(module, self us, cumulative us, importer chain) per ``-X importtime`` line."""
    entries: list[tuple[str, int, int, int]] = []  # (module, self, cumulative, depth), in print order
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, raw = line[len("import time:") :].split("|", 2)
        name = raw[1:]  # one space after the bar, then two per nesting level
        depth = (len(name) - len(name.lstrip())) // 2
        entries.append((name.strip(), int(self_us), int(cumulative), depth))
    # A module is printed after everything it imported: its importer is the next line one level up.
    result = []
    for i, (name, self_us, cumulative, depth) in enumerate(entries):
        chain: list[str] = []
        want = depth - 1
        for later in entries[i + 1 :]:
            if want < 0:
                break
            if later[3] == want:
                chain.append(later[0])
                want -= 1
        # Name the direct importer and the nearest trayapp module that led here.
        shown = chain[:1] + [c for c in chain[1:] if c.startswith("trayapp.")][:1]
        if len(shown) == 2 and chain.index(shown[1]) > 1:
            shown.insert(1, "...")
        result.append((name, self_us, cumulative, " < ".join(shown)))
    return result


def import_profile(world: World, runs: int, top: int = 12) -> dict[str, Any]:
    """``python -X importtime -m trayapp creds NAME -f credential-process`` (cache hit, no network), medians."""
    python = world.trayapp.parent / "python"
    argv = [
        str(python),
        "-X",
        "importtime",
        "-m",
        "trayapp",
        "creds",
        ACCOUNT,
        "--format",
        "credential-process",
    ]
    cumulative: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    chains: dict[str, str] = {}
    totals = []
    modules = 0
    for _ in range(runs):
        done = subprocess.run(  # cwd: not the working tree, which `-m trayapp` would import from
            argv,
            env=world.env(),
            cwd=world.root,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=True,
        )
        check_process_json(None)(Run(0, 0, 0, done.stdout, ""))
        parsed = parse_importtime(done.stderr)
        modules = len(parsed)
        totals.append(sum(c for _, _, c, chain in parsed if not chain))
        for name, self_us, cum, chain in parsed:
            cumulative.setdefault(name, []).append(cum)
            own.setdefault(name, []).append(self_us)
            chains[name] = chain
    ranked = sorted(cumulative, key=lambda n: statistics.median(cumulative[n]), reverse=True)
    roots = {name.split(".")[0] for name in cumulative}
    return {
        "runs": runs,
        "modules": modules,
        "total_ms": statistics.median(totals) / 1000,
        "top": [
            {
                "module": name,
                "cumulative_ms": statistics.median(cumulative[name]) / 1000,
                "self_ms": statistics.median(own[name]) / 1000,
                "imported_by": chains[name],
            }
            for name in ranked[:top]
        ],
        "boto3": "boto3" in roots,
        "botocore": sorted(n for n in cumulative if n.split(".")[0] == "botocore"),
    }


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def fmt(stats: dict[str, float] | None, unit: str) -> str:
    if stats is None:
        return "-"
    digits = 3 if unit == "ms" and stats["median"] < 1 else 1
    return f"{stats['median']:.{digits}f} {unit} (p90 {stats['p90']:.{digits}f})"


# Issue 12's targets: trayapp / other at most this (ratio rows), or trayapp's median at most this (ms rows).
TARGETS: dict[str, tuple[str, float]] = {
    "creds_floor": ("ratio", 0.15),
    "signed_cold": ("ratio", 0.6),
    "tray_start": ("ratio", 1.3),
    "tray_pss": ("ratio", 1.15),
    "warm_click": ("ms", 30.0),
    "menu_1000": ("ms", 50.0),
    "menu_1000_first": ("ms", 50.0),
    "load_1000": ("ms", 100.0),
}


def targets_table(rows: Sequence[Row]) -> str:
    """Each row of issue 12 next to its target: trayapp / other (lower is better), or trayapp's median."""
    lines = []
    for row in rows:
        if row.key not in TARGETS:
            continue
        kind, limit = TARGETS[row.key]
        if kind == "ratio" and row.other:
            value = row.trayapp["median"] / row.other["median"]
            shown = f"{value:.2f} of the other tool (target <= {limit})"
        else:
            value = row.trayapp["median"]
            shown = f"{value:.1f} {row.unit} (target <= {limit:.0f} {row.unit})"
        lines.append(f"#   {'inside' if value <= limit else 'OUTSIDE':7} {row.label}: {shown}")
    return "\n".join(lines)


def table(rows: Sequence[Row]) -> str:
    lines = [("measurement", "trayapp", "other tool", "ratio")]
    for row in rows:
        other = f"{fmt(row.other, row.unit)}  [{row.other_label}]" if row.other else "-"
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
        lines.append((row.label, fmt(row.trayapp, row.unit), other, ratio))
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    out = []
    for i, line in enumerate(lines):
        out.append(
            " | ".join(cell.ljust(w) for cell, w in zip(line[:3], widths, strict=True)) + " | " + line[3]
        )
        if i == 0:
            out.append("-+-".join("-" * w for w in widths) + "-+------")
    return "\n".join(out)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
    }


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 run per command, no warm-up (smoke test)")
    parser.add_argument("--reps", type=int, help="runs per command (default 10; 1 with --quick)")
    parser.add_argument("--warmup", type=int, help="warm-up runs per command (default 1; 0 with --quick)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary HOME (printed) for a look")
    parser.add_argument("--no-importtime", action="store_true", help="skip the import profile")
    parser.add_argument("--no-tray", action="store_true", help="skip the tray rows (test desktop)")
    args = parser.parse_args(argv)
    if not (Path(sys.executable).parent / "trayapp").exists():
        parser.error(f"run this with the project's venv python (.venv/bin/python), not {sys.executable}")
    # trayapp as users run it: the working tree installed (not editable) in a venv of the bench's own.
    with tempfile.TemporaryDirectory(prefix="trayapp-bench-installed-") as installed:
        return bench(args, installed_trayapp(Path(installed)))


def bench(args: argparse.Namespace, trayapp: Path) -> int:
    """Every row, with ``trayapp`` the installed command; prints the table (and writes the JSON)."""
    reps = args.reps or (1 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (0 if args.quick else 1)
    aws = aws_cli()
    root = Path(tempfile.mkdtemp(prefix="trayapp-bench-"))
    world = World(root, trayapp, aws)
    world.write()
    os.environ.update(world.isolated_vars())  # this process too: nothing may reach the real ~/.aws
    for var in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "TRAYAPP_CONFIG",
    ):
        os.environ.pop(var, None)
    moto = MotoServer(log_path=root / "moto_server.log")
    federation = FederationStub()
    info = machine()
    versions = {}
    try:
        moto.start()
        world.endpoint = moto.url
        env = world.env()
        aws_argv = [str(aws)]
        creds_argv = [str(trayapp), "creds", ACCOUNT, "--format", "credential-process"]
        gci_role = [*aws_argv, "sts", "get-caller-identity", "--profile", ROLE_PROFILE]

        # Prime both caches against moto: trayapp's session file, the AWS CLI's ~/.aws/cli/cache.
        primed = run_once(creds_argv, env)
        if primed.returncode != 0:
            raise RuntimeError(f"priming trayapp failed:\n{primed.stderr}")
        cached_key = json.loads(primed.stdout)["AccessKeyId"]
        primed_aws = run_once(gci_role, env)
        if primed_aws.returncode != 0:
            raise RuntimeError(f"priming the AWS CLI failed:\n{primed_aws.stderr}")
        check_assumed_identity(primed_aws)
        trayapp_cache, cli_cache = world.snapshot(world.sessions), world.snapshot(world.cli_cache)
        if len(trayapp_cache) != 1 or len(cli_cache) != 1:
            raise RuntimeError(f"expected one cached session each, got {trayapp_cache} and {cli_cache}")

        startup = (
            Command([str(trayapp), "--version"], env, check_version("trayapp ")),
            Command([*aws_argv, "--version"], env, check_version("aws-cli/1.")),
        )
        measure(startup, reps, warmup)
        versions = {
            tool: (command.runs[-1].stdout + command.runs[-1].stderr).strip()
            for tool, command in zip(("trayapp", "aws"), startup, strict=True)
        }
        floor = (
            Command([str(trayapp.parent / "python"), "-c", "pass"], env, lambda run: None),
            Command([str(aws.parent / "python"), "-c", "pass"], env, lambda run: None),
        )
        measure(floor, reps, warmup)

        # Cache hits with STS up (the AWS CLI needs it for get-caller-identity itself).
        hit = (
            Command(creds_argv, env, check_process_json(cached_key)),
            Command(gci_role, env, check_assumed_identity),
        )
        measure(hit, reps, warmup)
        identity = (
            Command(
                [*aws_argv, "sts", "get-caller-identity", "--profile", PROCESS_PROFILE],
                env,
                check_assumed_identity,
            ),
            Command(gci_role, env, check_assumed_identity),
        )
        measure(identity, reps, warmup)
        if world.snapshot(world.sessions) != trayapp_cache or world.snapshot(world.cli_cache) != cli_cache:
            raise RuntimeError("a cache changed during the cache-hit runs: those were not cache hits")

        # Cache misses: AssumeRole over loopback each time (trayapp's session folder dropped before each run).
        def cold_cache_check(run: Run) -> None:
            check_process_json(None)(run)
            if len(world.snapshot(world.sessions)) != 1:
                raise RuntimeError("the cache-miss run did not write a session")

        miss = (
            Command(creds_argv, env, cold_cache_check, before=world.drop_sessions),
            Command(
                [*aws_argv, "sts", "assume-role", "--role-arn", ROLE_ARN, "--role-session-name", "bench"],
                env,
                check_assume_role,
            ),
        )
        # Cold signed sign-in: AssumeRole and getSigninToken (a federation stub on loopback) each time.
        federation.start()
        signed = (
            Command(
                [str(trayapp), "url", ACCOUNT, "--signed"],
                {**env, "TRAYAPP_SIGNIN_ENDPOINT": federation.url},
                check_signed_url,
                before=world.drop_sessions,
            ),
            Command(list(miss[1].argv), env, check_assume_role),
        )
        measure(signed, reps, warmup)
        measure(miss, reps, warmup)  # last: its final run leaves the session the offline rows serve
        cached_key = json.loads(miss[0].runs[-1].stdout)["AccessKeyId"]
        trayapp_cache = world.snapshot(world.sessions)

        # STS down: moto stopped, its port refuses connections; anything needing the network fails.
        moto.stop()
        hit_offline = (
            Command(creds_argv, env, check_process_json(cached_key)),
            Command([*aws_argv, "configure", "list", "--profile", ROLE_PROFILE], env, check_configure_list),
        )
        measure(hit_offline, reps, warmup)
        # The reference for credential_process: the AWS CLI's start-up floor, no network either.
        floor_cli = (
            Command(creds_argv, env, check_process_json(cached_key)),
            Command([*aws_argv, "configure", "get", "region", "--profile", ROLE_PROFILE], env, check_region),
        )
        measure(floor_cli, reps, warmup)
        clicks = warm_click_ms(world.isolated_vars(), ACCOUNT, 3 if args.quick else 20)
        tray = None if args.no_tray else tray_runs(env, trayapp, reps, warmup)
        if world.snapshot(world.sessions) != trayapp_cache or world.snapshot(world.cli_cache) != cli_cache:
            raise RuntimeError("a cache changed during the offline runs: those were not cache hits")
        imports = None if args.no_importtime else import_profile(world, 1 if args.quick else 10)
    finally:
        moto.stop()
        federation.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    rows = [
        Row(
            "startup", "start-up: --version", "ms", ms(startup[0].runs), "aws --version", ms(startup[1].runs)
        ),
        Row(
            "python_floor",
            "floor: python -c pass in trayapp's venv (installed)",
            "ms",
            ms(floor[0].runs),
            "AWS CLI venv's python -c pass",
            ms(floor[1].runs),
        ),
        Row(
            "creds_floor",
            "credential_process, cache hit, vs the AWS CLI's floor",
            "ms",
            ms(floor_cli[0].runs),
            "aws configure get region --profile role",
            ms(floor_cli[1].runs),
        ),
        Row(
            "creds_hit",
            "credentials, cache hit: trayapp creds -f credential-process",
            "ms",
            ms(hit[0].runs),
            "aws sts get-caller-identity, role profile (cached)",
            ms(hit[1].runs),
        ),
        Row(
            "creds_hit_offline",
            "credentials, cache hit, STS down",
            "ms",
            ms(hit_offline[0].runs),
            "aws configure list, role profile (cached)",
            ms(hit_offline[1].runs),
        ),
        Row(
            "identity",
            "working identity: aws sts get-caller-identity",
            "ms",
            ms(identity[0].runs),
            "AWS CLI role profile (cached)",
            ms(identity[1].runs),
        ),
        Row(
            "creds_miss",
            "cache miss: trayapp creds (AssumeRole)",
            "ms",
            ms(miss[0].runs),
            "aws sts assume-role",
            ms(miss[1].runs),
        ),
        Row(
            "signed_cold",
            "cold signed sign-in: url --signed after forget",
            "ms",
            ms(signed[0].runs),
            "aws sts assume-role (same STS)",
            ms(signed[1].runs),
        ),
        Row(
            "rss_hit",
            "peak RSS, credentials cache hit",
            "MiB",
            mib(hit[0].runs),
            "aws sts get-caller-identity, role profile",
            mib(hit[1].runs),
        ),
        Row(
            "rss_hit_offline",
            "peak RSS, credentials cache hit",
            "MiB",
            mib(hit_offline[0].runs),
            "aws configure list, role profile",
            mib(hit_offline[1].runs),
        ),
        Row(
            "rss_miss",
            "peak RSS, cache miss (AssumeRole)",
            "MiB",
            mib(miss[0].runs),
            "aws sts assume-role",
            mib(miss[1].runs),
        ),
    ]
    rows.append(
        Row("warm_click", "warm click to browser (menu click to $BROWSER, in-process)", "ms", summary(clicks))
    )
    if tray:
        rows += [
            Row(
                "tray_start",
                "tray start to icon docked (trayer on Xvfb)",
                "ms",
                summary(tray["trayapp_ms"]),
                "bare pystray app, 2-item menu",
                summary(tray["bare_ms"]),
            ),
            Row(
                "tray_start_cold",
                "tray start to icon docked, nothing remembered (a first start, or a file changed)",
                "ms",
                summary(tray["trayapp_cold_ms"]),
                "bare pystray app, 2-item menu",
                summary(tray["bare_ms"]),
            ),
            Row(
                "tray_pss",
                "tray idle memory, PSS 3 s after docking",
                "MiB",
                summary(tray["trayapp_pss"]),
                "bare pystray app, 2-item menu",
                summary(tray["bare_pss"]),
            ),
        ]
    with tempfile.TemporaryDirectory(prefix="trayapp-bench-menu-") as scratch:
        rows += in_process_rows(Path(scratch), args.quick)
    with tempfile.TemporaryDirectory(prefix="trayapp-bench-switch-") as scratch:
        rows += switcher_rows(Path(scratch), args.quick, trayapp)

    print(f"# trayapp bench, {info['date']}; {info['machine']}; Python {info['python']}")
    print(f"# {versions.get('trayapp')}; {versions.get('aws')}")
    print(f"# trayapp measured as installed: a wheel of the working tree in {trayapp.parent.parent}")
    print(f"# {reps} runs per command after {warmup} warm-up; median (p90); ratio = other / trayapp (median)")
    print(table(rows))
    print("# issue 12 targets (trayapp / other tool; lower is better):")
    print(targets_table(rows))
    if args.keep:
        print(f"# kept: {root} (HOME {world.home}; moto log {root / 'moto_server.log'})")
    if imports:
        print(
            f"\n# trayapp creds, cache hit: {imports['modules']} modules imported, "
            f"{imports['total_ms']:.1f} ms of imports; boto3 imported: {'yes' if imports['boto3'] else 'no'}; "
            f"botocore modules: {len(imports['botocore'])}"
        )
        print(f"# top imports by cumulative time (python -X importtime, median of {imports['runs']}):")
        for entry in imports["top"]:
            via = f"  (< {entry['imported_by']})" if entry["imported_by"] else ""
            print(
                f"#   {entry['cumulative_ms']:6.1f} ms cumulative, {entry['self_ms']:5.1f} ms self  {entry['module']}{via}"
            )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    **info,
                    "versions": versions,
                    "reps": reps,
                    "warmup": warmup,
                    "rows": [r.as_dict() for r in rows],
                    "imports": imports,
                },
                indent=2,
            )
        )
    missing = set(ROW_KEYS) - {r.key for r in rows}
    if missing:
        raise RuntimeError(f"rows not produced: {sorted(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
