"""What trayapp remembers between runs: the active account, recents, what it put on the clipboard."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

from trayapp.core.cache import parse_expiration
from trayapp.core.files import atomic_write, ensure_private_dir

RECENT_LIMIT = 5


@dataclass(frozen=True)
class State:
    """Plain data, no secrets: names, times and a clipboard fingerprint."""

    active: str | None = None
    active_until: str | None = None  # RFC 3339 UTC; None when the console session's end is unknown
    recent: tuple[str, ...] = ()
    clipboard: str | None = None  # sha256 of credentials trayapp copied, to clear them only if still there

    def activate(self, account: str, until: str | None) -> State:
        recent = (account, *[n for n in self.recent if n != account])[:RECENT_LIMIT]
        return replace(self, active=account, active_until=until, recent=recent)

    def back_to_primary(self) -> State:
        return replace(self, active=None, active_until=None, clipboard=None)

    def active_at(self, now: datetime) -> str | None:
        """The active account, or None once its session has ended."""
        if self.active and self.active_until and parse_expiration(self.active_until) <= now:
            return None
        return self.active


@dataclass
class StateStore:
    """``<user state dir>/trayapp/state.json``, written atomically; a bad file reads as empty."""

    path: Path
    cached: State = field(default_factory=State)

    @classmethod
    def default(cls) -> StateStore:
        import platformdirs

        return cls(Path(platformdirs.user_state_dir("trayapp", appauthor=False)) / "state.json")

    def load(self) -> State:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.cached = State(
                active=data.get("active"),
                active_until=data.get("active_until"),
                recent=tuple(str(n) for n in data.get("recent", []))[:RECENT_LIMIT],
                clipboard=data.get("clipboard"),
            )
        except (OSError, ValueError, TypeError, AttributeError):
            self.cached = State()
        return self.cached

    def save(self, state: State) -> State:
        ensure_private_dir(self.path.parent)
        atomic_write(self.path, json.dumps({**asdict(state), "recent": list(state.recent)}, indent=1))
        self.cached = state
        return state
