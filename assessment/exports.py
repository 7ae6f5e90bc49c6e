"""Spreadsheet exports: which columns each export has, their headings in English codes or
Chinese, values a trainer can read, and CSV that a spreadsheet opens safely. Pure.

Times are the centre's local time with its offset ("2026-11-03T06:15:00+08:00"), as the
pages show local dates: a row stored at 22:15 UTC belongs to the next day in Beijing.
With ``header="zh"`` the heading row is Chinese and coded values (styles, clarity, flags,
yes/no) are written out in Chinese too; the default keeps the English codes, so
spreadsheets built on earlier exports keep working.

What each export holds, and what it never does:

* responses: every result of the team (the columns of EXPORT_FIELDS);
* abilities: each member's latest staff rating per month, and self-ratings (not anonymous:
  staff rate by name);
* practice: per member, attempts and accuracy by customer type (their own answers);
* others: per member, self against the colleagues' mean, only where at least
  others.MIN_RATERS colleagues answered; no single colleague's answers, and no column
  that tells which link answered. Leads' ratings are counted, not listed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from .model import ABILITIES, AXES, STYLES

HEADERS = ("codes", "zh")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: str = "text"  # text, style, clarity, flags, yes_no, time, number


CLARITY_ZH = {"clear": "明显", "moderate": "中等", "flexible": "灵活"}
FLAG_ZH = {"straight_lining": "全部同一答案", "patterned": "答案呈固定规律", "contradictory": "答案自相矛盾",
           "acquiescence": "几乎全都同意", "too_fast": "作答过快"}
STYLE_ZH = {"driver": "支配型", "expressive": "表达型", "amiable": "和蔼型", "analytical": "分析型"}
AXIS_ZH = {"assertiveness": "果断性", "responsiveness": "情感表露"}
ABILITY_ZH = {"listening": "倾听", "understanding": "理解", "problem_solving": "解决", "expression": "表达",
              "emotional_control": "情绪控制", "learning": "学习", "attention_to_detail": "细节把握"}
SOURCE_ZH = {"staff": "质检/培训师", "self": "自评"}

RESPONSE_COLUMNS = (
    Column("id", "编号", "number"), Column("created_at", "作答时间", "time"), Column("team", "班组"),
    Column("name", "姓名"), Column("employee_id", "工号"), Column("style", "主要风格", "style"),
    Column("secondary_style", "次要风格", "style"), Column("clarity", "风格明显程度", "clarity"),
    *(Column(a, AXIS_ZH[a], "number") for a in AXES),
    *(Column(s, f"{STYLE_ZH[s]}倾向", "number") for s in STYLES),
    Column("flags", "作答质量提示", "flags"), Column("questionnaire", "问卷"),
    Column("questionnaire_version", "问卷版本", "number"), Column("lang", "语言"),
    Column("agent_id", "成员编号", "number"), Column("scoring_version", "计分版本", "number"),
    Column("valid", "有效", "yes_no"), Column("confidence", "重测同风格的估计概率", "number"),
)

ABILITY_COLUMNS = (
    Column("agent_id", "成员编号", "number"), Column("name", "姓名"), Column("period", "月份"),
    Column("source", "评分来源", "source"),
    *(Column(a, ABILITY_ZH[a], "number") for a in ABILITIES),
    Column("overall", "总分", "number"),
)

PRACTICE_COLUMNS = (
    Column("agent_id", "成员编号", "number"), Column("name", "姓名"), Column("attempts", "练习通数", "number"),
    Column("accuracy", "判断正确率", "number"),
    *(Column(f"{s}_attempts", f"{STYLE_ZH[s]}客户练习通数", "number") for s in STYLES),
    *(Column(f"{s}_accuracy", f"{STYLE_ZH[s]}客户正确率", "number") for s in STYLES),
)

OTHERS_COLUMNS = (
    Column("agent_id", "成员编号", "number"), Column("name", "姓名"), Column("invited", "已邀请", "number"),
    Column("answered", "已作答", "number"),
    Column("self_assertiveness", "自评果断性", "number"), Column("self_responsiveness", "自评情感表露", "number"),
    Column("self_style", "自评风格", "style"),
    Column("others_n", "同事评价人数", "number"),
    Column("others_assertiveness", "同事眼中的果断性", "number"),
    Column("others_responsiveness", "同事眼中的情感表露", "number"),
    Column("others_versatility", "同事眼中的灵活度", "number"), Column("others_style", "同事眼中的风格", "style"),
    Column("gap_assertiveness", "果断性差距", "number"), Column("gap_responsiveness", "情感表露差距", "number"),
    Column("leads", "上级评价份数", "number"),
)


def local_stamp(stamp: str | None, tz: ZoneInfo) -> str | None:
    """A stored UTC time as the centre's local time with its offset, to the second."""
    if not stamp:
        return stamp
    return datetime.fromisoformat(stamp).astimezone(tz).isoformat(timespec="seconds")


