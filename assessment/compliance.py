"""What a QC listener marks down in a line said on a call, checked before an agent is told to say it.

Pure Python (no Flask). A centre's rules are data: ``questionnaires/caller/compliance.toml``
holds the rules that need more than a word list (promising before checking, opening a
service without the charge and consent, reading back a full ID number, ...), and names
the centre's list of banned service phrases (``banned.toml``, 服务忌语), so that list is
kept once and read both here and by whoever matches call transcripts.

A rule fires on a line when one of its ``said`` wordings is in it (and, for a rule with
``with``, one of those too), after the rule's ``except`` wordings are taken out (会不会影响
asks a question, 不会影响 makes a promise). A rule with ``requires`` is judgement rather
than a ban: the line passes when every required group has a word in it, so "the monthly
fee is 30 yuan; shall I set it up?" is fine where "I'll set it up now" is not.

Chinese is matched as written; English ignoring case, on whole words, with curly
apostrophes read as straight ones. ``load_compliance`` raises ``QuestionnaireError``
naming the file, the rule and the problem, like every other content loader.

``said_lines`` lists every line the tool tells an agent to say, by file and id, so the
content check can run them all through ``Compliance.check``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .model import LANGS
from .caller.content import CallerReader
from .questionnaire import QuestionnaireError, Text, at_most, read_toml, shown

COMPLIANCE_FILE = "compliance.toml"
BANNED_RULE = "banned"  # the id every banned-phrase finding carries, with the entry's id


@dataclass(frozen=True)
class Wording:
    """Words per language; ``find`` says which of them a text contains."""

    zh: tuple[str, ...]
    en: tuple[str, ...]

    def find(self, text: str, lang: str) -> str | None:
        for word in self.zh if lang == "zh" else self.en:
            if _contains(text, word, lang):
                return word
        return None


@dataclass(frozen=True)
class Requirement:
    what: Text
    wording: Wording


@dataclass(frozen=True)
class Rule:
    id: str
    reason: Text
    said: Wording
    with_: Wording | None = None
    except_: Wording | None = None
    requires: tuple[Requirement, ...] = ()
    instead: Text | None = None  # the standard wording, for a banned phrase


@dataclass(frozen=True)
class Finding:
    rule: str
    lang: str
    matched: str  # the wording that triggered it
    problem: str  # what is wrong, in English, for a test or a log
    reason: Text

    def __str__(self) -> str:
        return f"{self.rule} ({self.lang}: “{self.matched}”): {self.problem}"


@dataclass(frozen=True)
class Compliance:
    rules: tuple[Rule, ...]

    def check(self, text: Text | dict) -> list[Finding]:
        """Every rule the line breaks, in either language."""
        if isinstance(text, dict):
            text = Text(text.get("en", ""), text.get("zh", ""))
        findings = []
        for rule in self.rules:
            for lang in LANGS:
                finding = _check_rule(rule, text.get(lang), lang)
                if finding is not None:
                    findings.append(finding)
        return findings


def _normalised(text: str, lang: str) -> str:
    return text.replace("’", "'").replace("‘", "'").lower() if lang == "en" else text


def _contains(text: str, word: str, lang: str) -> bool:
    text, word = _normalised(text, lang), _normalised(word, lang)
    if lang != "en":
        return word in text
    start = r"\b" if word[:1].isalnum() else ""
    end = r"\b" if word[-1:].isalnum() else ""
    return re.search(start + re.escape(word) + end, text) is not None


def _check_rule(rule: Rule, text: str, lang: str) -> Finding | None:
    if rule.except_ is not None:
        for word in rule.except_.zh if lang == "zh" else rule.except_.en:
            text = _normalised(text, lang).replace(_normalised(word, lang), " ")
    matched = rule.said.find(text, lang)
    if matched is None:
        return None
    if rule.with_ is not None:
        also = rule.with_.find(text, lang)
        if also is None:
            return None
        matched = f"{matched} … {also}"
    if rule.requires:
        missing = [req.what.en for req in rule.requires if req.wording.find(text, lang) is None]
        if not missing:
            return None
        problem = "without " + " and ".join(missing)
    elif rule.instead is not None:
        problem = f"a banned phrase; say instead “{rule.instead.get(lang)}”"
    else:
        problem = rule.reason.en
    return Finding(rule=rule.id, lang=lang, matched=matched, problem=problem, reason=rule.reason)


# --- loading --------------------------------------------------------------------


def _wording(r: CallerReader, data: Any, where: str, required: bool = True) -> Wording | None:
    if data is None and not required:
        return None
    if not isinstance(data, dict):
        r.problem(where, "missing wording (expected a table with 'en' and 'zh' lists)")
        return None
    lists: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        value = data.get(lang, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            r.problem(where, f"'{lang}' must be a list of non-empty wordings")
            value = []
        lists[lang] = tuple(v.strip() for v in value)
    for extra in sorted(set(data) - set(LANGS) - {"what"}):
        r.problem(where, f"unknown language '{shown(extra)}' (expected {', '.join(LANGS)})")
    if required and not (lists["zh"] or lists["en"]):
        r.problem(where, "no wording in either language")
    return Wording(zh=lists["zh"], en=lists["en"])


RULE_KEYS = {"id", "reason", "said", "with", "except", "requires"}


def _read_rules(r: CallerReader, data: dict) -> list[Rule]:
    rules = []
    for where, entry in r.entries(data, "rules", "rule"):
        rule_id = entry["id"]
        if rule_id == BANNED_RULE:
            r.problem(where, f"the id '{BANNED_RULE}' is kept for banned phrases")
            continue
        for key in sorted(set(entry) - RULE_KEYS):
            r.problem(where, f"unknown key '{shown(key)}' (expected {', '.join(sorted(RULE_KEYS))})")
        reason = r.text(entry.get("reason"), f"{where}: reason")
        said = _wording(r, entry.get("said"), f"{where}: said")
        with_ = _wording(r, entry.get("with"), f"{where}: with", required=False)
        except_ = _wording(r, entry.get("except"), f"{where}: except", required=False)
        requires = []
        raw_requires = entry.get("requires", [])
        if not isinstance(raw_requires, list):
            r.problem(where, "'requires' must be a list of { what, en, zh } tables")
            raw_requires = []
        for i, group in enumerate(raw_requires, start=1):
            gwhere = f"{where}: requires[{i}]"
            what = r.text(group.get("what") if isinstance(group, dict) else None, f"{gwhere}: what")
            wording = _wording(r, group, gwhere)
            if wording is not None:
                requires.append(Requirement(what=what, wording=wording))
        if said is not None:
            rules.append(Rule(id=rule_id, reason=reason, said=said, with_=with_, except_=except_,
                              requires=tuple(requires)))
    return rules


BANNED_REASON = Text(
    en="A banned service phrase: QC marks any one of them down.",
    zh="服务忌语：质检听到任何一句都会扣分。",
)


def _read_banned(r: CallerReader, data: dict) -> list[Rule]:
    """Each entry of banned.toml as a rule: its wordings banned, its standard wording shown."""
    rules = []
    for where, entry in r.entries(data, "banned", "banned"):
        entry_id = entry["id"]
        said = _wording(r, entry.get("said"), f"{where}: said")
        instead = r.text(entry.get("instead"), f"{where}: instead")
        if said is not None:
            rules.append(Rule(id=f"{BANNED_RULE}:{entry_id}", reason=BANNED_REASON, said=said, instead=instead))
    for rule in rules:  # the wording to say instead must not itself be banned
        for lang in LANGS:
            line = rule.instead.get(lang) if rule.instead else None
            for other in rules if line else ():
                if (word := other.said.find(line, lang)) is not None:
                    r.problem(f"banned '{rule.id.split(':', 1)[1]}': instead", f"'{lang}' contains the banned phrase '{word}'")
    return rules


def load_compliance(path: str | Path) -> Compliance:
    """compliance.toml and the banned-phrase list it names; every problem in both is reported."""
    path = Path(path)
    data = read_toml(path)
    r = CallerReader(path.name)
    rules = _read_rules(r, data)
    problems = at_most(r.problems, r.source)
    banned_name = data.get("banned")
    if not isinstance(banned_name, str) or not banned_name.endswith(".toml") or "/" in banned_name:
        problems.append(f"{path.name}: banned: expected the name of the banned-phrase file beside it (banned.toml)")
    else:
        try:
            banned_data = read_toml(path.parent / banned_name)
        except QuestionnaireError as exc:
            problems.extend(exc.problems)
        else:
            rb = CallerReader(banned_name)
            rules = _read_banned(rb, banned_data) + rules
            problems.extend(at_most(rb.problems, rb.source))
    if problems:
        raise QuestionnaireError(problems)
    return Compliance(rules=tuple(rules))


# --- every line the tool tells an agent to say ------------------------------------


@dataclass(frozen=True)
class SaidLine:
    file: str  # as a path under questionnaires/
    id: str  # where in the file, e.g. "tips.driver.amiable: say[2]"
    text: Text

    def __str__(self) -> str:
        return f"{self.file}: {self.id}"


def _text(data: Any) -> Text | None:
    if isinstance(data, dict) and isinstance(data.get("en"), str) and isinstance(data.get("zh"), str):
        return Text(data["en"], data["zh"])
    return None


def tip_lines(data: dict, file: str) -> Iterator[SaidLine]:
    """The say lines and the instead line of every tip cell of a questionnaire file."""
    tips = data.get("tips") if isinstance(data.get("tips"), dict) else {}
    for agent, row in tips.items():
        for customer, cell in (row or {}).items():
            if not isinstance(cell, dict):
                continue
            for i, line in enumerate(cell.get("say") or []):
                if (text := _text(line)) is not None:
                    yield SaidLine(file, f"tips.{agent}.{customer}: say[{i}]", text)
            if (text := _text(cell.get("instead"))) is not None:
                yield SaidLine(file, f"tips.{agent}.{customer}: instead", text)


# Anchors at or above this level describe acceptable calls; a 1 describes the mistakes.
ANCHOR_FLOOR = 3


def anchor_lines(data: dict, file: str) -> Iterator[SaidLine]:
    """The anchors a rater holds up as acceptable (3 and above) of a rating scorecard."""
    for item in data.get("items") or []:
        anchors = item.get("anchors") if isinstance(item, dict) else None
        for level, text in sorted((anchors or {}).items()):
            if str(level).isdigit() and int(level) >= ANCHOR_FLOOR and (text := _text(text)) is not None:
                yield SaidLine(file, f"{item.get('id')}: anchor {level}", text)


def caller_lines(content: Any, folder: str = "caller") -> Iterator[SaidLine]:
    """Lines to say in the caller content: openings, mood lines, do lists, adjustments,
    phrases, empathy, replacements (the side to say) and the best reply of each practice call."""
    cues, phrases, scenarios = f"{folder}/cues.toml", f"{folder}/phrases.toml", f"{folder}/scenarios.toml"
    for mood in content.moods:
        yield SaidLine(cues, f"mood '{mood.id}': line", mood.line)
    for key, guide in content.types.items():
        yield SaidLine(cues, f"type '{key}': opening", guide.opening)
        for i, text in enumerate(guide.do, start=1):
            yield SaidLine(cues, f"type '{key}': do[{i}]", text)
    for (agent, customer), cell in content.adjustments.items():
        yield SaidLine(cues, f"adjust '{agent}.{customer}': do", cell.do)
    for group in content.phrases.values():
        for phrase in group:
            yield SaidLine(phrases, f"phrase '{phrase.id}': say", phrase.say)
    for line in content.empathy:
        yield SaidLine(phrases, f"empathy '{line.id}'", line.say)
    for replacement in content.replacements:
        yield SaidLine(phrases, f"replacement '{replacement.id}': say", replacement.say)
    for scenario in content.scenarios:
        best = scenario.best_reply
        yield SaidLine(scenarios, f"scenario '{scenario.id}': best reply '{best.id}'", best.text)


def said_lines(root: str | Path, caller_content: Any) -> list[SaidLine]:
    """Every line to say in the content under ``root`` (the questionnaires folder): the tips
    of every questionnaire, current and archived (archived results still show theirs), the
    anchors of every current rating scorecard, and the caller content given."""
    root = Path(root)
    lines: list[SaidLine] = []
    for path in sorted(root.glob("*.toml")) + sorted((root / "archive").glob("*.toml")):
        name = path.relative_to(root).as_posix()
        data = read_toml(path)
        lines.extend(tip_lines(data, name))
        if data.get("kind") == "rating" and path.parent == root:
            lines.extend(anchor_lines(data, name))
    lines.extend(caller_lines(caller_content))
    return lines


def instead_lines(compliance: Compliance, file: str = "caller/banned.toml") -> list[SaidLine]:
    """The standard wording of each banned phrase: a line to say like any other."""
    return [SaidLine(file, f"banned '{rule.id.split(':', 1)[1]}': instead", rule.instead)
            for rule in compliance.rules if rule.instead is not None]
