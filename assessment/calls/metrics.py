"""The figures of one call, and what the agent said that QC would mark.

Pure Python (no Flask). Definitions (the README's "Calls as evidence" repeats them):

* Speaking time of a side is the sum of its segments' ``end - start``. A *turn* is a
  run of consecutive segments (in start order) of one side.
* ``talk_share``: agent speaking time / (agent + customer speaking time); 1.0 for a
  call with no customer speech.
* ``pace``: Chinese: CJK characters per minute of agent speaking time; English: words
  per minute (``pace_unit`` says which).
* ``longest_monologue_s``: the longest agent turn, from its first segment's start to
  its last segment's end.
* ``interruptions``: agent segments that start at least 1.0 s before the end of a
  customer segment that started earlier and hold at least 4 CJK characters or 2
  English words (嗯 / 好的 / "okay" back-channels do not count).
* ``silences`` / ``longest_silence_s``: gaps of at least 3.0 s between the latest end
  of everything said so far and the next segment's start (not before the first or
  after the last segment); the longest is 0 when there is none.
* ``response_gap_s``: the mean, over customer turns followed by an agent turn, of
  max(0, agent turn start - customer turn end); null when there is no such pair.
* ``questions`` = ``open_questions`` + ``closed_questions``: agent segments that ask
  something (``lexicon.Language.question``); open when the question asks what / why /
  how / which.
* ``empathy``: agent segments that acknowledge, apologise, validate, reassure, take
  ownership or say the customer's point back, by families of wording
  (``lexicon.toml``); an empathy phrase followed by 但是 / but in the same segment does
  not count (QC marks it down).
* ``banned``: each banned phrase the agent said (once per phrase and segment), with
  the standard wording to say instead.

Timing figures (talk share, pace, monologue, interruptions, silences, response gap)
are null for an untimed transcript; gaps and overlaps (interruptions, silences,
response gap) are null too when only starts were given (``Transcript.ends_estimated``).

The observed style also reads, per call: agent segments, feeling words, exclamations,
small talk and plain segments (agent segments with none of empathy, feeling words,
exclamations or small talk: purely factual speech).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from .customer import CustomerReading, customer_reading  # noqa: F401 (re-exported)
from .lexicon import CallLexicon
from .timing import timing_figures
from .transcript import Transcript

PACE_UNITS = {"zh": "chars/min", "en": "words/min"}

API_FIGURES = (
    "talk_share", "pace", "pace_unit", "longest_monologue_s", "interruptions", "silences",
    "longest_silence_s", "response_gap_s", "questions", "open_questions", "closed_questions",
    "empathy", "banned",
)


@dataclass(frozen=True)
class Metrics:
    talk_share: float | None
    pace: float | None
    pace_unit: str
    longest_monologue_s: float | None
    interruptions: int | None
    silences: int | None
    longest_silence_s: float | None
    response_gap_s: float | None
    questions: int
    open_questions: int
    closed_questions: int
    empathy: int
    banned: int
    # What the observed style reads besides the figures above.
    lang: str = "zh"
    timed: bool = False
    agent_segments: int = 0
    call_seconds: float | None = None
    feeling_words: int = 0
    exclamations: int = 0
    small_talk: int = 0
    plain_segments: int = 0

    def as_dict(self) -> dict:
        """The API's ``metrics`` object: exactly its 13 keys."""
        return {key: getattr(self, key) for key in API_FIGURES}

    def as_record(self) -> dict:
        """Every field, to store and to rebuild with ``from_record``."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Metrics:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in dict(record).items() if k in names})


@dataclass(frozen=True)
class Finding:
    kind: str  # "banned" | "empathy" | "question"
    segment: int  # index into Transcript.segments
    text: str  # the words as said
    instead: str | None = None  # banned: the standard wording to say instead
    label: str | None = None  # banned: the listed phrase; empathy: its family; question: "open" | "closed"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "segment": self.segment, "text": self.text, "instead": self.instead}


@dataclass(frozen=True)
class CallAnalysis:
    metrics: Metrics
    findings: tuple[Finding, ...]
    customer: CustomerReading

    def as_dict(self) -> dict:
        return {
            "metrics": self.metrics.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "customer": self.customer.as_dict(),
        }


# --- the whole call -----------------------------------------------------------------------


def analyse(transcript: Transcript, lexicon: CallLexicon) -> CallAnalysis:
    """Figures, findings and the customer reading of one parsed call."""
    lang = transcript.lang
    language = lexicon.language(lang)
    timing = timing_figures(transcript, [language.units(s.text) for s in transcript.segments])
    # An ASR that writes no question mark anywhere: questions are read from their wording alone.
    punctuated = any("?" in s.text or "？" in s.text for s in transcript.segments)

    findings: list[Finding] = []
    questions = open_q = empathy = feeling = exclaims = small = plain = agent_segments = 0
    for i, seg in enumerate(transcript.segments):
        if seg.speaker != "agent":
            continue
        agent_segments += 1
        asked = language.question(seg.text, punctuated)
        if asked is not None:
            questions += 1
            open_q += asked.open
            findings.append(Finding("question", i, asked.text, None, "open" if asked.open else "closed"))
        warm = language.empathy(seg.text)
        if warm is not None:
            empathy += 1
            findings.append(Finding("empathy", i, warm.text, None, warm.family))
        for hit in lexicon.banned_in(seg.text, lang):
            findings.append(Finding("banned", i, hit.text, hit.instead, hit.phrase))
        feelings = language.feeling_words(seg.text)
        exclaimed = language.exclaims(seg.text)
        chatted = language.small_talk(seg.text)
        feeling += feelings
        exclaims += exclaimed
        small += chatted
        plain += not (warm or feelings or exclaimed or chatted)

    metrics = Metrics(
        talk_share=timing.talk_share, pace=timing.pace, pace_unit=PACE_UNITS[lang],
        longest_monologue_s=timing.longest_monologue_s, interruptions=timing.interruptions,
        silences=timing.silences, longest_silence_s=timing.longest_silence_s,
        response_gap_s=timing.response_gap_s, questions=questions, open_questions=open_q,
        closed_questions=questions - open_q, empathy=empathy,
        banned=sum(f.kind == "banned" for f in findings),
        lang=lang, timed=transcript.timed, agent_segments=agent_segments, call_seconds=timing.call_seconds,
        feeling_words=feeling, exclamations=exclaims, small_talk=small, plain_segments=plain,
    )
    order = {"banned": 0, "empathy": 1, "question": 2}
    findings.sort(key=lambda f: (f.segment, order[f.kind]))
    return CallAnalysis(metrics, tuple(findings), customer_reading(transcript, lexicon))
