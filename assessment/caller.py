"""Read the caller: the quick identifier, the phrase bank and practice scenarios.

Pure Python (no Flask). The content lives in three TOML files in one folder
(``questionnaires/caller/``: ``cues.toml``, ``phrases.toml``, ``scenarios.toml``);
``load_caller_content`` reads and checks all three and raises ``QuestionnaireError``
listing every problem as ``"<file>: <entry>: <problem>"``, like the questionnaire
loader, so the app never starts with broken practice content.

The functions below return exactly the JSON bodies of the API:

* ``cues_document``      -> GET  /api/v1/caller-cues
* ``read_caller``        -> POST /api/v1/caller-cues/read
* ``phrases_document``   -> GET  /api/v1/phrases
* ``scenarios_document`` -> GET  /api/v1/practice/scenarios (no answer key)
* ``grade_attempt``      -> POST /api/v1/practice/attempts
* ``practice_summary``   -> team practice stats
* ``session_score``      -> the end of a practice session of ``SESSION_LENGTH``

Bad input from a request raises ``CallerInputError`` whose ``details`` map each
offending field (``"cues.<cue id>"``, ``"mood"``, ``"agent_style"``, ``"scenario"``,
``"customer_type"``, ``"reply"``) to a message naming the unknown value: a 400.

How a type is read from the cues (the confidence rule)
------------------------------------------------------
Every cue option points to one pole (``high`` or ``low``) of one axis. Per axis,
with ``n`` chosen options of which ``h`` point high and ``l`` point low:

* the **leaning** is the majority pole; an axis with no chosen cue, or a tie
  (``h == l``), has no leaning;
* its **certainty** is ``(k + 1) / (n + 2)`` with ``k = max(h, l)``: Laplace's rule
  of succession, the chance that the next cue we hear would agree with the
  majority. One cue gives 0.67, two agreeing 0.75, four agreeing 0.83; a
  disagreeing cue lowers it (2 vs 1: 0.60), a tie gives 0.50. It never reaches 1:
  half a minute of a call never makes anyone certain, and cues on one axis are not
  independent (fast talkers interrupt), so a steeper rule would overclaim.

With a leaning on both axes the type is the quadrant of the two poles (high/high
expressive, high/low driver, low/high amiable, low/low analytical) and
``confidence`` is the product of the two certainties, rounded to 2 decimals (one cue
per axis 0.44, every cue agreeing 0.69 with four cues per axis). Without a leaning
on an axis ``customer_type`` is ``None`` and ``confidence`` is 0.

``needs_more`` says which cues to check next. For each axis the list to check is
its unanswered cues (file order), then, when the chosen cues disagree, the cues that
disagree with the majority (for a tie, every chosen cue of that axis): listen for
those again. ``needs_more`` is that list for every axis without a leaning; when both
axes lean, it is the list of the least certain axis that still has something to
check (ties: assertiveness first); it is empty when every cue is answered and
they all agree.

The mood is read apart: it only chooses ``mood_line`` and never changes the type,
the confidence or ``needs_more``. With a type and a known agent style, ``do`` and
``avoid`` start with the line for that agent style x customer type cell, followed
by the customer type's own lines.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from .collation import sort_key
from .grammar import with_article
from .model import AXES, LANGS, STYLE_POLES, STYLES, style_at
from .questionnaire import ITEM_ID_RE, QuestionnaireError, Text, at_most, Reader, shown, read_toml

CUES_FILE = "cues.toml"
PHRASES_FILE = "phrases.toml"
SCENARIOS_FILE = "scenarios.toml"

POLES = ("high", "low")
TOPICS = ("billing", "delivery", "fault", "complaint", "outbound")

# A line meant to be said on a call: short enough to say naturally in one breath.
SAY_ZH_MAX = 30  # characters, punctuation included
SAY_EN_MAX = 20  # words
# An explanation read on a phone screen (why, type_why, a caller's line).
NOTE_ZH_MAX = 100
NOTE_EN_MAX = 60

MIN_CUES_PER_AXIS = 3
MIN_MOODS = 4
MIN_PHRASES_PER_TYPE = 8
MIN_EMPATHY = 20
MIN_TECHNIQUES = 4
MIN_REPLACEMENTS = 15
MIN_SCENARIOS = 24
MIN_SCENARIOS_PER_TYPE = 6
MIN_SCENARIOS_PER_TOPIC = 3
MIN_CALLER_LINES, MAX_CALLER_LINES = 2, 4
MIN_REPLIES, MAX_REPLIES = 3, 4

SESSION_LENGTH = 8

# Words that make a line an empathy statement; "but" after one cancels it (QC marks it down).
_EMPATHY_ZH = re.compile(r"(理解|明白|抱歉|对不起|不好意思|歉意|体谅|心情|着急|难受|闹心|添麻烦)")
_EMPATHY_EN = re.compile(r"\b(understand|sorry|apologi[sz]e|appreciate|frustrat\w*|upsetting)\b", re.IGNORECASE)
_BUT_EN = re.compile(r"\bbut\b", re.IGNORECASE)
_CJK = r"\u3400-\u9fff"
_ASCII_PUNCT_ZH = re.compile(r'[,!?;"()]|[' + _CJK + r']\.|[' + _CJK + r']:|:[' + _CJK + r']')
_SPACE_IN_ZH = re.compile(r"[" + _CJK + r"\u3000-\u303f\uff00-\uffef“”‘’]\s+[" + _CJK + r"“”‘’]")
_HAS_CJK = re.compile(r"[" + _CJK + r"]")


class CallerInputError(ValueError):
    """A request named something that does not exist: each field with its problem."""

    def __init__(self, details: dict[str, str]):
        self.details = details
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in details.items()))


# --- content --------------------------------------------------------------------


@dataclass(frozen=True)
class CueOption:
    id: str
    text: Text
    axis: str
    pole: str  # "high" or "low"


@dataclass(frozen=True)
class Cue:
    """Something an agent can hear in the first half minute, with what each pole sounds like."""

    id: str
    text: Text
    axis: str
    options: tuple[CueOption, ...]  # exactly two: one high, one low, same axis

    def option(self, option_id: str) -> CueOption | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Mood:
    id: str
    text: Text
    line: Text  # what to say first for this mood


@dataclass(frozen=True)
class TypeGuide:
    """How to handle a customer type once it is read."""

    key: str
    name: Text
    opening: Text
    do: tuple[Text, ...]
    avoid: tuple[Text, ...]


@dataclass(frozen=True)
class Adjustment:
    """What an agent of one style should adjust with a customer of one type."""

    agent_style: str
    customer_type: str
    do: Text
    avoid: Text


@dataclass(frozen=True)
class Phrase:
    id: str
    customer_type: str
    situation: Text
    say: Text
    why: Text


@dataclass(frozen=True)
class Technique:
    key: str
    name: Text


@dataclass(frozen=True)
class EmpathyLine:
    id: str
    technique: str
    say: Text


@dataclass(frozen=True)
class Replacement:
    id: str
    avoid: Text
    say: Text
    why: Text


@dataclass(frozen=True)
class Reply:
    id: str
    text: Text
    why: Text
    best: bool


@dataclass(frozen=True)
class Scenario:
    id: str
    topic: str
    customer_type: str  # the answer key
    mood: str | None  # the mood the caller shows (it never changes the type)
    caller_en: tuple[str, ...]
    caller_zh: tuple[str, ...]
    type_why: Text
    replies: tuple[Reply, ...]

    @property
    def best_reply(self) -> Reply:
        return next(r for r in self.replies if r.best)

    def reply(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.id == reply_id), None)


@dataclass(frozen=True)
class CallerContent:
    cues: tuple[Cue, ...]
    moods: tuple[Mood, ...]
    types: Mapping[str, TypeGuide]
    adjustments: Mapping[tuple[str, str], Adjustment]  # (agent style, customer type)
    phrases: Mapping[str, tuple[Phrase, ...]]  # by customer type
    techniques: Mapping[str, Technique]
    empathy: tuple[EmpathyLine, ...]
    replacements: tuple[Replacement, ...]
    scenarios: tuple[Scenario, ...]

    @cached_property
    def cue_by_id(self) -> dict[str, Cue]:
        return {c.id: c for c in self.cues}

    @cached_property
    def mood_by_id(self) -> dict[str, Mood]:
        return {m.id: m for m in self.moods}

    @cached_property
    def scenario_by_id(self) -> dict[str, Scenario]:
        return {s.id: s for s in self.scenarios}

    @cached_property
    def axis_cues(self) -> dict[str, tuple[Cue, ...]]:
        return {axis: tuple(c for c in self.cues if c.axis == axis) for axis in AXES}


# --- loading --------------------------------------------------------------------


class _CallerReader(Reader):
    """The questionnaire's reader, plus ids, line lengths and the QC rules for what is said."""

    def __init__(self, source: str):
        super().__init__(source)
        self.seen_ids: dict[str, set[str]] = {}

    def text(self, data: Any, where: str) -> Text:
        text = super().text(data, where)
        if text.zh:
            self._zh_style(text.zh, where)
        if text.en and _HAS_CJK.search(text.en):
            self.problem(where, "'en' contains Chinese characters")
        return text

    def _zh_style(self, zh: str, where: str) -> None:
        if _ASCII_PUNCT_ZH.search(zh):
            self.problem(where, "'zh' uses ASCII punctuation (use ，。？！：“”)")
        if _SPACE_IN_ZH.search(zh):
            self.problem(where, "'zh' has a space between Chinese sentences or characters")

    def field(self, data: dict, key: str, where: str) -> Text:
        return self.text(data.get(key), f"{where}: {key}")

    def say(self, data: dict, key: str, where: str, empathy_but: bool = True) -> Text:
        """A line said on a call: short, and no 'but' right after empathy."""
        return self.say_text(data.get(key), f"{where}: {key}", empathy_but)

    def say_text(self, data: Any, where: str, empathy_but: bool = True) -> Text:
        text = self.text(data, where)
        self.limit(text, where, SAY_ZH_MAX, SAY_EN_MAX, "to say on a call")
        if empathy_but and _but_after_empathy(text):
            self.problem(where, "'but'/'但' after an empathy phrase cancels it (QC marks it down)")
        return text

    def note(self, data: dict, key: str, where: str) -> Text:
        text = self.field(data, key, where)
        self.limit(text, f"{where}: {key}", NOTE_ZH_MAX, NOTE_EN_MAX, "for a phone screen")
        return text

    def limit(self, text: Text, where: str, zh_max: int, en_max: int, what: str) -> None:
        if len(text.zh) > zh_max:
            self.problem(where, f"'zh' is {len(text.zh)} characters (at most {zh_max} {what})")
        words = len(text.en.split())
        if words > en_max:
            self.problem(where, f"'en' is {words} words (at most {en_max} {what})")

    def entries(self, data: Any, key: str, what: str, scope: str | None = None,
                table: str | None = None) -> list[tuple[str, dict]]:
        """(where, entry) for each [[table]] entry with a well-formed id unique in its scope.

        ``data[key]`` is the list; ``table`` is its name in the file (default ``key``),
        ``scope`` the set of entries its ids must be unique among (default ``key``).
        """
        table = table or key
        raw = data.get(key) if isinstance(data, dict) else None
        if raw is None:
            self.problem(table, f"missing [[{table}]]")
            return []
        if not isinstance(raw, list):
            self.problem(table, f"'{table}' must be a list of tables ([[{table}]])")
            return []
        return self.identified(raw, what, self.seen_ids.setdefault(scope or key, set()))

    def identified(self, raw: list, what: str, seen: set[str]) -> list[tuple[str, dict]]:
        """(where, entry) for each table of the list with a well-formed id not in seen
        (which collects them); each other one is a problem named by its id or position."""
        out = []
        for n, entry in enumerate(raw, start=1):
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            where = f"{what} '{shown(entry_id)}'" if isinstance(entry_id, str) else f"{what} #{n}"
            if not isinstance(entry, dict):
                self.problem(where, "must be a table")
                continue
            if not isinstance(entry_id, str) or not ITEM_ID_RE.match(entry_id):
                self.problem(where, "missing or malformed 'id' (letters, digits, - and _; at most 32)")
                continue
            if entry_id in seen:
                self.problem(where, "duplicate id")
                continue
            seen.add(entry_id)
            out.append((where, entry))
        return out

    def say_list(self, data: dict, key: str, where: str, minimum: int) -> tuple[Text, ...]:
        value = data.get(key)
        if not isinstance(value, list) or len(value) < minimum:
            self.problem(where, f"'{key}' needs a list of at least {minimum} texts")
            return ()
        return tuple(self.say_text(entry, f"{where}: {key}[{i}]") for i, entry in enumerate(value, start=1))

    def at_least(self, count: int, minimum: int, where: str, what: str) -> None:
        if count < minimum:
            self.problem(where, f"{count} {what} (at least {minimum} needed)")


