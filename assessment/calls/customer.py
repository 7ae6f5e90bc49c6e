"""A suggested reading of the customer from the customer's own speech on the call.

Each cue of the caller-cue data (``questionnaires/caller/cues.toml``) that
``lexicon.toml`` knows how to hear is read from the customer's segments: pace and
interruptions from timing, the others from words for each pole (the pole with more
hits is heard; a tie, or no hit, is not). The cues heard go through the quick
identifier's own rule (``assessment.caller.read_caller``), so a call and the
identifier never disagree on how cues make a type. The mood is read apart (the mood
with the most hits) and never changes the type, as in the identifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..caller import read_caller
from .lexicon import LANG_PACE, CallLexicon
from .timing import interruptions, speaking_time, turns
from .transcript import Transcript

PACE_SD_FROM_REFERENCE = 0.5  # a customer's pace this many SDs above / below the reference is fast / measured
INTERRUPTS_HIGH = 2  # the customer's own interruptions that make "cuts in"
WAITS_TURNS = 3  # customer turns without one interruption that make "waits"
PACE_FROM_SECONDS = 10.0  # customer speaking time before their pace means anything


@dataclass(frozen=True)
class CustomerReading:
    reading: str | None  # a style id, or None when the cues heard do not settle both axes
    confidence: float
    cues: tuple[tuple[str, str], ...]  # (cue id, option id) heard, in cues.toml order
    mood: str | None = None  # a mood id from cues.toml, read apart

    def as_dict(self) -> dict:
        return {
            "reading": self.reading,
            "confidence": self.confidence,
            "cues": [{"cue": cue, "option": option} for cue, option in self.cues],
            "mood": self.mood,
        }


def _pole_by_measure(measure: str, t: Transcript, lexicon: CallLexicon) -> str | None:
    segs = t.segments
    if not t.timed:
        return None
    if measure == "pace":
        seconds = speaking_time(segs, "customer")
        norm = lexicon.reference.figures.get(LANG_PACE[t.lang]) if lexicon.reference else None
        if seconds < PACE_FROM_SECONDS or norm is None:
            return None
        language = lexicon.language(t.lang)
        pace = sum(language.units(s.text) for s in segs if s.speaker == "customer") / (seconds / 60)
        if pace >= norm.mean + PACE_SD_FROM_REFERENCE * norm.sd:
            return "high"
        if pace <= norm.mean - PACE_SD_FROM_REFERENCE * norm.sd:
            return "low"
        return None
    if t.ends_estimated:  # interruptions need real ends
        return None
    count = interruptions(segs, by="customer")
    if count >= INTERRUPTS_HIGH:
        return "high"
    customer_turns = sum(side == "customer" for side, _a, _b in turns(segs))
    return "low" if count == 0 and customer_turns >= WAITS_TURNS else None


def customer_reading(t: Transcript, lexicon: CallLexicon) -> CustomerReading:
    said = "\n".join(s.text for s in t.segments if s.speaker == "customer")
    if not said:
        return CustomerReading(None, 0.0, ())
    chosen: dict[str, str] = {}
    for cue_words in lexicon.customer_cues:
        if cue_words.measure:
            pole = _pole_by_measure(cue_words.measure, t, lexicon)
        else:
            high, low = cue_words.high[t.lang].count(said), cue_words.low[t.lang].count(said)
            pole = "high" if high > low else "low" if low > high else None
        if pole is not None:
            cue = lexicon.caller.cue_by_id[cue_words.cue]
            chosen[cue.id] = next(o.id for o in cue.options if o.pole == pole)
    counts = {mood: words[t.lang].count(said) for mood, words in lexicon.moods.items()}
    mood = max(counts, key=counts.get) if counts and max(counts.values()) > 0 else None
    read = read_caller(lexicon.caller, chosen, mood=mood)
    order = [c.id for c in lexicon.caller.cues]
    cues = tuple(sorted(chosen.items(), key=lambda kv: order.index(kv[0])))
    return CustomerReading(read["customer_type"], read["confidence"], cues, mood)
