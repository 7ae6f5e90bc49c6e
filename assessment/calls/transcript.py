"""A call transcript, in whatever shape the centre's system exports it, read into segments.

Pure Python (no Flask). ``parse`` detects the format from the content (a ``format``
argument may force one), decodes UTF-8, UTF-16 (with a BOM) or GB18030/GBK, masks personal numbers in
every segment's text (``masking.mask``) and returns a ``Transcript`` whose segments
say ``agent`` or ``customer``. Anything it cannot read raises ``TranscriptError``
naming where (``line 4``, ``cue 2``, ``segment 3``, counted from 1 as a person
counts them, or ``transcript``, ``format``, ``agent_speaker``, ``lang`` for the
fields of an upload) and the problem; nothing user-supplied is echoed unmasked.

Formats (``FORMATS``):

* ``text``: one turn a line, ``坐席：`` / ``客服：`` / ``Agent:`` for the agent and
  ``客户：`` / ``用户：`` / ``Customer:`` / ``Caller:`` for the customer (a label may go on,
  as in ``客服小王：``), full-width or ASCII colon, optionally after a ``[mm:ss]`` or
  ``[hh:mm:ss]`` timestamp (or one without brackets, followed by a space). A line without a label continues the turn above. Other
  labels (``说话人1：``, ``Speaker 2:``) are speaker labels, see below. Timestamps give
  only starts: a line runs until the next one starts (the last one for as long as its
  words take at the reference pace), so gaps and overlaps cannot be seen and the
  figures that need them come out null (``Transcript.ends_estimated``).
* ``vtt``: WebVTT with voice tags (``<v 坐席>``, ``<v Agent>``) or a label at the start
  of the cue text; a cue with two voices is shared between them by length of text.
* ``srt``: SubRip whose cue text starts with a label (``坐席：``).
* ``json``: Zhiji's own ``{"segments": [{"speaker": "agent"|"customer", "start": s,
  "end": s, "text": str}]}`` (start and end may both be null for an untimed call).
* ``whisperx``: ``{"segments": [{"start", "end", "text", "speaker": "SPEAKER_00"}]}``.
* ``sentences``: an ASR vendor's ``{"sentences": [{"beginTime": ms, "endTime": ms,
  "channelId": int, "text": str}]}`` (key case ignored; may sit under ``result``).

Speaker labels and channels: when the speakers are not named as a side, the
caller must say which label is the agent (``agent_speaker``); every other label is
then the customer (diarisation often splits one caller into two labels). Without
it ``SpeakerNeeded`` lists the labels found (``speaker_labels`` gives them to an
upload form first). When every label names a side, ``agent_speaker`` is not needed
and not used. A side word and an unknown label in one transcript, without
``agent_speaker``, is an error naming the first segment whose speaker is neither side.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable

import srt
import webvtt
from webvtt.errors import MalformedFileError

from .masking import mask

FORMATS = ("text", "vtt", "srt", "json", "whisperx", "sentences")
LANGS = ("zh", "en")
SIDES = ("agent", "customer")

# Words a transcript uses for each side (matched at the start of a label, case ignored;
# the agent's first, so "Customer Service" is the agent).
AGENT_WORDS = ("坐席", "座席", "客服", "话务员", "customer service", "agent", "rep", "csr", "advisor", "operator")
CUSTOMER_WORDS = ("客户", "用户", "顾客", "来电人", "来电者", "customer", "caller", "client", "user")

# A line that starts with a label: an optional timestamp, a label of at most 20
# characters without punctuation, then a full-width or ASCII colon.
_STAMP = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:[.,]\d{1,3})?"
# [00:05] or 【00:05】, or a bare 00:05 followed by a space.
_TIMESTAMP = rf"(?:[\[【]\s*(?P<ts>{_STAMP})\s*[\]】]|(?P<bare>{_STAMP})(?=\s))"
_LINE = re.compile(rf"^\s*(?:{_TIMESTAMP})?\s*(?:(?P<label>[^\s:：\[\]【】,，。.!！?？\"“”()（）][^:：\[\]【】,，。!！?？\"“”]{{0,19}}?)\s*[:：])?\s*(?P<text>.*)$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+")
# Seconds per CJK character / per English word at the reference pace (280 chars, 170 words a minute):
# how long the last line of a start-only transcript is taken to last.
_SECONDS_PER_UNIT = {"zh": 60 / 280, "en": 60 / 170}
MAX_LABEL_ECHO = 30
MAX_LABEL_WORDS = 3  # "Agent Li Ming:" is a label; "so the total is:" is not


class TranscriptError(ValueError):
    """A transcript that cannot be read: where (``line 4``, ``segment 3`` ...) and what is wrong."""

    def __init__(self, where: str, problem: str):
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class SpeakerNeeded(TranscriptError):
    """The speakers are labels or channels: ``agent_speaker`` must name the agent's."""

    def __init__(self, labels: Iterable[str]):
        self.labels = tuple(labels)
        shown = ", ".join(self.labels)
        super().__init__("agent_speaker", f"say which speaker is the agent (found: {shown})")


