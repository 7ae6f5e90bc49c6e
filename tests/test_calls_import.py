"""`flask import-calls` and `flask purge-calls`: files and folders (GBK and UTF-8) matched to
members by the employee id in the name or a CSV map, skipped when already imported, every
failure named without stopping the batch, a pool of workers; purging a period."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from assessment.call_intake import ImportSetupError, employee_id_of, import_calls, read_map
from call_samples import PLAIN_ZH, SRT_EN, VTT_ZH, WHISPERX, add_call, zhiji_json
from helpers import add_result, connect, count, make_team, make_trainer, rows


@pytest.fixture
def team(app, questionnaire):
    owner = make_trainer(app, "trainer-a")
    team = make_team(app, owner, "Import team")
    for name, employee in (("Ann", "E1"), ("Bo", "e2")):
        add_result(app, questionnaire, team["id"], name, 3, 3, employee_id=employee)
    return team


def members(app) -> dict[str, int]:
    return {r["employee_id"]: r["id"] for r in rows(app, "SELECT id, employee_id FROM agents")}


def run(app, *args):
    return app.test_cli_runner().invoke(args=["import-calls", *map(str, args)])


def test_a_folder_of_gbk_and_utf8_files_is_imported_to_the_right_members(app, team, tmp_path):
    (tmp_path / "E1_0301.txt").write_bytes(PLAIN_ZH.encode("gbk"))
    (tmp_path / "E1_0302.vtt").write_text(VTT_ZH, encoding="utf-8")
    (tmp_path / "E2_0301.srt").write_text(SRT_EN, encoding="utf-8")  # e2 on file: matched case-blind
    (tmp_path / "notes.md").write_text("not a call")  # other extensions in a folder are left alone
    result = run(app, tmp_path, "--team", team["id"])
    assert result.exit_code == 0, result.output
    assert "3 imported, 0 skipped (already imported), 0 failed" in result.output
    ids = members(app)
    assert sorted((r["agent_id"], r["format"]) for r in rows(app, "SELECT agent_id, format FROM calls")) == sorted(
        [(ids["E1"], "text"), (ids["E1"], "vtt"), (ids["e2"], "srt")])
    assert "3/3 files" in result.output  # progress (stderr is mixed into the output here)


def test_already_imported_content_is_skipped_even_in_another_encoding(app, team, tmp_path):
    (tmp_path / "E1_a.txt").write_bytes(PLAIN_ZH.encode("gbk"))
    run(app, tmp_path / "E1_a.txt", "--team", team["id"])
    (tmp_path / "E1_b.txt").write_text(PLAIN_ZH, encoding="utf-8")  # the same call, exported as UTF-8
    (tmp_path / "E1_c.txt").write_text(PLAIN_ZH, encoding="utf-8")  # and twice in this batch
    result = run(app, tmp_path / "E1_b.txt", tmp_path / "E1_c.txt", "--team", team["id"])
    assert "0 imported, 2 skipped (already imported), 0 failed" in result.output, result.output
    assert count(app, "calls") == 1


def test_one_bad_file_never_stops_the_batch_and_each_failure_says_why(app, team, tmp_path):
    (tmp_path / "E1_ok.vtt").write_text(VTT_ZH)
    (tmp_path / "E1_nobody.txt").write_text("客户：喂？有人吗？")
    (tmp_path / "E9_unknown.txt").write_text(PLAIN_ZH.replace("上个月", "前天"))
    (tmp_path / "noid.txt").write_text(SRT_EN)
    (tmp_path / "E2_labels.json").write_text(WHISPERX)
    (tmp_path / "E2_binary.txt").write_bytes(b"\xff\xfe\x00\xd8" * 8)
    (tmp_path / "E2_big.txt").write_bytes(b"x" * (2 * 1024 * 1024 + 1))
    (tmp_path / "E2_end.json").write_text('{"segments": [{"speaker": "agent", "start": 4, "end": 1, "text": "hi"}]}')
    result = run(app, tmp_path, "--team", team["id"])
    assert result.exit_code == 0
    assert "1 imported, 0 skipped (already imported), 7 failed" in result.output, result.output
    reasons = {line.split(": ", 1)[0].rsplit("/", 1)[-1]: line.split(": ", 1)[1]
               for line in result.output.splitlines() if line.startswith("  failed")}
    assert "no agent speech" in reasons["E1_nobody.txt"]
    assert "no member of the team has the employee id E9" in reasons["E9_unknown.txt"]
    assert "no employee id" in reasons["noid.txt"]
    assert "SPEAKER_00, SPEAKER_01" in reasons["E2_labels.json"] and "--agent-speaker" in reasons["E2_labels.json"]
    assert "not text: neither UTF-8" in reasons["E2_binary.txt"]
    assert "larger than 2 MB" in reasons["E2_big.txt"]
    assert "segment 1: ends (1 s) before it starts (4 s)" in reasons["E2_end.json"]


def test_a_map_names_the_member_and_agent_speaker_names_the_label(app, team, tmp_path):
    (tmp_path / "rec-0001.json").write_text(WHISPERX)
    (tmp_path / "map.csv").write_text("file,employee_id\nrec-0001.json,E1\n", encoding="utf-8")
    result = run(app, tmp_path / "rec-0001.json", "--team", team["id"], "--map", tmp_path / "map.csv",
                 "--agent-speaker", "SPEAKER_00", "--format", "whisperx")
    assert "1 imported" in result.output, result.output
    assert rows(app, "SELECT agent_id FROM calls")[0]["agent_id"] == members(app)["E1"]


def test_many_files_go_through_the_pool(app, team, tmp_path):
    for n in range(12):
        (tmp_path / f"E{1 + n % 2}_{n}.json").write_text(zhiji_json("telling" if n % 3 else "asking", seed=n))
    result = run(app, tmp_path, "--team", team["id"], "--processes", 2)
    assert "12 imported, 0 skipped (already imported), 0 failed" in result.output, result.output
    assert count(app, "calls") == 12


def test_the_import_refuses_what_it_cannot_start_with(app, team, tmp_path):
    assert "no team has the id 999" in run(app, tmp_path, "--team", 999).output
    assert "no such file or folder" in run(app, tmp_path / "missing", "--team", team["id"]).output
    (tmp_path / "bad.csv").write_text("name,id\nx,y\n")
    assert "the map needs the columns file and employee_id" in run(
        app, tmp_path, "--team", team["id"], "--map", tmp_path / "bad.csv").output


@pytest.mark.parametrize("name, employee", [("E1_0301.txt", "E1"), ("A-77_x_y.vtt", "A-77"), ("call.txt", None),
                                            ("_x.txt", None)])
def test_the_employee_id_is_the_name_before_the_first_underscore(name, employee):
    assert employee_id_of(Path(name)) == employee


def test_a_map_line_without_an_employee_id_is_named(tmp_path):
    (tmp_path / "m.csv").write_text("file,employee_id\na.txt,\n")
    with pytest.raises(ImportSetupError, match="line 2"):
        read_map(tmp_path / "m.csv")


def test_the_import_in_process_reports_progress(app, team, tmp_path):
    (tmp_path / "E1_a.vtt").write_text(VTT_ZH)
    seen = []
    db = connect(app)
    try:
        summary = import_calls(db, [tmp_path], team_id=team["id"], lexicon=app.extensions["call_lexicon"],
                               tz=app.extensions["timezone"], progress=lambda done, total: seen.append((done, total)))
    finally:
        db.close()
    assert [p for p, _id in summary.imported] == [str(tmp_path / "E1_a.vtt")] and seen[-1] == (1, 1)


# --- purging a period ------------------------------------------------------------------------------

def test_purge_deletes_the_calls_before_a_day_and_a_dry_run_only_counts(app, team, tmp_path):
    ids = members(app)
    for day, text in (("2026-01-10", VTT_ZH), ("2026-02-20", SRT_EN), ("2026-03-05", PLAIN_ZH)):
        add_call(app, ids["E1"], team["id"], text, called_at=datetime.fromisoformat(day + "T12:00:00+08:00"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge-calls", "--before", "2026-03-01", "--dry-run"])
    assert "2 calls made before 2026-03-01 would be deleted" in dry.output and count(app, "calls") == 3
    done = runner.invoke(args=["purge-calls", "--before", "2026-03-01", "--team", str(team["id"])])
    assert f"2 calls of team {team['id']} made before 2026-03-01 deleted" in done.output
    assert [r["period"] for r in rows(app, "SELECT period FROM calls")] == ["2026-03"]
    assert "future" in runner.invoke(args=["purge-calls", "--before", "2999-01-01"]).output
    assert "no team has the id 999" in runner.invoke(args=["purge-calls", "--before", "2026-01-01",
                                                           "--team", "999"]).output


def test_the_demo_team_has_calls_to_show(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "8"])
    assert result.exit_code == 0, result.output
    calls = rows(app, "SELECT agent_id, period, timed FROM calls")
    assert len(calls) == 36 and len({c["agent_id"] for c in calls}) == 6 and all(c["timed"] for c in calls)
    assert len({c["period"] for c in calls}) >= 2  # a trend by month


# --- measuring stored calls again ------------------------------------------------------------------

def test_reanalyse_reads_stored_calls_with_the_lexicon_as_it_is_now(app, team, tmp_path):
    ids = members(app)
    for text in (PLAIN_ZH, VTT_ZH, SRT_EN):
        add_call(app, ids["E1"], team["id"], text)
    stored = rows(app, "SELECT id, metrics, findings, customer FROM calls ORDER BY id")
    runner = app.test_cli_runner()
    same = runner.invoke(args=["reanalyse-calls"])
    assert "3 calls measured again: 0 changed." in same.output, same.output
    assert rows(app, "SELECT id, metrics, findings, customer FROM calls ORDER BY id") == stored
    # The centre bans "稍后" (say when instead): only the call that says it changes.
    lexicon = app.extensions["call_lexicon"]
    later = replace(lexicon.banned[0], id="later", said={"zh": ("稍后",), "en": ()})
    app.extensions["call_lexicon"] = replace(lexicon, banned=lexicon.banned + (later,))
    dry = runner.invoke(args=["reanalyse-calls", "--dry-run"])
    assert "3 calls measured again: 1 would change." in dry.output, dry.output
    assert rows(app, "SELECT id, metrics, findings, customer FROM calls ORDER BY id") == stored
    done = runner.invoke(args=["reanalyse-calls"])
    assert "1 changed" in done.output
    assert json.loads(rows(app, "SELECT metrics FROM calls WHERE id = ?", [stored[0]["id"]])[0]["metrics"])["banned"] == 2
