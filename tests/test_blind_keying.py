"""tools/blind_keying.py: the blind readers' sheet gives nothing away, and the score counts agreement."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from assessment.caller import load_caller_content

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("blind_keying", ROOT / "tools" / "blind_keying.py")
bk = importlib.util.module_from_spec(spec)
sys.modules["blind_keying"] = bk  # dataclasses look their module up while the file runs
spec.loader.exec_module(bk)

CONTENT = load_caller_content(ROOT / "questionnaires" / "caller")


@pytest.fixture
def dumped(tmp_path):
    assert bk.main(["dump", "--sheet", str(tmp_path / "sheet.md"), "--key", str(tmp_path / "key.json"),
                    "--seed", "3"]) == 0
    return (tmp_path / "sheet.md").read_text(encoding="utf-8"), json.loads((tmp_path / "key.json").read_text())


def test_the_sheet_holds_every_caller_and_nothing_that_gives_the_key_away(dumped):
    sheet, key = dumped
    codes = key["codes"]
    assert len(codes) == len(CONTENT.scenarios)
    callers = sheet.split("## Callers / 来电者")[1]
    for scenario in CONTENT.scenarios:
        assert scenario.id not in sheet
        assert scenario.type_why.en not in sheet and scenario.type_why.zh not in sheet
        for line in (*scenario.caller_en, *scenario.caller_zh):
            assert f"> {line}" in callers
    # Only the codes and the caller's words: no type, mood or topic in the callers' part.
    for word in ("driver", "expressive", "amiable", "analytical", "支配型", "表达型", "和蔼型", "分析型",
                 "mood", "topic", "billing", "outbound"):
        assert word not in callers.split("## Answer template")[0].lower()
    for key_name, (en, zh, _, _) in bk.TYPES.items():
        assert f"**{en} / {zh}** (`{key_name}`)" in sheet


def test_the_order_and_codes_are_not_the_files_and_repeat_with_a_seed(dumped):
    sheet, key = dumped
    order = [c for c in key["codes"]]
    assert [key["codes"][c]["scenario"] for c in order] != [s.id for s in CONTENT.scenarios]
    again = bk.make_entries(CONTENT.scenarios, seed=3)
    assert [e.code for e in again] == order
    assert len(set(order)) == len(order) and all(len(c) == bk.CODE_LENGTH for c in order)


def _answers(tmp_path, name, key, wrong=(), zh=False):
    names = {"driver": "支配型", "expressive": "表达型", "amiable": "和蔼型", "analytical": "分析型"}
    lines = ["# reader notes"]
    for code, entry in key.items():
        t = entry["customer_type"]
        if entry["scenario"] in wrong:
            t = "driver" if t != "driver" else "amiable"
        lines.append(f"{code}: {names[t]}" if zh else f"{code} {t}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_counts_agreement_per_scenario_and_lists_those_below_two_of_three(dumped, tmp_path, capsys):
    _, key = dumped
    codes = key["codes"]
    a = _answers(tmp_path, "a.txt", codes, wrong={"bill-increase", "fault-tv-signal"})
    b = _answers(tmp_path, "b.txt", codes, wrong={"bill-increase"}, zh=True)
    c = _answers(tmp_path, "c.txt", codes)
    status = bk.main(["score", "--key", str(tmp_path / "key.json"), str(a), str(b), str(c)])
    out = capsys.readouterr().out
    assert status == 1
    n = len(codes)
    assert f"overall: {3 * n - 3}/{3 * n} answers agree with the key" in out
    assert f"{n - 1}/{n} scenarios have at least 2 of 3 readers agreeing" in out
    failing = out.split("fewer than 2 of 3 readers agree")[1]
    assert "bill-increase" in failing and "fault-tv-signal" not in failing
    assert any(line.startswith("fault-tv-signal") and line.endswith("2/3") for line in out.splitlines())


def test_all_readers_agreeing_exits_cleanly(dumped, tmp_path, capsys):
    _, key = dumped
    files = [str(_answers(tmp_path, f"{i}.txt", key["codes"])) for i in range(3)]
    assert bk.main(["score", "--key", str(tmp_path / "key.json"), *files]) == 0
    assert "(100%)" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ("QQQQ driver", "unknown code QQQQ"),
    ("{code} boss", "unknown type 'boss'"),
    ("just some words here", "expected 'CODE type'"),
])
def test_a_bad_answer_line_is_named_by_file_and_line(dumped, tmp_path, capsys, line, message):
    _, key = dumped
    code = next(iter(key["codes"]))
    path = tmp_path / "bad.txt"
    path.write_text(f"{code} driver\n" + line.format(code=code) + "\n", encoding="utf-8")
    assert bk.main(["score", "--key", str(tmp_path / "key.json"), str(path)]) == 2
    err = capsys.readouterr().err
    assert f"bad.txt:2: {message}" in err


def test_an_unanswered_code_counts_as_disagreeing(dumped, tmp_path, capsys):
    _, key = dumped
    first = next(iter(key["codes"]))
    path = tmp_path / "partial.txt"
    path.write_text(f"{first}\n", encoding="utf-8")  # the template line, left blank
    assert bk.main(["score", "--need", "1", "--key", str(tmp_path / "key.json"), str(path)]) == 1
    out = capsys.readouterr().out
    assert f"0/{len(key['codes'])} agree with the key, {len(key['codes'])} unanswered" in out