def _but_after_empathy(text: Text) -> bool:
    empathy = _EMPATHY_ZH.search(text.zh)
    if empathy and "但" in text.zh[empathy.end():]:
        return True
    empathy = _EMPATHY_EN.search(text.en)
    return bool(empathy and _BUT_EN.search(text.en[empathy.end():]))


def _read_toml(path: Path, problems: list[str]) -> dict | None:
    """The file parsed, or None with its problem added: all three files are checked before failing."""
    try:
        return read_toml(path)
    except QuestionnaireError as exc:
        problems.extend(exc.problems)
        return None


def load_caller_content(directory: str | Path) -> CallerContent:
    """Read cues.toml, phrases.toml and scenarios.toml; every problem in all three is reported."""
    directory = Path(directory)
    problems: list[str] = []
    raw = {name: _read_toml(directory / name, problems) for name in (CUES_FILE, PHRASES_FILE, SCENARIOS_FILE)}

    r_cues, r_phrases, r_scen = (_CallerReader(name) for name in (CUES_FILE, PHRASES_FILE, SCENARIOS_FILE))
    cues, moods, types, adjustments = (), (), {}, {}
    if raw[CUES_FILE] is not None:
        cues, moods, types, adjustments = _read_cues_file(r_cues, raw[CUES_FILE])
    phrases, techniques, empathy, replacements = {}, {}, (), ()
    if raw[PHRASES_FILE] is not None:
        phrases, techniques, empathy, replacements = _read_phrases_file(r_phrases, raw[PHRASES_FILE])
    scenarios = ()
    if raw[SCENARIOS_FILE] is not None:
        # Moods are checked against cues.toml only when that file could be read.
        mood_ids = {m.id for m in moods} if raw[CUES_FILE] is not None else None
        scenarios = _read_scenarios_file(r_scen, raw[SCENARIOS_FILE], mood_ids)

    for reader in (r_cues, r_phrases, r_scen):
        problems.extend(at_most(reader.problems, reader.source))
    if problems:
        raise QuestionnaireError(problems)
    return CallerContent(
        cues=cues,
        moods=moods,
        types=MappingProxyType(types),
        adjustments=MappingProxyType(adjustments),
        phrases=MappingProxyType(phrases),
        techniques=MappingProxyType(techniques),
        empathy=empathy,
        replacements=replacements,
        scenarios=scenarios,
    )


