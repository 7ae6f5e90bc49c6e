"""The caller content: its files, their dataclasses, and the loader that checks them.

Pure Python (no Flask). The content lives in three TOML files in one folder
(``questionnaires/caller/``: ``cues.toml``, ``phrases.toml``, ``scenarios.toml``);
``load_caller_content`` reads and checks all three and raises ``QuestionnaireError``
listing every problem as ``"<file>: <entry>: <problem>"``, like the questionnaire
loader, so the app never starts with broken practice content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..model import AXES, LANGS, STYLES
from ..questionnaire import ITEM_ID_RE, QuestionnaireError, Text, at_most, Reader, shown, read_toml

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
MIN_SCENARIOS = 32
MIN_SCENARIOS_PER_TYPE = 8
MIN_SCENARIOS_PER_TOPIC = 3
MIN_CALLER_LINES, MAX_CALLER_LINES = 2, 4
MIN_REPLIES, MAX_REPLIES = 3, 4

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


# --- the dataclasses --------------------------------------------------------------------


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


class CallerReader(Reader):
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

    r_cues, r_phrases, r_scen = (CallerReader(name) for name in (CUES_FILE, PHRASES_FILE, SCENARIOS_FILE))
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


def _read_cues_file(r: CallerReader, data: dict):
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


def _unknown_styles(r: CallerReader, table: dict, what: str) -> None:
    for key in table:
        if key not in STYLES:
            r.problem(f"{what} '{shown(key)}'", f"unknown style (expected one of {', '.join(STYLES)})")


def _read_phrases_file(r: CallerReader, data: dict):
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


def _read_scenarios_file(r: CallerReader, data: dict, mood_ids: set[str] | None) -> tuple[Scenario, ...]:
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


def _read_caller_lines(r: CallerReader, data: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
