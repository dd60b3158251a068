"""Loopback servers for tests: moto's STS server, a federation (getSigninToken) stub, an STS fault stub.

Everything binds to 127.0.0.1 on a port the OS picks; every wait is bounded; every server
runs its threads as daemons and stops without waiting for a request that hangs.
"""

from __future__ import annotations

import configparser
import contextlib
import http.server
import json
import os
import secrets
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

HOST = "127.0.0.1"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
DEFAULT_ACCOUNT = "123456789012"  # moto's default account, and the STS stub's


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port where nothing listens: connecting to it is refused at once."""
    return free_port()


def closed_url() -> str:
    """``http://127.0.0.1:<closed port>``, for "endpoint unreachable" tests."""
    return f"http://{HOST}:{closed_port()}"


def _random_id(prefix: str, length: int = 20) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# moto_server
# --------------------------------------------------------------------------------------------


class MotoServer:
    """``moto_server -H 127.0.0.1 -p PORT`` as a child process.

    ``start()`` picks a free port the first time and keeps it, so ``stop()`` then ``start()``
    comes back at the same ``url``. The server's output goes to ``log_path``.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        startup_timeout: float = 15.0,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.port: int | None = port
        self.startup_timeout = startup_timeout
        self.extra_env = dict(env or {})
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="moto-")) / "moto_server.log"
        self.executable = Path(sys.executable).parent / "moto_server"
        self._proc: subprocess.Popen[bytes] | None = None
        self._port_fixed = port is not None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("MotoServer was never started")
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.pop("PYTHONPATH", None)
        env.update(self.extra_env)
        return env

    def start(self) -> MotoServer:
        """Start (or restart, on the same port) and wait until it answers; raise if it does not in time."""
        if self.running:
            return self
        attempts = 1 if self._port_fixed else 3
        last_error = ""
        for _ in range(attempts):
            if self.port is None:
                self.port = free_port()
            if self._spawn_and_wait():
                self._port_fixed = True  # from now on, restarts reuse this port
                return self
            last_error = self.log_text()[-2000:]
            self._terminate()
            if not self._port_fixed:
                self.port = None  # perhaps someone took the port in between: try another
        raise RuntimeError(
            f"moto_server did not answer within {self.startup_timeout:.0f}s; log:\n{last_error}"
        )

    def _spawn_and_wait(self) -> bool:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                [str(self.executable), "-H", HOST, "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1) as response:
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.05)
        return False

    def reset(self) -> None:
        """Drop all of moto's state (POST /moto-api/reset)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def stop(self) -> None:
        """Terminate the server (kill it after 5 s); the port is kept for a later ``start()``."""
        self._terminate()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# Threaded loopback HTTP server base
# --------------------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # server_close() must not wait for a handler that hangs
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut kept-alive connections, so a client's pooled connection cannot reach a stopped stub."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def path_and_query(self) -> tuple[str, str, dict[str, str]]:
        """The request's path, its raw query string, and the query decoded (first value of each name)."""
        parts = urlsplit(self.path)
        return parts.path, parts.query, first_values(parts.query)


def first_values(encoded: str) -> dict[str, str]:
    """A query string or form body decoded as AWS reads it: the first value of each name, blanks kept."""
    return {k: v[0] for k, v in parse_qs(encoded, keep_blank_values=True).items()}


@dataclass(frozen=True)
class Delivery:
    """How a stub delivers an answer it has made: ``drip`` (one byte every ``interval`` s, until
    the stub stops) or ``truncate`` (only the first ``keep`` bytes; ``honest_length`` announces
    the cut length, else the full length and the connection is closed early)."""

    mode: str  # "drip" | "truncate"
    interval: float = 1.0
    keep: int = 0
    honest_length: bool = True


