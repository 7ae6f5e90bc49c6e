"""Sign-in throttling: slow a password guesser down without letting one person lock a
whole centre out.

Failures are counted per (username, address) pair. The first FREE_FAILURES of a pair
in WINDOW cost nothing; after that each further failure makes the pair wait, doubling
from BACKOFF_START up to WINDOW. Colleagues behind the same address (one NAT for the
whole centre) are never touched by someone failing for other usernames, and the same
username from another address is not either. Against guessing spread over many
addresses, a username with MAX_PER_USERNAME failures in WINDOW waits out the window
wherever the attempt comes from.

While a pair waits, even the right password is refused from it: an answer that
differed for the right password would tell a guesser they had found it.

Pure policy over counts and timestamps; storage keeps the failures, so every server
process sees the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5  # per (username, address) in WINDOW before any wait
BACKOFF_START = timedelta(minutes=1)  # the first wait; doubles with each further failure
MAX_PER_USERNAME = 50  # from every address together, in WINDOW: then the username waits


@dataclass(frozen=True)
class Keys:
    username: str
    pair: str

    @classmethod
    def of(cls, username: str, address: str | None) -> "Keys":
        user = username.strip().casefold()
        return cls("user:" + user, f"pair:{user}@{address or 'unknown'}")

    def all(self) -> list[str]:
        return [self.username, self.pair]


def window_start(now: datetime) -> str:
    return (now - WINDOW).isoformat(timespec="seconds")


def backoff(failures: int) -> timedelta:
    """How long a pair waits after its latest failure, with this many failures in WINDOW."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(WINDOW, BACKOFF_START * 2 ** (failures - FREE_FAILURES))


def wait(counts: dict[str, int], keys: Keys, last_pair_failure: datetime | None, now: datetime) -> timedelta:
    """How long these keys must still wait before an attempt counts (zero: go ahead)."""
    if counts.get(keys.username, 0) >= MAX_PER_USERNAME:
        return WINDOW
    failures = counts.get(keys.pair, 0)
    if failures < FREE_FAILURES or last_pair_failure is None:
        return timedelta(0)
    return max(timedelta(0), last_pair_failure + backoff(failures) - now)


# --- joining by code ------------------------------------------------------------------
# A wrong invite code costs a guesser a try: MAX_WRONG_CODES per address in CODE_WINDOW,
# then every code lookup from that address waits (429 with Retry-After) until the
# oldest counted failure leaves the window. A class typing a code has room for typos.

CODE_WINDOW = timedelta(minutes=15)
MAX_WRONG_CODES = 30


def code_key(address: str | None) -> str:
    return f"code:{address or 'unknown'}"


def code_wait(wrong: int, oldest: datetime | None, now: datetime) -> timedelta:
    """How long an address must wait before it may look a code up again (zero: go ahead)."""
    if wrong < MAX_WRONG_CODES or oldest is None:
        return timedelta(0)
    return max(timedelta(seconds=1), oldest + CODE_WINDOW - now)
