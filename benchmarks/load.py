"""Load generation shared by benchmarks.run and benchmarks.peer: wrk, bounded and on loopback.

This module imports no other benchmark module, so that run.py and peer.py both
depend on it and never on each other (run -> peer -> load, run -> load).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk_report.lua"
CONCURRENCY = (1, 8, 32)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian's packages ...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def wrk(url: str, connections: int, seconds: float, body: dict | str | None = None, cookie: str = "",
        content_type: str = "application/json", headers: dict | None = None) -> dict:
    """One bounded wrk run; a dict body is sent as JSON, a str body as it is."""
    encoded = json.dumps(body) if isinstance(body, dict) else (body or "")
    env = {"WRK_BODY": encoded, "WRK_COOKIE": cookie, "WRK_CONTENT_TYPE": content_type,
           "WRK_HEADER_LINES": "\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
           "PATH": "/usr/bin:/bin"}
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
         "--timeout", "10s", "-s", str(LUA), url],
        capture_output=True, text=True, env=env, timeout=seconds + 60, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("{"))
    return json.loads(line)


def measured(url: str, seconds: float, **kw) -> dict:
    """wrk at 1, 8 and 32 connections, after one untimed second that lets every
    worker compile its templates and load its catalogues (start-up is measured apart)."""
    wrk(url, 8, 1, **kw)
    return {c: wrk(url, c, seconds, **kw) for c in CONCURRENCY}