def _deliver(
    handler: _Handler,
    stopping: threading.Event,
    delivery: Delivery,
    status: int,
    body: bytes,
    content_type: str,
) -> None:
    """Send ``body`` the hostile way ``delivery`` says."""
    if delivery.mode == "truncate":
        cut = body[: delivery.keep]
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(cut) if delivery.honest_length else len(body)))
        handler.end_headers()
        handler.wfile.write(cut)
        handler.wfile.flush()
        if not delivery.honest_length:
            handler.close_connection = True
        return
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.flush()
    for index in range(len(body)):
        if stopping.wait(delivery.interval):
            handler.close_connection = True
            return
        handler.wfile.write(body[index : index + 1])
        handler.wfile.flush()


class _LoopbackServer:
    """Start/stop plumbing shared by the stubs."""

    handler_class: type[_Handler]

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"http://{HOST}:{self.port}"

    def start(self) -> Any:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((HOST, self.port or 0), self.handler_class)
        server.stub = self  # type: ignore[attr-defined]
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers still sleeping are woken and their connections dropped."""
        server, self._server = self._server, None
        self._stopping.set()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


RequestT = TypeVar("RequestT")


class _RecordingServer(_LoopbackServer, Generic[RequestT]):
    """A stub that keeps every request it answered, in order, for the test to read back."""

    def __init__(self) -> None:
        super().__init__()
        self._requests: list[RequestT] = []

    @property
    def requests(self) -> list[RequestT]:
        with self._lock:
            return list(self._requests)

    def _record(self, request: RequestT) -> None:
        with self._lock:
            self._requests.append(request)


# --------------------------------------------------------------------------------------------
# Federation stub
# --------------------------------------------------------------------------------------------

FEDERATION_ERROR_BODIES = {400: "Invalid credentials parameter", 500: "Internal Server Error"}


@dataclass(frozen=True)
class FederationRequest:
    """One request the federation stub received."""

    method: str
    path: str  # path only, e.g. "/federation"
    raw_query: str  # the query string exactly as sent
    query: dict[str, str]  # decoded, first value of each name
    action: str | None  # "getSigninToken", "login", ...
    session: dict[str, Any] | None  # the decoded Session JSON; None if absent or not JSON
    session_duration: int | None  # SessionDuration as an int; None if absent (or not a number)
    status: int  # what the stub answered
    token: str | None  # the SigninToken issued, if any


class _FederationHandler(_Handler):
    def do_GET(self) -> None:
        stub: FederationStub = self.server.stub  # type: ignore[attr-defined]
        path, raw_query, query = self.path_and_query()
        status, body, content_type, token, session, duration = stub._answer(path, query)
        with stub._lock:
            delivery = stub._deliveries.pop(0) if stub._deliveries else None
        stub._record(
            FederationRequest(
                method="GET",
                path=path,
                raw_query=raw_query,
                query=query,
                action=query.get("Action"),
                session=session,
                session_duration=duration,
                status=status,
                token=token,
            )
        )
        if delivery is not None:
            with contextlib.suppress(OSError):
                _deliver(self, stub._stopping, delivery, status, body.encode(), content_type)
            return
        self.send_body(status, body.encode(), content_type)


class FederationStub(_RecordingServer[FederationRequest]):
    """``GET /federation?Action=getSigninToken&Session=...[&SessionDuration=...]`` on loopback.

    Answers ``{"SigninToken": "<random>"}``; a malformed Session, a SessionDuration outside
    900..43200 or an unknown path/action get the errors AWS gives. ``fail_next()`` makes the
    next request(s) fail. ``Action=login`` answers 200 with a small HTML page.
    Point trayapp at it with ``TRAYAPP_SIGNIN_ENDPOINT=stub.url``.
    """

    handler_class = _FederationHandler

    def __init__(self) -> None:
        super().__init__()
        self._tokens: list[str] = []
        self._failures: list[tuple[int, str]] = []
        self._deliveries: list[Delivery] = []

    def deliver_next(self, delivery: Delivery, *, times: int = 1) -> None:
        """Deliver the next ``times`` answers the hostile way (slow drip, truncated)."""
        with self._lock:
            self._deliveries.extend([delivery] * times)

    @property
    def tokens_issued(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    def token_requests(self) -> list[FederationRequest]:
        """Only the getSigninToken requests."""
        return [r for r in self.requests if r.action == "getSigninToken"]

    def fail_next(self, status: int = 400, body: str | None = None, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (400: "Invalid credentials parameter")."""
        text = body if body is not None else FEDERATION_ERROR_BODIES.get(status, "Error")
        with self._lock:
            self._failures.extend([(status, text)] * times)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._tokens.clear()
            self._failures.clear()

    def _answer(
        self,
        path: str,
        query: dict[str, str],
    ) -> tuple[int, str, str, str | None, dict[str, Any] | None, int | None]:
        session: dict[str, Any] | None = None
        with contextlib.suppress(ValueError, TypeError):
            loaded = json.loads(query.get("Session", ""))
            session = loaded if isinstance(loaded, dict) else None
        duration: int | None = None
        raw_duration = query.get("SessionDuration")
        if raw_duration is not None and raw_duration.isdigit():
            duration = int(raw_duration)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure:
            return failure[0], failure[1], "text/plain", None, session, duration
        if path.rstrip("/") != "/federation":
            return 404, "Not Found", "text/plain", None, session, duration
        action = query.get("Action")
        if action == "login":
            return 200, "<html><body>signed in</body></html>", "text/html", None, session, duration
        if action != "getSigninToken":
            return 400, "Invalid Action", "text/plain", None, session, duration
        keys_ok = session is not None and all(
            isinstance(session.get(k), str) and session.get(k)
            for k in ("sessionId", "sessionKey", "sessionToken")
        )
        duration_ok = raw_duration is None or (duration is not None and 900 <= duration <= 43200)
        if not keys_ok or not duration_ok:
            return 400, FEDERATION_ERROR_BODIES[400], "text/plain", None, session, duration
        token = secrets.token_urlsafe(48)
        with self._lock:
            self._tokens.append(token)
        return 200, json.dumps({"SigninToken": token}), "application/json", token, session, duration


