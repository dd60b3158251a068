"""A real OS keyring for tests: gnome-keyring-daemon's Secret Service on a private D-Bus session bus.

This is what python-keyring meets on a Linux desktop (its ``SecretService`` backend), minus the
desktop:

    with SecretService(tmp_path / "keyring") as service:
        for name, value in service.env.items():
            monkeypatch.setenv(name, value)        # children now see this keyring, and only it
        ...
        service.items("trayapp")                   # [StoredItem(label, attributes, secret), ...]

What runs, each in its own process group, both stopped by PID in :meth:`SecretService.close` (also
when start-up fails half-way):

- ``dbus-daemon --nofork`` with a config of our own: a session bus listening on a unix socket in a
  short ``mkdtemp`` folder (a socket path must stay under 108 bytes) and *without* service
  directories, so nothing is ever D-Bus-activated behind our back (the stock session config would
  start a second, untracked gnome-keyring-daemon, or a password prompter, on first use);
- ``gnome-keyring-daemon --foreground --unlock --components=secrets --control-directory=...``
  with HOME/XDG_* inside ``workdir``: it reads the password on stdin (then EOF) and creates and
  unlocks a fresh ``login`` keyring, which becomes the ``default`` collection. The password is not
  empty, so the keyring file on disk is encrypted. ``--start`` is not passed: it would first look
  for a running daemon to initialise instead.

Ready means: ``org.freedesktop.secrets`` has an owner, its ``default`` alias names a collection,
and that collection is unlocked (every wait is bounded by ``startup_timeout``). Start-up takes
about 0.05 s, close about 0.01 s. Logs of both processes stay in ``workdir``.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

TOOLS = ("dbus-daemon", "gnome-keyring-daemon")
BUS_NAME = "org.freedesktop.secrets"
SERVICE_PATH = "/org/freedesktop/secrets"
LOGIN = "/org/freedesktop/secrets/collection/login"
PASSWORD = "trayapp-test-keyring"  # not empty: an empty password leaves the keyring file unencrypted

# A session bus with no <servicedir>: no activation, so no process we did not start and track.
BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>{address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

# Variables that would lead a client (or the daemon) to another keyring or bus than ours.
FOREIGN = (
    "DBUS_SESSION_BUS_ADDRESS",
    "DBUS_STARTER_ADDRESS",
    "DBUS_STARTER_BUS_TYPE",
    "GNOME_KEYRING_CONTROL",
    "GNOME_KEYRING_PID",
    "SSH_AUTH_SOCK",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "PYTHON_KEYRING_BACKEND",
)


class SecretServiceError(RuntimeError):
    """The bus or the keyring daemon did not come up; the message says which, with its log."""


class StoredItem(NamedTuple):
    """One item of the keyring as the Secret Service gives it back."""

    label: str
    attributes: dict[str, str]
    secret: str


def missing_tools() -> list[str]:
    """The programs :class:`SecretService` needs that are not installed (empty when all are)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


