"""Local days for people, UTC in storage."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from assessment import clock

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("stamp, expected", [
    ("2026-03-15T23:30:00+00:00", "2026-03-16"),  # 07:30 next morning in Shanghai
    ("2026-03-15T15:59:59+00:00", "2026-03-15"),
    ("2026-03-15T16:00:00+00:00", "2026-03-16"),
    (None, ""),
])
def test_local_date_is_the_centres_day(stamp, expected):
    assert clock.local_date(stamp, SHANGHAI) == expected


@pytest.mark.parametrize("since, until, expected", [
    (date(2026, 3, 1), date(2026, 3, 31), ("2026-02-28T16:00:00+00:00", "2026-03-31T16:00:00+00:00")),
    (None, date(2026, 3, 1), (None, "2026-03-01T16:00:00+00:00")),
    (date(2026, 3, 1), None, ("2026-02-28T16:00:00+00:00", None)),
    (None, None, (None, None)),
])
def test_day_range_covers_whole_local_days(since, until, expected):
    assert clock.day_range(since, until, SHANGHAI) == expected


def test_result_page_shows_the_local_date(app, client, questionnaire):
    from conftest import style_answers

    body = {"answers": style_answers(questionnaire, "driver"), "lang": "en"}
    created = client.post("/api/v1/questionnaires/communication-style/responses", json=body).get_json()
    from assessment import storage

    db = storage.connect(app.config["DATABASE"])
    db.execute("UPDATE responses SET created_at = ? WHERE id = ?", ["2026-03-15T23:30:00+00:00", created["id"]])
    db.close()
    html = client.get(created["result_url"]).get_data(as_text=True)
    assert "2026-03-16" in html and "2026-03-15" not in html
