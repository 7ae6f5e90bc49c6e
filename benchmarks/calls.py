"""How fast calls are read and measured: parse + analyse, short and long calls.

    .venv/bin/python -m benchmarks.calls [--seconds 3]

Pure Python, no server: made-up transcripts (``assessment.calls.sample``) in Zhiji's
JSON, WhisperX, WebVTT and plain text, Chinese and English, each run through
``parse`` and ``analyse`` exactly as an upload is. Prints, for short calls (1 minute,
about 12 segments) and long ones (30 minutes, 400 segments), calls analysed per
second and the time per call: CPU time (what the call itself costs, whatever else
the machine runs) and wall time (median and 95th percentile, which grow when other
work shares the cores). The target, a 30-minute call in well under 50 ms, is checked
as a median CPU time under 25 ms. Each measurement runs for ``--seconds`` of wall
time over a set of different calls, so no single call's quirks decide the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from assessment.caller import load_caller_content
from assessment.calls import analyse, load_call_lexicon, parse
from assessment.calls.sample import AGENT_LABEL, sample_call

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"
LONG_CALL_TARGET_MS = 50.0
VARIANTS = 8  # different calls per measurement
KINDS = (("short (1 min, ~12 segments)", 1.0, None), ("long (30 min, 400 segments)", 30.0, 400))
FORMATS = (("json", "zh"), ("whisperx", "zh"), ("vtt", "zh"), ("text", "zh"), ("json", "en"))


def transcripts(minutes: float, segments: int | None, fmt: str, lang: str) -> list[str]:
    return [sample_call(seed=f"bench-{fmt}-{lang}-{i}", minutes=minutes, segments=segments, lang=lang, format=fmt)
            for i in range(VARIANTS)]


def timed_calls(raws: list[str], fmt: str, lexicon, seconds: float) -> tuple[list[float], list[float]]:
    """(wall ms, CPU ms) of each parse + analyse over ``seconds``."""
    agent = AGENT_LABEL.get(fmt)
    wall: list[float] = []
    cpu: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for raw in raws:
            start, start_cpu = time.perf_counter(), time.process_time()
            analyse(parse(raw, agent_speaker=agent), lexicon)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="wall time per measurement")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    lexicon = load_call_lexicon(QUESTIONNAIRES, load_caller_content(QUESTIONNAIRES / "caller"))
    loaded = time.perf_counter()
    lexicon.compiled()
    print(f"content loaded and checked in {(loaded - started) * 1000:.0f} ms; "
          f"patterns built in {(time.perf_counter() - loaded) * 1000:.0f} ms (once per process)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")

    print(f"{'call':<30} {'format':<10} {'lang':<5} {'calls/s':>8} {'CPU ms':>7} {'wall ms':>8} {'wall p95':>9}")
    long_cpu: list[float] = []
    long_wall: list[float] = []
    for label, minutes, segments in KINDS:
        for fmt, lang in FORMATS:
            wall, cpu = timed_calls(transcripts(minutes, segments, fmt, lang), fmt, lexicon, args.seconds)
            if segments:
                long_cpu += cpu
                long_wall += wall
            print(f"{label:<30} {fmt:<10} {lang:<5} {1000 * len(wall) / sum(wall):>8.0f} "
                  f"{statistics.median(cpu):>7.2f} {statistics.median(wall):>8.2f} {percentile(wall, 0.95):>9.2f}")

    cpu_median = statistics.median(long_cpu)
    verdict = "met" if cpu_median < LONG_CALL_TARGET_MS / 2 else "NOT met"
    print(f"\none 30-minute call (400 segments), parse + analyse: CPU median {cpu_median:.1f} ms "
          f"(p95 {percentile(long_cpu, 0.95):.1f} ms); wall median {statistics.median(long_wall):.1f} ms "
          f"(p95 {percentile(long_wall, 0.95):.1f} ms)")
    print(f"target: well under {LONG_CALL_TARGET_MS:.0f} ms, checked as CPU median under "
          f"{LONG_CALL_TARGET_MS / 2:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
