"""The words a call is read by, loaded from data and compiled once.

Pure Python (no Flask). ``load_call_lexicon`` reads

* ``questionnaires/caller/banned.toml``: the banned service phrases (服务忌语) with the
  standard wording to say instead, read as the content check reads them
  (``assessment.compliance``), plus the phrase bank's ``[[replacements]]``;
* ``questionnaires/calls/lexicon.toml``: empathy families (plus the phrase bank's
  empathy lines, by technique), question words, feeling words, exclamations, small
  talk, and the customer's cue words and mood words;
* ``questionnaires/calls/reference.toml``: the observed style's reference values;

and raises ``QuestionnaireError`` listing every problem as ``<file>: <entry>: <problem>``.

Matching a listed phrase: a Chinese phrase matches with one particle (的 了 啊 呀 吧 嘛
呢 哦 嗯 呃 么) and/or a space between any two of its characters, and its punctuation
optional; an English phrase matches whole words, case ignored, with a comma or one
filler (um, uh, er, just, really, well, like) between words and contractions written
either way (don't / dont / do not; that's / that is; I'll / I will); the punctuation
between two sentences of a phrase is taken as a space. ``…`` in a phrase
stands for up to 8 characters or 3 words. Empathy and feeling phrases in Chinese do not
match right after 不 / 没 (我不理解 is not 理解).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..compliance import BANNED_RULE, COMPLIANCE_FILE, load_compliance
from ..model import LANGS
from ..questionnaire import ITEM_ID_RE, QuestionnaireError, Reader, Text, at_most, read_toml, shown

BANNED_FILE = "banned.toml"
LEXICON_FILE = "lexicon.toml"
REFERENCE_FILE = "reference.toml"

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CLASS}]")
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+")
_PARTICLES = "的了啊呀吧嘛呢哦嗯呃么"
_ZH_GAP = rf"[\s{_PARTICLES}]?"
_ZH_PUNCT = "，。、！？；：…,.!?;:~～ "
_EN_FILLERS = ("um", "uh", "er", "erm", "just", "really", "well", "like")
_EN_GAP = r"(?:[\s,.;:!?…]+(?:(?:" + "|".join(_EN_FILLERS) + r")[\s,]+)?)"
_BUT = {"zh": re.compile(r"但|可是|不过"), "en": re.compile(r"\b(?:but|however)\b", re.IGNORECASE)}
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'’")
_CLAUSE_END = re.compile(r"[。！!；;，,\n]|[?？]")
MEASURES = ("pace", "interruptions")
LANG_PACE = {"zh": "pace_zh", "en": "pace_en"}


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def word_count(text: str) -> int:
    """English words (and numbers) outside Chinese characters."""
    return len(_WORD.findall(_CJK.sub(" ", text)))


# --- phrases to patterns -------------------------------------------------------------------


_CONTRACTIONS = {"s": r"(?:['’]?s|\s+is)", "ll": r"(?:['’]ll|\s+will)", "re": r"(?:['’]re|\s+are)",
                 "m": r"(?:['’]m|\s+am)", "ve": r"(?:['’]ve|\s+have)", "d": r"(?:['’]d|\s+would)"}


def _en_token(token: str) -> str:
    token = token.lower().replace("’", "'")
    if token.endswith("n't"):
        base = token[:-3]
        if base == "ca":
            return r"can(?:['’]?t|\s*not)"
        if base == "wo":
            return r"(?:won['’]?t|will\s+not)"
        return re.escape(base) + r"(?:n['’]?t|\s+not)"
    if "'" in token:
        head, tail = token.split("'", 1)
        if tail in _CONTRACTIONS:
            return re.escape(head) + _CONTRACTIONS[tail]
    return re.escape(token)


def _en_pattern(phrase: str) -> str:
    tokens = [t.strip(".,!?;:\"“”") for t in phrase.lower().split()]
    out, gap = [], _EN_GAP
    for token in tokens:
        if token in ("…", "..."):
            gap = r"(?:[\s,]+[\w'’]+){0,3}[\s,]+"
            continue
        if token:
            if out:
                out.append(gap)
            out.append(_en_token(token))
            gap = _EN_GAP
    return "".join(out) + r"(?![\w'’])"


def _zh_pattern(phrase: str) -> str:
    chars = [c for c in phrase.strip().lower() if not c.isspace()]
    punct = rf"[{re.escape(_ZH_PUNCT)}\s]*"
    out: list[str] = []
    for c in chars:
        if c == "…":
            out.append(r".{0,8}?")
        elif c in _ZH_PUNCT:
            out.append(punct)
        else:
            if out and out[-1] not in (punct, r".{0,8}?"):
                out.append(_ZH_GAP)
            out.append(re.escape(c))
    while out and out[-1] in (punct, r".{0,8}?"):
        out.pop()
    return "".join(out)


def phrase_pattern(phrase: str) -> str:
    """A regular expression for a listed phrase, tolerant as the module docstring says.

    It is matched against lowercased text, and starts with a literal so that the regex
    engine can skip ahead to the phrase's first character: boundaries and the 不 / 没
    guard are checked by ``Words`` after a match (a lookbehind makes matching 20 times slower)."""
    return _zh_pattern(phrase) if _CJK.search(phrase) else _en_pattern(phrase)


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    text: str  # as said


class Words:
    """Listed phrases as one pattern, matched as the module docstring says.

    Compiled on first use: loading checks the files at start-up in milliseconds, and the
    patterns (a few hundred) are built only by the process that analyses a call."""

    def __init__(self, phrases: Iterable[str], guard: bool = False):
        self.phrases = tuple(sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True))
        self.guard = guard  # no match right after 不 / 没 (我不理解 is not 理解)

    @cached_property
    def pattern(self) -> re.Pattern | None:
        return re.compile("|".join(phrase_pattern(p) for p in self.phrases)) if self.phrases else None

    def finditer(self, text: str) -> Iterator[Hit]:
        pattern = self.pattern
        if pattern is None:
            return
        low = _lower(text)
        if pattern.search(low) is None:  # most texts: one look, nothing found
            return
        same = len(low) == len(text)
        pos = 0
        while (m := pattern.search(low, pos)) is not None:
            at = m.start()
            before = low[at - 1] if at else ""
            if before and ((before in _WORD_CHARS and low[at] in _WORD_CHARS) or (self.guard and before in "不没")):
                pos = at + 1  # inside a word, or negated: look on
                continue
            yield Hit(at, m.end(), text[at:m.end()] if same else m.group())
            pos = max(m.end(), at + 1)

    def search(self, text: str) -> Hit | None:
        return next(self.finditer(text), None)

    def count(self, text: str) -> int:
        return sum(1 for _ in self.finditer(text))


@lru_cache(maxsize=16)
def _lower(text: str) -> str:
    """A segment's text lowercased once for the dozen word lists that read it."""
    return text.lower()


