"""Calls as evidence: read a call transcript, measure how the agent talks, place it on the map.

Pure Python (no Flask). The web, API and CLI layers call only the names below.

Reading a transcript (``transcript.py``, ``masking.py``)::

    decode(raw: bytes | str) -> str              UTF-8 (BOM ok), UTF-16 with a BOM, else GB18030/GBK; else TranscriptError
    mask(text) -> str                            11+ digit runs (mobile, ID, card) -> last 4 kept: *******5678
    FORMATS = ("text", "vtt", "srt", "json", "whisperx", "sentences")
    speaker_labels(raw, format=None) -> (format, labels)   labels or channels found, for the upload picker
    parse(raw, format=None, agent_speaker=None, lang=None) -> Transcript
    content_key(raw) -> str                      sha256 hex of the decoded text, newlines normalised
    TranscriptError(ValueError)                  .where ("line 4", "cue 2", "segment 3" (1-based),
                                                 "transcript", "format", "agent_speaker", "lang"),
                                                 .problem; str(e) == f"{where}: {problem}"
    SpeakerNeeded(TranscriptError)               .labels: tuple[str, ...]; where == "agent_speaker"
    Segment(speaker, start, end, text)           speaker "agent" | "customer"; times in s or None; masked text;
                                                 .as_dict() -> {speaker, start, end, text}
    Transcript(format, lang, timed, segments, ends_estimated=False)
                                                 segments in start order (file order when untimed);
                                                 ends_estimated: plain text with start times only
    Speakers: side words (坐席/客服/Agent..., 客户/用户/Customer/Caller...) name a side;
    any other labels or channels need agent_speaker (every other label is the customer).

Measuring a call (``lexicon.py``, ``metrics.py``, ``timing.py``, ``customer.py``)::

    load_call_lexicon(questionnaires_dir, caller_content) -> CallLexicon
        reads questionnaires/caller/banned.toml, questionnaires/calls/lexicon.toml and
        questionnaires/calls/reference.toml (+ the phrase bank's replacements and empathy
        lines from caller_content); QuestionnaireError "<file>: <entry>: <problem>".
        Patterns are built on first use (loading takes milliseconds); .compiled() builds
        them all now. .reference: the data file's Reference. .banned_in(text, lang).
    analyse(transcript, lexicon) -> CallAnalysis(metrics, findings, customer); .as_dict()
    Metrics: the 13 API figures (talk_share, pace, pace_unit, longest_monologue_s,
        interruptions, silences, longest_silence_s, response_gap_s, questions,
        open_questions, closed_questions, empathy, banned; timing ones None when untimed)
        + what the observed style reads (lang, timed, agent_segments, call_seconds,
        feeling_words, exclamations, small_talk, plain_segments)
        .as_dict() -> exactly the 13 API keys (API_FIGURES); .as_record() -> every field
        (store it); Metrics.from_record(dict) -> Metrics (unknown keys ignored)
    Finding(kind "banned"|"empathy"|"question", segment (0-based index into segments),
        text (the words as said), instead (banned: the standard wording) | None,
        label: banned -> the listed phrase, empathy -> the family, question -> "open"|"closed")
        .as_dict() -> {kind, segment, text, instead}
    CustomerReading(reading (a style id or None), confidence (0-1, the identifier's rule),
        cues ((cue id, option id), ...), mood (a mood id or None, read apart))
        .as_dict() -> {reading, confidence, cues: [{cue, option}], mood}

Placing the agent (``observed.py``)::

    MIN_CALLS = 5
    observe(metrics: Sequence[Metrics], reference: Reference) -> Observed(calls, timed_calls,
        needed, axes {"assertiveness", "responsiveness"} 0-100 | None, style | None, z);
        .as_dict() -> {calls, timed_calls, needed, axes, style}
    reference_from(metrics, base: Reference) -> Reference | None
        the centre's own from 200 timed calls (figures with too few calls, and the
        weights, from base), else None: use lexicon.reference
    team_figures(per_member: Mapping[agent_id, Sequence[Metrics]], banned=()) -> TeamFigures
        .as_dict() -> {members: [{agent_id, calls, metrics: {figure: mean | None}}],
        metrics: {figure: {n, mean, sd, cv}} (sd: sample SD over members' means, None
        below 2), banned: [{phrase, instead, count}] (the 10 most frequent), pace_unit}
        banned: the team's banned Findings (or mappings with label/text and instead)

Generating realistic calls (``sample.py``) for tests, demo and benchmarks::

    sample_call(seed, minutes=1.0, segments=None, lang="zh", style=None, format="json",
        timed=True) -> str      any import format; style shapes how the agent talks;
        callers read out phone, ID and card numbers (parse masks them)
    sample_segments(...) -> list[dict]; render(segments, format, lang, timed) -> str
    AGENT_LABEL[format]         the agent_speaker for "whisperx" and "sentences"
"""

from .lexicon import CallLexicon, load_call_lexicon
from .masking import mask
from .metrics import API_FIGURES, CallAnalysis, CustomerReading, Finding, Metrics, analyse
from .observed import MIN_CALLS, Observed, Reference, TeamFigures, observe, reference_from, team_figures
from .transcript import (
    FORMATS, Segment, SpeakerNeeded, Transcript, TranscriptError, content_key, decode, parse, speaker_labels,
)

__all__ = [
    "API_FIGURES", "CallAnalysis", "CallLexicon", "CustomerReading", "FORMATS", "Finding", "MIN_CALLS", "Metrics",
    "Observed", "Reference", "Segment", "SpeakerNeeded", "TeamFigures", "Transcript", "TranscriptError", "analyse",
    "content_key", "decode", "load_call_lexicon", "mask", "observe", "parse", "reference_from", "speaker_labels",
    "team_figures",
]