# --------------------------------------------------------------------------------------------
# STS fault stub
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StsFault:
    """An STS error answer: HTTP status and the ``<Error>`` fields."""

    status: int
    code: str
    message: str
    type: str = "Sender"


STS_FAULTS: dict[str, StsFault] = {
    "access_denied": StsFault(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/primary is not authorized to perform: sts:AssumeRole "
        "on resource: arn:aws:iam::444455556666:role/admin",
    ),
    "bad_mfa": StsFault(
        403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. "
    ),
    "expired_token": StsFault(400, "ExpiredToken", "The security token included in the request is expired"),
    "invalid_client_token_id": StsFault(
        403, "InvalidClientTokenId", "The security token included in the request is invalid."
    ),
    "region_disabled": StsFault(
        403,
        "RegionDisabledException",
        "STS is not activated in this region for account:123456789012. Your account administrator can "
        "activate STS in this region using the IAM Console.",
    ),
    "throttling": StsFault(400, "Throttling", "Rate exceeded"),
    "chaining_limit": StsFault(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    ),
    "duration_too_long": StsFault(
        400,
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ),
    "signature_expired": StsFault(
        403,
        "SignatureDoesNotMatch",
        "Signature expired: 20240101T120000Z is now earlier than 20240101T121500Z (20240101T123000Z - 15 min.)",
    ),
    "internal_error": StsFault(500, "InternalFailure", "An internal error occurred.", type="Receiver"),
}


@dataclass(frozen=True)
class StsRequest:
    """One request the STS stub received."""

    action: str | None
    form: dict[str, str]  # the decoded form fields (first value of each), e.g. form["TokenCode"]
    headers: dict[str, str]
    status: int  # what the stub answered (0 if it hung and never answered)
    code: str | None  # the error code answered, None on success


@dataclass
class _Rule:
    fault: StsFault | None  # None: hang
    hang_seconds: float
    actions: frozenset[str] | None
    remaining: int | None  # None: forever


