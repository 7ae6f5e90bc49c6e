"""Team statistics against hand-computed values, and the SQL aggregates they are built from."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from assessment import clock, stats, storage
from assessment.model import STYLES
from assessment.scoring import FLAGS, score
from helpers import KNOWN, KNOWN_SCALES, KNOWN_STYLE_COUNTS, add_known_members, add_result, connect, make_team, make_trainer


# --- mean, sample SD, CV ------------------------------------------------------

# values -> (n, mean, sample sd, cv), each worked out by hand:
#   [40, 50, 60]: mean 50; squared deviations 100 + 0 + 100 = 200; / (3 - 1) = 100; sd 10; cv 10/50
#   [10, 20]: mean 15; 25 + 25 = 50; / 1 = 50; sd sqrt(50) = 7.0711; cv 7.0711/15 = 0.4714
#   [2, 4, 4, 4, 5, 5, 7, 9]: mean 5; 9+1+1+1+0+0+4+16 = 32; / 7; sd 2.1381; cv 0.4276
#   [25, 50, 75, 100]: mean 62.5; 1406.25+156.25+156.25+1406.25 = 3125; / 3; sd 32.2749; cv 0.5164
#   [70, 70, 70]: no spread: sd 0, cv 0
#   [0, 0]: sd 0, but the CV of a zero mean is undefined
#   [42]: one value has a mean but no sample SD
#   []: nothing is defined
DESCRIBE_CASES = [
    ([40, 50, 60], 3, 50.0, 10.0, 0.2),
    ([10, 20], 2, 15.0, 7.0711, 0.4714),
    ([2, 4, 4, 4, 5, 5, 7, 9], 8, 5.0, 2.1381, 0.4276),
    ([25, 50, 75, 100], 4, 62.5, 32.2749, 0.5164),
    ([70, 70, 70], 3, 70.0, 0.0, 0.0),
    ([0, 0], 2, 0.0, 0.0, None),
    ([42], 1, 42.0, None, None),
    ([], 0, None, None, None),
]


def _approx(value, expected, abs_=1e-4):
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected, abs=abs_)


@pytest.mark.parametrize("values, n, mean, sd, cv", DESCRIBE_CASES)
def test_describe_matches_hand_computation(values, n, mean, sd, cv):
    summary = stats.describe(values)
    assert summary.n == n
    _approx(summary.mean, mean)
    _approx(summary.sd, sd)
    _approx(summary.cv, cv)


@pytest.mark.parametrize("values, n, mean, sd, cv", DESCRIBE_CASES)
def test_from_moments_gives_the_same_as_the_values(values, n, mean, sd, cv):
    """What SQL hands over (n, sum, sum of squares) must describe the same numbers."""
    summary = stats.from_moments(len(values), sum(values), sum(v * v for v in values))
    assert summary.n == n
    _approx(summary.mean, mean)
    _approx(summary.sd, sd)
    _approx(summary.cv, cv)


def test_from_moments_literal_moments():
    # [40, 50, 60]: sum 150, sum of squares 1600 + 2500 + 3600 = 7700
    assert stats.from_moments(3, 150, 7700) == stats.Summary(3, 50.0, 10.0, 0.2)


def test_from_moments_never_takes_root_of_rounding_noise():
    # Equal values whose sum of squares has float rounding error must give sd 0, not NaN.
    values = [33.3] * 7
    summary = stats.from_moments(7, sum(values), sum(v * v for v in values))
    assert summary.sd == pytest.approx(0.0, abs=1e-6)
    assert summary.cv == pytest.approx(0.0, abs=1e-6)


def test_summary_as_dict_rounds_and_keeps_none():
    assert stats.describe([10, 20]).as_dict() == {"n": 2, "mean": 15.0, "sd": 7.071, "cv": 0.471}
    assert stats.describe([42]).as_dict() == {"n": 1, "mean": 42.0, "sd": None, "cv": None}


# --- shares and thin coverage -----------------------------------------------

@pytest.mark.parametrize("counts, expected", [
    ({"driver": 1, "expressive": 1, "amiable": 2, "analytical": 0}, {"driver": 0.25, "expressive": 0.25, "amiable": 0.5, "analytical": 0.0}),
    ({"driver": 3}, {"driver": 1.0, "expressive": 0.0, "amiable": 0.0, "analytical": 0.0}),
    ({"driver": 1, "expressive": 2, "amiable": 0, "analytical": 2}, {"driver": 0.2, "expressive": 0.4, "amiable": 0.0, "analytical": 0.4}),
    ({s: 0 for s in STYLES}, {s: 0.0 for s in STYLES}),
    ({}, {s: 0.0 for s in STYLES}),
])
def test_shares(counts, expected):
    result = stats.shares(counts)
    assert list(result) == list(STYLES)
    assert result == pytest.approx(expected)


@pytest.mark.parametrize("fits, members, thin", [
    (0, 0, False),   # an empty team is not "thin": there is nothing to cover yet
    (0, 1, True),
    (1, 1, True),    # fewer than two fits is always thin
    (1, 5, True),
    (2, 5, False),
    (2, 13, False),  # 15% of 13 = 1.95
    (2, 14, True),   # 15% of 14 = 2.1
    (3, 20, False),  # exactly 15% is enough
    (2, 20, True),
    (14, 100, True),
    (15, 100, False),
    (100, 100, False),
])
def test_is_thin(fits, members, thin):
    assert stats.is_thin(fits, members) is thin


# --- team_summary on a handmade aggregate row ---------------------------------

# The three KNOWN members' scores, by scale.
KNOWN_VALUES = {
    "assertiveness": [25, 50, 75],
    "responsiveness": [100, 75, 25],
    "driver": [12.5, 37.5, 75],
    "expressive": [62.5, 62.5, 50],
    "amiable": [87.5, 62.5, 25],
    "analytical": [37.5, 37.5, 50],
}


def _handmade_row() -> stats.Aggregates:
    return stats.Aggregates(
        members=3,
        responses=5,
        moments={scale: (sum(values), sum(v * v for v in values)) for scale, values in KNOWN_VALUES.items()},
        style_counts={"driver": 1, "expressive": 1, "amiable": 1, "analytical": 0},
        # affinity >= 60: driver 75; expressive 62.5, 62.5; amiable 87.5, 62.5; analytical none
        fits={"driver": 1, "expressive": 2, "amiable": 2, "analytical": 0},
        flags={"straight_lining": 0, "contradictory": 1, "too_fast": 2},
    )


def test_team_summary_from_handmade_row():
    summary = stats.team_summary(_handmade_row())
    assert summary.members == 3
    assert summary.responses == 5
    assert summary.style_counts == KNOWN_STYLE_COUNTS
    assert summary.style_shares == pytest.approx({"driver": 1 / 3, "expressive": 1 / 3, "amiable": 1 / 3, "analytical": 0.0})
    for scale, (mean, sd, cv) in KNOWN_SCALES.items():
        s = summary.scales[scale]
        assert s.n == 3
        assert (s.mean, s.sd, s.cv) == pytest.approx((mean, sd, cv), abs=1e-3), scale
    assert summary.flags == {"straight_lining": 0, "contradictory": 1, "too_fast": 2}
    assert summary.fits == {"driver": 1, "expressive": 2, "amiable": 2, "analytical": 0}
    assert summary.thin == {"driver": True, "expressive": False, "amiable": False, "analytical": True}
    assert summary.mean_scores == pytest.approx({"driver": 41.667, "expressive": 58.333, "amiable": 58.333, "analytical": 41.667}, abs=1e-3)
    assert summary.spread == pytest.approx({"driver": 31.458, "expressive": 7.217, "amiable": 31.458, "analytical": 7.217}, abs=1e-3)


def test_team_summary_as_dict_has_every_scale_with_mean_sd_cv():
    data = stats.team_summary(_handmade_row()).as_dict()
    assert set(data) == {"members", "responses", "set_aside", "style_counts", "scales"}
    assert set(data["scales"]) == set(KNOWN_SCALES)
    for scale, (mean, sd, cv) in KNOWN_SCALES.items():
        assert data["scales"][scale] == {"mean": mean, "sd": sd, "cv": cv}


def test_team_summary_of_empty_team():
    summary = stats.team_summary(stats.Aggregates(
        members=0, responses=0, moments={scale: (0, 0) for scale in KNOWN_VALUES},
        style_counts={s: 0 for s in STYLES}, fits={s: 0 for s in STYLES}, flags={},
    ))
    assert summary.members == 0
    assert all(s.mean is None and s.sd is None and s.cv is None for s in summary.scales.values())
    assert summary.mean_scores == {s: 0.0 for s in STYLES}
    assert summary.thin == {s: False for s in STYLES}


# --- storage.LatestResults over a real database ---------------------------------

def _aggregates(db, scope):
    with storage.LatestResults(db, scope) as latest:
        return latest.aggregates()


def _moves(db, scope):
    with storage.LatestResults(db, scope) as latest:
        return latest.style_moves()


def _members(db, scope):
    with storage.LatestResults(db, scope) as latest:
        return latest.members()


# team (trainer-a's, no members yet) comes from conftest.py.
@pytest.fixture
def db(app):
    db = connect(app)
    yield db
    db.close()


def _summary(db, team_id, since=None, until=None):
    return stats.team_summary(_aggregates(db, _scope(team_id, since, until)))


def test_aggregates_use_only_each_members_latest_result(app, questionnaire, db, team):
    # 甲 first took it as a strong Driver (5, 1), then retook it as the KNOWN Amiable.
    add_result(app, questionnaire, team["id"], KNOWN[0][0], 5, 1, created_at="2024-01-01T09:00:00+00:00")
    add_known_members(app, questionnaire, team["id"])
    summary = _summary(db, team["id"])
    assert summary.members == 3
    assert summary.responses == 4  # the retake counts as a response
    assert summary.style_counts == KNOWN_STYLE_COUNTS
    for scale, (mean, sd, cv) in KNOWN_SCALES.items():
        s = summary.scales[scale]
        assert (s.mean, s.sd, s.cv) == pytest.approx((mean, sd, cv), abs=1e-3), scale
    assert summary.fits == {"driver": 1, "expressive": 2, "amiable": 2, "analytical": 0}


def test_aggregates_exclude_other_teams(app, questionnaire, db, team):
    add_known_members(app, questionnaire, team["id"])
    other_trainer = make_trainer(app, "someone-else")
    other = make_team(app, other_trainer, "Other centre")
    sibling = make_team(app, team["trainer_id"], "Sibling")
    add_result(app, questionnaire, other["id"], "外人", 5, 1)
    add_result(app, questionnaire, sibling["id"], "Sibling member", 1, 1)
    add_result(app, questionnaire, sibling["id"], "Sibling member", 1, 2)
    summary = _summary(db, team["id"])
    assert (summary.members, summary.responses) == (3, 3)
    assert summary.style_counts == KNOWN_STYLE_COUNTS
    assert summary.scales["assertiveness"].mean == pytest.approx(50.0)
    both = stats.team_summary(_aggregates(db, storage.Scope((team["id"], sibling["id"]))))
    assert (both.members, both.responses) == (4, 5)
    assert both.style_counts["analytical"] == 1


def test_aggregates_ignore_responses_without_a_team(app, questionnaire, db, team):
    add_known_members(app, questionnaire, team["id"])
    answers = {i.id: 1 for i in questionnaire.items}
    storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="zh",
                          answers=answers, profile=score(questionnaire, answers))
    assert _summary(db, team["id"]).responses == 3


def test_aggregates_count_flags_of_latest_results(app, questionnaire, db, team):
    add_result(app, questionnaire, team["id"], "Fast then careful", 3, 3, duration=10)  # straight line, too fast
    add_result(app, questionnaire, team["id"], "Fast then careful", 2, 4, duration=300)
    add_result(app, questionnaire, team["id"], "Hurried", 4, 2, duration=10)
    add_result(app, questionnaire, team["id"], "Same answer", 3, 3, duration=300)
    summary = _summary(db, team["id"])
    # The all-3s sheets describe no one: set aside, so "Same answer" has no result to count
    # and "Fast then careful" counts with their later, careful one.
    assert (summary.members, summary.responses, summary.set_aside) == (2, 2, 2)
    assert summary.flags == {f: int(f == "too_fast") for f in FLAGS}


SHANGHAI = ZoneInfo("Asia/Shanghai")

# Stored in UTC; the days are Shanghai days (UTC+8), the centre's default time zone.
DATED = [
    # name, ka, kr, created_at
    ("March first", 4, 2, "2024-02-29T16:00:00+00:00"),  # 00:00 on 1 March in Shanghai
    ("Mid March", 2, 5, "2024-03-15T15:59:59+00:00"),  # 23:59:59 on 15 March
    ("End of March", 3, 4, "2024-03-31T12:00:00+00:00"),  # 20:00 on 31 March
    ("April", 1, 1, "2024-03-31T16:00:00+00:00"),  # 00:00 on 1 April
]


def _scope(team_id, since=None, until=None):
    day = lambda text: date.fromisoformat(text) if text else None  # noqa: E731
    return storage.Scope((team_id,), *clock.day_range(day(since), day(until), SHANGHAI))


@pytest.mark.parametrize("since, until, members", [
    (None, None, {"March first", "Mid March", "End of March", "April"}),
    ("2024-03-01", "2024-03-31", {"March first", "Mid March", "End of March"}),
    ("2024-03-15", "2024-03-15", {"Mid March"}),  # a one-day window includes the whole day
    ("2024-03-16", None, {"End of March", "April"}),
    (None, "2024-03-14", {"March first"}),
    ("2024-03-02", "2024-03-14", set()),
    ("2024-04-01", "2024-04-01", {"April"}),
])
def test_date_range_is_inclusive_by_day(app, questionnaire, db, team, since, until, members):
    for name, ka, kr, created_at in DATED:
        add_result(app, questionnaire, team["id"], name, ka, kr, created_at=created_at)
    scope = _scope(team["id"], since, until)
    summary = stats.team_summary(_aggregates(db, scope))
    assert summary.members == len(members)
    assert summary.responses == len(members)
    assert {m["name"] for m in _members(db, scope)} == members
    assert len(list(storage.scope_responses(db, scope))) == len(members)


def test_date_range_takes_latest_result_inside_the_window(app, questionnaire, db, team):
    add_result(app, questionnaire, team["id"], "Changer", 4, 2, created_at="2024-03-01T10:00:00+00:00")  # driver
    add_result(app, questionnaire, team["id"], "Changer", 2, 5, created_at="2024-05-01T10:00:00+00:00")  # amiable
    march = _summary(db, team["id"], "2024-03-01", "2024-03-31")
    assert (march.members, march.responses) == (1, 1)
    assert march.style_counts["driver"] == 1 and march.style_counts["amiable"] == 0
    assert march.scales["assertiveness"].mean == pytest.approx(75.0)
    everything = _summary(db, team["id"])
    assert (everything.members, everything.responses) == (1, 2)
    assert everything.style_counts["amiable"] == 1 and everything.style_counts["driver"] == 0


def test_empty_scope_aggregates_to_zero(db, team):
    summary = _summary(db, team["id"])
    assert (summary.members, summary.responses) == (0, 0)
    assert summary.style_counts == {s: 0 for s in STYLES}
    assert _aggregates(db, storage.Scope(())).members == 0


# --- what changed: each retaker's latest style against the one before it ---------

def test_style_changes_counts_retakers_and_orders_moves_most_common_first():
    pairs = [
        stats.StyleMove("analytical", "amiable", 1),
        stats.StyleMove("driver", "driver", 4),      # took it again, same style
        stats.StyleMove("driver", "amiable", 1),
        stats.StyleMove("expressive", "driver", 3),
    ]
    changes = stats.style_changes(pairs)
    assert changes.retakers == 9
    assert changes.changed == 5
    # most common first; ties in the order of the model (driver, expressive, amiable, analytical)
    assert changes.moves == [("expressive", "driver", 3), ("driver", "amiable", 1), ("analytical", "amiable", 1)]


def test_style_changes_of_nobody():
    assert stats.style_changes([]) == stats.StyleChanges(retakers=0, changed=0, moves=[])


# Styles by axis answers: (4, 2) driver, (4, 4) expressive, (2, 5) amiable, (2, 2) analytical.
def _history(app, questionnaire, team_id):
    for name, takes in {
        "A": [((2, 2), "2026-03-01"), ((2, 5), "2026-05-01")],                          # analytical -> amiable
        "B": [((4, 2), "2026-03-02"), ((4, 2), "2026-05-02")],                          # driver, unchanged
        "C": [((4, 4), "2026-05-03")],                                                  # one result only
        "D": [((4, 4), "2026-02-01"), ((4, 2), "2026-03-03"), ((2, 5), "2026-05-04")],  # ... driver -> amiable
    }.items():
        for (ka, kr), day in takes:
            add_result(app, questionnaire, team_id, name, ka, kr, created_at=f"{day}T02:00:00+00:00")


def test_style_moves_compare_the_latest_result_with_the_one_before_it(app, questionnaire):
    team = make_team(app, make_trainer(app, "t"), "Team")
    _history(app, questionnaire, team["id"])
    db = connect(app)
    try:
        changes = stats.style_changes(_moves(db, storage.Scope((team["id"],))))
        members = {m["name"]: m["previous_style"] for m in _members(db, storage.Scope((team["id"],)))}
        # In April onwards the earlier results lie outside the period, yet they are what the latest is compared with.
        since_april = storage.Scope((team["id"],), start="2026-04-01T00:00:00+00:00")
        later = stats.style_changes(_moves(db, since_april))
        # Up to March: D's latest is then the driver result, after expressive.
        until_march = storage.Scope((team["id"],), end="2026-04-01T00:00:00+00:00")
        earlier = stats.style_changes(_moves(db, until_march))
    finally:
        db.close()
    assert (changes.retakers, changes.changed) == (3, 2)
    assert changes.moves == [("driver", "amiable", 1), ("analytical", "amiable", 1)]
    assert members == {"A": "analytical", "B": "driver", "C": None, "D": "driver"}
    assert later == changes
    assert (earlier.retakers, earlier.changed) == (1, 1)
    assert earlier.moves == [("expressive", "driver", 1)]


def test_a_result_for_a_removed_team_is_refused_whole(app, questionnaire):
    team = make_team(app, make_trainer(app, "t"), "Short-lived")
    db = connect(app)
    try:
        storage.delete_team(db, team["id"])
        answers = {item.id: 3 for item in questionnaire.items}
        with pytest.raises(storage.TeamGone):
            storage.save_response(db, questionnaire=questionnaire.slug, version=questionnaire.version, lang="en",
                                  answers=answers, profile=score(questionnaire, answers),
                                  member=storage.Membership(team["id"], "Too late"))
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM agents").fetchone()[0] == 0
    finally:
        db.close()
