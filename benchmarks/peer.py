"""The peer, side by side: django-survey-and-report under the same load as Zhiji's submit.

    .venv/bin/python -m benchmarks.peer

Every run builds everything it needs in a temporary directory and removes it after:
a throw-away virtual environment with django-survey-and-report and gunicorn (never a
project dependency), a minimal Django project around its `survey` app (SQLite in WAL
mode, DEBUG off, CSRF and sessions on their normal path), and one published survey
with as many required radio questions (1-5) as Zhiji's questionnaire, all on one
page. gunicorn serves it on 127.0.0.1 exactly as Zhiji is served (sync workers,
--preload), and wrk posts the survey's own form (CSRF cookie and token included) at
1, 8 and 32 connections. The number of stored responses is checked before and after,
so every request counted really submitted. Each wrk run is bounded, pip and the server
start have time limits, and the server's whole process group is stopped in every case.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from benchmarks.load import CONCURRENCY, ensure_wrk, wrk
from benchmarks.server import HOST, free_port

PACKAGES = ("django-survey-and-report", "gunicorn")
PIP_TIMEOUT = 600.0
START_TIMEOUT = 30.0
STARTS = 3  # start-up is the median of three launches, as for Zhiji

SETTINGS = '''\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",          # Response.user is a foreign key to AUTH_USER_MODEL
    "django.contrib.contenttypes",  # needed by auth
    "django.contrib.sessions",      # SurveyDetail keeps answers in request.session
    "django.contrib.messages",      # survey_available warns through messages
    "django.contrib.staticfiles",   # the templates use {{% static %}}
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.template.context_processors.i18n",
        "django.template.context_processors.static",
        "django.contrib.messages.context_processors.messages",
    ]}},
}}]
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": {database!r},
    "OPTIONS": {{"timeout": 30}},
}}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
LOGIN_URL = "/admin/login/"
# the survey app's own defaults (survey/settings.py), stated rather than relied upon
CHOICES_SEPARATOR = ","
USER_DID_NOT_ANSWER = "Left blank"
DEFAULT_SURVEY_PUBLISHING_DURATION = 7
'''

URLS = '''\
from django.urls import include, path

urlpatterns = [path("survey/", include("survey.urls"))]
'''

WSGI = '''\
import os

from django.core.wsgi import get_wsgi_application
from django.db.backends.signals import connection_created

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")


def _sqlite_like_zhiji(sender, connection, **kwargs):
    # WAL is set once in the file; synchronous is per connection: NORMAL, as Zhiji's storage uses
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = NORMAL")


connection_created.connect(_sqlite_like_zhiji)
application = get_wsgi_application()
'''

SEED = '''\
import datetime
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
django.setup()

from django.core.management import call_command
from django.db import connection

from survey.models import Category, Question, Survey

call_command("migrate", verbosity=0, interactive=False)
with connection.cursor() as cursor:  # WAL persists in the database file
    cursor.execute("PRAGMA journal_mode=WAL")
    mode = cursor.fetchone()[0]

questions = int(sys.argv[1])
survey = Survey.objects.create(
    name="Communication style", description="How do you communicate?",
    is_published=True, need_logged_user=False, editable_answers=True,
    display_method=Survey.ALL_IN_ONE_PAGE,
    publish_date=datetime.date(2000, 1, 1), expire_date=datetime.date(2099, 12, 31),
)
category = Category.objects.create(name="Style", survey=survey, order=1, description="")
for n in range(1, questions + 1):
    Question.objects.create(
        text=f"Statement {n}: in a conversation with a customer I tend to behave this way.",
        order=n, required=True, category=category, survey=survey,
        type=Question.RADIO, choices="1, 2, 3, 4, 5",
    )
print(survey.id, mode)
'''


def _run(cmd: list[str], timeout: float, what: str, **kwargs) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"peer: {what} took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise RuntimeError(f"peer: {what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass
    else:  # master gone: make sure no orphaned worker of its group survives
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _request(port: int, method: str, path: str, body: str | None = None,
             headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.headers, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


class _Peer:
    """gunicorn serving the generated project, configured like benchmarks.server.Server."""

    def __init__(self, venv: Path, site: Path, workers: int, path: str, preload: bool):
        self.cmd = [str(venv / "bin" / "gunicorn"), "--chdir", str(site), "--workers", str(workers),
                    "--threads", "1", "--backlog", "2048", "--timeout", "60", "--log-level", "warning",
                    *(["--preload"] if preload else []), "peersite.wsgi:application"]
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        self.env["DJANGO_SETTINGS_MODULE"] = "peersite.settings"
        self.site, self.path = site, path
        self.log = site.parent / "gunicorn.log"  # a file, not a pipe: a chatty server never blocks on it
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.started_in = 0.0

    def __enter__(self) -> "_Peer":
        self.port = free_port()
        began = time.perf_counter()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*self.cmd[:1], "--bind", f"{HOST}:{self.port}", *self.cmd[1:]],
                cwd=self.site, env=self.env, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True,
            )
        try:
            while time.perf_counter() - began < START_TIMEOUT:
                if self.process.poll() is not None:
                    raise RuntimeError("peer server exited: " + self.log.read_text(errors="replace")[-2000:])
                try:
                    if _request(self.port, "GET", self.path)[0] == 200:
                        self.started_in = time.perf_counter() - began
                        return self
                except (ConnectionError, OSError):
                    pass
                time.sleep(0.02)
            raise RuntimeError(f"peer server did not answer 200 on {self.path} within {START_TIMEOUT:.0f} s")
        except BaseException:
            _stop(self.process)
            raise

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            _stop(self.process)


def _responses(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute("SELECT COUNT(*) FROM survey_response").fetchone()[0]


def _form(port: int, path: str, questions: int) -> tuple[str, str]:
    """The survey's own page gives the CSRF cookie, the token and the radio choices."""
    status, headers, html = _request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"peer: GET {path} answered {status}")
    cookie = next((c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [] if c.startswith("csrftoken=")),
                  None)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not cookie or not token:
        raise RuntimeError("peer: the survey page gave no csrftoken cookie or csrfmiddlewaretoken")
    choices: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="radio" name="(question_\d+)" value="([^"]*)"', html):
        choices.setdefault(name, []).append(value)
    if len(choices) != questions or any(len(v) != 5 for v in choices.values()):
        raise RuntimeError(f"peer: expected {questions} radio questions of 5 choices, found "
                           f"{ {k: len(v) for k, v in choices.items()} }")
    rng = random.Random(5)
    fields = [("csrfmiddlewaretoken", token.group(1))] + [(name, rng.choice(v)) for name, v in choices.items()]
    return urllib.parse.urlencode(fields), cookie