def readable(value: Any, kind: str, header: str) -> Any:
    """A value as the export writes it: codes by default, Chinese words with header "zh"."""
    if kind == "flags":
        flags = list(value or ())
        return "、".join(FLAG_ZH.get(f, f) for f in flags) if header == "zh" else " ".join(flags)
    if header != "zh" or value is None:
        return value
    if kind == "style":
        return STYLE_ZH.get(value, value)
    if kind == "clarity":
        return CLARITY_ZH.get(value, value)
    if kind == "source":
        return SOURCE_ZH.get(value, value)
    if kind == "yes_no":
        return "是" if value else "否"
    return value


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ (or tab/CR) as formulas: defuse them."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(columns: Sequence[Column], records: Iterable[Mapping], header: str = "codes") -> bytes:
    """UTF-8 with a BOM (Excel then reads Chinese), CRLF lines, every text cell defused."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.zh if header == "zh" else c.key for c in columns])
    for record in records:
        row = []
        for c in columns:
            value = readable(record.get(c.key), c.kind, header)
            row.append(csv_safe(value) if isinstance(value, str) else ("" if value is None else value))
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def to_json(columns: Sequence[Column], records: Iterable[Mapping]) -> list[dict]:
    """The same records for the JSON download: English keys, values as stored."""
    return [{c.key: record.get(c.key) for c in columns} for record in records]


# --- the records of each export ------------------------------------------------------

def response_records(records: Iterable[Mapping], tz: ZoneInfo) -> Iterable[dict]:
    for r in records:
        yield {**r, "created_at": local_stamp(r["created_at"], tz)}


def ability_records(agents: Sequence[Mapping], staff: Iterable[Mapping], own: Iterable[Mapping]) -> list[dict]:
    """Rows of (member, month, source) in name order, then month, staff before self."""
    order = {a["id"]: i for i, a in enumerate(agents)}
    names = {a["id"]: a["name"] for a in agents}
    rows = [
        {"agent_id": r["agent_id"], "name": names[r["agent_id"]], "period": r["period"], "source": source,
         **{a: r["abilities"].get(a) for a in ABILITIES}, "overall": _overall(r["abilities"])}
        for source, ratings in (("staff", staff), ("self", own))
        for r in ratings if r["agent_id"] in names
    ]
    return sorted(rows, key=lambda r: (order[r["agent_id"]], r["period"], r["source"] != "staff"))


def _overall(abilities: Mapping[str, float]) -> float | None:
    values = [abilities[a] for a in ABILITIES if abilities.get(a) is not None]
    return round(sum(values) / len(values), 2) if values else None


def practice_records(attempts: Iterable[Mapping], members: Sequence[Mapping]) -> list[dict]:
    """Per member: attempts and the share of callers whose type they named right, overall
    and by the caller's real type (accuracy 0-1, empty where nothing was tried)."""
    by_member: dict[Any, dict] = {}
    for a in attempts:
        m = by_member.setdefault(a["agent_id"], {s: [0, 0] for s in STYLES})
        if a["actual"] in m:
            m[a["actual"]][0] += 1
            m[a["actual"]][1] += bool(a["type_correct"])
    rows = []
    for m in members:
        counts = by_member.get(m["agent_id"], {s: [0, 0] for s in STYLES})
        row = {"agent_id": m["agent_id"], "name": m["name"], "attempts": m["attempts"], "accuracy": m["accuracy"]}
        for s in STYLES:
            tried, right = counts[s]
            row[f"{s}_attempts"] = tried
            row[f"{s}_accuracy"] = round(right / tried, 3) if tried else None
        rows.append(row)
    return rows


def others_records(members: Iterable[Mapping]) -> list[dict]:
    """Per member, from others.team_others: the colleagues' figures only where their mean is
    shown at all (at least MIN_RATERS answered), else empty; leads counted, never listed."""
    rows = []
    for m in members:
        own, peers, gap = m["self"], m["others"], m["gap"]
        rows.append({
            "agent_id": m["member"], "name": m["name"], "invited": m["invited"], "answered": m["answered"],
            "self_assertiveness": own["axes"]["assertiveness"] if own and own.get("axes") else None,
            "self_responsiveness": own["axes"]["responsiveness"] if own and own.get("axes") else None,
            "self_style": own.get("style") if own else None,
            "others_n": peers["n"] if peers else None,
            "others_assertiveness": peers["axes"]["assertiveness"] if peers else None,
            "others_responsiveness": peers["axes"]["responsiveness"] if peers else None,
            "others_versatility": peers["versatility"] if peers else None,
            "others_style": peers["style"] if peers else None,
            "gap_assertiveness": gap["assertiveness"] if gap else None,
            "gap_responsiveness": gap["responsiveness"] if gap else None,
            "leads": len(m.get("leads") or ()),
        })
    return rows