# --- one language's reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    text: str
    open: bool


@dataclass(frozen=True)
class Warm:
    text: str
    family: str


class Language:
    """How one language's speech is read: units for pace, questions, empathy, warmth."""

    def __init__(self, lang: str, empathy: dict[str, Words], question: dict[str, tuple[str, ...]],
                 feeling: Words, exclamations: Words, small_talk: Words):
        self.lang = lang
        self._empathy = empathy
        self._any_empathy = Words((p for w in empathy.values() for p in w.phrases), guard=True)
        self._feeling = feeling
        self._exclamations = exclamations
        self._small_talk = small_talk
        self._open = Words(question.get("open", ()))
        if lang == "zh":
            self._ask = Words(question.get("ask", ()))
            finals = "".join(re.escape(f) for f in question.get("final", ()))
            self._final = re.compile(rf"[{finals}]\s*$") if finals else None
        else:
            fillers = "|".join(re.escape(f) for f in question.get("fillers", ()))
            openings = "|".join(_en_pattern(o) for o in sorted(question.get("openings", ()), key=len, reverse=True))
            self._opening = re.compile(rf"^\s*(?:(?:{fillers})[\s,]+)*(?:{openings})") if openings else None

    def warm(self) -> None:
        for words in (*self._empathy.values(), self._any_empathy, self._feeling, self._exclamations,
                      self._small_talk, self._open, getattr(self, "_ask", self._open)):
            words.pattern  # noqa: B018

    def units(self, text: str) -> int:
        """What pace counts: CJK characters (zh) or words (en)."""
        return cjk_count(text) if self.lang == "zh" else word_count(text)

    def question(self, text: str, punctuated: bool = True) -> Asked | None:
        """The first clause of the segment that asks something, if any (see lexicon.toml)."""
        for clause, mark in _clauses(text):
            if not clause.strip():
                continue
            if mark or self._asks(clause, punctuated):
                return Asked(clause.strip(), self._open.search(clause) is not None)
        return None

    def _asks(self, clause: str, punctuated: bool) -> bool:
        if self.lang == "zh":
            if (self._final and self._final.search(clause)) or self._ask.search(clause):
                return True
            return not punctuated and self._open.search(clause) is not None
        return not punctuated and self._opening is not None and self._opening.search(clause.lower()) is not None

    def empathy(self, text: str) -> Warm | None:
        """The first empathy phrase not followed by 但是 / but in the segment."""
        if self._any_empathy.search(text) is None:  # most segments: one quick look
            return None
        best: Warm | None = None
        best_at = len(text) + 1
        last_but = max((m.start() for m in _BUT[self.lang].finditer(text)), default=-1)
        for family, words in self._empathy.items():
            for hit in words.finditer(text):
                if hit.start >= best_at:
                    break
                if hit.end > last_but:  # no 但是 / but after it
                    best, best_at = Warm(hit.text.strip(), family), hit.start
                    break
        return best

    def feeling_words(self, text: str) -> int:
        return self._feeling.count(text)

    def exclaims(self, text: str) -> int:
        return int("！" in text or "!" in text or self._exclamations.search(text) is not None)

    def small_talk(self, text: str) -> int:
        return int(self._small_talk.search(text) is not None)


