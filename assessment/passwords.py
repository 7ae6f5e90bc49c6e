"""Passwords a guesser tries first, refused with the reason. Pure: no Flask.

Length (12 to 128) is checked by the forms; this catches what is long enough and still
weak: a password from the list of common ones (``common_passwords.txt``, the long ones
that lead published breach lists, and the words they are built from), one of those
words with only digits or symbols around it (``Password2024!``), one character or a
short unit repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``), a run along the alphabet, the
digits or a keyboard row (``123456789012``, ``qwertyuiopas``), or the username itself.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

LIST_FILE = Path(__file__).with_name("common_passwords.txt")
REASONS = ("common", "common_word", "repetitive", "sequence", "username")
RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn",
        "1q2w3e4r5t6y7u8i9o0p", "zaq12wsxcde34rfvbgt56yhn")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = LIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _repetitive(text: str) -> bool:
    if len(set(text)) <= 3:
        return True
    for unit in range(1, 5):
        if len(text) >= 2 * unit and (text[:unit] * (len(text) // unit + 1)).startswith(text):
            return True
    return False


def _sequence(text: str) -> bool:
    """Along one run (either way), possibly starting over: abcdef…, 987654…, qwerty…"""
    for run in RUNS:
        for line in (run * 3, run[::-1] * 3):
            if text in line:
                return True
    return False


def weakness(password: str, username: str = "") -> str | None:
    """The reason (one of REASONS) this password is refused, or None when it is fine."""
    text = _fold(password)
    if text in common_passwords():
        return "common"
    core = _EDGES.sub("", text)
    if core in common_passwords():
        return "common_word"
    compact = re.sub(r"[\s\W_]+", "", text)
    if _repetitive(text) or (compact and _repetitive(compact)):
        return "repetitive"
    if _sequence(text) or (compact and _sequence(compact)):
        return "sequence"
    name = _fold(username).strip()
    if len(name) >= 3 and name in text:
        return "username"
    return None


MESSAGES = {
    "common": "it is on the list of the most common passwords, the first a guesser tries",
    "common_word": "it is a common password with only digits or symbols added, which guessers try early",
    "repetitive": "it repeats one character or a short pattern",
    "sequence": "it is a run of letters, digits or keyboard keys (like 123456 or qwerty)",
    "username": "it contains the username",
}
