"""How fast calls are read and measured: parse + analyse, short and long calls.

    .venv/bin/python -m benchmarks.calls [--seconds 3]

Pure Python, no server: made-up transcripts (``assessment.calls.sample``) in Zhiji's
JSON, WhisperX, WebVTT and plain text, Chinese and English, each run through
``parse`` and ``analyse`` exactly as an upload is. Prints calls analysed per second
for short calls (1 minute, about 12 segments) and long ones (30 minutes, 400
segments), and the time one 30-minute call takes (min, median and 95th percentile;
the target is well under 50 ms, checked as a median under 25 ms: the minimum is the
call's own cost, median and p95 grow with whatever else the machine runs). Each measurement runs for ``--seconds`` of wall time
over a set of different calls, so no single call's quirks decide the figure.
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


def transcripts(minutes: float, segments: int | None, fmt: str, lang: str) -> list[str]:
    return [sample_call(seed=f"bench-{fmt}-{lang}-{i}", minutes=minutes, segments=segments, lang=lang, format=fmt)
            for i in range(VARIANTS)]


def rate(raws: list[str], fmt: str, lexicon, seconds: float) -> tuple[float, list[float]]:
    """(calls a second, per-call milliseconds) over ``seconds`` of parse + analyse."""
    agent = AGENT_LABEL.get(fmt)
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for raw in raws:
            start = time.perf_counter()
            analyse(parse(raw, agent_speaker=agent), lexicon)
            times.append((time.perf_counter() - start) * 1000)
    return 1000 * len(times) / sum(times), times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="wall time per measurement")
    parser.add_argument("--service", action="store_true",
                        help="then the API latency and the batch import rate (benchmarks/calls_service.py)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    lexicon = load_call_lexicon(QUESTIONNAIRES, load_caller_content(QUESTIONNAIRES / "caller"))
    loaded = time.perf_counter()
    lexicon.compiled()
    print(f"content loaded and checked in {(loaded - started) * 1000:.0f} ms; "
          f"patterns built in {(time.perf_counter() - loaded) * 1000:.0f} ms (once per process)\n")

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (other work inflates median and p95; "
          "min is the call's own cost)\n")
    print(f"{'call':<30} {'format':<10} {'lang':<5} {'calls/s':>9} {'min ms':>7} {'median ms':>10} {'p95 ms':>8}")
    long_times: list[float] = []
    for label, minutes, segments in (("short (1 min, ~12 segments)", 1.0, None), ("long (30 min, 400 segments)", 30.0, 400)):
        for fmt, lang in (("json", "zh"), ("whisperx", "zh"), ("vtt", "zh"), ("text", "zh"), ("json", "en")):
            raws = transcripts(minutes, segments, fmt, lang)
            per_second, times = rate(raws, fmt, lexicon, args.seconds)
            if segments:
                long_times += times
            print(f"{label:<30} {fmt:<10} {lang:<5} {per_second:>9.0f} {min(times):>7.2f} "
                  f"{statistics.median(times):>10.2f} {percentile(times, 0.95):>8.2f}")

    median, p95 = statistics.median(long_times), percentile(long_times, 0.95)
    verdict = "met" if median < LONG_CALL_TARGET_MS / 2 else "NOT met"  # "well under": half the target, typically
    print(f"\none 30-minute call (400 segments), parse + analyse: min {min(long_times):.1f} ms, "
          f"median {median:.1f} ms, p95 {p95:.1f} ms "
          f"(target: well under {LONG_CALL_TARGET_MS:.0f} ms, read as a median under "
          f"{LONG_CALL_TARGET_MS / 2:.0f} ms: {verdict})")
    if args.service:
        from benchmarks import calls_service

        print()
        calls_service.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