@dataclass(frozen=True)
class Segment:
    speaker: str  # "agent" | "customer"
    start: float | None  # seconds from the start of the call; None when untimed
    end: float | None
    text: str  # masked

    @property
    def duration(self) -> float:
        return (self.end - self.start) if self.start is not None and self.end is not None else 0.0

    def as_dict(self) -> dict:
        return {"speaker": self.speaker, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Transcript:
    format: str
    lang: str  # "zh" | "en"
    timed: bool
    segments: tuple[Segment, ...]
    # True when only starts were given (plain text with timestamps): each segment's end is
    # the next one's start, so gaps, overlaps and response gaps cannot be measured.
    ends_estimated: bool = False


@dataclass
class _Raw:
    """A segment as read, before its speaker is resolved to a side."""

    where: str
    label: str
    start: float | None
    end: float | None
    text: str


# --- decoding and detection -----------------------------------------------------------


def decode(raw: str | bytes) -> str:
    """UTF-8 (a BOM is fine), UTF-16 with its BOM (Windows' "Unicode"), else GB18030 (which
    reads GBK and GB2312 too)."""
    if isinstance(raw, str):
        return raw.lstrip("\ufeff")
    encodings = ("utf-8-sig", "gb18030")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TranscriptError("transcript", "not text: neither UTF-8, UTF-16 nor GB18030/GBK")


def content_key(raw: str | bytes) -> str:
    """sha256 of the decoded text with newlines normalised: the same call exported twice is one call."""
    text = decode(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def detect(text: str) -> str:
    head = text.lstrip()
    if head.startswith(("{", "[")):
        try:
            data = json.loads(head)
        except (ValueError, RecursionError):
            if head.startswith("["):
                return "text"  # [00:05] 坐席：... is plain text with timestamps
            return "json"  # parse names the line of the syntax error
        if _sentences(data) is not None:
            return "sentences"
        segments = data.get("segments") if isinstance(data, dict) else None
        if isinstance(segments, list) and any(
            isinstance(s, dict) and isinstance(s.get("speaker"), str) and s["speaker"] not in SIDES for s in segments
        ):
            return "whisperx"
        return "json"
    if head.startswith("WEBVTT"):
        return "vtt"
    if re.search(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2},\d{1,3}\s*-->", head, re.MULTILINE):
        return "srt"
    return "text"


def _check_format(format: str | None, text: str) -> str:
    if format is None or format == "":
        return detect(text)
    if format not in FORMATS:
        raise TranscriptError("format", f"unknown format '{_echo(format)}' (expected one of {', '.join(FORMATS)})")
    return format


def _echo(value: object) -> str:
    """A value from the upload quoted in an error: masked and cut short."""
    text = mask(str(value))
    return text if len(text) <= MAX_LABEL_ECHO else text[: MAX_LABEL_ECHO - 1] + "…"


# --- readers, one per format ------------------------------------------------------------


def _seconds(stamp: str) -> float:
    parts = re.split(r"[:：]", stamp.replace(",", "."))
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _read_text(text: str) -> tuple[list[_Raw], bool]:
    """Segments of a plain-text transcript, and whether its ends are estimated."""
    raws: list[_Raw] = []
    stamped: bool | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        m = _LINE.match(line)
        label, ts, body = m.group("label"), m.group("ts") or m.group("bare"), m.group("text").strip()
        if label is not None and len(label.split()) > MAX_LABEL_WORDS:  # a sentence with a colon, not a label
            label, body = None, line.strip()
        if label is None:
            if ts is not None:
                raise TranscriptError(where, "no speaker after the timestamp (expected 坐席： or 客户：, Agent: or Customer:)")
            if not raws:
                raise TranscriptError(where, "no speaker label (expected 坐席： or 客户：, Agent: or Customer:)")
            joiner = "" if _CJK.search(raws[-1].text[-1:] + line.strip()[:1]) else " "
            raws[-1].text = (raws[-1].text + joiner + line.strip()).strip()
            continue
        if stamped is None:
            stamped = ts is not None
        elif stamped != (ts is not None):
            raise TranscriptError(where, "a timestamp on some lines only (give one on every turn or on none)")
        start = _seconds(ts) if ts is not None else None
        if start is not None and raws and start < raws[-1].start:
            raise TranscriptError(where, "starts before the line above (timestamps must not go back)")
        raws.append(_Raw(where, label.strip(), start, None, body))
    if stamped:
        for this, after in zip(raws, raws[1:]):
            this.end = after.start
        if raws:
            last = raws[-1]
            last.end = last.start + max(1.0, _speech_units(last.text) * _SECONDS_PER_UNIT[_lang_of([last.text])])
    return raws, bool(stamped)


def _labelled(where: str, content: str) -> tuple[str | None, str]:
    """A cue's text split into a leading ``label:`` (or None) and the rest."""
    m = _LINE.match(content)
    if m.group("label") is not None and m.group("ts") is None and m.group("bare") is None:
        return m.group("label").strip(), m.group("text").strip()
    return None, content.strip()


def _cue_segments(where: str, start: float, end: float, lines: list[str]) -> list[_Raw]:
    """One subtitle cue: each voice (tag or label) its own segment, the cue's time shared by length."""
    parts: list[list[str]] = []  # [label, text]
    for line in lines:
        voice = _VOICE.match(line.strip())
        if voice:
            label, body = voice.group(1).strip(), _TAG.sub("", line.strip()[voice.end():]).strip()
        else:
            label, body = _labelled(where, _TAG.sub("", line))
        if label is None or (parts and parts[-1][0] == label):  # the same voice goes on
            if not parts:
                raise TranscriptError(where, "no speaker (expected a voice tag such as <v 坐席> or a label such as 坐席：)")
            parts[-1][1] = (parts[-1][1] + " " + body).strip()
        else:
            parts.append([label, body])
    parts = [p for p in parts if p[1]]
    if not parts:
        return []
    if end < start:
        raise TranscriptError(where, f"ends ({end:g} s) before it starts ({start:g} s)")
    weights = [max(1, len(p[1])) for p in parts]
    total, at, out = sum(weights), start, []
    for (label, body), weight in zip(parts, weights):
        until = at + (end - start) * weight / total
        out.append(_Raw(where, label, round(at, 3), round(until, 3), body))
        at = until
    out[-1].end = end
    return out


def _read_vtt(text: str) -> list[_Raw]:
    try:
        captions = webvtt.from_string(text).captions
    except MalformedFileError as exc:
        raise TranscriptError("transcript", f"not valid WebVTT ({exc})") from None
    raws: list[_Raw] = []
    for n, cue in enumerate(captions, start=1):
        start, end = (_stamp_seconds(t) for t in (cue.start_time, cue.end_time))
        raws.extend(_cue_segments(f"cue {n}", start, end, cue.lines))
    return raws


def _stamp_seconds(stamp: Any) -> float:
    return stamp.hours * 3600 + stamp.minutes * 60 + stamp.seconds + stamp.milliseconds / 1000


def _read_srt(text: str) -> list[_Raw]:
    raws: list[_Raw] = []
    try:
        for n, cue in enumerate(srt.parse(text, ignore_errors=False), start=1):
            start, end = cue.start.total_seconds(), cue.end.total_seconds()
            raws.extend(_cue_segments(f"cue {n}", start, end, cue.content.splitlines()))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.expected_start) + 1
        raise TranscriptError(f"line {line}", "not a valid SubRip cue (a number, a 00:00:01,000 --> 00:00:02,000 line, then text)") from None
    except (ValueError, OverflowError) as exc:
        raise TranscriptError("transcript", f"not valid SubRip ({exc})") from None
    return raws


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"line {exc.lineno}", f"not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise TranscriptError("transcript", "JSON nested too deeply") from None


def _number(seg: dict, key: str, where: str, scale: float = 1.0, name: str | None = None) -> float | None:
    value = seg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise TranscriptError(where, f"'{name or key}' must be a number of {'milliseconds' if scale != 1 else 'seconds'} (0 or more)")
    return value / scale


def _segment_text(seg: dict, key: str, where: str) -> str:
    value = seg.get(key)
    if not isinstance(value, str):
        raise TranscriptError(where, f"'{key}' must be a string")
    return value.strip()


def _list_of_segments(data: Any, key: str, shape: str) -> list:
    segments = data.get(key) if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError("transcript", f"expected {shape}")
    return segments


def _read_segments_json(data: Any, whisperx: bool) -> list[_Raw]:
    shape = ('{"segments": [{"start", "end", "text", "speaker"}]}' if whisperx else
             '{"segments": [{"speaker": "agent" or "customer", "start", "end", "text"}]}')
    raws = []
    for n, seg in enumerate(_list_of_segments(data, "segments", shape), start=1):
        where = f"segment {n}"
        if not isinstance(seg, dict):
            raise TranscriptError(where, "must be an object with speaker, start, end and text")
        speaker = seg.get("speaker")
        if speaker is None or (isinstance(speaker, str) and not speaker.strip()):
            raise TranscriptError(where, "no speaker")
        if not isinstance(speaker, (str, int)) or isinstance(speaker, bool):
            raise TranscriptError(where, "'speaker' must be a string")
        raws.append(_Raw(where, str(speaker).strip(), _number(seg, "start", where), _number(seg, "end", where),
                         _segment_text(seg, "text", where)))
    return raws


def _sentences(data: Any) -> list | None:
    """The sentence list of an ASR vendor's result (``sentences``, any case, maybe under ``result``)."""
    if not isinstance(data, dict):
        return None
    lowered = {str(k).lower(): v for k, v in data.items()}
    if isinstance(lowered.get("sentences"), list):
        return lowered["sentences"]
    inner = lowered.get("result")
    if isinstance(inner, dict):
        return _sentences(inner)
    return None


def _read_sentences(data: Any) -> list[_Raw]:
    sentences = _sentences(data)
    if sentences is None:
        raise TranscriptError("transcript", 'expected {"sentences": [{"beginTime", "endTime", "channelId", "text"}]}')
    raws = []
    for n, seg in enumerate(sentences, start=1):
        where = f"segment {n}"
        if not isinstance(seg, dict):
            raise TranscriptError(where, "must be an object with beginTime, endTime, channelId and text")
        seg = {str(k).lower(): v for k, v in seg.items()}
        channel = seg.get("channelid", seg.get("speakerid"))
        if isinstance(channel, bool) or not isinstance(channel, (int, str)) or str(channel).strip() == "":
            raise TranscriptError(where, "'channelId' must be a whole number")
        raws.append(_Raw(where, str(channel).strip(), _number(seg, "begintime", where, 1000.0, "beginTime"),
                         _number(seg, "endtime", where, 1000.0, "endTime"), _segment_text(seg, "text", where)))
    return raws


def _read(text: str, format: str) -> tuple[list[_Raw], bool]:
    if format == "text":
        return _read_text(text)
    if format == "vtt":
        return _read_vtt(text), False
    if format == "srt":
        return _read_srt(text), False
    data = _load_json(text)
    if format == "sentences":
        return _read_sentences(data), False
    return _read_segments_json(data, whisperx=format == "whisperx"), False


# --- speakers, timing and the transcript ---------------------------------------------------


def side_of(label: str) -> str | None:
    """The side a label names (``坐席2`` is the agent, ``Customer`` the customer), or None."""
    low = label.strip().lower()
    if any(low.startswith(w) for w in AGENT_WORDS):
        return "agent"
    if any(low.startswith(w) for w in CUSTOMER_WORDS):
        return "customer"
    return None


def _labels(raws: list[_Raw]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in raws:
        seen.setdefault(raw.label, None)
    return tuple(seen)


def _sides(raws: list[_Raw], agent_speaker: str | None) -> list[str]:
    """Each segment's side. Labels that all name a side (坐席 / 客户 ...) decide on their own, so
    a form that always sends a picked label cannot turn a call round; otherwise
    ``agent_speaker`` names the agent's label (as found, or as ``SpeakerNeeded`` showed it)
    and every other label is the customer."""
    labels = _labels(raws)
    side_by_label = {label: side_of(label) for label in labels}
    wanted = "" if agent_speaker is None else str(agent_speaker).strip()
    if wanted and not all(side_by_label.values()):
        agent = next((label for label in labels if wanted in (label, _echo(label))), None)
        if agent is None:
            found = ", ".join(_echo(label) for label in labels)
            raise TranscriptError("agent_speaker", f"'{_echo(wanted)}' is not a speaker in this transcript (found: {found})")
        return ["agent" if raw.label == agent else "customer" for raw in raws]
    sides = [side_by_label[raw.label] for raw in raws]
    if raws and not any(sides):
        raise SpeakerNeeded(_echo(label) for label in labels)
    for raw, side in zip(raws, sides):
        if side is None:
            raise TranscriptError(raw.where, f"speaker '{_echo(raw.label)}' is neither the agent nor the customer")
    return sides  # type: ignore[return-value]


def _timing(raws: list[_Raw]) -> bool:
    """True when every segment has a start and an end; an error when only some do."""
    timed = [raw.start is not None and raw.end is not None for raw in raws]
    if any(timed) and not all(timed):
        raw = raws[timed.index(False)]
        raise TranscriptError(raw.where, "no start or end time (the other segments have them)")
    for raw in raws:
        if raw.start is not None and raw.end is not None and raw.end < raw.start:
            raise TranscriptError(raw.where, f"ends ({raw.end:g} s) before it starts ({raw.start:g} s)")
    return bool(raws) and all(timed)


def _speech_units(text: str) -> int:
    """CJK characters plus English words: what a pace counts, in either language."""
    return len(_CJK.findall(text)) + len(_WORD.findall(_CJK.sub(" ", text)))


def _lang_of(texts: Iterable[str]) -> str:
    """zh when CJK characters outnumber English words (a Chinese call names products in English)."""
    cjk = words = 0
    for text in texts:
        cjk += len(_CJK.findall(text))
        words += len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk >= words else "en"


def _check_lang(lang: str | None) -> str | None:
    if lang is None or lang == "":
        return None
    if lang not in LANGS:
        raise TranscriptError("lang", f"unknown language '{_echo(lang)}' (expected zh or en)")
    return lang


def speaker_labels(raw: str | bytes, format: str | None = None) -> tuple[str, tuple[str, ...]]:
    """(format, the speaker labels or channels found, in order of first appearance), for a picker."""
    text = decode(raw)
    format = _check_format(format, text)
    raws, _ = _read(text, format)
    return format, tuple(_echo(label) for label in _labels(raws))


def parse(raw: str | bytes, format: str | None = None, agent_speaker: str | None = None,
          lang: str | None = None) -> Transcript:
    """The transcript read, sides resolved and numbers masked; TranscriptError when it cannot be."""
    text = decode(raw)
    lang = _check_lang(lang)
    format = _check_format(format, text)
    raws, ends_estimated = _read(text, format)
    raws = [r for r in raws if r.text]
    if not raws:
        raise TranscriptError("transcript", "nothing said: no segment with text")
    sides = _sides(raws, agent_speaker)
    if "agent" not in sides:
        raise TranscriptError("transcript", "no agent speech (every segment is the customer's)")
    timed = _timing(raws)
    order = range(len(raws))
    if timed:
        order = sorted(order, key=lambda i: raws[i].start)  # stable: ties keep file order
    segments = tuple(
        Segment(sides[i], raws[i].start if timed else None, raws[i].end if timed else None, mask(raws[i].text))
        for i in order
    )
    return Transcript(format=format, lang=lang or _lang_of(s.text for s in segments), timed=timed,
                      segments=segments, ends_estimated=ends_estimated and timed)