def _clauses(text: str) -> Iterable[tuple[str, bool]]:
    """(clause, ends with a question mark) for each clause of a segment."""
    start = 0
    for m in _CLAUSE_END.finditer(text):
        yield text[start:m.start()], m.group() in "?？"
        start = m.end()
    if start < len(text):
        yield text[start:], False


# --- banned phrases and the customer ----------------------------------------------------------


@dataclass(frozen=True)
class Banned:
    id: str
    said: dict[str, tuple[str, ...]]  # lang -> the listed wordings
    instead: Text
    source: str  # "banned.toml" or "phrases.toml"


@dataclass(frozen=True)
class BannedHit:
    text: str  # as said
    phrase: str  # as listed
    instead: str


@dataclass(frozen=True)
class CueWords:
    cue: str
    measure: str | None
    high: dict[str, Words]
    low: dict[str, Words]


@dataclass(frozen=True)
class CallLexicon:
    banned: tuple[Banned, ...]
    languages: dict[str, Language]
    customer_cues: tuple[CueWords, ...]
    moods: dict[str, dict[str, Words]]  # mood id -> lang -> words
    reference: Any  # observed.Reference
    caller: Any  # CallerContent: read_caller reads the customer's type from the cues heard

    def language(self, lang: str) -> Language:
        return self.languages[lang]

    def compiled(self) -> CallLexicon:
        """Every pattern built now (patterns are otherwise built on first use): for a worker
        or a benchmark that should not pay for it on its first call."""
        for lang, language in self.languages.items():
            language.warm()
            anything, wordings = self._banned_words[lang]
            for words in (anything, *(w for w, _p, _b in wordings)):
                words.pattern  # noqa: B018
            for cue in self.customer_cues:
                for words in (*cue.high.values(), *cue.low.values()):
                    words.pattern  # noqa: B018
            for by_lang in self.moods.values():
                by_lang[lang].pattern  # noqa: B018
        return self

    @cached_property
    def _banned_words(self) -> dict[str, tuple[Words, list[tuple[Words, str, Banned]]]]:
        """Per language: every wording in one pattern, and each on its own (in entry order) to name a hit."""
        out = {}
        for lang in LANGS:
            wordings = [(Words([p]), p, b) for b in self.banned for p in b.said.get(lang, ())]
            out[lang] = (Words(p for _w, p, _b in wordings), wordings)
        return out

    def banned_in(self, text: str, lang: str) -> list[BannedHit]:
        """Each banned phrase said in this text, once per entry, in the order said.

        One pass of all wordings at once (longest first at each place); a stretch of speech
        is named by the first entry with a wording found in it, so banned.toml wins over the
        phrase bank when both list the same words (这不归我们管 is banned.toml's 不归我们管)."""
        anything, wordings = self._banned_words[lang]
        hits: list[BannedHit] = []
        seen: set[tuple[str, str]] = set()
        named: dict[str, tuple[str, Banned] | None] = {}
        for hit in anything.finditer(text):
            said = hit.text.lower()
            if said not in named:
                named[said] = next(((p, b) for w, p, b in wordings if w.search(said) is not None), None)
            found = named[said]
            if found is not None and (found[1].source, found[1].id) not in seen:
                seen.add((found[1].source, found[1].id))
                hits.append(BannedHit(hit.text.strip(), found[0], found[1].instead.get(lang)))
        return hits


