"""Login throttling: too many failures for one username or one address lock sign-in for a while.

Pure policy over timestamps; storage keeps the failures so every server process
sees the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20


@dataclass(frozen=True)
class Keys:
    username: str
    address: str

    @classmethod
    def of(cls, username: str, address: str | None) -> "Keys":
        return cls("user:" + username.strip().casefold(), "ip:" + (address or "unknown"))

    def all(self) -> list[str]:
        return [self.username, self.address]


def window_start(now: datetime) -> str:
    return (now - WINDOW).isoformat(timespec="seconds")


def is_locked(counts: dict[str, int], keys: Keys) -> bool:
    return counts.get(keys.username, 0) >= MAX_PER_USERNAME or counts.get(keys.address, 0) >= MAX_PER_ADDRESS