def _read_cues_file(r: _CallerReader, data: dict):
    cues = []
    for where, entry in r.entries(data, "cues", "cue"):
        text = r.field(entry, "text", where)
        r.limit(text, f"{where}: text", SAY_ZH_MAX, SAY_EN_MAX, "for a phone screen")
        raw_options = entry.get("options")
        if not isinstance(raw_options, list) or len(raw_options) != 2:
            r.problem(where, "'options' needs exactly two options (one high, one low pole of one axis)")
            continue
        options = []
        for n, opt in enumerate(raw_options, start=1):
            opt_id = opt.get("id") if isinstance(opt, dict) else None
            owhere = f"{where}: option '{shown(opt_id)}'" if isinstance(opt_id, str) else f"{where}: option #{n}"
            if not isinstance(opt, dict):
                r.problem(owhere, "must be a table")
                continue
            if not isinstance(opt_id, str) or not ITEM_ID_RE.match(opt_id):
                r.problem(owhere, "missing or malformed 'id' (letters, digits, - and _; at most 32)")
                continue
            axis = r.choice(opt, "axis", owhere, AXES, "axis")
            pole = r.choice(opt, "pole", owhere, POLES, "pole")
            otext = r.field(opt, "text", owhere)
            r.limit(otext, f"{owhere}: text", SAY_ZH_MAX, SAY_EN_MAX, "for a phone screen")
            options.append(CueOption(id=opt_id, text=otext, axis=axis, pole=pole))
        if len(options) != 2:
            continue
        first, second = options
        if first.id == second.id:
            r.problem(where, f"both options have the id '{first.id}'")
        if first.axis != second.axis:
            r.problem(where, f"options are on different axes ({first.axis}, {second.axis}); both must be on one axis")
        elif first.pole == second.pole:
            r.problem(where, f"both options point to the '{first.pole}' pole; one must be high and one low")
        cues.append(Cue(id=entry["id"], text=text, axis=first.axis, options=(first, second)))
    for axis in AXES:
        r.at_least(sum(c.axis == axis for c in cues), MIN_CUES_PER_AXIS, "cues", f"cues for axis '{axis}'")

    moods = []
    for where, entry in r.entries(data, "moods", "mood"):
        moods.append(Mood(id=entry["id"], text=r.field(entry, "text", where), line=r.say(entry, "line", where)))
    r.at_least(len(moods), MIN_MOODS, "moods", "moods")

    table = r.table(data, "types", "types")
    _unknown_styles(r, table, "types")
    types = {}
    for key in STYLES:
        where = f"type '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no content for this customer type")
            continue
        types[key] = TypeGuide(
            key=key,
            name=r.field(entry, "name", where),
            opening=r.say(entry, "opening", where),
            do=r.say_list(entry, "do", where, 3),
            avoid=r.say_list(entry, "avoid", where, 3),
        )

    table = r.table(data, "adjust", "adjust")
    _unknown_styles(r, table, "adjust")
    adjustments = {}
    for agent in STYLES:
        row = table.get(agent) if isinstance(table.get(agent), dict) else {}
        _unknown_styles(r, row, f"adjust.{agent}")
        for customer in STYLES:
            where = f"adjust '{agent}.{customer}'"
            entry = row.get(customer)
            if not isinstance(entry, dict):
                r.problem(where, "no adjustment for this agent style and customer type")
                continue
            adjustments[(agent, customer)] = Adjustment(
                agent_style=agent,
                customer_type=customer,
                do=r.say(entry, "do", where),
                avoid=r.say(entry, "avoid", where),
            )
    return tuple(cues), tuple(moods), types, adjustments


