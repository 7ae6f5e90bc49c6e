"""The production server under a training-session burst, and after a crash.

Runs gunicorn on 127.0.0.1 (see benchmarks/burst.py): bounded in count and time,
and every server is stopped. The README quotes the figures `python -m benchmarks.burst`
prints for the same runs.
"""

from __future__ import annotations

import pytest

from benchmarks.burst import run_burst, run_crash

pytestmark = pytest.mark.slow


def test_burst_of_200_clients_loses_nothing():
    result = run_burst(total=2000, clients=200, workers=4)
    assert result["errors"] == {}
    assert result["locked"] == 0
    assert len(result["acknowledged"]) == 2000
    assert result["missing"] == 0
    assert result["stored"] == 2000
    assert result["integrity"] == "ok"


def test_kill_9_mid_burst_keeps_every_acknowledged_submission():
    result = run_crash(total=4000, clients=100, workers=4, kill_after=0.7)
    assert result["acknowledged_before_kill"] > 0, "the kill came before any submission was acknowledged"
    assert result["acknowledged_before_kill"] < 4000, "the burst was over before the kill: not mid-burst"
    assert result["missing_after_restart"] == 0
    assert result["integrity"] == "ok"
    assert result["submit_after_restart"] == 201
