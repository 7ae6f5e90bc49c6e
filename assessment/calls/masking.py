"""Personal numbers out of call text before anything keeps it.

Callers read out mobile numbers (11 digits), ID numbers (17 digits and a check digit
or X) and bank-card numbers (16-19 digits); mainland rules treat ID and card numbers
as sensitive personal information. ``mask`` keeps only the last 4 characters of each,
as QC reads them back (``*******5678``).

What counts as one number: a run of digits, where a single space or dash between
digits does not break the run (``138 1234 5678``, ``6222-0212-3456-7890``), full-width
digits (０-９) and the digits an ASR writes in Chinese (幺三八一二...) count as digits,
and a final X closes an ID number. Every run of **11 or more** digits is masked, not
only the three exact lengths: an ASR that glues a mobile to the next number, or a
caller who reads an ID then a card in one breath, would otherwise let the digits
through. A long order number loses all but its last 4 digits too, which is all QC
reads back. Runs under 11 digits (amounts, dates, times, 10086) stay as they are.
"""

from __future__ import annotations

import re

# Digits as ASR and people write them: ASCII, full-width, Chinese numerals read out one by one.
_DIGIT = "0-9\uff10-\uff19零〇一二三四五六七八九幺"
_SEPARATOR = r"[ \-\u3000\u2010-\u2015]"
MASK_FROM = 11  # digits in a run: a mainland mobile number is the shortest thing masked
KEEP = 4

_RUN = re.compile(rf"[{_DIGIT}](?:{_SEPARATOR}?[{_DIGIT}])*(?:[Xx](?![A-Za-z]))?")
_NOT_DIGIT = re.compile(rf"[^{_DIGIT}Xx]")


def _masked(match: re.Match) -> str:
    run = match.group()
    digits = _NOT_DIGIT.sub("", run)
    if len(digits) < MASK_FROM:
        return run
    return "*" * (len(digits) - KEEP) + digits[-KEEP:]


def mask(text: str) -> str:
    """The text with every long number cut to its last 4 digits (see the module docstring)."""
    return _RUN.sub(_masked, text)
