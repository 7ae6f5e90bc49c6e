"""Who spoke when: turns, overlaps, gaps. The arithmetic behind the timing figures.

Pure Python. Every function takes segments in start order (as ``parse`` returns a
timed transcript); the definitions are those of ``metrics``' docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from .lexicon import cjk_count, word_count
from .transcript import Segment, Transcript

INTERRUPT_LEAD_S = 1.0
INTERRUPT_MIN_CJK = 4
INTERRUPT_MIN_WORDS = 2
SILENCE_S = 3.0


def turns(segments: tuple[Segment, ...]) -> list[tuple[str, int, int]]:
    """(side, first index, last index) of each run of one side's consecutive segments."""
    out: list[tuple[str, int, int]] = []
    for i, seg in enumerate(segments):
        if out and out[-1][0] == seg.speaker:
            out[-1] = (seg.speaker, out[-1][1], i)
        else:
            out.append((seg.speaker, i, i))
    return out


def holds_words(text: str) -> bool:
    """More than a back-channel: at least 4 CJK characters or 2 English words."""
    return cjk_count(text) >= INTERRUPT_MIN_CJK or word_count(text) >= INTERRUPT_MIN_WORDS


def interruptions(segments: tuple[Segment, ...], by: str = "agent") -> int:
    """Segments of side ``by`` that start at least 1.0 s before the end of a segment of the
    other side that started earlier, and hold more than a back-channel."""
    count = 0
    latest_other_end: float | None = None  # over the other side's segments that started strictly earlier
    pending: list[float] = []  # ends of the other side's segments starting at the current time
    at = None
    for seg in segments:
        if seg.start != at:
            if pending:
                latest_other_end = max(pending + ([latest_other_end] if latest_other_end is not None else []))
            pending, at = [], seg.start
        if seg.speaker != by:
            pending.append(seg.end)
        elif latest_other_end is not None and latest_other_end - seg.start >= INTERRUPT_LEAD_S and holds_words(seg.text):
            count += 1
    return count


def silences(segments: tuple[Segment, ...]) -> tuple[int, float]:
    """(count, longest) of gaps of 3.0 s or more after the latest end so far; longest 0 when none."""
    count, longest, latest_end = 0, 0.0, segments[0].end
    for seg in segments[1:]:
        gap = seg.start - latest_end
        if gap >= SILENCE_S:
            count += 1
            longest = max(longest, gap)
        latest_end = max(latest_end, seg.end)
    return count, longest


def response_gap(segments: tuple[Segment, ...]) -> float | None:
    """Mean over customer turns followed by an agent turn of max(0, agent start - customer end)."""
    runs = turns(segments)
    gaps = [max(0.0, segments[a2].start - segments[b1].end)
            for (side1, _a1, b1), (side2, a2, _b2) in zip(runs, runs[1:])
            if side1 == "customer" and side2 == "agent"]
    return fmean(gaps) if gaps else None


def speaking_time(segments: tuple[Segment, ...], side: str) -> float:
    return sum(s.duration for s in segments if s.speaker == side)


@dataclass(frozen=True)
class Timing:
    talk_share: float | None = None
    pace: float | None = None
    longest_monologue_s: float | None = None
    interruptions: int | None = None
    silences: int | None = None
    longest_silence_s: float | None = None
    response_gap_s: float | None = None
    call_seconds: float | None = None


def timing_figures(t: Transcript, units: list[int]) -> Timing:
    """The timing figures of a call; ``units`` is each segment's CJK characters (zh) or words (en).

    All null for an untimed call; gaps and overlaps null when only starts were given."""
    if not t.timed:
        return Timing()
    segs = t.segments
    agent_time, customer_time = speaking_time(segs, "agent"), speaking_time(segs, "customer")
    spoken = agent_time + customer_time
    agent_units = sum(n for s, n in zip(segs, units) if s.speaker == "agent")
    agent_turns = [(a, b) for side, a, b in turns(segs) if side == "agent"]
    figures = dict(
        talk_share=round(agent_time / spoken, 3) if spoken > 0 else None,
        pace=round(agent_units / (agent_time / 60), 1) if agent_time > 0 else None,
        longest_monologue_s=round(max(segs[b].end - segs[a].start for a, b in agent_turns), 2),
        call_seconds=round(max(s.end for s in segs) - segs[0].start, 2),
    )
    if t.ends_estimated:
        return Timing(**figures)
    count, longest = silences(segs)
    gap = response_gap(segs)
    return Timing(**figures, interruptions=interruptions(segs), silences=count, longest_silence_s=round(longest, 2),
                  response_gap_s=None if gap is None else round(gap, 2))