# --- loading -------------------------------------------------------------------------------------


def _phrase_list(r: Reader, data: Any, where: str, required: bool = True) -> tuple[str, ...]:
    if data is None and not required:
        return ()
    if not isinstance(data, list) or not data or not all(isinstance(p, str) and p.strip() for p in data):
        r.problem(where, "needs a list of non-empty phrases")
        return ()
    for p in data:
        if len(p) > 60:
            r.problem(where, f"phrase '{shown(p)}' is longer than 60 characters")
    return tuple(p.strip() for p in data)


def _by_lang(r: Reader, data: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        r.problem(where, "missing phrases (expected a table with 'zh' and 'en' lists)")
        return {lang: () for lang in LANGS}
    for extra in sorted(set(data) - set(LANGS) - {"id", "name", "technique", "mood", "cue"}):
        r.problem(where, f"unknown key '{shown(extra)}'")
    return {lang: _phrase_list(r, data.get(lang), f"{where}: {lang}") for lang in LANGS}


def _entries(r: Reader, data: dict, table: str, what: str, key: str = "id",
             known: Iterable[str] | None = None, source: str = "") -> Iterator[tuple[str, dict, str]]:
    """(where, entry, its key) for each [[table]] entry whose key is well formed (or, with
    ``known``, one of those), and not seen before; each other entry is a problem named by
    its key or position."""
    entries = data.get(table)
    if not isinstance(entries, list) or not entries:
        r.problem(table, f"missing [[{table}]] entries")
        return
    allowed = None if known is None else list(known)
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        value = entry.get(key) if isinstance(entry, dict) else None
        where = f"{what} '{shown(value)}'" if isinstance(value, str) else f"{what} #{n}"
        if not isinstance(entry, dict):
            r.problem(where, "must be a table")
        elif allowed is None and (not isinstance(value, str) or not ITEM_ID_RE.match(value)):
            r.problem(where, f"needs a well-formed '{key}' (letters, digits, - and _; at most 32)")
        elif allowed is not None and value not in allowed:
            r.problem(where, f"unknown {what.split()[-1]} (expected one of {', '.join(allowed)} from {source})")
        elif value in seen:
            r.problem(where, "listed twice")
        else:
            seen.add(value)
            yield where, entry, value


def _read_banned(path: Path, problems: list[str]) -> list[Banned]:
    """banned.toml through the content check's reader (one reader of the list): its
    entries as the calls match them, each with the wording to say instead."""
    try:
        compliance = load_compliance(path)
    except QuestionnaireError as exc:
        problems.extend(exc.problems)
        return []
    prefix = BANNED_RULE + ":"
    return [Banned(rule.id.removeprefix(prefix), {"zh": rule.said.zh, "en": rule.said.en}, rule.instead, BANNED_FILE)
            for rule in compliance.rules if rule.id.startswith(prefix)]


def _from_replacements(caller: Any) -> list[Banned]:
    """The phrase bank's pairs (avoid -> say) as banned phrases, their end punctuation dropped."""
    out = []
    for x in caller.replacements:
        said = {lang: (x.avoid.get(lang).strip().rstrip("。.！!…"),) for lang in LANGS}
        out.append(Banned(x.id, said, x.say, "phrases.toml"))
    return out


def _read_lexicon(r: Reader, data: dict, caller: Any) -> tuple[dict, tuple[CueWords, ...], dict]:
    techniques = {t: [] for t in caller.techniques}
    for line in caller.empathy:
        techniques.setdefault(line.technique, []).append(line.say)

    families: dict[str, dict[str, list[str]]] = {}
    for where, entry, fid in _entries(r, data, "empathy", "empathy"):
        r.text(entry.get("name"), f"{where}: name")
        words = {lang: list(p) for lang, p in _by_lang(r, entry, where).items()}
        technique = entry.get("technique")
        if technique is not None:
            if technique not in caller.techniques:
                r.problem(where, f"unknown technique '{shown(technique)}' (expected one of {', '.join(caller.techniques)})")
            else:
                for say in techniques[technique]:
                    for lang in LANGS:
                        words[lang].append(say.get(lang).strip().rstrip("。.！!？?"))
        families[fid] = words

    questions = r.table(data, "questions", "questions")
    q_words = {}
    for lang, keys in (("zh", ("open", "final", "ask")), ("en", ("open", "openings", "fillers"))):
        table = r.table(questions, lang, f"questions: {lang}")
        q_words[lang] = {k: _phrase_list(r, table.get(k), f"questions: {lang}: {k}") for k in keys}

    simple = {key: _by_lang(r, data.get(key), key) for key in ("feeling", "exclamations", "small_talk")}
    languages = {
        lang: Language(
            lang,
            {fid: Words(words[lang], guard=True) for fid, words in families.items()},
            q_words[lang],
            Words(simple["feeling"][lang], guard=True),
            Words(simple["exclamations"][lang]),
            Words(simple["small_talk"][lang]),
        )
        for lang in LANGS
    }
    return languages, _read_customer_cues(r, data, caller), _read_moods(r, data, caller)


def _read_customer_cues(r: Reader, data: dict, caller: Any) -> tuple[CueWords, ...]:
    out = []
    for where, entry, cue_id in _entries(r, data, "customer_cues", "customer cue", "cue", caller.cue_by_id, "cues.toml"):
        measure = entry.get("measure")
        if measure is not None:
            if measure not in MEASURES:
                r.problem(where, f"unknown measure '{shown(measure)}' (expected one of {', '.join(MEASURES)})")
            out.append(CueWords(cue_id, measure if measure in MEASURES else None, {}, {}))
            continue
        poles = {}
        for pole in ("high", "low"):
            poles[pole] = {lang: Words(p) for lang, p in _by_lang(r, entry.get(pole), f"{where}: {pole}").items()}
        out.append(CueWords(cue_id, None, poles["high"], poles["low"]))
    return tuple(out)


def _read_moods(r: Reader, data: dict, caller: Any) -> dict[str, dict[str, Words]]:
    return {mood: {lang: Words(p) for lang, p in _by_lang(r, entry, where).items()}
            for where, entry, mood in _entries(r, data, "moods", "mood", "mood", caller.mood_by_id, "cues.toml")}


def _read_file(path: Path, problems: list[str]) -> dict | None:
    try:
        return read_toml(path)
    except QuestionnaireError as exc:
        problems.extend(exc.problems)
        return None


def load_call_lexicon(questionnaires_dir: str | Path, caller_content: Any) -> CallLexicon:
    """banned.toml, calls/lexicon.toml and calls/reference.toml read and checked together."""
    from .observed import read_reference

    base = Path(questionnaires_dir)
    problems: list[str] = []
    banned = _read_banned(base / "caller" / COMPLIANCE_FILE, problems)
    raw_lexicon = _read_file(base / "calls" / LEXICON_FILE, problems)
    raw_reference = _read_file(base / "calls" / REFERENCE_FILE, problems)
    readers = {name: Reader(name) for name in (LEXICON_FILE, REFERENCE_FILE)}
    languages, cues, moods = ({}, (), {})
    if raw_lexicon is not None:
        languages, cues, moods = _read_lexicon(readers[LEXICON_FILE], raw_lexicon, caller_content)
    reference = read_reference(readers[REFERENCE_FILE], raw_reference) if raw_reference is not None else None
    for reader in readers.values():
        problems.extend(at_most(reader.problems, reader.source))
    if problems:
        raise QuestionnaireError(problems)
    lexicon = CallLexicon(
        banned=tuple(banned + _from_replacements(caller_content)),
        languages=languages,
        customer_cues=cues,
        moods=moods,
        reference=reference,
        caller=caller_content,
    )
    return lexicon
