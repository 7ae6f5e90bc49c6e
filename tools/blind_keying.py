"""Key the practice calls blind: readers who see only the caller's lines name the type.

A practice call teaches only if its caller can be read as the type it is keyed to.
Three readers who have not seen the key each get the same sheet: every scenario's
caller lines (English and Chinese) under a neutral random code, shuffled, with the
four customer types described. Each writes down a type per code. A scenario is kept
when at least two of three readers agree with its key.

    python tools/blind_keying.py dump --sheet sheet.md --key key.json
        writes the readers' sheet (give it to each reader, nothing else) and the key
        (keep it away from them); --seed N makes the codes and order repeatable.

    python tools/blind_keying.py score --key key.json answers-1.txt answers-2.txt answers-3.txt
        prints, per scenario, each reader's answer and how many agree with the key,
        then the overall agreement and the scenarios fewer than --need readers
        (default 2) agree on. Exit status 1 when there is any such scenario.

An answer file has one line per code: the code, then the type, in English or Chinese
(``K7Q2 driver``, ``K7Q2: 支配型``); blank lines and lines starting with # are ignored.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment.caller import load_caller_content  # noqa: E402
from assessment.model import STYLES  # noqa: E402

CALLER_DIR = Path(__file__).resolve().parent.parent / "questionnaires" / "caller"
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no 0/O, 1/I, 2/Z, 5/S, 6/B, 8: easy to copy by hand
CODE_LENGTH = 4

# The four types as the domain brief describes them on the phone, in both languages.
TYPES = {
    "driver": ("Driver", "支配型",
               "Short sentences, interrupts, wants the answer now; tells rather than asks; "
               "bare facts, little feeling.",
               "句子短，爱打断，要马上得到答案；多是提要求而不是提问；只讲事实，不太流露感受。"),
    "expressive": ("Expressive", "表达型",
                   "Talkative, jumps around, tells stories with feelings and vivid words; "
                   "fast, and steers the talk.",
                   "健谈，话题跳跃，讲经过、讲感受，用词夸张；语速快，话由他主导。"),
    "amiable": ("Amiable", "和蔼型",
                "Polite and hesitant, asks rather than tells, avoids saying no; "
                "warm, open about worries, often apologises.",
                "客气、犹豫，多是请求而不是要求，不好意思拒绝；语气温和，会说出担心，常道歉。"),
    "analytical": ("Analytical", "分析型",
                   "Precise questions about details, rules and figures; measured pace, "
                   "sceptical; facts without feelings.",
                   "问题问得细，关心细节、规定和数字；节奏平稳，爱较真；只讲事实，不谈感受。"),
}
NAMES = {name.lower(): key for key, (en, zh, _, _) in TYPES.items() for name in (key, en, zh)}


class KeyingError(ValueError):
    """A key or answer file that cannot be read: the file, the line and what is wrong."""


@dataclass(frozen=True)
class Entry:
    code: str
    scenario: str
    customer_type: str
    caller_en: tuple[str, ...]
    caller_zh: tuple[str, ...]


def make_entries(scenarios, seed=None) -> list[Entry]:
    """Each scenario under its own random code, in shuffled order."""
    rng = random.Random(seed)
    codes: set[str] = set()
    entries = []
    for s in scenarios:
        code = ""
        while not code or code in codes:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        codes.add(code)
        entries.append(Entry(code, s.id, s.customer_type, tuple(s.caller_en), tuple(s.caller_zh)))
    rng.shuffle(entries)
    return entries


def sheet(entries: list[Entry]) -> str:
    """What a reader sees: instructions, the four types, and each caller under a code."""
    out = [
        "# Blind keying: which type is each caller? / 盲评：每位来电者是哪种类型？",
        "",
        "Each block below is what one caller says in the first minute of a call to a",
        "contact centre (English, then the same lines in Chinese). Read only the caller's",
        "words and name the customer type that fits best. Work alone: do not discuss",
        "with other readers. The caller's mood (angry, anxious, in a hurry, calm) is not",
        "the type: an angry Amiable is still an Amiable. Listen for the pace, whether they",
        "tell or ask, and whether they give feelings and stories or bare facts.",
        "",
        "下面每一段是一位来电者在通话开头说的话（先英文，后中文）。只根据来电者的话，",
        "判断最符合的客户类型。请独立完成，不要和其他评判人讨论。情绪（生气、焦虑、",
        "赶时间、平静）不等于类型：生气的和蔼型依然是和蔼型。留意语速、是提要求还是",
        "提问、是讲感受和经过还是只讲事实。",
        "",
        "Write your answers in a plain text file, one line per code: the code, then the",
        "type, e.g. `K7Q2 driver` or `K7Q2 支配型`. Answer every code.",
        "答案写在一个纯文本文件里，每行一个编号：编号后写类型，例如 `K7Q2 driver` 或",
        "`K7Q2 支配型`。每个编号都要作答。",
        "",
        "## The four types / 四种类型",
        "",
    ]
    for key, (en, zh, en_desc, zh_desc) in TYPES.items():
        out += [f"- **{en} / {zh}** (`{key}`): {en_desc}", f"  {zh_desc}"]
    out += ["", "## Callers / 来电者", ""]
    for e in entries:
        out.append(f"### {e.code}")
        out.append("")
        out += [f"> {line}" for line in e.caller_en]
        out.append(">")
        out += [f"> {line}" for line in e.caller_zh]
        out.append("")
    out += ["## Answer template / 答题模板", "", "```"]
    out += [f"{e.code} " for e in entries]
    out += ["```", ""]
    return "\n".join(out)


def key_document(entries: list[Entry]) -> dict:
    return {"codes": {e.code: {"scenario": e.scenario, "customer_type": e.customer_type} for e in entries}}


def read_key(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        codes = data["codes"]
        for code, entry in codes.items():
            if entry.get("customer_type") not in STYLES or not isinstance(entry.get("scenario"), str):
                raise KeyingError(f"{path}: code {code}: needs a scenario and a customer_type")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, KeyingError):
            raise
        raise KeyingError(f"{path}: not a key written by 'dump' ({exc})") from None
    return codes


_LINE = re.compile(r"^\s*([A-Za-z0-9]+)\s*[:：,，=\t ]\s*(\S+)\s*$")


def read_answers(path: Path, codes: set[str]) -> dict[str, str]:
    """code -> type from one reader's file; every malformed line is reported at once."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyingError(f"{path}: cannot read ({exc})") from None
    answers: dict[str, str] = {}
    problems = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            if line.strip().upper() in codes:
                continue  # a code from the template left unanswered
            problems.append(f"{path}:{n}: expected 'CODE type', got {line.strip()[:40]!r}")
            continue
        code, name = match.group(1).upper(), match.group(2).lower()
        if code not in codes:
            problems.append(f"{path}:{n}: unknown code {code}")
        elif name not in NAMES:
            problems.append(f"{path}:{n}: unknown type {match.group(2)!r} (expected one of "
                            f"{', '.join(STYLES)} or 支配型, 表达型, 和蔼型, 分析型)")
        elif code in answers and answers[code] != NAMES[name]:
            problems.append(f"{path}:{n}: code {code} answered twice, differently")
        else:
            answers[code] = NAMES[name]
    if problems:
        raise KeyingError("\n".join(problems))
    return answers