@dataclass(frozen=True)
class IssuedCredentials:
    """Credentials the STS stub handed out (in order), to compare with what the app used."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime


class StsFaultStub(_RecordingServer[StsRequest]):
    """Enough of the STS Query protocol for boto3: AssumeRole, GetCallerIdentity, GetSessionToken,
    GetFederationToken; answers success unless told to fail.

    Set faults with ``set_fault(name_or_StsFault, times=None, actions=None)`` (replaces all
    rules), ``add_fault(...)`` (appends one; rules apply in order while their ``times`` lasts),
    ``set_hang(seconds, ...)`` and ``succeed()`` (clears rules). ``mfa_code`` makes MFA
    mandatory for AssumeRole/GetSessionToken, with each code accepted once.
    """

    def __init__(
        self,
        *,
        account_id: str = DEFAULT_ACCOUNT,
        caller_arn: str | None = None,
        caller_user_id: str = "AIDAPRIMARYUSERID0001",
        mfa_code: str | None = None,
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.caller_arn = caller_arn or f"arn:aws:iam::{account_id}:user/primary"
        self.caller_user_id = caller_user_id
        self.mfa_code = mfa_code
        self.used_mfa_codes: set[str] = set()
        self._issued: list[IssuedCredentials] = []
        self._rules: list[_Rule] = []
        self._delivery: Delivery | None = None
        self._raw_body: tuple[bytes, str] | None = None

    # -- configuration -------------------------------------------------------------------------

    @staticmethod
    def _fault(fault: str | StsFault) -> StsFault:
        return STS_FAULTS[fault] if isinstance(fault, str) else fault

    def set_fault(
        self, fault: str | StsFault, *, times: int | None = None, actions: Iterable[str] | None = None
    ) -> None:
        """Answer ``fault`` (a key of STS_FAULTS or an StsFault) from now on, or for ``times`` requests."""
        with self._lock:
            self._rules = [_Rule(self._fault(fault), 0.0, frozenset(actions) if actions else None, times)]

    def add_fault(
        self, fault: str | StsFault, *, times: int | None = 1, actions: Iterable[str] | None = None
    ) -> None:
        """Append a fault rule (default: once), after those already set."""
        with self._lock:
            self._rules.append(_Rule(self._fault(fault), 0.0, frozenset(actions) if actions else None, times))

    def set_hang(
        self, seconds: float, *, times: int | None = None, actions: Iterable[str] | None = None
    ) -> None:
        """Sleep ``seconds`` before answering (success) -- or until ``stop()``, which drops the connection.

        A hung request is recorded as it arrives, with status 0.
        """
        with self._lock:
            self._rules = [_Rule(None, seconds, frozenset(actions) if actions else None, times)]

    def set_delivery(
        self, delivery: Delivery | None, body: bytes | None = None, content_type: str = "text/xml"
    ) -> None:
        """Deliver every answer the hostile way (``Delivery``); with ``body``, answer that raw body
        (HTML, garbage, huge) with status 200 instead of the real answer. None: back to normal."""
        with self._lock:
            self._delivery = delivery
            self._raw_body = (body, content_type) if body is not None else None

    def succeed(self) -> None:
        with self._lock:
            self._rules = []

    def reset(self) -> None:
        """Clear rules, recorded requests, issued credentials and used MFA codes."""
        with self._lock:
            self._rules = []
            self._requests.clear()
            self._issued.clear()
            self.used_mfa_codes.clear()

    # -- inspection ----------------------------------------------------------------------------

    @property
    def issued(self) -> list[IssuedCredentials]:
        """Credentials handed out by successful AssumeRole/GetSessionToken/GetFederationToken, in order."""
        with self._lock:
            return list(self._issued)

    def calls(self, action: str) -> list[StsRequest]:
        """The recorded requests for one action, e.g. ``calls("AssumeRole")``."""
        return [r for r in self.requests if r.action == action]

    # -- answering -----------------------------------------------------------------------------

    def _pick_rule(self, action: str | None) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.remaining == 0:
                    continue
                if rule.actions is not None and action not in rule.actions:
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None

    def _new_credentials(self, seconds: int) -> IssuedCredentials:
        creds = IssuedCredentials(
            _random_id("ASIA"),
            secrets.token_urlsafe(30)[:40],
            "FwoGZXIvYXdzE" + secrets.token_urlsafe(150),
            datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds),
        )
        with self._lock:
            self._issued.append(creds)
        return creds

    def _check_mfa(self, form: dict[str, str]) -> StsFault | None:
        if self.mfa_code is None:
            return None
        code = form.get("TokenCode")
        if not form.get("SerialNumber") or code is None:
            return STS_FAULTS["access_denied"]
        with self._lock:
            if code != self.mfa_code or code in self.used_mfa_codes:
                return STS_FAULTS["bad_mfa"]
            self.used_mfa_codes.add(code)
        return None

    def _success(
        self,
        action: str | None,
        form: dict[str, str],
        request_id: str,
    ) -> tuple[int, str, str | None]:
        """(status, XML body, error code or None) for a request without a fault rule."""
        if action == "GetCallerIdentity":
            result = (
                f"<Arn>{escape(self.caller_arn)}</Arn><UserId>{escape(self.caller_user_id)}</UserId>"
                f"<Account>{escape(self.account_id)}</Account>"
            )
            return 200, _sts_ok(action, result, request_id), None
        if action not in ("AssumeRole", "GetSessionToken", "GetFederationToken"):
            fault = StsFault(
                400, "InvalidAction", f"Could not find operation {action} for version 2011-06-15"
            )
            return fault.status, _sts_error(fault, request_id), fault.code
        if action == "AssumeRole" and (not form.get("RoleArn") or not form.get("RoleSessionName")):
            fault = StsFault(400, "ValidationError", "RoleArn and RoleSessionName are required")
            return fault.status, _sts_error(fault, request_id), fault.code
        if action in ("AssumeRole", "GetSessionToken"):
            mfa_fault = self._check_mfa(form)
            if mfa_fault:
                return mfa_fault.status, _sts_error(mfa_fault, request_id), mfa_fault.code
        default = {"AssumeRole": 3600, "GetSessionToken": 43200, "GetFederationToken": 43200}[action]
        seconds = int(form.get("DurationSeconds") or default)
        creds = self._new_credentials(seconds)
        xml_creds = (
            f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId>"
            f"<SecretAccessKey>{escape(creds.secret_access_key)}</SecretAccessKey>"
            f"<SessionToken>{escape(creds.session_token)}</SessionToken>"
            f"<Expiration>{_iso(creds.expiration)}</Expiration></Credentials>"
        )
        if action == "AssumeRole":
            role_arn = form["RoleArn"]
            session_name = form["RoleSessionName"]
            prefix, _, resource = role_arn.partition(":role/")
            partition_account = prefix.removeprefix("arn:").split(":")
            partition, account = partition_account[0], partition_account[-1]
            role_name = resource.rsplit("/", 1)[-1]
            arn = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}"
            extra = (
                f"<AssumedRoleUser><AssumedRoleId>AROA{_random_id('', 17)}:{escape(session_name)}"
                f"</AssumedRoleId><Arn>{escape(arn)}</Arn></AssumedRoleUser>"
            )
            return 200, _sts_ok(action, xml_creds + extra, request_id), None
        if action == "GetFederationToken":
            name = form.get("Name", "federated")
            extra = (
                f"<FederatedUser><FederatedUserId>{self.account_id}:{escape(name)}</FederatedUserId>"
                f"<Arn>arn:aws:sts::{self.account_id}:federated-user/{escape(name)}</Arn></FederatedUser>"
                "<PackedPolicySize>6</PackedPolicySize>"
            )
            return 200, _sts_ok(action, xml_creds + extra, request_id), None
        return 200, _sts_ok(action, xml_creds, request_id), None


def _sts_ok(action: str, result: str, request_id: str) -> str:
    return (
        f'<{action}Response xmlns="{STS_NS}">\n  <{action}Result>{result}</{action}Result>\n'
        f"  <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\n"
        f"</{action}Response>\n"
    )


def _sts_error(fault: StsFault, request_id: str) -> str:
    return (
        f'<ErrorResponse xmlns="{STS_NS}">\n  <Error>\n    <Type>{escape(fault.type)}</Type>\n'
        f"    <Code>{escape(fault.code)}</Code>\n    <Message>{escape(fault.message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )


class _StsHandler(_Handler):
    def _handle(self, body: bytes) -> None:
        stub: StsFaultStub = self.server.stub  # type: ignore[attr-defined]
        form = first_values(body.decode("utf-8", "replace"))
        if self.command == "GET":
            form.update(self.path_and_query()[2])
        action: str | None = form.get("Action")
        headers = {k: v for k, v in self.headers.items()}
        rule = stub._pick_rule(action)
        if rule is not None and rule.fault is None:  # hang: recorded as it arrives, status 0 (no answer yet)
            stub._record(StsRequest(action, form, headers, 0, None))
            if stub._stopping.wait(rule.hang_seconds):
                self.close_connection = True
                return
            status, xml, _ = stub._success(action, form, str(uuid.uuid4()))
            with contextlib.suppress(OSError):
                self.send_body(status, xml.encode(), "text/xml", {})
            return
        request_id = str(uuid.uuid4())
        code: str | None
        if rule is not None and rule.fault is not None:
            status, xml, code = rule.fault.status, _sts_error(rule.fault, request_id), rule.fault.code
        else:
            status, xml, code = stub._success(action, form, request_id)
        stub._record(StsRequest(action, form, headers, status, code))
        with stub._lock:
            delivery, raw = stub._delivery, stub._raw_body
        payload, content_type = raw if raw is not None else (xml.encode(), "text/xml")
        with contextlib.suppress(OSError):
            if delivery is not None:
                _deliver(self, stub._stopping, delivery, status, payload, content_type)
            elif raw is not None:
                self.send_body(status, payload, content_type, {"x-amzn-RequestId": request_id})
            else:
                self.send_body(status, xml.encode(), "text/xml", {"x-amzn-RequestId": request_id})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def do_GET(self) -> None:
        self._handle(b"")


StsFaultStub.handler_class = _StsHandler


# --------------------------------------------------------------------------------------------
# AWS environment for a test
# --------------------------------------------------------------------------------------------

PRIMARY_ACCESS_KEY_ID = "AKIATRAYAPPTESTKEY01"
PRIMARY_SECRET_ACCESS_KEY = "trayappTestSecretKey00000000000000000000"


class AwsEnv:
    """The AWS side of a test's isolated HOME: credentials/config files and endpoint variables.

    Made by the ``aws_env`` fixture, which writes ``[default]`` with the primary IAM user's fake
    keys and points STS/IAM/Organizations at moto. Every variable is set through the test's
    monkeypatch, so it is undone after the test.
    """

    def __init__(self, home: Path, monkeypatch: Any, endpoint_url: str, region: str = "us-east-1") -> None:
        self.home = home
        self.monkeypatch = monkeypatch
        self.region = region
        self.endpoint_url = endpoint_url
        self.access_key_id = PRIMARY_ACCESS_KEY_ID
        self.secret_access_key = PRIMARY_SECRET_ACCESS_KEY
        self.config_file = Path(os.environ.get("AWS_CONFIG_FILE") or home / ".aws" / "config")
        self.credentials_file = Path(
            os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials"
        )
        monkeypatch.setenv("AWS_CONFIG_FILE", str(self.config_file))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(self.credentials_file))
        monkeypatch.setenv("AWS_DEFAULT_REGION", region)
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for var in (
            "AWS_REGION",
            "AWS_ENDPOINT_URL",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ):
            monkeypatch.delenv(var, raising=False)
        self.use_endpoint(endpoint_url)
        self.write_credentials("default")

    def use_endpoint(self, url: str, services: Iterable[str] = ("STS", "IAM", "ORGANIZATIONS")) -> None:
        """Point ``AWS_ENDPOINT_URL_<SERVICE>`` at ``url`` (default: STS, IAM and Organizations)."""
        for service in services:
            self.monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", url)

    def use_sts(self, url: str) -> None:
        """Send STS calls elsewhere (e.g. ``sts_stub.url`` or ``closed_url()``); IAM etc. stay on moto."""
        self.use_endpoint(url, ("STS",))

    def write_credentials(
        self,
        profile: str = "default",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
    ) -> None:
        """Add or replace ``[profile]`` in the credentials file (default: the primary user's keys)."""
        keys = {
            "aws_access_key_id": access_key_id or self.access_key_id,
            "aws_secret_access_key": secret_access_key or self.secret_access_key,
        }
        if session_token:
            keys["aws_session_token"] = session_token
        _write_ini_section(self.credentials_file, profile, keys)

    def write_config(self, profile: str = "default", **keys: str | int) -> None:
        """Add or replace a profile in the config file: ``write_config("dev", role_arn=..., source_profile="default")``.

        ``profile`` is the profile name; the section is written as ``[profile NAME]`` (``[default]``
        for the default profile). ``[sso-session X]`` style names are taken as they are.
        """
        section = profile if profile == "default" or " " in profile else f"profile {profile}"
        _write_ini_section(self.config_file, section, {k: str(v) for k, v in keys.items()})

    def subprocess_env(self) -> dict[str, str]:
        """This process's environment as it stands (HOME and AWS_* included), for a child process."""
        return dict(os.environ)


def _write_ini_section(path: Path, section: str, keys: dict[str, str]) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        parser.read(path)
    if parser.has_section(section):
        parser.remove_section(section)
    parser.add_section(section)
    for key, value in keys.items():
        parser.set(section, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        parser.write(handle)
    with contextlib.suppress(OSError):
        path.chmod(0o600)


# --------------------------------------------------------------------------------------------
# Recording STS stub (who signed what) and the IAM Identity Center portal stub
# --------------------------------------------------------------------------------------------


def signing_key(request: StsRequest) -> str | None:
    """The access key that signed a request (SigV4 ``Credential=KEY/...``), None for an unsigned one."""
    auth = request.headers.get("Authorization") or request.headers.get("authorization") or ""
    marker = "Credential="
    if marker not in auth:
        return None
    return auth.split(marker, 1)[1].split("/", 1)[0]


class RecordingStsStub(StsFaultStub):
    """The STS stub plus AssumeRoleWithWebIdentity (unsigned), for comparing callers with botocore."""

    def _success(
        self, action: str | None, form: dict[str, str], request_id: str
    ) -> tuple[int, str, str | None]:
        if action != "AssumeRoleWithWebIdentity":
            return super()._success(action, form, request_id)
        if not form.get("WebIdentityToken") or not form.get("RoleArn"):
            fault = StsFault(400, "ValidationError", "RoleArn and WebIdentityToken are required")
            return fault.status, _sts_error(fault, request_id), fault.code
        creds = self._new_credentials(int(form.get("DurationSeconds") or 3600))
        role = form["RoleArn"].rsplit("/", 1)[-1]
        account = form["RoleArn"].split(":")[4]
        name = form.get("RoleSessionName", "web")
        result = (
            f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId>"
            f"<SecretAccessKey>{escape(creds.secret_access_key)}</SecretAccessKey>"
            f"<SessionToken>{escape(creds.session_token)}</SessionToken>"
            f"<Expiration>{_iso(creds.expiration)}</Expiration></Credentials>"
            f"<SubjectFromWebIdentityToken>subject</SubjectFromWebIdentityToken>"
            f"<AssumedRoleUser><AssumedRoleId>AROAWEB:{escape(name)}</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{account}:assumed-role/{escape(role)}/{escape(name)}</Arn></AssumedRoleUser>"
        )
        return 200, _sts_ok(action, result, request_id), None


@dataclass(frozen=True)
class PortalRequest:
    """One request the IAM Identity Center portal stub received."""

    path: str
    query: dict[str, str]
    token: str | None  # the x-amz-sso_bearer_token header
    status: int


class SsoPortalStub(_RecordingServer[PortalRequest]):
    """The IAM Identity Center portal API (GetRoleCredentials, ListAccounts, ListAccountRoles) on loopback.

    ``accounts`` maps an account id to (name, [role names]); lists come ``page_size`` at a time
    with a ``nextToken``. Only ``token`` is accepted as the bearer token (401 otherwise).
    """

    def __init__(self, token: str, accounts: dict[str, tuple[str, list[str]]], page_size: int = 2) -> None:
        super().__init__()
        self.token = token
        self.accounts = accounts
        self.page_size = page_size
        self._issued: list[IssuedCredentials] = []

    @property
    def issued(self) -> list[IssuedCredentials]:
        with self._lock:
            return list(self._issued)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._issued.clear()

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], key: str) -> dict[str, Any]:
        start = int(query.get("next_token") or 0)
        size = min(int(query.get("max_result") or self.page_size), self.page_size)
        answer: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            answer["nextToken"] = str(start + size)
        return answer

    def answer(self, path: str, query: dict[str, str], token: str | None) -> tuple[int, dict[str, Any]]:
        if token != self.token:
            return 401, {"message": "Session token not found or invalid"}
        if path == "/assignment/accounts":
            items: list[dict[str, Any]] = [
                {"accountId": i, "accountName": name, "emailAddress": f"{i}@example.com"}
                for i, (name, _) in self.accounts.items()
            ]
            return 200, self._page(items, query, "accountList")
        if path == "/assignment/roles":
            roles = self.accounts.get(query.get("account_id", ""), ("", []))[1]
            items = [{"roleName": r, "accountId": query.get("account_id")} for r in roles]
            return 200, self._page(items, query, "roleList")
        if path == "/federation/credentials":
            account, role = query.get("account_id", ""), query.get("role_name", "")
            if role not in self.accounts.get(account, ("", []))[1]:
                return 403, {"message": "No access"}
            creds = IssuedCredentials(
                _random_id("ASIA"),
                secrets.token_urlsafe(30)[:40],
                "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(120),
                datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1),
            )
            with self._lock:
                self._issued.append(creds)
            role_credentials = {
                "accessKeyId": creds.access_key_id,
                "secretAccessKey": creds.secret_access_key,
                "sessionToken": creds.session_token,
                "expiration": int(creds.expiration.timestamp() * 1000),
            }
            return 200, {"roleCredentials": role_credentials}
        return 404, {"message": f"no such path {path}"}


