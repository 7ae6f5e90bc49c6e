"""The psychometric claims, printed: reliability, flag rates, the tie rule and calibration.

    .venv/bin/python -m benchmarks.psychometrics [--n 5000] [--seed 2026] [--slug communication-style]

Everything comes from the simulated respondents of assessment/simulation.py, whose
respondent model is stated there (two normal latent traits, a mild yes-saying
tendency, normal item noise, answers rounded to the 1-5 scale; a retake is the same
person with fresh noise; careless respondents answer at random). The test suite
asserts the same figures (tests/test_measurement.py) on a smaller sample.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assessment.questionnaire import load_all
from assessment.simulation import ACQ_MEAN, ACQ_SD, LOADING, NOISE, figures

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--slug", default="communication-style")
    args = parser.parse_args()
    q = load_all(ROOT / "questionnaires")[args.slug]
    f = figures(q, n=args.n, seed=args.seed)
    print(f"{q.slug} version {q.version}: {len(q.items)} items; {f.n} simulated respondents per group")
    print(f"model: answer = 3 + {LOADING} x keying x trait + yes-saying N({ACQ_MEAN}, {ACQ_SD}) + noise N(0, {NOISE})")
    print("\nreliability (Cronbach's alpha on keyed answers; score mean and SD, 0-100)")
    for axis in f.alpha:
        declared = q.reliability.get(axis)
        note = f"   declared in the file: alpha {declared.alpha}, mean {declared.mean}, sd {declared.sd}" if declared else ""
        print(f"  {axis:15} alpha {f.alpha[axis]:.3f}   mean {f.score_mean[axis]:.1f}   sd {f.score_sd[axis]:.1f}{note}")
    print("\nflag rates (share of each group)")
    flags = list(next(iter(f.flag_rates.values())))
    print("  " + " " * 12 + "".join(f"{name:>16}" for name in flags))
    for group, rates in f.flag_rates.items():
        print(f"  {group:12}" + "".join(f"{rates[name] * 100:15.1f}%" for name in flags))
    print("\ncalibration of confidence: honest respondents, each retaking once")
    print("  told           n    mean told   kept the same style")
    for low, high, told, kept, n in f.calibration:
        print(f"  {low:.1f}-{min(high, 1):.1f}   {n:6}      {told:.3f}        {kept:.3f}")
    print("\ntie rule: primary style of sheets with exactly one axis at 50")
    for axis, counts in f.ties.items():
        print(f"  {axis:15} " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