@dataclass(frozen=True)
class Row:
    code: str
    scenario: str
    key: str
    answers: tuple[str | None, ...]  # one per reader, None when unanswered

    @property
    def agree(self) -> int:
        return sum(a == self.key for a in self.answers)


def score(key: dict[str, dict], readers: list[dict[str, str]]) -> list[Row]:
    rows = [Row(code, entry["scenario"], entry["customer_type"], tuple(r.get(code) for r in readers))
            for code, entry in key.items()]
    return sorted(rows, key=lambda r: (r.key, r.scenario))


def report(rows: list[Row], reader_names: list[str], need: int) -> tuple[str, list[Row]]:
    """The printed table and summary, and the rows below ``need``."""
    n = len(reader_names)
    lines = [f"{'scenario':<28} {'key':<11} " + " ".join(f"{f'r{i + 1}':<11}" for i in range(n)) + " agree"]
    for row in rows:
        shown = " ".join(f"{a or '-':<11}" for a in row.answers)
        lines.append(f"{row.scenario:<28} {row.key:<11} {shown} {row.agree}/{n}")
    answers = len(rows) * n
    agreeing = sum(row.agree for row in rows)
    failing = [row for row in rows if row.agree < need]
    lines.append("")
    for i, name in enumerate(reader_names):
        hits = sum(row.answers[i] == row.key for row in rows)
        missing = sum(row.answers[i] is None for row in rows)
        lines.append(f"reader r{i + 1} ({name}): {hits}/{len(rows)} agree with the key"
                     + (f", {missing} unanswered" if missing else ""))
    kept = len(rows) - len(failing)
    lines.append(f"overall: {agreeing}/{answers} answers agree with the key "
                 f"({100 * agreeing / answers:.0f}%); {kept}/{len(rows)} scenarios have at least "
                 f"{need} of {n} readers agreeing")
    for t in STYLES:
        typed = [row for row in rows if row.key == t]
        if typed:
            lines.append(f"  {t:<11} {sum(r.agree for r in typed)}/{len(typed) * n} answers agree")
    if failing:
        lines.append(f"fewer than {need} of {n} readers agree (rewrite or drop):")
        lines += [f"  {row.scenario} ({row.code}): key {row.key}, read as "
                  f"{', '.join(a or '-' for a in row.answers)}" for row in failing]
    return "\n".join(lines), failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="write the readers' sheet and the key")
    d.add_argument("--sheet", type=Path, required=True, help="the sheet for readers (Markdown)")
    d.add_argument("--key", type=Path, required=True, help="the key (JSON); keep it from the readers")
    d.add_argument("--seed", type=int, default=None, help="repeatable codes and order")
    d.add_argument("--content", type=Path, default=CALLER_DIR, help="the caller content folder")
    s = sub.add_parser("score", help="compare readers' answers with the key")
    s.add_argument("--key", type=Path, required=True)
    s.add_argument("--need", type=int, default=2, help="readers who must agree with the key (default 2)")
    s.add_argument("answers", type=Path, nargs="+", help="one answer file per reader")
    args = parser.parse_args(argv)

    try:
        if args.command == "dump":
            if args.sheet.resolve() == args.key.resolve():
                raise KeyingError("--sheet and --key must be different files")
            entries = make_entries(load_caller_content(args.content).scenarios, args.seed)
            args.sheet.write_text(sheet(entries), encoding="utf-8")
            args.key.write_text(json.dumps(key_document(entries), ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"{len(entries)} callers: sheet {args.sheet}, key {args.key} (keep the key from the readers)")
            return 0
        key = read_key(args.key)
        readers = [read_answers(path, set(key)) for path in args.answers]
        if not 1 <= args.need <= len(readers):
            raise KeyingError(f"--need {args.need}: must be between 1 and the number of readers ({len(readers)})")
        text, failing = report(score(key, readers), [p.name for p in args.answers], args.need)
        print(text)
        return 1 if failing else 0
    except KeyingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
