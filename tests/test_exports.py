"""Exports a Chinese-speaking trainer can use (issue 19): the centre's local time with its
offset, a Chinese heading row, and the abilities, practice and others' figures, each by
the page's own access and anonymity rules."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from assessment import exports, storage
from assessment.model import ABILITIES, STYLES
from assessment.questionnaire import load_all
from conftest import QUESTIONNAIRES
from helpers import add_result, connect, make_team, make_trainer, signed_in_client
from test_others_api import rating

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCORECARD = load_all(QUESTIONNAIRES)["service-abilities"]
OBSERVER = load_all(QUESTIONNAIRES)["communication-style-observer"]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# --- pure -----------------------------------------------------------------------------

def test_a_late_evening_utc_row_is_the_next_local_day_with_its_offset():
    assert exports.local_stamp("2026-11-02T22:15:00+00:00", SHANGHAI) == "2026-11-03T06:15:00+08:00"
    assert exports.local_stamp(None, SHANGHAI) is None


def test_chinese_headings_and_values_and_formulas_defused():
    body = exports.to_csv(exports.RESPONSE_COLUMNS[:8], [
        {"id": 1, "created_at": "2026-11-03T06:15:00+08:00", "team": "早班", "name": "=cmd()", "employee_id": None,
         "style": "analytical", "secondary_style": "amiable", "clarity": "moderate"}], header="zh")
    text = body.decode("utf-8-sig").splitlines()
    assert text[0] == "编号,作答时间,班组,姓名,工号,主要风格,次要风格,风格明显程度"
    assert text[1] == "1,2026-11-03T06:15:00+08:00,早班,'=cmd(),,分析型,和蔼型,中等"
    assert exports.readable(["too_fast", "acquiescence"], "flags", "zh") == "作答过快、几乎全都同意"
    assert exports.readable(["too_fast"], "flags", "codes") == "too_fast"
    assert exports.readable(False, "yes_no", "zh") == "否"


def test_others_records_carry_the_mean_only_where_it_is_shown_and_no_rater():
    members = [
        {"member": 1, "name": "Ann", "invited": 4, "answered": 2, "self": {"axes": {"assertiveness": 60.0,
         "responsiveness": 40.0}, "style": "driver"}, "others": None, "leads": [], "gap": None},
        {"member": 2, "name": "Bob", "invited": 3, "answered": 3, "self": {"axes": None, "style": None},
         "others": {"n": 3, "axes": {"assertiveness": 70.0, "responsiveness": 50.0}, "versatility": 61.0,
                    "style": "expressive"}, "leads": [{"rater": "Trainer: x"}], "gap": None},
    ]
    records = exports.others_records(members)
    assert records[0]["others_n"] is None and records[0]["others_assertiveness"] is None
    assert records[1]["others_n"] == 3 and records[1]["others_versatility"] == 61.0 and records[1]["leads"] == 1
    assert {c.key for c in exports.OTHERS_COLUMNS} == set(records[0])
    assert not any("rater" in c.key or "token" in c.key or "link" in c.key for c in exports.OTHERS_COLUMNS)


# --- the downloads --------------------------------------------------------------------

@pytest.fixture
def world(app, questionnaire):
    owner = make_trainer(app, "trainer-a")
    qc = make_trainer(app, "qc-1")
    make_trainer(app, "outsider")
    team = make_team(app, owner, "早班 Morning")
    late = add_result(app, questionnaire, team["id"], "=HYPERLINK(\"x\")", 5, 1,
                      created_at="2026-11-02T22:15:00+00:00")
    ann = add_result(app, questionnaire, team["id"], "Ann 安", 2, 4, created_at="2026-11-01T02:00:00+00:00")
    db = connect(app)
    try:
        storage.set_role(db, qc, "qc")
        storage.add_team_staff(db, team["id"], "qc-1", "qc")
        ratings = {i.id: 4 for i in SCORECARD.items}
        for member, source in ((late, "staff"), (ann, "staff"), (ann, "self")):
            scores = {a: 4.0 for a in ABILITIES}
            storage.save_ability_rating(db, agent_id=member["agent_id"], team_id=team["id"], source=source,
                                        period="2026-10", ratings=ratings, abilities=scores, overall=4.0,
                                        rater_id=qc if source == "staff" else None)
        storage.add_practice_attempt(db, scenario="s1", actual="driver", guessed="driver", reply="a",
                                     type_correct=True, reply_correct=True, agent_id=ann["agent_id"],
                                     team_id=team["id"])
        storage.add_practice_attempt(db, scenario="s2", actual="amiable", guessed="driver", reply="b",
                                     type_correct=False, reply_correct=False, agent_id=ann["agent_id"],
                                     team_id=team["id"])
        for n in range(3):  # Ann: three colleagues; the other member: two
            link = storage.create_link(db, ann, "peer")
            scores = {"assertiveness": 75.0 + n, "responsiveness": 25.0, "versatility": 50.0 + 10 * n}
            storage.answer_link(db, link["token"], questionnaire=OBSERVER.slug, version=OBSERVER.version, lang="zh",
                                answers=rating(OBSERVER, 4, 2, 3), scores=scores, rater_key=f"colleague {n}")
            if n < 2:
                other = storage.create_link(db, late, "peer")
                storage.answer_link(db, other["token"], questionnaire=OBSERVER.slug, version=OBSERVER.version,
                                    lang="zh", answers=rating(OBSERVER, 4, 2, 3), scores=scores,
                                    rater_key=f"colleague {n}")
    finally:
        db.close()
    return {"team": team["id"], "late": late, "ann": ann}


def test_the_result_export_is_in_the_centres_local_time(app, world):
    owner = signed_in_client(app, "trainer-a")
    records = csv_rows(owner.get(f"/trainer/teams/{world['team']}/export.csv"))
    late = next(r for r in records if r["agent_id"] == str(world["late"]["agent_id"]))
    assert late["created_at"] == "2026-11-03T06:15:00+08:00"  # the day the dashboard shows
    assert late["name"] == "'=HYPERLINK(\"x\")"
    as_json = owner.get(f"/trainer/teams/{world['team']}/export.json").get_json()
    assert {r["created_at"] for r in as_json} == {"2026-11-03T06:15:00+08:00", "2026-11-01T10:00:00+08:00"}


def test_the_chinese_heading_row_option(app, world):
    owner = signed_in_client(app, "trainer-a")
    records = csv_rows(owner.get(f"/trainer/teams/{world['team']}/export.csv?header=zh"))
    assert list(records[0])[:6] == ["编号", "作答时间", "班组", "姓名", "工号", "主要风格"]
    assert {r["主要风格"] for r in records} <= {"支配型", "表达型", "和蔼型", "分析型"}
    assert {r["有效"] for r in records} == {"是"}
    bad = owner.get(f"/trainer/teams/{world['team']}/export.csv?header=fr")
    assert bad.status_code == 400 and "header" in bad.get_data(as_text=True)


@pytest.mark.parametrize("who", ["trainer-a", "qc-1"])
def test_abilities_export_for_staff_on_the_team(app, world, who):
    client = signed_in_client(app, who)
    records = csv_rows(client.get(f"/trainer/teams/{world['team']}/abilities/export.csv"))
    got = [(r["name"], r["period"], r["source"]) for r in records]
    assert sorted(got) == sorted([("Ann 安", "2026-10", "staff"), ("Ann 安", "2026-10", "self"),
                                  ("'=HYPERLINK(\"x\")", "2026-10", "staff")])
    assert got.index(("Ann 安", "2026-10", "staff")) + 1 == got.index(("Ann 安", "2026-10", "self"))
    assert all(float(r[a]) == 4.0 for r in records for a in ABILITIES) and records[0]["overall"] == "4.0"
    zh = csv_rows(client.get(f"/trainer/teams/{world['team']}/abilities/export.csv?header=zh"))
    assert {r["评分来源"] for r in zh} == {"质检/培训师", "自评"} and "倾听" in zh[0]


def test_practice_export_per_member_by_customer_type(app, world):
    owner = signed_in_client(app, "trainer-a")
    records = csv_rows(owner.get(f"/trainer/teams/{world['team']}/practice/export.csv"))
    assert len(records) == 1 and records[0]["name"] == "Ann 安"
    assert records[0]["attempts"] == "2" and records[0]["accuracy"] == "0.5"
    assert records[0]["driver_accuracy"] == "1.0" and records[0]["amiable_accuracy"] == "0.0"
    assert records[0]["analytical_attempts"] == "0" and records[0]["analytical_accuracy"] == ""
    as_json = owner.get(f"/trainer/teams/{world['team']}/practice/export.json").get_json()
    assert as_json[0]["expressive_accuracy"] is None


def test_others_export_only_as_a_mean_of_at_least_three(app, world):
    owner = signed_in_client(app, "trainer-a")
    records = {r["name"]: r for r in csv_rows(owner.get(f"/trainer/teams/{world['team']}/others/export.csv"))}
    ann, late = records["Ann 安"], records["'=HYPERLINK(\"x\")"]
    assert ann["others_n"] == "3" and float(ann["others_assertiveness"]) == 76.0  # the mean of 75, 76, 77
    assert float(ann["others_versatility"]) == 60.0
    assert late["answered"] == "2" and late["others_n"] == "" and late["others_assertiveness"] == ""
    # No single colleague's score anywhere in the colleagues' columns: only the means.
    as_json = owner.get(f"/trainer/teams/{world['team']}/others/export.json").get_json()
    shown = {r[k] for r in as_json for k in r if k.startswith("others_") and r[k] is not None and k != "others_style"}
    assert shown == {3, 76.0, 25.0, 60.0}


@pytest.mark.parametrize("path", ["export.csv", "abilities/export.csv", "practice/export.csv", "others/export.csv",
                                  "others/export.json"])
def test_someone_off_the_team_gets_404(app, world, path):
    assert signed_in_client(app, "outsider").get(f"/trainer/teams/{world['team']}/{path}").status_code == 404
    assert app.test_client().get(f"/trainer/teams/{world['team']}/{path}").status_code == 302  # sign in first


def test_every_export_is_linked_with_who_may_download_it(app, world):
    owner = signed_in_client(app, "trainer-a", lang="zh")
    team = world["team"]
    for page, export in ((f"/trainer/teams/{team}", f"/trainer/teams/{team}/export.csv?header=zh"),
                         (f"/trainer/teams/{team}/abilities", f"/trainer/teams/{team}/abilities/export.csv?header=zh"),
                         (f"/trainer/teams/{team}/practice", f"/trainer/teams/{team}/practice/export.csv?header=zh"),
                         (f"/trainer/teams/{team}/others", f"/trainer/teams/{team}/others/export.csv?header=zh")):
        html = owner.get(page).get_data(as_text=True)
        assert f'href="{export}"' in html or f'href="{export}&amp;' in html, page
        assert "可以下载" in html and "时区偏移" in html, page
