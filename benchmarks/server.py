"""Start and stop the production server (gunicorn) on 127.0.0.1 for benchmarks and tests.

Everything here targets loopback only, and every server started is stopped by the
context manager, even when the caller fails.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving app:app with `workers` processes and a database of its own."""

    def __init__(self, database: str | Path, workers: int = 4, threads: int = 1, app: str = "app:app",
                 env: dict | None = None):
        self.database = str(database)
        self.workers = workers
        self.threads = threads
        self.app = app
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.env = {**os.environ, "FLASK_DATABASE": self.database,
                    "FLASK_SECRET_KEY": "benchmark-" + "k" * 40, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None
        self.output = ""  # the server's stderr, kept when it stops (tracebacks land there)

    def start(self, timeout: float = 20.0) -> "Server":
        began = time.perf_counter()
        # A file, not a pipe: a pipe nobody reads could fill up and stall the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [GUNICORN, "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--backlog", "2048", "--timeout", "60", "--preload",
             "--log-level", "warning", self.app],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log,
            start_new_session=True,
        )
        deadline = began + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                output = self.log.read().decode(errors="replace")[-2000:]
                self.log.close()
                raise RuntimeError("server exited: " + output)
            try:
                with urllib.request.urlopen(self.url + "/api/v1/questionnaires", timeout=1) as r:
                    if r.status == 200:
                        self.started_in = time.perf_counter() - began
                        return self
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout} s")

    def kill9(self) -> None:
        """Crash the whole server at once: master and workers, no clean-up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._close_log()

    def _close_log(self) -> None:
        log = getattr(self, "log", None)
        if log is not None and not log.closed:
            log.seek(0)
            self.output = log.read().decode(errors="replace")
            log.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def questionnaire(url: str, slug: str = "communication-style") -> dict:
    with urllib.request.urlopen(f"{url}/api/v1/questionnaires/{slug}", timeout=10) as r:
        return json.load(r)


def random_answers(q: dict, rng: random.Random) -> dict[str, int]:
    lo, hi = q["scale"]["min"], q["scale"]["max"]
    return {item["id"]: rng.randint(lo, hi) for item in q["items"]}


def post_json(url: str, body: dict, timeout: float = 60.0) -> tuple[int, dict | None]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.load(exc)
        except ValueError:
            return exc.code, None