def _unknown_styles(r: _CallerReader, table: dict, what: str) -> None:
    for key in table:
        if key not in STYLES:
            r.problem(f"{what} '{shown(key)}'", f"unknown style (expected one of {', '.join(STYLES)})")


def _read_phrases_file(r: _CallerReader, data: dict):
    table = r.table(data, "phrases", "phrases")
    _unknown_styles(r, table, "phrases")
    phrases = {}
    for key in STYLES:
        found = []
        for where, entry in r.entries(table, key, f"phrase ({key})", scope="phrases", table=f"phrases.{key}"):
            found.append(Phrase(
                id=entry["id"],
                customer_type=key,
                situation=r.say(entry, "situation", where),
                say=r.say(entry, "say", where),
                why=r.note(entry, "why", where),
            ))
        r.at_least(len(found), MIN_PHRASES_PER_TYPE, f"phrases '{key}'", "phrases")
        phrases[key] = tuple(found)

    techniques = {}
    for key, value in r.table(data, "techniques", "techniques").items():
        where = f"technique '{shown(key)}'"
        if not ITEM_ID_RE.match(key):
            r.problem(where, "malformed key (letters, digits, - and _; at most 32)")
            continue
        if not isinstance(value, dict):
            r.problem(where, "must be a table with a 'name'")
            continue
        techniques[key] = Technique(key=key, name=r.field(value, "name", where))

    empathy = []
    for where, entry in r.entries(data, "empathy", "empathy"):
        technique = entry.get("technique")
        if technique not in techniques:
            r.problem(where, f"unknown technique '{shown(technique)}' (define it under [techniques])")
        say = r.say(entry, "say", where)
        if "但" in say.zh or _BUT_EN.search(say.en):
            r.problem(f"{where}: say", "an empathy line must not contain '但'/'but' (QC marks it down)")
        empathy.append(EmpathyLine(id=entry["id"], technique=str(technique), say=say))
    r.at_least(len(empathy), MIN_EMPATHY, "empathy", "empathy statements")
    used = {e.technique for e in empathy if e.technique in techniques}
    r.at_least(len(used), MIN_TECHNIQUES, "empathy", "techniques with statements")
    # Grouped by technique, in the order the techniques are defined.
    order = {key: i for i, key in enumerate(techniques)}
    empathy.sort(key=lambda e: order.get(e.technique, len(order)))

    replacements = []
    for where, entry in r.entries(data, "replacements", "replacement"):
        replacements.append(Replacement(
            id=entry["id"],
            # The phrase to avoid may well be "I understand, but ...": that is the point.
            avoid=r.say(entry, "avoid", where, empathy_but=False),
            say=r.say(entry, "say", where),
            why=r.note(entry, "why", where),
        ))
    r.at_least(len(replacements), MIN_REPLACEMENTS, "replacements", "replacements")
    return phrases, techniques, tuple(empathy), tuple(replacements)


