"""Practice calls: a session's scenarios, grading an attempt, and the scores that sum them up."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, Iterable

from ..collation import sort_key
from ..grammar import with_article
from ..model import STYLES
from ..questionnaire import shown
from .content import CallerContent, CallerInputError

SESSION_LENGTH = 8


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