def run_peer(seconds: float, workers: int, questions: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="zhiji-peer-") as tmp:
        root = Path(tmp)
        venv, site, database = root / "venv", root / "site", root / "peer.sqlite3"
        print("peer: installing django-survey-and-report and gunicorn into a throw-away venv ...",
              file=sys.stderr, flush=True)
        _run([sys.executable, "-m", "venv", str(venv)], 120, "creating the virtual environment")
        python = str(venv / "bin" / "python")
        _run([python, "-m", "pip", "install", "--disable-pip-version-check", "-q", *PACKAGES],
             PIP_TIMEOUT, "pip install " + " ".join(PACKAGES))
        versions = _run([python, "-c", "import importlib.metadata as m; print(m.version('django-survey-and-report'),"
                                       " m.version('django'), m.version('gunicorn'))"], 60, "reading versions").split()

        (site / "peersite").mkdir(parents=True)
        (site / "peersite" / "__init__.py").write_text("")
        (site / "peersite" / "settings.py").write_text(
            SETTINGS.format(secret=secrets.token_urlsafe(50), database=str(database)))
        (site / "peersite" / "urls.py").write_text(URLS)
        (site / "peersite" / "wsgi.py").write_text(WSGI)
        (site / "seed.py").write_text(SEED)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        survey_id, journal = _run([python, "seed.py", str(questions)], 120, "migrate and seed",
                                  cwd=site, env=env).split()[-2:]
        path = f"/survey/{survey_id}/"

        preload, startups = True, []
        try:  # the first launch also tells whether the app survives --preload
            with _Peer(venv, site, workers, path, preload=True) as peer:
                startups.append(peer.started_in)
        except RuntimeError as exc:
            print(f"peer: --preload failed, serving without it ({str(exc)[:200]})", file=sys.stderr)
            preload = False
        while len(startups) < STARTS - 1:
            with _Peer(venv, site, workers, path, preload) as peer:
                startups.append(peer.started_in)

        with _Peer(venv, site, workers, path, preload) as peer:
            startups.append(peer.started_in)
            url = f"http://{HOST}:{peer.port}{path}"
            body, cookie = _form(peer.port, path, questions)
            headers = {"Referer": url}
            before = _responses(database)
            status, answer, html = _request(peer.port, "POST", path, body, {
                **headers, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
            location = answer.get("Location", "")
            if status != 302 or "/survey/confirm/" not in location or _responses(database) != before + 1:
                errors = re.findall(r'<strong>([^<]+)</strong>', html)
                raise RuntimeError(f"peer: a submission did not go through: {status} {location!r}, "
                                   f"responses {before} -> {_responses(database)}; {errors[:3] or html[:500]}")
            form = {"body": body, "cookie": cookie, "content_type": "application/x-www-form-urlencoded",
                    "headers": headers}
            wrk(url, 8, 1, **form)  # the same untimed warm-up second as Zhiji gets
            before = _responses(database)
            submit = {c: wrk(url, c, seconds, **form) for c in CONCURRENCY}

        stored = _responses(database)
        answered = sum(r["requests"] - r["errors"] for r in submit.values())
        if stored - before < max(answered, 1):
            raise RuntimeError(f"peer: wrk counted {answered} answered submissions but only "
                               f"{stored - before} responses were stored")
        return {"submit": submit, "startup_s": statistics.median(startups), "startups_s": startups,
                "stored": stored, "stored_by_wrk": stored - before, "preload": preload,
                "journal_mode": journal, "versions": dict(zip(("django-survey-and-report", "django", "gunicorn"),
                                                              versions))}


if __name__ == "__main__":
    ensure_wrk()
    result = run_peer(5, 4, 32)
    print(f"django-survey-and-report {result['versions']['django-survey-and-report']} "
          f"(Django {result['versions']['django']}, gunicorn {result['versions']['gunicorn']}), "
          f"preload={result['preload']}, journal={result['journal_mode']}")
    print(f"{'clients':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for c, r in result["submit"].items():
        print(f"{c:>8}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8}")
    print(f"stored responses: {result['stored']:,} ({result['stored_by_wrk']:,} during the wrk runs)")
    print(f"start-up, launch to first 200: {result['startup_s']:.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in result['startups_s'])})")