class _PortalHandler(_Handler):
    def do_GET(self) -> None:
        stub: SsoPortalStub = self.server.stub  # type: ignore[attr-defined]
        path, _, query = self.path_and_query()
        token = self.headers.get("x-amz-sso_bearer_token")
        status, body = stub.answer(path, query, token)
        stub._record(PortalRequest(path, query, token, status))
        headers = {"x-amzn-ErrorType": "UnauthorizedException"} if status == 401 else {}
        with contextlib.suppress(OSError):
            self.send_body(status, json.dumps(body).encode(), "application/json", headers)


SsoPortalStub.handler_class = _PortalHandler


def write_sso_token(
    home: Path, cache_key_source: str, token: str, start_url: str, region: str, expires: datetime
) -> Path:
    """The token file ``aws sso login`` leaves: ~/.aws/sso/cache/<sha1 of the session name or start URL>.json."""
    import hashlib

    folder = home / ".aws" / "sso" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha1(cache_key_source.encode(), usedforsecurity=False).hexdigest()}.json"
    data = {
        "startUrl": start_url,
        "region": region,
        "accessToken": token,
        "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


class ContainerCredentialsStub(_LoopbackServer):
    """The ECS container credentials endpoint (``AWS_CONTAINER_CREDENTIALS_FULL_URI``) on loopback."""

    def __init__(self, access_key_id: str, secret_access_key: str) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.hits = 0


class _ContainerHandler(_Handler):
    def do_GET(self) -> None:
        stub: ContainerCredentialsStub = self.server.stub  # type: ignore[attr-defined]
        with stub._lock:
            stub.hits += 1
        body = {
            "AccessKeyId": stub.access_key_id,
            "SecretAccessKey": stub.secret_access_key,
            "Token": "container-session-token",
            "Expiration": _iso(datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)),
        }
        with contextlib.suppress(OSError):
            self.send_body(200, json.dumps(body).encode(), "application/json")


ContainerCredentialsStub.handler_class = _ContainerHandler
