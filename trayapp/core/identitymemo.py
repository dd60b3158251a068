"""Who a key belongs to (GetCallerIdentity's ARN), remembered for a day, so a cold AssumeRole needs one call."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trayapp.core.clock import Clock, utc_now
from trayapp.core.files import atomic_write, ensure_private_dir

log = logging.getLogger(__name__)

KEEP = timedelta(days=1)  # a renamed IAM user shows its new name in role sessions the next day at the latest
FILE = "identities.json"


class IdentityMemo:
    """ARN per access key (hashed: the file holds no key) in the cache folder; None folder: this process only."""

    def __init__(self, folder: Path | None, clock: Clock = utc_now):
        self.path = folder / FILE if folder else None
        self.clock = clock
        self.memory: dict[str, tuple[str, str]] = {}

    @staticmethod
    def _id(access_key: str) -> str:
        return hashlib.sha256(access_key.encode()).hexdigest()[:32]

    def get(self, access_key: str) -> tuple[str, str] | None:
        """(ARN, account id) while fresh, else None."""
        entry = self.memory.get(self._id(access_key)) or self._load().get(self._id(access_key))
        return entry if entry else None

    def put(self, access_key: str, arn: str, account_id: str) -> None:
        key = self._id(access_key)
        self.memory[key] = (arn, account_id)
        if self.path is None:
            return
        now = self.clock()
        data = {k: v for k, v in self._raw().items() if _until(v) > now}
        data[key] = {"arn": arn, "account": account_id, "until": (now + KEEP).isoformat()}
        try:
            ensure_private_dir(self.path.parent)
            atomic_write(self.path, json.dumps(data), mode=0o600)
        except OSError as exc:
            log.debug("could not remember the identity: %s", type(exc).__name__)

    def _raw(self) -> dict[str, dict[str, str]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}

    def _load(self) -> dict[str, tuple[str, str]]:
        now = self.clock()
        return {
            k: (str(v.get("arn", "")), str(v.get("account", "")))
            for k, v in self._raw().items()
            if _until(v) > now and v.get("arn") and v.get("account")
        }


def _until(entry: dict[str, str]) -> datetime:
    """When an entry stops counting; a bad or zone-less time counts as long past."""
    try:
        moment = datetime.fromisoformat(str(entry.get("until", "")))
    except ValueError:
        moment = None
    return moment if moment and moment.tzinfo else datetime.min.replace(tzinfo=UTC)