class SecretService:
    """gnome-keyring-daemon (secrets component) on a private session bus. Use as a context manager.

    After :meth:`start`: :attr:`address` (the bus address), :attr:`env` (what a client needs:
    DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, GNOME_KEYRING_CONTROL; apply it and remove the
    :data:`FOREIGN` variables it does not set, see :meth:`client_env`), :attr:`keyring_dir`
    (where the daemon keeps ``login.keyring``), :attr:`startup_seconds`, :attr:`pids`.
    """

    def __init__(self, workdir: Path, *, startup_timeout: float = 10.0) -> None:
        self.workdir = Path(workdir)
        self.startup_timeout = startup_timeout
        self.address = ""
        self.env: dict[str, str] = {}
        self.startup_seconds = 0.0
        self._short: Path | None = None
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._logs: list[IO[bytes]] = []

    @property
    def keyring_dir(self) -> Path:
        return self.workdir / "home" / ".local" / "share" / "keyrings"

    @property
    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self._procs}

    def __enter__(self) -> SecretService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- start and stop ------------------------------------------------------------------------

    def start(self) -> SecretService:
        missing = missing_tools()
        if missing:
            raise SecretServiceError(f"not installed: {', '.join(missing)}")
        began = time.monotonic()
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
            self._short = Path(tempfile.mkdtemp(prefix="tss-"))  # short: sockets live here
            (self._short / "run").mkdir(mode=0o700)
            (self._short / "control").mkdir(mode=0o700)
            self.address = f"unix:path={self._short / 'bus'}"
            self._start_bus()
            self._start_keyring()
            self.env = {
                "DBUS_SESSION_BUS_ADDRESS": self.address,
                "XDG_RUNTIME_DIR": str(self._short / "run"),
                "GNOME_KEYRING_CONTROL": str(self._short / "control"),
            }
            self._wait_until_ready(began + self.startup_timeout)
        except BaseException:
            self.close()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def close(self) -> None:
        """Stop the daemon, then the bus (by PID: SIGTERM to each process group, then SIGKILL)."""
        try:
            for _name, proc in reversed(self._procs):
                _stop(proc)
            self._procs.clear()
        finally:
            for log in self._logs:
                with contextlib.suppress(OSError):
                    log.close()
            self._logs.clear()
            if self._short is not None:
                shutil.rmtree(self._short, ignore_errors=True)
                self._short = None

    def client_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) with every :data:`FOREIGN` variable
        replaced by ours or removed, for a child that must see this keyring and no other."""
        env = {k: v for k, v in (os.environ if base is None else base).items() if k not in FOREIGN}
        env.update(self.env)
        return env

    def log(self, name: str) -> str:
        """The output so far of ``"dbus"`` or ``"gnome-keyring"``."""
        try:
            return (self.workdir / f"{name}.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- looking inside ------------------------------------------------------------------------

    def items(self, service: str | None = None) -> list[StoredItem]:
        """Every item in the keyring (those with ``service=SERVICE`` when given), read with
        secretstorage over our bus: independent of python-keyring's choice of backend."""
        import secretstorage

        with self._connection() as conn:
            if service is None:
                found: list[Any] = [
                    i for c in secretstorage.get_all_collections(conn) for i in c.get_all_items()
                ]
            else:
                found = list(secretstorage.search_items(conn, {"service": service}))
            return [
                StoredItem(item.get_label(), dict(item.get_attributes()), item.get_secret().decode())
                for item in found
            ]

    def lock(self) -> None:
        """Lock every collection, as a screen locker or a timeout would (Lock needs no prompt)."""
        import secretstorage

        with self._connection() as conn:
            for collection in secretstorage.get_all_collections(conn):
                collection.lock()

    def unlock(self) -> None:
        """Unlock the ``login`` keyring with its password, without a prompt.

        The Secret Service's own Unlock needs a prompter (which this bus cannot start), so this uses
        gnome-keyring's private ``UnlockWithMasterPassword`` over a "plain" session, as seahorse does.
        """
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import unwrap_msg

        service = DBusAddress(SERVICE_PATH, bus_name=BUS_NAME, interface="org.freedesktop.Secret.Service")
        internal = DBusAddress(
            SERVICE_PATH,
            bus_name=BUS_NAME,
            interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
        )
        with self._connection() as conn:
            _, session = unwrap_msg(
                conn.send_and_get_reply(
                    new_method_call(service, "OpenSession", "sv", ("plain", ("s", ""))), timeout=5
                )
            )
            secret = (session, b"", PASSWORD.encode(), "text/plain")
            call = new_method_call(internal, "UnlockWithMasterPassword", "o(oayays)", (LOGIN, secret))
            unwrap_msg(conn.send_and_get_reply(call, timeout=5))

    def locked(self) -> bool:
        """Whether the ``login`` keyring is locked."""
        from jeepney import DBusAddress, Properties
        from jeepney.wrappers import unwrap_msg

        login = DBusAddress(LOGIN, bus_name=BUS_NAME, interface="org.freedesktop.Secret.Collection")
        with self._connection() as conn:
            return bool(unwrap_msg(conn.send_and_get_reply(Properties(login).get("Locked"), timeout=5))[0][1])

    # -- start-up details ------------------------------------------------------------------------

    def _popen(self, name: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115  (closed in close())
        self._logs.append(log)
        kwargs.setdefault("stdout", log)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(argv, stderr=log, start_new_session=True, **kwargs)
        self._procs.append((name, proc))
        return proc

    def _fail(self, what: str, name: str) -> SecretServiceError:
        return SecretServiceError(f"{what}; {name} log: {self.log(name).strip()[-2000:] or '(empty)'}")

    def _daemon_env(self) -> dict[str, str]:
        home = self.workdir / "home"
        env = {k: v for k, v in os.environ.items() if k not in FOREIGN and not k.startswith("XDG_")}
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_RUNTIME_DIR=str(self._short / "run") if self._short else "",
            DBUS_SESSION_BUS_ADDRESS=self.address,
        )
        return env

    def _start_bus(self) -> None:
        config = self.workdir / "bus.conf"
        config.write_text(BUS_CONFIG.format(address=self.address), encoding="utf-8")
        proc = self._popen(
            "dbus",
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            env=self._daemon_env(),
        )
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], self.startup_timeout)
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()
        if not line.startswith(b"unix:"):
            raise self._fail(f"dbus-daemon did not print its address (exit {proc.poll()})", "dbus")

    def _start_keyring(self) -> None:
        (self.workdir / "home" / ".local" / "share").mkdir(parents=True, exist_ok=True)
        assert self._short is not None
        proc = self._popen(
            "gnome-keyring",
            [
                "gnome-keyring-daemon",
                "--foreground",
                "--unlock",
                "--components=secrets",
                f"--control-directory={self._short / 'control'}",
            ],
            stdin=subprocess.PIPE,
            env=self._daemon_env(),
        )
        assert proc.stdin is not None
        try:
            proc.stdin.write(PASSWORD.encode())  # all of stdin up to EOF is the password
        finally:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()

    def _wait_until_ready(self, deadline: float) -> None:
        from jeepney import DBusAddress, DBusErrorResponse, Properties, new_method_call
        from jeepney.bus_messages import message_bus
        from jeepney.wrappers import unwrap_msg

        service = DBusAddress(SERVICE_PATH, bus_name=BUS_NAME, interface="org.freedesktop.Secret.Service")
        state = "no owner of org.freedesktop.secrets"
        with self._connection() as conn:

            def call(message: Any) -> Any:
                timeout = max(0.05, min(1.0, deadline - time.monotonic()))
                return unwrap_msg(conn.send_and_get_reply(message, timeout=timeout))[0]

            while True:
                for name, proc in self._procs:
                    if proc.poll() is not None:
                        raise self._fail(f"{name} exited ({proc.returncode}) during start-up", name)
                if time.monotonic() >= deadline:
                    raise self._fail(f"the Secret Service was not ready in time ({state})", "gnome-keyring")
                try:
                    # NameHasOwner first: a call to an unowned name would ask for activation.
                    if not call(message_bus.NameHasOwner(BUS_NAME)):
                        state = "no owner of org.freedesktop.secrets"
                    elif (path := call(new_method_call(service, "ReadAlias", "s", ("default",)))) == "/":
                        state = "no default collection yet"
                    else:
                        collection = DBusAddress(
                            path, bus_name=BUS_NAME, interface="org.freedesktop.Secret.Collection"
                        )
                        if not call(Properties(collection).get("Locked"))[1]:
                            return
                        state = f"collection {path} is locked"
                except (DBusErrorResponse, TimeoutError, OSError) as exc:
                    state = f"no answer ({type(exc).__name__}: {exc})"
                time.sleep(0.02)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(self.address)
        try:
            yield conn
        finally:
            conn.close()


def _stop(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM the process group led by ``proc`` (it was started with a new session), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # the leader is gone; members of its group may linger
        return
