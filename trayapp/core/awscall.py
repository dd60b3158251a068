"""One AWS API call, the way every trayapp call is made: throttling backed off, failures in one sentence."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from trayapp.core.errors import AwsError

T = TypeVar("T")
CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 10.0  # seconds, for every AWS call trayapp makes
DEADLINE_FACTOR = 2.0  # a whole exchange may take twice its connect and read timeouts together

THROTTLE_ATTEMPTS = 4  # the first call and three backed-off retries, for throttling only
THROTTLE_CODES = ("Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException")
BACKOFF_BASE = 0.5  # seconds before the first retry; doubled each time, with jitter

Refusal = Callable[[str, str, int], Exception]  # (error code, message, attempts made) -> what to raise


def client_for(service: str, session: Any, frozen: Any, region: str, timeouts: tuple[float, float]) -> Any:
    """A client of the botocore ``session`` with these keys and bounded timeouts that sends each request once."""
    from botocore.config import Config as BotoConfig

    return session.create_client(
        service,
        region_name=region,
        aws_access_key_id=frozen.access_key,
        aws_secret_access_key=frozen.secret_key,
        aws_session_token=frozen.token,
        config=BotoConfig(
            connect_timeout=timeouts[0],
            read_timeout=timeouts[1],
            retries={"mode": "standard", "total_max_attempts": 1},
        ),
    )


def call_aws(
    send: Callable[[], dict[str, Any]],
    client: Any,
    service: str,
    retry: bool,
    refuse: Refusal,
    where: str = "",
) -> dict[str, Any]:
    """Send one request; with ``retry``, throttling is retried with exponential backoff.

    Timeouts and other errors are never retried (a hung endpoint should fail once, not four
    times), and neither is anything when ``retry`` is false: a call carrying an MFA code must
    not be sent twice. ``refuse`` turns an AWS error into the exception to raise; a network
    failure becomes an AwsError, led by ``where`` when given.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    tries = THROTTLE_ATTEMPTS if retry else 1
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", service)
    for attempt in range(1, tries + 1):
        try:
            return within_deadline(send, deadline_for(client), f"{service} at {endpoint}")
        except ResponseParserError:
            # Its text holds the raw body, which may hold keys: say what happened, never what was sent.
            sentence = (
                f"{service} at {endpoint} sent an answer that cannot be read (cut off or not XML); try again"
            )
            raise AwsError(f"{where}: {sentence}" if where else sentence) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = str(error.get("Code", "")), str(error.get("Message", ""))
            if code in THROTTLE_CODES and attempt < tries:
                time.sleep(BACKOFF_BASE * 2 ** (attempt - 1) * (1 + random.random()))
                continue
            raise refuse(code, message, attempt) from None
        except BotoCoreError as exc:
            sentence = explain_network(exc, client, service)
            raise AwsError(f"{where}: {sentence}" if where else sentence) from None
    raise AssertionError("unreachable")


def explain_network(exc: Exception, client: Any, service: str) -> str:
    """A network failure in one sentence, naming the endpoint (never a request body)."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", service)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return f"{service} at {endpoint} did not answer in time; check your network and try again"
    if isinstance(exc, EndpointConnectionError) and _unresolved(exc):
        return f"no network connection: could not look up {service} at {endpoint}"
    if isinstance(exc, EndpointConnectionError):
        return f"could not connect to {service} at {endpoint}; check your network"
    return f"the request to {service} at {endpoint} failed ({type(exc).__name__})"


def _unresolved(exc: Exception) -> bool:
    """True when the host name could not be looked up (offline, or no DNS): socket.gaierror underneath."""
    import socket

    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror) or type(seen).__name__ == "NameResolutionError":
            return True
        seen = getattr(seen, "kwargs", {}).get("error") or seen.__cause__ or seen.__context__
    return False


class DeadlineError(AwsError):
    """An exchange did not finish within its overall deadline (trying the same endpoint again would wait as long)."""


def deadline_for(client: Any) -> float:
    """The overall time one exchange with ``client`` may take, from its own connect and read timeouts."""
    config = getattr(getattr(client, "meta", None), "config", None)
    connect = getattr(config, "connect_timeout", None)
    read = getattr(config, "read_timeout", None)
    if isinstance(connect, int | float) and isinstance(read, int | float):
        return DEADLINE_FACTOR * (connect + read)
    return 30.0


def within_deadline(work: Callable[[], T], seconds: float, what: str) -> T:
    """Run ``work`` with an overall deadline: a server that drips its answer cannot keep us waiting.

    Socket timeouts bound each read, not the whole answer. The work runs on a daemon thread;
    past the deadline it is abandoned (its connection ends with the process or the server) and
    an AwsError says what timed out.
    """
    outcome: list[Any] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name=f"trayapp-call: {what}", daemon=True).start()
    if not done.wait(seconds):
        raise DeadlineError(
            f"{what} did not finish answering within {seconds:g} s; check your network and try again"
        )
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value
