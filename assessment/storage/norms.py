"""Local norms: how many valid results scored each axis value, per questionnaire version.

Kept as counts so that placing a new result among all earlier ones ("more assertive
than 70% of agents here") is one small read, whatever the number of results. The
counts are derived data: rescoring and removals count them again from the results.
"""

from __future__ import annotations

from sqlite_utils import Database

from ..model import AXES
from ..psychometrics import NORMS_MIN, percentile


def percentiles_among(db: Database, questionnaire: str, version: int, axes: dict) -> dict[str, int] | None:
    """Where these axis scores fall among the earlier valid results of this questionnaire version."""
    rows = db.execute(
        "SELECT axis, SUM(n), SUM(CASE WHEN score < ? AND axis = 'assertiveness' OR score < ? AND axis = 'responsiveness' "
        "THEN n ELSE 0 END), SUM(CASE WHEN score = ? AND axis = 'assertiveness' OR score = ? AND axis = 'responsiveness' "
        "THEN n ELSE 0 END) FROM norms WHERE questionnaire = ? AND version = ? GROUP BY axis",
        [axes["assertiveness"], axes["responsiveness"], axes["assertiveness"], axes["responsiveness"],
         questionnaire, version],
    ).fetchall()
    counts = {axis: (total, below, equal) for axis, total, below, equal in rows}
    if set(counts) != set(AXES) or counts["assertiveness"][0] < NORMS_MIN:
        return None
    return {axis: percentile(below, equal, total) for axis, (total, below, equal) in counts.items()}


def count_in_norms(db: Database, questionnaire: str, version: int, axes: dict) -> None:
    db.conn.execute(
        "INSERT INTO norms (questionnaire, version, axis, score, n) VALUES "
        + ", ".join("(?, ?, ?, ?, 1)" for _ in AXES)
        + " ON CONFLICT (questionnaire, version, axis, score) DO UPDATE SET n = n + 1",
        [value for axis in AXES for value in (questionnaire, version, axis, axes[axis])],
    )


def rebuild_norms(db: Database) -> None:
    """The norms counted again from the stored valid results (inside a write transaction)."""
    db.execute("DELETE FROM norms")
    for axis in AXES:
        db.execute(
            f"INSERT INTO norms (questionnaire, version, axis, score, n) SELECT questionnaire, questionnaire_version, "
            f"'{axis}', {axis}, COUNT(*) FROM responses WHERE valid = 1 GROUP BY questionnaire, questionnaire_version, {axis}"
        )