def _read_scenarios_file(r: _CallerReader, data: dict, mood_ids: set[str] | None) -> tuple[Scenario, ...]:
    scenarios = []
    for where, entry in r.entries(data, "scenarios", "scenario"):
        topic = r.choice(entry, "topic", where, TOPICS, "topic")
        customer_type = r.choice(entry, "customer_type", where, STYLES, "customer type")
        mood = entry.get("mood")
        if mood is not None and (not isinstance(mood, str) or (mood_ids is not None and mood not in mood_ids)):
            known = ", ".join(sorted(mood_ids or ()))
            r.problem(where, f"unknown mood '{shown(mood)}' (expected one of the moods in {CUES_FILE}: {known})")
            mood = None
        caller_en, caller_zh = _read_caller_lines(r, entry.get("caller"), f"{where}: caller")
        type_why = r.note(entry, "type_why", where)

        raw_replies = entry.get("replies")
        replies = []
        seen: set[str] = set()
        if not isinstance(raw_replies, list) or not MIN_REPLIES <= len(raw_replies) <= MAX_REPLIES:
            count = len(raw_replies) if isinstance(raw_replies, list) else 0
            r.problem(where, f"{count} replies (needs {MIN_REPLIES} to {MAX_REPLIES} [[scenarios.replies]])")
            raw_replies = raw_replies if isinstance(raw_replies, list) else []
        for rwhere, reply in r.identified(raw_replies, f"{where}: reply", seen):
            reply_id = reply["id"]
            best = reply.get("best", False)
            if not isinstance(best, bool):
                r.problem(rwhere, "'best' must be true or false")
                best = False
            replies.append(Reply(
                id=reply_id,
                # A wrong reply may show a QC mistake ("I understand, but ..."); the best may not.
                text=r.say(reply, "text", rwhere, empathy_but=best),
                why=r.note(reply, "why", rwhere),
                best=best,
            ))
        bests = sum(reply.best for reply in replies)
        if replies and bests != 1:
            r.problem(where, f"{bests} replies marked best = true (exactly one needed)")
        scenarios.append(Scenario(
            id=entry["id"],
            topic=topic,
            customer_type=customer_type,
            mood=mood,
            caller_en=caller_en,
            caller_zh=caller_zh,
            type_why=type_why,
            replies=tuple(replies),
        ))

    r.at_least(len(scenarios), MIN_SCENARIOS, "scenarios", "scenarios")
    for key in STYLES:
        count = sum(s.customer_type == key for s in scenarios)
        r.at_least(count, MIN_SCENARIOS_PER_TYPE, "scenarios", f"scenarios with customer_type '{key}'")
    for topic in TOPICS:
        count = sum(s.topic == topic for s in scenarios)
        r.at_least(count, MIN_SCENARIOS_PER_TOPIC, "scenarios", f"scenarios with topic '{topic}'")
    return tuple(scenarios)


def _read_caller_lines(r: _CallerReader, data: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(data, dict):
        r.problem(where, "missing caller lines (expected a table with 'en' and 'zh' lists)")
        return (), ()
    lines: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        value = data.get(lang)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            r.problem(where, f"missing translation '{lang}' (a list of non-empty lines)")
            lines[lang] = ()
            continue
        if not MIN_CALLER_LINES <= len(value) <= MAX_CALLER_LINES:
            r.problem(where, f"'{lang}' has {len(value)} lines (needs {MIN_CALLER_LINES} to {MAX_CALLER_LINES})")
        lines[lang] = tuple(value)
    for extra in sorted(set(data) - set(LANGS)):
        r.problem(where, f"unknown language '{shown(extra)}' (expected {', '.join(LANGS)})")
    if lines["en"] and lines["zh"] and len(lines["en"]) != len(lines["zh"]):
        r.problem(where, f"'en' has {len(lines['en'])} lines and 'zh' {len(lines['zh'])}; they must match")
    for i, (en, zh) in enumerate(zip(lines["en"], lines["zh"]), start=1):
        text = r.text({"en": en, "zh": zh}, f"{where}[{i}]")
        r.limit(text, f"{where}[{i}]", NOTE_ZH_MAX, NOTE_EN_MAX, "for a phone screen")
    return lines["en"], lines["zh"]


# --- the quick identifier ---------------------------------------------------------


def cues_document(content: CallerContent) -> dict:
    """GET /api/v1/caller-cues."""
    return {
        "cues": [
            {
                "id": cue.id,
                "text": cue.text.as_dict(),
                "options": [
                    {"id": o.id, "text": o.text.as_dict(), "axis": o.axis, "pole": o.pole} for o in cue.options
                ],
            }
            for cue in content.cues
        ],
        "moods": [{"id": m.id, "text": m.text.as_dict()} for m in content.moods],
    }


@dataclass(frozen=True)
class AxisReading:
    axis: str
    high: tuple[str, ...]  # cue ids whose chosen option points high
    low: tuple[str, ...]
    unanswered: tuple[str, ...]

    @property
    def leaning(self) -> str | None:
        if len(self.high) == len(self.low):
            return None
        return "high" if len(self.high) > len(self.low) else "low"

    @property
    def certainty(self) -> float:
        n = len(self.high) + len(self.low)
        return (max(len(self.high), len(self.low)) + 1) / (n + 2)

    @property
    def to_check(self) -> list[str]:
        """Unanswered cues first, then the chosen cues that disagree with the majority."""
        if self.leaning is None:
            disagreeing = [*self.high, *self.low]
        else:
            disagreeing = list(self.low if self.leaning == "high" else self.high)
        return [*self.unanswered, *disagreeing]


def _validated_choices(content: CallerContent, cues: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The chosen option per cue, and a problem per unknown cue or option."""
    problems: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if cues is None:
        return chosen, problems
    if not isinstance(cues, Mapping):
        return chosen, {"cues": "must map cue ids to option ids"}
    for cue_id, option_id in cues.items():
        field = f"cues.{shown(cue_id)}"
        cue = content.cue_by_id.get(cue_id) if isinstance(cue_id, str) else None
        if cue is None:
            problems[field] = f"unknown cue '{shown(cue_id)}'"
        elif option_id is None or option_id == "":
            continue  # not answered (an empty form field)
        elif not isinstance(option_id, str) or cue.option(option_id) is None:
            expected = ", ".join(o.id for o in cue.options)
            problems[field] = f"unknown option '{shown(option_id)}' for cue '{cue.id}' (expected {expected})"
        else:
            chosen[cue.id] = option_id
    return chosen, problems


def axis_readings(content: CallerContent, chosen: Mapping[str, str]) -> dict[str, AxisReading]:
    """Per axis: which chosen cues point high and low, and which cues are unanswered.

    ``chosen`` must hold known cue and option ids (``read_caller`` checks them).
    """
    readings = {}
    for axis in AXES:
        high, low, unanswered = [], [], []
        for cue in content.axis_cues[axis]:
            option = cue.option(chosen[cue.id]) if cue.id in chosen else None
            if option is None:
                unanswered.append(cue.id)
            else:
                (high if option.pole == "high" else low).append(cue.id)
        readings[axis] = AxisReading(axis, tuple(high), tuple(low), tuple(unanswered))
    return readings


def read_caller(
    content: CallerContent,
    cues: Mapping[str, str] | None,
    mood: str | None = None,
    agent_style: str | None = None,
) -> dict:
    """POST /api/v1/caller-cues/read: the type, how sure, what to check next, and what to say.

    ``cues`` maps cue ids to option ids; a cue mapped to None or "" counts as not
    answered. ``agent_style`` is the agent's own style (from their result, which the
    web layer resolves from a result token, or chosen by hand); None when unknown.
    Raises CallerInputError naming every unknown cue, option, mood or style.
    """
    chosen, problems = _validated_choices(content, cues)
    if mood is not None and mood != "" and (not isinstance(mood, str) or mood not in content.mood_by_id):
        expected = ", ".join(m.id for m in content.moods)
        problems["mood"] = f"unknown mood '{shown(mood)}' (expected one of {expected})"
    if agent_style is not None and agent_style != "" and (not isinstance(agent_style, str) or agent_style not in STYLES):
        problems["agent_style"] = f"unknown style '{shown(agent_style)}' (expected one of {', '.join(STYLES)})"
    if problems:
        raise CallerInputError(problems)

    readings = axis_readings(content, chosen)
    unsettled = [a for a in AXES if readings[a].leaning is None]
    if unsettled:
        customer_type = None
        confidence = 0.0
        needs_more = [cue for axis in unsettled for cue in readings[axis].to_check]
    else:
        customer_type = style_at(
            readings["assertiveness"].leaning == "high", readings["responsiveness"].leaning == "high"
        )
        confidence = round(readings["assertiveness"].certainty * readings["responsiveness"].certainty, 2)
        open_axes = sorted((a for a in AXES if readings[a].to_check), key=lambda a: readings[a].certainty)
        needs_more = readings[open_axes[0]].to_check if open_axes else []

    body: dict[str, Any] = {
        "customer_type": customer_type,
        "confidence": confidence,
        "needs_more": needs_more,
        "opening_line": None,
        "do": [],
        "avoid": [],
        "mood_line": content.mood_by_id[mood].line.as_dict() if mood else None,
    }
    if customer_type is not None:
        guide = content.types[customer_type]
        do, avoid = list(guide.do), list(guide.avoid)
        if agent_style:
            cell = content.adjustments[(agent_style, customer_type)]
            do.insert(0, cell.do)
            avoid.insert(0, cell.avoid)
        body["opening_line"] = guide.opening.as_dict()
        body["do"] = [t.as_dict() for t in do]
        body["avoid"] = [t.as_dict() for t in avoid]
    return body


# --- the phrase bank ------------------------------------------------------------------


def phrases_document(content: CallerContent) -> dict:
    """GET /api/v1/phrases."""
    return {
        "by_customer_type": {
            style: [
                {"id": p.id, "situation": p.situation.as_dict(), "say": p.say.as_dict(), "why": p.why.as_dict()}
                for p in content.phrases[style]
            ]
            for style in STYLES
        },
        "empathy": [
            {"id": e.id, "technique": content.techniques[e.technique].name.as_dict(), "say": e.say.as_dict()}
            for e in content.empathy
        ],
        "replacements": [
            {"id": x.id, "avoid": x.avoid.as_dict(), "say": x.say.as_dict(), "why": x.why.as_dict()}
            for x in content.replacements
        ],
    }


# --- practice -------------------------------------------------------------------------


def scenarios_document(content: CallerContent) -> list[dict]:
    """GET /api/v1/practice/scenarios: caller lines and replies, no answer key."""
    return [
        {
            "id": s.id,
            "caller": {"en": list(s.caller_en), "zh": list(s.caller_zh)},
            "replies": [{"id": r.id, "text": r.text.as_dict()} for r in s.replies],
        }
        for s in content.scenarios
    ]


def session_scenarios(content: CallerContent, size: int = SESSION_LENGTH, seed: Any = None) -> list[str]:
    """Scenario ids for one practice session: the four types as evenly as possible, shuffled."""
    rng = random.Random(seed)
    pools = {style: [s.id for s in content.scenarios if s.customer_type == style] for style in STYLES}
    for pool in pools.values():
        rng.shuffle(pool)
    picked: list[str] = []
    while len(picked) < size and any(pools.values()):
        for style in STYLES:
            if pools[style] and len(picked) < size:
                picked.append(pools[style].pop())
    rng.shuffle(picked)
    return picked


def grade_attempt(content: CallerContent, scenario_id: str, customer_type: str, reply_id: str) -> dict:
    """POST /api/v1/practice/attempts: right or wrong on the type and the reply, with why."""
    problems: dict[str, str] = {}
    scenario = content.scenario_by_id.get(scenario_id) if isinstance(scenario_id, str) else None
    if scenario is None:
        problems["scenario"] = f"unknown scenario '{shown(scenario_id)}'"
    if not isinstance(customer_type, str) or customer_type not in STYLES:
        problems["customer_type"] = f"unknown style '{shown(customer_type)}' (expected one of {', '.join(STYLES)})"
    reply = scenario.reply(reply_id) if scenario is not None and isinstance(reply_id, str) else None
    if scenario is not None and reply is None:
        expected = ", ".join(r.id for r in scenario.replies)
        problems["reply"] = f"unknown reply '{shown(reply_id)}' for scenario '{scenario.id}' (expected {expected})"
    if problems:
        raise CallerInputError(problems)

    actual = content.types[scenario.customer_type].name
    guessed = content.types[customer_type].name
    best = scenario.best_reply
    type_correct = customer_type == scenario.customer_type
    if type_correct:
        en = [f"Right: {with_article(actual.en)} caller. {scenario.type_why.en}"]
        zh = [f"判断正确，是{actual.zh}。{scenario.type_why.zh}"]
    else:
        en = [f"Not quite: this is {with_article(actual.en)} caller, not {guessed.en}. {scenario.type_why.en}"]
        zh = [f"这位客户是{actual.zh}，不是{guessed.zh}。{scenario.type_why.zh}"]
    if reply.best:
        en.append(f"Good reply: {reply.why.en}")
        zh.append(f"回复选得好：{reply.why.zh}")
    else:
        en.append(f"Your reply: {reply.why.en} Better: “{best.text.en}” {best.why.en}")
        zh.append(f"你选的回复：{reply.why.zh}更好的说法：“{best.text.zh}”{best.why.zh}")
    return {
        "type_correct": type_correct,
        "customer_type": scenario.customer_type,
        "reply_correct": reply.best,
        "best_reply": best.id,
        "feedback": {"en": " ".join(en), "zh": "".join(zh)},
    }


def _field(row: Any, key: str) -> Any:
    """A column of a row given as a mapping, a sqlite3.Row or an object with attributes."""
    try:
        return row[key]
    except (KeyError, IndexError, TypeError):
        return getattr(row, key)


def _accuracy(correct: int, attempts: int) -> float | None:
    return round(correct / attempts, 3) if attempts else None


def practice_summary(attempts: Iterable[Any]) -> dict:
    """Team practice stats from attempt rows (agent_id, name, actual, guessed, type_correct).

    ``by_customer_type`` and ``confusion`` always hold all four styles (zeros where
    nothing was tried); confusion rows are the true type, columns the guess.
    Members are sorted by name (pinyin order for Chinese names).
    """
    by_type = {s: {"attempts": 0, "type_correct": 0, "accuracy": None} for s in STYLES}
    confusion = {actual: {guessed: 0 for guessed in STYLES} for actual in STYLES}
    members: dict[Any, dict] = {}
    total = 0
    for row in attempts:
        total += 1
        actual, guessed = _field(row, "actual"), _field(row, "guessed")
        correct = bool(_field(row, "type_correct"))
        if actual in by_type:
            by_type[actual]["attempts"] += 1
            by_type[actual]["type_correct"] += correct
            if guessed in STYLES:
                confusion[actual][guessed] += 1
        agent_id = _field(row, "agent_id")
        member = members.setdefault(agent_id, {"agent_id": agent_id, "name": _field(row, "name"),
                                                "attempts": 0, "correct": 0})
        member["attempts"] += 1
        member["correct"] += correct
    for stats in by_type.values():
        stats["accuracy"] = _accuracy(stats["type_correct"], stats["attempts"])
    ordered = sorted(members.values(), key=lambda m: (sort_key(str(m["name"] or "")), str(m["agent_id"])))
    return {
        "attempts": total,
        "by_customer_type": by_type,
        "confusion": confusion,
        "members": [
            {"agent_id": m["agent_id"], "name": m["name"], "attempts": m["attempts"],
             "accuracy": _accuracy(m["correct"], m["attempts"])}
            for m in ordered
        ],
    }


def session_score(attempts: Iterable[Any]) -> dict:
    """The end of a practice session: one point for the type, one for the best reply.

    Rows need ``actual``, ``type_correct`` and ``reply_correct``; ``out_of`` is two
    points per attempt (16 for a session of 8); ``misread`` lists, in style order,
    the true types of the callers whose type was named wrong.
    """
    score = out_of = 0
    misread: Counter[str] = Counter()
    for row in attempts:
        out_of += 2
        type_correct = bool(_field(row, "type_correct"))
        score += type_correct + bool(_field(row, "reply_correct"))
        if not type_correct:
            misread[_field(row, "actual")] += 1
    return {"score": score, "out_of": out_of, "misread": [s for s in STYLES if misread[s]]}


def sounds_like(content: CallerContent, style: str) -> list[CueOption]:
    """What a caller of this type sounds like: the option at their pole of each cue."""
    heard = []
    for cue in content.cues:
        pole = "high" if STYLE_POLES[style][cue.axis] > 0 else "low"
        heard.append(next(o for o in cue.options if o.pole == pole))
    return heard
