"""Web security (OWASP ASVS level 1 as the checklist): headers, no inline script, cookies,
CSRF on every form, sessions at login and logout, login throttling across processes,
open redirects, API tokens, the secret key, hostile names on every page and in exports,
SQL injection and path traversal."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from markupsafe import escape

from assessment import create_app, storage, throttle
from assessment.charts import plain_text
from assessment.web.assets import plotly_version
from assessment.exports import csv_safe
from assessment.questionnaire import load_all
from call_samples import add_call
from conftest import QUESTIONNAIRES, csrf_token
from werkzeug.security import generate_password_hash

from helpers import (
    db_call,
    FAST_HASH,
    PASSWORD,
    RESPONSES_URL,
    api_submit,
    axis_answers,
    count,
    join_and_take,
    login,
    make_api_token,
    make_app,
    make_team,
    make_trainer,
    page_text,
    rows,
    signed_in_client,
)


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _signed_in_as_trainer(client) -> bool:
    response = client.get("/trainer/")
    return response.status_code == 200


class PageScan(HTMLParser):
    """What a browser would execute or follow: script tags, every attribute, every tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self._script: tuple[dict, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
        if tag == "script":
            self._script = (dict(attrs), [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


def _url_scheme_is_script(value: str) -> bool:
    # Browsers drop ASCII whitespace and control characters before reading the scheme.
    squashed = re.sub(r"[\x00-\x20]", "", value).lower()
    return squashed.startswith(("javascript:", "vbscript:", "data:text/html"))


def assert_page_is_inert(html: str, where: str) -> PageScan:
    """No executable inline script, no event-handler attributes, no script URLs, valid JSON islands."""
    page = scan(html)
    for attrs, body in page.scripts:
        if attrs.get("src"):
            assert not body.strip(), f"{where}: a <script src> with inline content"
            continue
        assert attrs.get("type") == "application/json", f"{where}: inline executable <script>: {body[:120]!r}"
        json.loads(body)  # a name with </script> must not cut the island short
    handlers = [(t, n) for t, n, _v in page.attrs if n.lower().startswith("on")]
    assert not handlers, f"{where}: event-handler attributes {handlers}"
    script_urls = [(t, n, v) for t, n, v in page.attrs if n.lower() in URL_ATTRS and _url_scheme_is_script(v)]
    assert not script_urls, f"{where}: script URLs {script_urls}"
    injected = {"img", "iframe", "object", "embed", "svg", "math", "base", "meta"} & set(page.tags[page.tags.index("body"):] if "body" in page.tags else page.tags)
    assert not injected, f"{where}: unexpected elements {injected}"
    return page


def json_islands(html: str) -> list:
    return [json.loads(body) for attrs, body in scan(html).scripts if attrs.get("type") == "application/json"]


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


# ---------------------------------------------------------------------------
# A populated world: a trainer, a team, an agent who joined and answered.
# (trainer, signed_in and api_token are trainer-a's, from conftest.py)
# ---------------------------------------------------------------------------

def _populate(app, questionnaire, trainer_id):
    team = make_team(app, trainer_id, "Morning shift")
    agent_client = app.test_client()
    last = join_and_take(agent_client, questionnaire, team["invite_code"], "Ana Agent",
                         answers=axis_answers(questionnaire, 5, 1))
    token = last.headers["Location"].rsplit("/", 1)[-1].split("?")[0]
    agent_id = rows(app, "SELECT id FROM agents WHERE team_id = ?", [team["id"]])[0]["id"]
    return {"team": team, "token": token, "agent_id": agent_id}


# Calls as evidence: a call with a phone, an ID and a card number in it.
CALL_WITH_NUMBERS = ("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v 坐席>您好，请问有什么可以帮您？\n\n"
                     "00:00:05.000 --> 00:00:12.000\n<v 客户>我的手机号是13812345678，身份证110101199003071234，"
                     "卡号6222021234567890123。\n\n00:00:13.000 --> 00:00:16.000\n<v 坐席>这个不归我们管。\n")


@pytest.fixture
def world(app, questionnaire, trainer):
    return _populate(app, questionnaire, trainer)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, questionnaire):
    """One populated app for the read-only crawls and the CSRF table (which compares before/after)."""
    app = make_app(tmp_path_factory.mktemp("shared") / "shared.sqlite3")
    trainer_id = make_trainer(app, "trainer-a")
    # The CSRF tests sign in and out for real; a logout ends every session of that
    # trainer, so they use their own trainer and leave trainer-a's session alone.
    csrf_trainer = make_trainer(app, "trainer-csrf")
    world = _populate(app, questionnaire, trainer_id)
    # A team and member of the CSRF trainer's own, for the rename and removal forms to aim at.
    own = _populate(app, questionnaire, csrf_trainer)
    world["csrf_agent_id"], world["csrf_team_id"] = own["agent_id"], own["team"]["id"]
    # The same name again from another phone, without proof: a possible duplicate, for the merge form.
    join_and_take(app.test_client(), questionnaire, own["team"]["invite_code"], "Ana Agent",
                  answers=axis_answers(questionnaire, 5, 1))
    world["csrf_duplicate_id"] = rows(app, "SELECT id FROM agents WHERE duplicate_of = ?", [own["agent_id"]])[0]["id"]
    # The CSRF trainer is an administrator too (the account forms), with a colleague to aim at.
    db = storage.connect(app.config["DATABASE"])
    try:
        storage.set_role(db, csrf_trainer, "admin")
    finally:
        db.close()
    world["colleague_id"] = make_trainer(app, "colleague-csrf")
    # How others see me: a colleague's and a lead's rating link of the member's result.
    db = storage.connect(app.config["DATABASE"])
    try:
        result = storage.response_by_token(db, world["token"])
        world["peer_link"] = storage.create_link(db, result, "peer")["token"]
        world["lead_link"] = storage.create_link(db, result, "lead")["token"]
    finally:
        db.close()
    # Calls as evidence: a call of the member, and one of the CSRF trainer's member (to remove).
    world["call_id"] = add_call(app, world["agent_id"], world["team"]["id"], CALL_WITH_NUMBERS)
    world["csrf_call_id"] = add_call(app, world["csrf_agent_id"], world["csrf_team_id"], CALL_WITH_NUMBERS)
    return {"app": app, "world": world, "signed_in": signed_in_client(app, "trainer-a")}


def _pages(world) -> dict[str, tuple[str, bool]]:
    """Path -> (page, needs a signed-in trainer)."""
    team_id = world["team"]["id"]
    return {
        "index": ("/", False),
        "questionnaire page 1": ("/q/communication-style/1", False),
        "questionnaire page 4": ("/q/communication-style/4", False),
        "result": (f"/r/{world['token']}", False),
        "join": (f"/join/{world['team']['invite_code']}", False),
        "join by code": ("/join", False),
        "join by code, error": ("/join?code=ZZZZZZ&", False),
        "login": ("/trainer/login", False),
        "not found": ("/no/such/page", False),
        "trainer home": ("/trainer/", True),
        "change password": ("/trainer/password", True),
        "remove member": (f"/trainer/agents/{world['agent_id']}/delete", True),
        "team settings": (f"/trainer/teams/{team_id}/settings", True),
        "remove team": (f"/trainer/teams/{team_id}/delete", True),
        "dashboard": (f"/trainer/teams/{team_id}", True),
        "all teams": ("/trainer/all", True),
        "agent detail": (f"/trainer/agents/{world['agent_id']}", True),
        "rate abilities": (f"/trainer/agents/{world['agent_id']}/abilities/rate", True),
        "team abilities": (f"/trainer/teams/{team_id}/abilities", True),
        "self-rating": (f"/r/{world['token']}/abilities", False),
        # calls as evidence
        "upload a call": (f"/trainer/agents/{world['agent_id']}/calls/new", True),
        "call review": (f"/trainer/calls/{world['call_id']}", True),
        "remove a call": (f"/trainer/calls/{world['call_id']}/delete", True),
        "team calls": (f"/trainer/teams/{team_id}/calls", True),
        "rate abilities with a call in view": (f"/trainer/agents/{world['agent_id']}/abilities/rate"
                                               f"?call={world['call_id']}", True),
        "calls on the result": (f"/r/{world['token']}/calls", False),
    }


# ---------------------------------------------------------------------------
# Security headers
# ---------------------------------------------------------------------------

def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response, where: str) -> None:
    headers = response.headers
    assert "Content-Security-Policy" in headers, f"{where}: no CSP"
    csp = _csp(headers["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src is not None, f"{where}: CSP has neither script-src nor default-src"
    assert "'unsafe-inline'" not in script_src, f"{where}: script-src allows inline script"
    assert "'unsafe-eval'" not in script_src, f"{where}: script-src allows eval"
    assert not any(s in ("*", "http:", "https:", "data:") for s in script_src), f"{where}: script-src too wide: {script_src}"
    assert csp.get("frame-ancestors") == ["'none'"], f"{where}: frame-ancestors is {csp.get('frame-ancestors')}"
    assert csp.get("object-src") == ["'none'"], f"{where}: object-src is {csp.get('object-src')}"
    assert "base-uri" in csp, f"{where}: no base-uri"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") in ("no-referrer", "same-origin", "strict-origin",
                                              "strict-origin-when-cross-origin"), where


@pytest.mark.parametrize("name", [
    "index", "questionnaire page 1", "result", "join", "join by code", "login", "not found",
    "trainer home", "dashboard", "all teams", "agent detail", "call review", "team calls",
])
def test_html_pages_carry_the_security_headers(shared, name):
    app, world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    path, needs_trainer = _pages(world)[name]
    client = signed_in if needs_trainer else app.test_client()
    response = client.get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    assert response.mimetype == "text/html"
    assert_security_headers(response, path)


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("get", "/api/v1/questionnaires", {}, 200),
    ("get", "/api/v1/openapi.json", {}, 200),
    ("get", "/api/v1/questionnaires/communication-style", {}, 200),
    ("get", "/api/v1/questionnaires/nope", {}, 404),
    ("get", "/api/v1/teams", {}, 401),
    ("get", "/api/v1/nope", {}, 404),
    ("put", RESPONSES_URL, {}, 405),
    ("post", RESPONSES_URL, {"data": "{", "content_type": "application/json"}, 400),
    ("post", RESPONSES_URL, {"data": "x=1", "content_type": "application/x-www-form-urlencoded"}, 415),
    ("post", RESPONSES_URL, {"data": "{" + " " * 70_000 + "}", "content_type": "application/json"}, 413),
    ("get", "/static/style.css", {}, 200),
    ("get", "/static/charts.js", {}, 200),
    ("get", "/static/nope.js", {}, 404),
    ("get", f"/vendor/plotly-{plotly_version()}.min.js", {}, 200),
    ("get", f"/vendor/plotly-{plotly_version()}.min.js", {"headers": {"If-None-Match": f'"plotly-{plotly_version()}"'}}, 304),
    ("get", "/vendor/plotly-0.0.0.min.js", {}, 404),
    ("get", f"/vendor/plotly-{plotly_version().split('-')[0]}-0000000000.min.js", {}, 404),  # another build
    ("get", "/trainer", {}, 308),
    ("get", "/trainer/", {}, 302),
    ("get", "/trainer/logout", {}, 405),
    ("get", "/join/leave", {}, 404),  # /join/<code> with the code "leave"
    ("post", "/trainer/logout", {}, 400),
    ("post", "/join/AAAAAA", {"data": "x" * 70_000}, 413),
])
def test_api_static_and_error_responses_carry_the_security_headers(client, method, path, kwargs, status):
    with getattr(client, method)(path, **kwargs) as response:
        assert response.status_code == status
        assert_security_headers(response, f"{method.upper()} {path}")
        if path.startswith("/api/"):
            assert response.mimetype == "application/json"
            if status >= 400:
                body = response.get_json()
                assert set(body) == {"error", "details"}


def test_plotly_is_the_custom_bundle_gzipped_and_cached_for_a_year(client):
    import gzip
    import hashlib

    url = f"/vendor/plotly-{plotly_version()}.min.js"
    with client.get(url, headers={"Accept-Encoding": "identity"}) as raw, \
            client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as zipped:
        assert raw.data.startswith(b"/**\n* plotly.js (custom: ")
        assert "Content-Encoding" not in raw.headers
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == raw.data
        assert len(zipped.data) < 600_000  # the full plotly.js is 1.4 MB gzipped
        for response in (raw, zipped):
            assert response.mimetype == "text/javascript"
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.headers["Vary"] == "Accept-Encoding"
            assert response.headers["ETag"] == f'"plotly-{plotly_version()}"'
            assert "Set-Cookie" not in response.headers
        # The URL names this very build: a rebuild gets a new URL past the year-long cache.
        assert plotly_version().endswith("-" + hashlib.sha256(raw.data).hexdigest()[:10])


def test_csp_allows_what_the_pages_load(shared):
    app, world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    """The policy is not just strict but workable: every script the pages load is same-origin."""
    for name, (path, needs_trainer) in _pages(world).items():
        html = page_text((signed_in if needs_trainer else app.test_client()).get(path))
        for attrs, _body in scan(html).scripts:
            if attrs.get("src"):
                assert attrs["src"].startswith("/"), (name, attrs["src"])
                assert not attrs["src"].startswith("//"), (name, attrs["src"])


# ---------------------------------------------------------------------------
# No inline script on any page; figures ride in JSON data islands
# ---------------------------------------------------------------------------

def test_no_page_has_inline_script_or_event_handlers(shared):
    app, world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    seen_islands = 0
    for name, (path, needs_trainer) in _pages(world).items():
        client = signed_in if needs_trainer else app.test_client()
        for lang in ("zh", "en"):
            response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
            assert response.status_code in (200, 400, 404), (name, response.status_code)
            page = assert_page_is_inert(page_text(response), f"{name} ({lang})")
            seen_islands += sum(1 for attrs, _ in page.scripts if attrs.get("type") == "application/json")
    # The crawl really reached the chart pages (result, dashboard, agent detail).
    assert seen_islands >= 2 * (2 + 3 + 2)


def test_no_page_or_export_shows_a_calls_raw_numbers(shared):
    """The call in the shared world was said with a phone, an ID and a card number."""
    app, world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    team_id = world["team"]["id"]
    paths = [(path, trainer) for path, trainer in _pages(world).values()] + [
        (f"/trainer/teams/{team_id}/export.{fmt}", True) for fmt in ("csv", "json")] + [
        (f"/api/v1/calls/{world['call_id']}", True), (f"/api/v1/agents/{world['agent_id']}/calls", True)]
    for path, needs_trainer in paths:
        text = page_text((signed_in if needs_trainer else app.test_client()).get(path))
        for raw in ("13812345678", "1381234", "110101199003071234", "6222021234567890123"):
            assert raw not in text, (path, raw)
    assert "*******5678" in page_text(signed_in.get(f"/trainer/calls/{world['call_id']}"))


def test_the_scanner_catches_inline_script():
    with pytest.raises(AssertionError, match="inline executable"):
        assert_page_is_inert("<html><body><script>alert(1)</script></body></html>", "probe")
    with pytest.raises(AssertionError, match="event-handler"):
        assert_page_is_inert('<html><body><p onclick="x()">x</p></body></html>', "probe")
    with pytest.raises(AssertionError, match="script URLs"):
        assert_page_is_inert('<html><body><a href=" JaVa\tscript:alert(1)">x</a></body></html>', "probe")
    with pytest.raises(ValueError):
        assert_page_is_inert('<html><body><script type="application/json">{"a": "</script>"}</script></body></html>', "probe")


# ---------------------------------------------------------------------------
# Session cookie
# ---------------------------------------------------------------------------

def _set_cookie(response, name="session") -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def _cookie_attrs(header: str) -> dict[str, str]:
    attrs = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attrs[key.lower()] = value
    return attrs


@pytest.mark.parametrize("path", ["/trainer/login", "/q/communication-style/1"])
def test_session_cookie_is_httponly_lax_and_not_secure_over_http(client, path):
    attrs = _cookie_attrs(_set_cookie(client.get(path)))
    assert "httponly" in attrs
    assert attrs.get("samesite", "").lower() == "lax"
    assert "secure" not in attrs


@pytest.mark.parametrize("path", ["/trainer/login", "/q/communication-style/1"])
def test_session_cookie_is_secure_over_https(client, path):
    attrs = _cookie_attrs(_set_cookie(client.get(path, base_url="https://localhost")))
    assert {"httponly", "secure"} <= set(attrs)
    assert attrs.get("samesite", "").lower() == "lax"


def test_signed_in_session_cookie_keeps_its_flags_over_https(app, trainer):
    client = app.test_client()
    html = page_text(client.get("/trainer/login", base_url="https://localhost"))
    # Over HTTPS Flask-WTF also demands a same-origin Referer.
    response = client.post("/trainer/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/trainer/login"},
                           data={"csrf_token": csrf_token(html), "username": "trainer-a", "password": PASSWORD})
    assert response.status_code == 302
    attrs = _cookie_attrs(_set_cookie(response))
    assert {"httponly", "secure"} <= set(attrs) and attrs["samesite"].lower() == "lax"


@pytest.mark.parametrize("trust_proxy, secure", [(True, True), (False, False)])
def test_forwarded_proto_is_trusted_only_behind_a_configured_proxy(tmp_path, trust_proxy, secure):
    app = make_app(tmp_path / "db.sqlite3", TRUST_PROXY=trust_proxy)
    response = app.test_client().get("/trainer/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert ("secure" in _cookie_attrs(_set_cookie(response))) is secure


# ---------------------------------------------------------------------------
# CSRF on every form
# ---------------------------------------------------------------------------

def _state(app, client) -> dict:
    with client.session_transaction() as s:
        session = {k: v for k, v in s.items() if k not in ("csrf_token", "_fresh", "_id")}
    return {
        "session": json.dumps(session, sort_keys=True, default=str),
        **{t: count(app, t) for t in ("trainers", "teams", "agents", "responses", "api_tokens")},
        "password hashes": [r["password_hash"] for r in rows(app, "SELECT password_hash FROM trainers ORDER BY id")],
        "team names": [r["name"] for r in rows(app, "SELECT name FROM teams ORDER BY id")],
        **{t: count(app, t) for t in ("ability_ratings", "team_staff")},
        "practice attempts": count(app, "practice_attempts"),
        "rating links": [tuple(r.values()) for r in rows(app, "SELECT id, answered_at FROM rater_links ORDER BY id")],
        "accounts": [(r["role"], r["disabled_at"]) for r in rows(app, "SELECT * FROM trainers ORDER BY id")],
        "calls": [r["id"] for r in rows(app, "SELECT id FROM calls ORDER BY id")],
    }


def _csrf_cases(world, questionnaire) -> dict[str, tuple[str, dict, bool]]:
    """Endpoint -> (URL, form data that would be valid with a token, signed-in trainer?)."""
    code = world["team"]["invite_code"]
    page1 = {item.id: "4" for item in questionnaire.pages[0]}
    return {
        "agent.join": (f"/join/{code}", {"name": "Forged Name", "employee_id": "E1"}, False),
        "agent.leave_team": ("/join/leave", {}, False),
        "agent.take": ("/q/communication-style/1", page1, False),
        "auth.login": ("/trainer/login", {"username": "trainer-a", "password": PASSWORD}, False),
        "auth.logout": ("/trainer/logout", {}, True),
        "trainer.create_team": ("/trainer/teams", {"name": "Forged team"}, True),
        "auth.change_password": ("/trainer/password", {"current_password": PASSWORD, "new_password": FORGED_PASSWORD,
                                                       "confirm_password": FORGED_PASSWORD}, True),
        # the seven service abilities, staff accounts and staff on teams
        "abilities.rate": (f"/trainer/agents/{world['csrf_agent_id']}/abilities/rate", RATING_FORM, True),
        "abilities.rate_self": (f"/r/{world['token']}/abilities", RATING_FORM, False),
        "admin.create_account": ("/admin/users", {"username": "forged-user", "role": "qc",
                                                  "password": FORGED_PASSWORD}, True),
        "admin.reset_password": (f"/admin/users/{world['colleague_id']}/password",
                                 {"new_password": FORGED_PASSWORD, "confirm_password": FORGED_PASSWORD}, True),
        "admin.disable": (f"/admin/users/{world['colleague_id']}/disable", {}, True),
        "admin.enable": (f"/admin/users/{world['colleague_id']}/enable", {}, True),
        "admin.add_staff": (f"/trainer/teams/{world['csrf_team_id']}/staff",
                            {"username": "colleague-csrf", "role": "qc"}, True),
        "admin.remove_staff": (f"/trainer/teams/{world['csrf_team_id']}/staff/colleague-csrf/remove", {}, True),
        # read the caller: practice (answer and next need a session started first, see below)
        "caller.practice_start": ("/practice/start", {}, False),
        "caller.practice_answer": ("/practice/answer", {"step": "1", "customer_type": "driver", "reply": "a"}, False),
        "caller.practice_next": ("/practice/next", {}, False),
        # how others see me (the rating pages keep a draft in the session)
        "others.create_link": (f"/r/{world['token']}/others/links", {"relation": "peer"}, False),
        "others.rate_start": (f"/rate/{world['lead_link']}", {"role": "qc", "name": "Forged"}, False),
        "others.rate_page": (f"/rate/{world['lead_link']}/1", OBSERVER_PAGE, False),
        # members: a retake proven by the result link; a trainer merging a possible duplicate
        "agent.retake": (f"/r/{world['token']}/retake", {}, False),
        "trainer.merge_agent": (f"/trainer/agents/{world['csrf_duplicate_id']}/merge/{world['csrf_agent_id']}", {},
                                True),
        "others.rate_member": (f"/trainer/agents/{world['csrf_agent_id']}/rate/1", OBSERVER_PAGE, True),
        # calls as evidence (before the member goes, which takes their calls along)
        "calls.upload": (f"/trainer/agents/{world['csrf_agent_id']}/calls",
                         {"text": CALL_WITH_NUMBERS.replace("这个", "这件事")}, True),
        "calls.delete": (f"/trainer/calls/{world['csrf_call_id']}/delete", {}, True),
        "trainer.delete_agent": (f"/trainer/agents/{world['csrf_agent_id']}/delete", {}, True),
        # renamed before it is removed: the positive test below posts these in this order
        "trainer.team_settings": (f"/trainer/teams/{world['csrf_team_id']}/settings", {"name": "Forged name"}, True),
        "trainer.delete_team": (f"/trainer/teams/{world['csrf_team_id']}/delete", {}, True),
    }


FORGED_PASSWORD = "forged-password-9"
OBSERVER_PAGE = {item.id: "3" for item in load_all(QUESTIONNAIRES)["communication-style-observer"].pages[0]}
# Every behaviour of the service-abilities scorecard rated 3, for a past month.
RATING_FORM = {
    **{item.id: "3" for item in load_all(QUESTIONNAIRES)["service-abilities"].items},
    "period": "2024-01", "note": "",
}


def _post_form_endpoints(app) -> set[str]:
    return {
        rule.endpoint for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }


def test_every_post_form_route_is_in_the_csrf_table(shared, questionnaire):
    app, world = shared["app"], shared["world"]
    assert _post_form_endpoints(app) == set(_csrf_cases(world, questionnaire))


def _prepared_client(app, world, signed: bool):
    client = app.test_client()
    if signed:
        assert login(client, "trainer-csrf", PASSWORD).status_code == 302
    else:
        # An agent mid-way: joined a team (so leaving would change the session).
        html = page_text(client.get(f"/join/{world['team']['invite_code']}"))
        client.post(f"/join/{world['team']['invite_code']}",
                    data={"csrf_token": csrf_token(html), "name": "Real Agent"})
    return client


@pytest.mark.parametrize("token", ["missing", "empty", "garbage", "another session's"])
@pytest.mark.parametrize("endpoint", [
    "agent.join", "agent.leave_team", "agent.take", "auth.login", "auth.logout", "trainer.create_team",
    "auth.change_password", "trainer.delete_agent", "trainer.team_settings", "trainer.delete_team",
    "abilities.rate", "abilities.rate_self", "admin.create_account", "admin.reset_password", "admin.disable",
    "admin.enable", "admin.add_staff", "admin.remove_staff",
    "caller.practice_start", "caller.practice_answer", "caller.practice_next",
    "others.create_link", "others.rate_start", "others.rate_page", "others.rate_member",
    "agent.retake", "trainer.merge_agent", "calls.upload", "calls.delete",
])
def test_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(shared, questionnaire, endpoint, token):
    app, world = shared["app"], shared["world"]
    url, data, signed = _csrf_cases(world, questionnaire)[endpoint]
    client = _prepared_client(app, world, signed)
    data = dict(data)
    if token == "empty":
        data["csrf_token"] = ""
    elif token == "garbage":
        data["csrf_token"] = "IjEyMyI.garbage.token"
    elif token == "another session's":
        other = app.test_client()
        data["csrf_token"] = csrf_token(page_text(other.get("/trainer/login")))
    before = _state(app, client)
    signed_before = _signed_in_as_trainer(client)
    response = client.post(url, data=data)
    assert response.status_code == 400, (endpoint, response.status_code)
    assert _state(app, client) == before
    assert _signed_in_as_trainer(client) == signed_before


def test_the_same_posts_with_a_token_do_change_state(shared, questionnaire):
    app, world = shared["app"], shared["world"]
    """The refusals above are due to the token, not to bad data."""
    for endpoint, (url, data, signed) in _csrf_cases(world, questionnaire).items():
        client = _prepared_client(app, world, signed)
        form_page = url if endpoint in ("agent.join", "agent.take", "auth.login") else (
            "/trainer/" if signed else "/q/communication-style/1")
        token = csrf_token(page_text(client.get(form_page))) if endpoint != "agent.leave_team" else re.search(
            r'name="csrf_token" value="([^"]+)"', page_text(client.get("/q/communication-style/1"))).group(1)
        if endpoint in ("caller.practice_answer", "caller.practice_next"):  # a session under way
            client.post("/practice/start", data={"csrf_token": token})
            if endpoint == "caller.practice_next":
                client.post("/practice/answer", data={**_csrf_cases(world, questionnaire)["caller.practice_answer"][1],
                                                      "csrf_token": token})
        before = _state(app, client)
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 302, (endpoint, response.status_code)
        if endpoint != "auth.login":
            assert _state(app, client) != before, endpoint
        if endpoint == "auth.change_password":  # put it back for the other tests
            db = storage.connect(app.config["DATABASE"])
            try:
                trainer = storage.trainer_by_username(db, "trainer-csrf")
                storage.set_password(db, trainer["id"], generate_password_hash(PASSWORD, method=FAST_HASH))
            finally:
                db.close()


def test_api_post_refuses_form_encoded_cross_site_bodies(app, trainer):
    """The API is CSRF-exempt only because it demands application/json (no simple form can send it)."""
    client = app.test_client()
    assert login(client, "trainer-a", PASSWORD).status_code == 302
    before = count(app, "teams")
    for content_type in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        response = client.post("/api/v1/teams", data='{"name": "csrf"}', content_type=content_type)
        assert response.status_code == 415, content_type
    assert count(app, "teams") == before


# ---------------------------------------------------------------------------
# Sessions: fresh at login, really ended at logout
# ---------------------------------------------------------------------------

def test_login_issues_a_fresh_session_and_the_old_cookie_is_not_signed_in(app, trainer):
    client = app.test_client()
    html = page_text(client.get("/trainer/login"))
    before = _session_cookie(client)
    assert before
    response = client.post("/trainer/login", data={"csrf_token": csrf_token(html), "username": "trainer-a", "password": PASSWORD})
    assert response.status_code == 302
    after = _session_cookie(client)
    assert after and after != before
    # The CSRF token from before sign-in belongs to the old session: it no longer works.
    teams = count(app, "teams")
    assert client.post("/trainer/teams", data={"csrf_token": csrf_token(html), "name": "Stale token"}).status_code == 400
    assert count(app, "teams") == teams
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert not _signed_in_as_trainer(stale)
    assert _signed_in_as_trainer(client)


def test_logout_ends_the_session_even_for_a_replayed_cookie(app, trainer):
    client = app.test_client()
    assert login(client, "trainer-a", PASSWORD).status_code == 302
    signed_cookie = _session_cookie(client)
    html = page_text(client.get("/trainer/"))
    assert client.post("/trainer/logout", data={"csrf_token": csrf_token(html)}).status_code == 302
    assert not _signed_in_as_trainer(client)
    # Someone who copied the cookie before logout (shared PC, proxy log) replays it.
    replay = app.test_client()
    replay.set_cookie("session", signed_cookie)
    response = replay.get("/trainer/")
    assert response.status_code == 302 and "/trainer/login" in response.headers["Location"], \
        "a session cookie captured before logout still opens the workspace after logout"
    assert replay.get("/api/v1/teams").status_code == 401


# ---------------------------------------------------------------------------
# Login throttling: per username and address with a growing wait, across server processes
# ---------------------------------------------------------------------------

def _attempt(client, username, password, addr="127.0.0.1", **headers):
    env = {"REMOTE_ADDR": addr}
    html = page_text(client.get("/trainer/login", environ_base=env))
    return client.post("/trainer/login", environ_base=env, headers=headers,
                       data={"csrf_token": csrf_token(html), "username": username, "password": password})


@pytest.fixture
def two_processes(tmp_path):
    """Two app instances on one database file, as two gunicorn workers would be."""
    db = tmp_path / "shared.sqlite3"
    first, second = make_app(db), make_app(db)
    make_trainer(first, "trainer-a", PASSWORD)
    return first, second


def test_a_username_and_address_wait_after_five_failures_across_two_app_instances(two_processes):
    clients = [a.test_client() for a in two_processes]
    for n in range(throttle.FREE_FAILURES):
        # Each failure on another instance; the username's case does not split the count.
        response = _attempt(clients[n % 2], "Trainer-A" if n % 2 else "trainer-a", "wrong", addr="198.51.100.1")
        assert response.status_code == 400, n
    for client in clients:
        assert _attempt(client, "trainer-a", "wrong", addr="198.51.100.1").status_code == 429
        # The right password does not get through from that address meanwhile (README: why).
        assert _attempt(client, "trainer-a", PASSWORD, addr="198.51.100.1").status_code == 429
        assert not _signed_in_as_trainer(client)
    clients[0].get("/?lang=en")
    assert "Too many failed sign-ins" in page_text(_attempt(clients[0], "trainer-a", PASSWORD, addr="198.51.100.1"))
    # The same username from another address signs in: the guesser's address waits, not the trainer.
    assert _attempt(clients[1], "trainer-a", PASSWORD, addr="198.51.100.2").status_code == 302


def test_four_failures_then_success_is_not_locked_and_resets(two_processes):
    first, second = (a.test_client() for a in two_processes)
    for n in range(4):
        assert _attempt((first, second)[n % 2], "trainer-a", "wrong").status_code == 400
    assert _attempt(first, "trainer-a", PASSWORD).status_code == 302
    assert _signed_in_as_trainer(first)


def test_made_up_usernames_never_lock_a_centre_behind_one_address(two_processes):
    """Finding 7: 20 failures with made-up usernames locked every account behind the address."""
    clients = [a.test_client() for a in two_processes]
    for n in range(40):
        response = _attempt(clients[n % 2], f"guess{n}", "wrong", addr="203.0.113.7")
        assert response.status_code == 400, n
    for client in clients:  # the real trainer, same address (one NAT for the whole centre)
        assert _attempt(client, "trainer-a", PASSWORD, addr="203.0.113.7").status_code == 302
        assert _signed_in_as_trainer(client)


def test_one_guesser_does_not_lock_a_colleague_on_the_same_address(two_processes):
    make_trainer(two_processes[0], "trainer-b", PASSWORD)
    client = two_processes[0].test_client()
    for _ in range(throttle.FREE_FAILURES + 3):
        _attempt(client, "trainer-a", "wrong", addr="203.0.113.9")
    colleague = two_processes[1].test_client()
    assert _attempt(colleague, "trainer-b", PASSWORD, addr="203.0.113.9").status_code == 302


def _failures(app, key: str, minutes_ago: list[float]) -> None:
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    db = storage.connect(app.config["DATABASE"])
    try:
        with storage.write_transaction(db):
            db["login_failures"].insert_all(
                [{"key": key, "at": (now - timedelta(minutes=m)).isoformat(timespec="seconds")} for m in minutes_ago])
    finally:
        db.close()


@pytest.mark.parametrize("failures, last_minutes_ago, waits", [
    (5, 0.5, True), (5, 1.5, False),    # five: wait one minute after the last
    (6, 1.5, True), (6, 2.5, False),    # six: two minutes
    (8, 7.5, True), (8, 8.5, False),    # eight: eight minutes
    (12, 14.5, True),                   # the wait never exceeds the window (15 minutes)
])
def test_the_wait_doubles_with_each_failure(two_processes, failures, last_minutes_ago, waits):
    app = two_processes[0]
    _failures(app, "pair:trainer-a@127.0.0.1", [14.9] * (failures - 1) + [last_minutes_ago])
    assert _attempt(app.test_client(), "trainer-a", PASSWORD).status_code == (429 if waits else 302)


def test_guessing_one_username_from_many_addresses_is_capped(two_processes):
    app = two_processes[0]
    _failures(app, "user:trainer-a", [1] * throttle.MAX_PER_USERNAME)
    assert _attempt(app.test_client(), "trainer-a", PASSWORD, addr="192.0.2.200").status_code == 429


def test_spoofed_forwarded_for_does_not_escape_the_limit(two_processes):
    client = two_processes[0].test_client()
    for n in range(throttle.FREE_FAILURES):
        _attempt(client, "trainer-a", "wrong", addr="203.0.113.7", **{"X-Forwarded-For": f"10.9.{n}.1"})
    response = _attempt(client, "trainer-a", PASSWORD, addr="203.0.113.7", **{"X-Forwarded-For": "10.99.0.1"})
    assert response.status_code == 429


def test_failures_older_than_the_window_do_not_count(two_processes):
    app = two_processes[0]
    _failures(app, "pair:trainer-a@127.0.0.1", [16] * 10)
    _failures(app, "user:trainer-a", [16] * throttle.MAX_PER_USERNAME)
    assert _attempt(app.test_client(), "trainer-a", PASSWORD).status_code == 302


def test_an_unknown_username_costs_the_same_hash_check_as_a_wrong_password(app, trainer, monkeypatch):
    """Finding 7: a wrong password took ~100 ms, an unknown username ~4 ms, so usernames could be listed."""
    from assessment.web import auth

    checked = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    assert _attempt(app.test_client(), "trainer-a", "wrong-password", addr="192.0.2.1").status_code == 400
    assert _attempt(app.test_client(), "no-such-user", "wrong-password", addr="192.0.2.2").status_code == 400
    assert len(checked) == 2  # one hash check each, the unknown name's against a real-cost dummy hash
    from werkzeug.security import generate_password_hash as default_hash
    assert checked[1] == default_hash("x").split("$")[0]  # the method real accounts get


# ---------------------------------------------------------------------------
# Open redirect after login
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("next_url", [
    "//evil.example",
    "//evil.example/trainer/",
    "https://evil.example",
    "http://evil.example/x",
    "https:evil.example",
    "javascript:alert(1)",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "/%2F/evil.example",
    "///evil.example",
    "http://localhost@evil.example/",
])
def test_login_never_redirects_off_site(client, trainer, next_url):
    html = page_text(client.get("/trainer/login", query_string={"next": next_url}))
    response = client.post("/trainer/login", query_string={"next": next_url},
                           data={"csrf_token": csrf_token(html), "username": "trainer-a", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    # Resolve as a browser would: tabs and newlines are dropped, backslashes are slashes.
    browser_view = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    target = urlsplit(urljoin("http://localhost/trainer/login", browser_view))
    assert target.scheme == "http" and target.netloc == "localhost", location
    if next_url in ("//evil.example", "https://evil.example"):
        assert location == "/trainer/"


# ---------------------------------------------------------------------------
# API tokens: hashed at rest, revocable
# ---------------------------------------------------------------------------

def _db_bytes(app) -> bytes:
    path = app.config["DATABASE"]
    data = b""
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as fh:
                data += fh.read()
    return data


def test_api_tokens_are_stored_only_as_hashes(app, trainer):
    _id, token = make_api_token(app, trainer, "ci")
    stored = rows(app, "SELECT * FROM api_tokens")
    assert len(stored) == 1
    assert token not in json.dumps(stored)
    assert re.fullmatch(r"[0-9a-f]{64}", stored[0]["token_hash"])
    secret_part = token.removeprefix("zj_").encode()
    assert secret_part not in _db_bytes(app), "the token's plaintext is somewhere in the database file"
    assert app.test_client().get("/api/v1/teams", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cli_tokens_are_hashed_and_revocable(app, trainer):
    runner = app.test_cli_runner()
    with app.app_context():  # as FlaskGroup does for `flask --app app ...`
        created = runner.invoke(args=["create-token", "trainer-a", "--label", "report"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("zj_") and len(token) >= 40
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/teams", headers=auth).status_code == 200
    assert token.removeprefix("zj_").encode() not in _db_bytes(app)
    with app.app_context():
        revoked = runner.invoke(args=["revoke-token", "trainer-a"])
    assert revoked.exit_code == 0 and "1 token(s) revoked" in revoked.output
    response = client.get("/api/v1/teams", headers=auth)
    assert response.status_code == 401
    assert response.get_json()["error"]


def test_revoking_one_token_leaves_the_others(app, trainer):
    db = storage.connect(app.config["DATABASE"])
    try:
        first_id, first = storage.create_api_token(db, trainer)
        _second_id, second = storage.create_api_token(db, trainer)
        assert storage.revoke_api_tokens(db, trainer, first_id) == 1
    finally:
        db.close()
    client = app.test_client()
    assert client.get("/api/v1/teams", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/v1/teams", headers={"Authorization": f"Bearer {second}"}).status_code == 200


@pytest.mark.parametrize("header", [
    "Bearer", "Bearer ", "Bearer zj_not-a-token", "Basic dHJhaW5lci1hOmNvcnJlY3QtaG9yc2UtMQ==",
    "bearer  ", "Token zj_x",
])
def test_bad_authorization_headers_are_401(app, trainer, header):
    response = app.test_client().get("/api/v1/teams", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == "application/json"


def test_a_token_opens_only_its_own_trainers_teams(app, api_token):
    other = make_trainer(app, "trainer-b", PASSWORD)
    theirs = make_team(app, other, "Their team")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {api_token}"}
    for path in (f"/api/v1/teams/{theirs['id']}/summary", f"/api/v1/teams/{theirs['id']}/responses"):
        assert client.get(path, headers=auth).status_code == 404
    assert client.get("/api/v1/teams", headers=auth).get_json() == []


def test_a_token_opens_the_api_only_never_the_web_workspace(app, api_token, team):
    """A token kept in an integration must not reach the forms that remove teams."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {api_token}"}
    assert client.get(f"/api/v1/teams/{team['id']}/summary", headers=auth).status_code == 200
    for path in ("/trainer/", f"/trainer/teams/{team['id']}", f"/trainer/teams/{team['id']}/delete",
                 f"/trainer/teams/{team['id']}/export.csv"):
        response = client.get(path, headers=auth)
        assert response.status_code == 302 and response.headers["Location"].startswith("/trainer/login"), path
    response = client.post(f"/trainer/teams/{team['id']}/delete", headers=auth)
    assert response.status_code in (302, 400)  # sign-in or the CSRF check: never a removal
    assert client.get(f"/api/v1/teams/{team['id']}/summary", headers=auth).status_code == 200


# ---------------------------------------------------------------------------
# The secret key: never a default
# ---------------------------------------------------------------------------

@pytest.fixture
def no_env_key(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_SECRET_KEY_FILE", raising=False)


def _keyless_app(tmp_path, key_file, db="db.sqlite3"):
    return create_app({"TESTING": True, "DATABASE": str(tmp_path / db), "SECRET_KEY_FILE": str(key_file)})


def test_without_a_configured_key_a_random_one_is_kept_privately(tmp_path, no_env_key):
    key_file = tmp_path / "keys" / "secret_key"
    app = _keyless_app(tmp_path, key_file)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32 and app.config["SECRET_KEY"] == key
    # A second worker of the same deployment reads the same key: sessions work on both.
    again = _keyless_app(tmp_path, key_file)
    assert again.config["SECRET_KEY"] == key


def test_two_deployments_get_different_keys_and_do_not_accept_each_others_sessions(tmp_path, no_env_key):
    first = _keyless_app(tmp_path, tmp_path / "one", "one.sqlite3")
    second = _keyless_app(tmp_path, tmp_path / "two", "two.sqlite3")
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    for app in (first, second):
        assert app.config["SECRET_KEY"] not in ("dev", "secret", "changeme", "")
    make_trainer(first, "trainer-a", PASSWORD)
    make_trainer(second, "trainer-a", PASSWORD)
    client = first.test_client()
    assert login(client, "trainer-a", PASSWORD).status_code == 302
    forged = second.test_client()
    forged.set_cookie("session", _session_cookie(client))
    assert not _signed_in_as_trainer(forged)


@pytest.mark.parametrize("content", ["abc", "", "   \n", "x" * 31])
def test_an_unusable_key_file_refuses_to_start(tmp_path, no_env_key, content):
    key_file = tmp_path / "secret_key"
    key_file.write_text(content)
    with pytest.raises(RuntimeError, match="secret"):
        _keyless_app(tmp_path, key_file)


def test_the_key_comes_from_the_environment_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("FLASK_SECRET_KEY_FILE", str(tmp_path / "unused"))
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "env.sqlite3"))
    app = create_app({"TESTING": True})
    assert app.config["SECRET_KEY"] == "k" * 48
    assert app.config["DATABASE"] == str(tmp_path / "env.sqlite3")
    assert not (tmp_path / "unused").exists()


# ---------------------------------------------------------------------------
# Hostile names and team names on every page and in the exports
# ---------------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' onmouseover='x",
    "</script><script>alert(1)</script>",
    "<a href=javascript:alert(1)>x</a>",
    "{{7*7}} ${7*7} <!--",
]


def _create_team_by_form(client, name: str):
    html = page_text(client.get("/trainer/"))
    return client.post("/trainer/teams", data={"csrf_token": csrf_token(html), "name": name})


@pytest.fixture(scope="module", params=PAYLOADS, ids=range(len(PAYLOADS)))
def hostile(tmp_path_factory, questionnaire, request):
    """Each payload as a team name and a member name, through the forms and through the API."""
    payload = request.param
    app = make_app(tmp_path_factory.mktemp("hostile") / "hostile.sqlite3")
    trainer = make_trainer(app, "trainer-a")
    trainer_client = signed_in_client(app, "trainer-a")

    created = _create_team_by_form(trainer_client, payload)
    assert created.status_code == 302, page_text(created)[:300]
    flash_page = page_text(trainer_client.get(created.headers["Location"]))
    form_team = rows(app, "SELECT * FROM teams WHERE name = ?", (payload,))
    assert len(form_team) == 1, "the team name was not stored as typed"
    form_team = form_team[0]

    # A member joins through the form and answers, so every page has their name.
    agent = app.test_client()
    join_page = page_text(agent.get(f"/join/{form_team['invite_code']}"))
    joined = agent.post(f"/join/{form_team['invite_code']}",
                        data={"csrf_token": csrf_token(join_page), "name": payload, "employee_id": payload[:40]})
    assert joined.status_code == 302
    banner_page = page_text(agent.get("/q/communication-style/1"))
    join_and_take(agent, questionnaire, form_team["invite_code"], payload, employee_id=payload[:40],
                  answers=axis_answers(questionnaire, 5, 1))

    # A second team and member through the API.
    _tid, token = make_api_token(app, trainer)
    api_team = trainer_client.post("/api/v1/teams", json={"name": payload + " API"},
                                   headers={"Authorization": f"Bearer {token}"})
    assert api_team.status_code == 201
    api_team = api_team.get_json()
    submitted = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 1, 5),
                           invite_code=api_team["invite_code"], name=payload + " API")
    assert submitted.status_code == 201, submitted.get_json()

    agents = {r["name"]: r["id"] for r in rows(app, "SELECT id, name FROM agents")}
    assert set(agents) == {payload, payload + " API"}, "names were not stored as typed"
    # Calls as evidence: the payload said on a call, through the API.
    call = trainer_client.post(f"/api/v1/agents/{agents[payload]}/calls", headers={"Authorization": f"Bearer {token}"},
                               json={"transcript": json.dumps({"segments": [
                                   {"speaker": "agent", "start": 0, "end": 3, "text": payload},
                                   {"speaker": "customer", "start": 3, "end": 5, "text": payload}]})})
    assert call.status_code == 201, call.get_json()
    pages = {
        "flash after creating the team": flash_page,
        "join page": join_page,
        "questionnaire banner": banner_page,
    }
    for name, path in {
        "trainer home": "/trainer/",
        "form team dashboard": f"/trainer/teams/{form_team['id']}",
        "form team dashboard, sorted": f"/trainer/teams/{form_team['id']}?sort=team&dir=desc",
        "API team dashboard": f"/trainer/teams/{api_team['id']}",
        "all teams": "/trainer/all",
        "agent detail (form)": f"/trainer/agents/{agents[payload]}",
        "agent detail (API)": f"/trainer/agents/{agents[payload + ' API']}",
        "call review": f"/trainer/calls/{call.get_json()['id']}",
        "team calls": f"/trainer/teams/{form_team['id']}/calls",
    }.items():
        response = trainer_client.get(path)
        assert response.status_code == 200, path
        pages[name] = page_text(response)
    return {"payload": payload, "pages": pages, "client": trainer_client, "form_team": form_team,
            "api_team": api_team, "token": token}


def test_hostile_names_are_inert_on_every_page(hostile):
    payload = hostile["payload"]
    for where, html in hostile["pages"].items():
        assert_page_is_inert(html, where)
        if any(ch in payload for ch in "<>\"'&"):
            assert payload not in html, f"{where}: the raw payload is in the HTML"
        # The name is really shown (escaped), so the page was exercised.
        assert str(escape(payload)) in html or any(payload in s for s in _strings(json_islands(html))), where


def test_hostile_names_show_in_the_right_places(hostile):
    payload, pages = hostile["payload"], hostile["pages"]
    shown = str(escape(payload))
    dashboard = pages["form team dashboard"]
    assert f"<h1>{shown}</h1>" in dashboard
    assert f"<title>{shown} ·" in dashboard
    assert re.search(r'<table class="data-table members">.*?' + re.escape(shown) + r"</a>", dashboard, re.S)
    cards = dict(re.findall(r'<article class="customer-card style-(\w+)">(.*?)</article>', dashboard, re.S))
    assert shown in cards["driver"], "the coverage card does not list the member"
    assert shown in pages["join page"] and shown in pages["questionnaire banner"]
    assert shown in pages["trainer home"] and str(escape(payload + " API")) in pages["trainer home"]
    assert shown in pages["agent detail (form)"]
    # The figures carry the names as text for plotly (which would draw its HTML subset:
    # < > & escaped, finding 6), and cannot break out of their tags.
    map_labels = [s for s in _strings(json_islands(dashboard))]
    assert plain_text(payload) in map_labels
    assert plain_text(payload) in list(_strings(json_islands(pages["agent detail (form)"])))
    for where, html in pages.items():
        for attrs, body in scan(html).scripts:
            if attrs.get("type") == "application/json":
                assert "<" not in body and ">" not in body, f"{where}: unescaped angle bracket in a JSON island"


def _csv_rows(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_hostile_names_are_inert_text_in_the_exports(hostile):
    payload, client = hostile["payload"], hostile["client"]
    for path in (f"/trainer/teams/{hostile['form_team']['id']}/export.csv", "/trainer/all/export.csv"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        records = _csv_rows(response)
        assert payload in {r["name"] for r in records}
        assert payload in {r["team"] for r in records}
        assert payload[:40] in {r["employee_id"] for r in records}
    for path in (f"/trainer/teams/{hostile['form_team']['id']}/export.json", "/trainer/all/export.json"):
        response = client.get(path)
        assert response.mimetype == "application/json"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert payload in {r["name"] for r in response.get_json()}
    # The others' export lists every member by name (issue 19): inert text there too.
    for path in (f"/trainer/teams/{hostile['form_team']['id']}/others/export.csv",
                 f"/trainer/teams/{hostile['form_team']['id']}/others/export.csv?header=zh"):
        response = client.get(path)
        assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment;")
        names = {list(r.values())[1] for r in _csv_rows(response)}  # the name column, either heading
        assert payload in names
    api = client.get(f"/api/v1/teams/{hostile['api_team']['id']}/responses",
                     headers={"Authorization": f"Bearer {hostile['token']}"})
    assert api.mimetype == "application/json"
    assert {r["name"] for r in api.get_json()} == {payload + " API"}


# --- CSV formula injection ------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
    ("Ana = Bob", "Ana = Bob"),
    ("a-1", "a-1"),
    ("", ""),
    (None, ""),
])
def test_csv_safe_defuses_formula_prefixes(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_formula_names_are_defused_in_the_csv_export(app, questionnaire, trainer, signed_in, prefix):
    name = f"{prefix}cmd|' /C calc'!A0"
    team = make_team(app, trainer, f"{prefix}Team")
    submitted = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 4, 2),
                           invite_code=team["invite_code"], name=name, employee_id=f"{prefix}42")
    assert submitted.status_code == 201
    records = _csv_rows(signed_in.get(f"/trainer/teams/{team['id']}/export.csv"))
    assert [(r["name"], r["team"], r["employee_id"]) for r in records] == [("'" + name, f"'{prefix}Team", f"'{prefix}42")]
    # JSON is data, not a spreadsheet: unchanged there.
    exported = signed_in.get(f"/trainer/teams/{team['id']}/export.json").get_json()
    assert exported[0]["name"] == name


@pytest.mark.parametrize("name", ["\t=1+2", "\r=1+2", "\n=1+2", " =1+2"])
def test_whitespace_led_formulas_are_trimmed_and_exported_defused(app, questionnaire, trainer, signed_in, name):
    """A name led by a tab, CR, LF or space is accepted with the whitespace trimmed, and the
    formula it then starts with reaches the CSV defused, never live."""
    team = make_team(app, trainer, "Team")
    submitted = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 4, 2),
                           invite_code=team["invite_code"], name=name)
    assert submitted.status_code == 201, submitted.get_json()
    records = _csv_rows(signed_in.get(f"/trainer/teams/{team['id']}/export.csv"))
    assert [r["name"] for r in records] == ["'=1+2"]


# ---------------------------------------------------------------------------
# SQL injection through path, query, form, body and token parameters
# ---------------------------------------------------------------------------

def _schema_and_counts(app):
    tables = [r["name"] for r in rows(app, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return tables, {t: count(app, t) for t in ("trainers", "teams", "agents", "responses", "api_tokens")}


INJECTIONS = [
    "' OR 1=1 --",
    "1 OR 1=1",
    "1; DROP TABLE responses; --",
    "name;DROP TABLE agents",
    "\" OR \"\"=\"",
    "1' UNION SELECT username, password_hash FROM trainers --",
]


@pytest.mark.parametrize("injection", INJECTIONS)
def test_sql_injection_in_the_bearer_token_is_401(shared, injection):
    app, world, _signed_in = shared["app"], shared["world"], shared["signed_in"]
    before = _schema_and_counts(app)
    for path in ("/api/v1/teams", f"/api/v1/teams/{world['team']['id']}/summary"):
        response = app.test_client().get(path, headers={"Authorization": f"Bearer {injection}"})
        assert response.status_code == 401
    assert _schema_and_counts(app) == before


@pytest.mark.parametrize("injection", INJECTIONS)
def test_sql_injection_in_paths_is_404(shared, injection):
    app, _world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    before = _schema_and_counts(app)
    anonymous = app.test_client()
    for client, path in [
        (signed_in, f"/trainer/teams/{injection}"),
        (signed_in, f"/trainer/agents/{injection}"),
        (signed_in, f"/trainer/teams/{injection}/export.csv"),
        (signed_in, f"/api/v1/teams/{injection}/summary"),
        (signed_in, f"/api/v1/teams/{injection}/responses"),
        (anonymous, f"/r/{injection}"),
        (anonymous, f"/join/{injection}"),
        (anonymous, f"/q/{injection}/1"),
        (anonymous, f"/api/v1/questionnaires/{injection}"),
    ]:
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "Morning shift" not in page_text(response) and "Ana Agent" not in page_text(response)
    assert _schema_and_counts(app) == before


@pytest.mark.parametrize("injection", INJECTIONS)
def test_sql_injection_in_query_strings_is_ignored(shared, injection):
    app, world, signed_in = shared["app"], shared["world"], shared["signed_in"]
    before = _schema_and_counts(app)
    team_path = f"/trainer/teams/{world['team']['id']}"
    normal = page_text(signed_in.get(team_path))
    for params in ({"sort": injection}, {"dir": injection}, {"page": injection}, {"sort": injection, "dir": "desc"}):
        response = signed_in.get(team_path, query_string=params)
        assert response.status_code == 200, params
        assert "Ana Agent" in page_text(response)
    unfiltered_export = signed_in.get(team_path + "/export.json").get_json()
    for params in ({"since": injection}, {"until": injection}):
        response = signed_in.get(team_path, query_string=params)
        assert response.status_code == 200, params
        # Not a date: the filter is refused by name and the dashboard shows everyone.
        assert '<p class="field-error"' in page_text(response) and "Not a valid date value." in page_text(response)
        assert "Ana Agent" in page_text(response)
        export = signed_in.get(team_path + "/export.json", query_string=params)
        assert export.status_code == 200, params
        assert export.get_json() == unfiltered_export
    assert "Ana Agent" in normal
    code_lookup = app.test_client().get("/join", query_string={"code": injection})
    assert code_lookup.status_code == 400
    assert _schema_and_counts(app) == before


@pytest.mark.parametrize("injection", INJECTIONS)
def test_sql_injection_in_forms_and_bodies_stores_it_as_text_or_refuses(shared, questionnaire, injection):
    app, world, _signed_in = shared["app"], shared["world"], shared["signed_in"]
    before = _schema_and_counts(app)
    client = app.test_client()
    assert _attempt(client, injection, injection, addr="192.0.2.77").status_code == 400
    assert not _signed_in_as_trainer(client)
    refused = api_submit(client, questionnaire, axis_answers(questionnaire, 3, 3), invite_code=injection, name="x")
    assert refused.status_code == 400 and "invite_code" in refused.get_json()["details"]
    assert _schema_and_counts(app) == before
    accepted = api_submit(client, questionnaire, axis_answers(questionnaire, 3, 3),
                          invite_code=world["team"]["invite_code"], name=injection)
    assert accepted.status_code == 201
    assert rows(app, "SELECT name FROM agents WHERE name = ?", (injection,)) == [{"name": injection}]
    tables, counts = _schema_and_counts(app)
    assert tables == before[0]
    assert counts["responses"] == before[1]["responses"] + 1 and counts["trainers"] == before[1]["trainers"]


# ---------------------------------------------------------------------------
# Path traversal
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/static/../app.py",
    "/static/..%2fapp.py",
    "/static/..%2F..%2Fapp.py",
    "/static/%2e%2e/%2e%2e/app.py",
    "/static/..%5c..%5capp.py",
    "/static/../../etc/passwd",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/....//....//app.py",
    "/vendor/plotly-../../x.js",
    "/vendor/plotly-..%2f..%2fapp.py.min.js",
    "/r/../../etc/passwd",
    "/r/..%2f..%2fetc%2fpasswd",
    "/q/..%2f..%2fetc%2fpasswd/1",
    "/join/..%2f..%2fetc%2fpasswd",
    "/api/v1/questionnaires/..%2f..%2fetc%2fpasswd",
    "/static/%00app.py",
])
def test_path_traversal_is_404_with_no_file_contents(client, path):
    response = client.get(path)
    if response.status_code == 308:  # Werkzeug merges "//": the redirect stays on this site
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost") and location.path.startswith("/static/"), location
        response = client.get(response.headers["Location"])
    assert response.status_code == 404, (path, response.status_code)
    body = response.get_data()
    for leak in (b"root:x:0:0", b"create_app", b"import ", b"SECRET_KEY"):
        assert leak not in body, (path, leak)


# ---------------------------------------------------------------------------
# Trust against the people inside (issue 18): each finding, web and API, both languages
# where a page is involved. Every test here failed on the main branch before the fix.
# ---------------------------------------------------------------------------

OBSERVER_FORM = load_all(QUESTIONNAIRES)["communication-style-observer"]


def _observer(ka: int, kr: int, kv: int) -> dict[str, int]:
    """Observer answers scoring exactly (k - 1) * 25 on each scale."""
    keyed = {"assertiveness": ka, "responsiveness": kr, "versatility": kv}
    q = OBSERVER_FORM
    return {i.id: keyed[i.axis] if i.keyed == "plus" else q.scale.min + q.scale.max - keyed[i.axis] for i in q.items}


def _token_of(response) -> str:
    return response.headers["Location"].split("/r/")[1].split("?")[0].split("/")[0]


def _api_token_of(response) -> str:
    return response.get_json()["result_url"].split("/r/")[1].split("?")[0]



@pytest.fixture
def inside(app, questionnaire, trainer):
    """Ann joined on her own phone (member key cookie) and was rated by a named lead."""
    team = make_team(app, trainer, "Shift 早班")
    ann_phone = app.test_client()
    ann_token = _token_of(join_and_take(ann_phone, questionnaire, team["invite_code"], "Ann 安", "E7"))
    ann = rows(app, "SELECT * FROM agents")[0]
    result = db_call(app, storage.response_by_token, ann_token)
    db_call(app, storage.save_trainer_rating, response_id=result["id"], agent_id=ann["id"], trainer_id=trainer,
             trainer_name="trainer-a", questionnaire=OBSERVER_FORM.slug, version=OBSERVER_FORM.version, lang="en",
             answers=_observer(2, 2, 2), scores={"assertiveness": 25.0, "responsiveness": 25.0, "versatility": 25.0})
    return {"team": team, "ann": ann, "ann_token": ann_token, "ann_phone": ann_phone}


# --- finding 1: anyone with the team code could read and take over a member -----------------

@pytest.mark.parametrize("valid", [True, False])
def test_finding1_a_sheet_with_a_members_name_via_the_api_neither_reads_nor_takes_her_over(
        app, questionnaire, inside, valid):
    answers = axis_answers(questionnaire, 2, 5) if valid else {i.id: 3 for i in questionnaire.items}
    attack = app.test_client().post(RESPONSES_URL, json={"answers": answers, "invite_code": inside["team"]["invite_code"],
                                                         "name": "Ann 安", "employee_id": "E7"})
    assert attack.status_code == 201
    token = _api_token_of(attack)
    ann = rows(app, "SELECT * FROM agents WHERE id = ?", [inside["ann"]["id"]])[0]
    assert ann["name"] == "Ann 安"  # not renamed
    latest = rows(app, "SELECT token FROM responses WHERE agent_id = ? ORDER BY id DESC LIMIT 1", [ann["id"]])
    assert latest == [{"token": inside["ann_token"]}]  # her latest result is still her own
    intruder = rows(app, "SELECT id, duplicate_of FROM agents WHERE id != ?", [ann["id"]])
    assert intruder == [{"id": intruder[0]["id"], "duplicate_of": ann["id"]}]  # a new member, marked
    trainer_token = make_api_token(app, inside["team"]["trainer_id"])[1]
    members = app.test_client().get(f"/api/v1/teams/{inside['team']['id']}/members",
                                    headers={"Authorization": f"Bearer {trainer_token}"}).get_json()
    assert {m["id"]: m["possible_duplicate_of"] for m in members} == {ann["id"]: None, intruder[0]["id"]: ann["id"]}
    others = app.test_client().get(f"/api/v1/results/{token}/others")
    if not valid:
        assert others.status_code == 404  # an invalid sheet opens nothing beyond its own page
        assert app.test_client().post(f"/api/v1/results/{token}/raters", json={"relation": "lead"}).status_code == 404
        assert app.test_client().get(f"/r/{token}/others").status_code == 404
        assert app.test_client().get(f"/r/{token}/abilities").status_code == 404
    else:
        body = others.get_json()
        assert body["leads"] == [] and body["invited"] == 0  # never Ann's named lead ratings


@pytest.mark.parametrize("lang, marked", [("en", "possible duplicate"), ("zh", "可能重复")])
def test_finding1_a_sheet_with_a_members_name_on_another_phone_joins_as_a_possible_duplicate(
        app, questionnaire, inside, lang, marked):
    other_phone = app.test_client()
    other_phone.get(f"/?lang={lang}")
    join_and_take(other_phone, questionnaire, inside["team"]["invite_code"], "ann 安", "e7",
                  axis_answers(questionnaire, 2, 5))
    assert rows(app, "SELECT name FROM agents WHERE id = ?", [inside["ann"]["id"]]) == [{"name": "Ann 安"}]
    assert count(app, "agents") == 2
    trainer = signed_in_client(app, "trainer-a", lang=lang)
    dashboard = page_text(trainer.get(f"/trainer/teams/{inside['team']['id']}"))
    assert dashboard.count(marked) == 1
    # Ann's own phone still retakes as Ann (the member key), and a retake from her result link does too.
    join_and_take(inside["ann_phone"], questionnaire, inside["team"]["invite_code"], "Ann 安", "E7")
    assert count(app, f"responses WHERE agent_id = {inside['ann']['id']}") == 2


def test_finding1_a_retake_through_the_api_needs_the_members_own_result_token(app, questionnaire, inside):
    body = {"answers": axis_answers(questionnaire, 2, 5), "invite_code": inside["team"]["invite_code"],
            "name": "Ann 安 (new name)", "employee_id": "E7"}
    client = app.test_client()
    retake = client.post(RESPONSES_URL, json={**body, "result_token": inside["ann_token"]})
    assert retake.status_code == 201
    assert rows(app, "SELECT name FROM agents WHERE id = ?", [inside["ann"]["id"]]) == [{"name": "Ann 安 (new name)"}]
    other_team = make_team(app, make_trainer(app, "trainer-z"), "Elsewhere")
    stranger = api_submit(client, questionnaire, axis_answers(questionnaire, 4, 2), invite_code=other_team["invite_code"],
                          name="Zed")
    before = count(app, "responses")
    for proof in (_api_token_of(stranger), "not-a-token"):
        refused = client.post(RESPONSES_URL, json={**body, "result_token": proof})
        assert refused.status_code == 400 and "result_token" in refused.get_json()["details"]
    assert count(app, "responses") == before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding1_the_web_retake_from_the_result_link_keeps_the_history(app, questionnaire, inside, lang):
    new_phone = app.test_client()
    new_phone.get(f"/?lang={lang}")
    page = new_phone.get(f"/r/{inside['ann_token']}/retake")
    assert page.status_code == 200 and "Ann 安" in page_text(page)
    assert new_phone.post(f"/r/{inside['ann_token']}/retake",
                          data={"csrf_token": csrf_token(page_text(page))}).status_code == 302
    answers = axis_answers(questionnaire, 2, 5)
    for number, items in enumerate(questionnaire.pages, start=1):
        form = page_text(new_phone.get(f"/q/{questionnaire.slug}/{number}"))
        new_phone.post(f"/q/{questionnaire.slug}/{number}",
                       data={**{i.id: str(answers[i.id]) for i in items}, "csrf_token": csrf_token(form)})
    assert count(app, "agents") == 1 and count(app, f"responses WHERE agent_id = {inside['ann']['id']}") == 2


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding1_the_trainer_merges_a_possible_duplicate_and_qc_cannot(app, questionnaire, trainer, inside, lang):
    join_and_take(app.test_client(), questionnaire, inside["team"]["invite_code"], "Ann 安", "E7")
    dup = rows(app, "SELECT id FROM agents WHERE duplicate_of = ?", [inside["ann"]["id"]])[0]["id"]
    url = f"/trainer/agents/{dup}/merge/{inside['ann']['id']}"
    make_trainer(app, "qc-m")
    db_call(app, storage.set_role, rows(app, "SELECT id FROM trainers WHERE username = 'qc-m'")[0]["id"], "qc")
    db_call(app, storage.add_team_staff, inside["team"]["id"], "qc-m", "trainer")
    qc = signed_in_client(app, "qc-m", lang=lang)
    assert qc.get(url).status_code == 403
    assert qc.post(url, data={"csrf_token": csrf_token(page_text(qc.get("/trainer/password")))}).status_code == 403
    make_trainer(app, "stranger-t")
    assert signed_in_client(app, "stranger-t").get(url).status_code == 404
    owner = signed_in_client(app, "trainer-a", lang=lang)
    member_page = page_text(owner.get(f"/trainer/agents/{dup}"))
    assert url in member_page
    confirm = owner.get(url)
    assert confirm.status_code == 200
    assert owner.post(url, data={}).status_code == 400  # no form token: nothing merged
    assert count(app, "agents") == 2
    done = owner.post(url, data={"csrf_token": csrf_token(page_text(confirm))})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/trainer/agents/{inside['ann']['id']}")
    assert count(app, "agents") == 1 and count(app, f"responses WHERE agent_id = {inside['ann']['id']}") == 2


# --- finding 2: the agent could unmask a peer -------------------------------------------------

@pytest.fixture
def colleagues(app, questionnaire, inside):
    """Seven colleagues in Ann's team, each with their own valid result (their proof)."""
    tokens = []
    for n in range(7):
        response = api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, *((2, 4), (4, 2))[n % 2]),
                              invite_code=inside["team"]["invite_code"], name=f"Colleague {n}")
        tokens.append(_api_token_of(response))
    return tokens


def _link(app, token: str, relation: str = "peer") -> str:
    response = app.test_client().post(f"/api/v1/results/{token}/raters", json={"relation": relation})
    assert response.status_code == 201
    return response.get_json()["rate_url"].rsplit("/", 1)[1]


def test_finding2_the_agent_cannot_answer_her_own_links_nor_rate_twice(app, inside, colleagues):
    links = [_link(app, inside["ann_token"]) for _ in range(3)]
    client = app.test_client()
    other_team = make_team(app, make_trainer(app, "trainer-z"), "Elsewhere")
    outsider = _api_token_of(api_submit(client, load_all(QUESTIONNAIRES)["communication-style"],
                                        axis_answers(load_all(QUESTIONNAIRES)["communication-style"], 4, 2),
                                        invite_code=other_team["invite_code"], name="Out"))
    refusals = [({}, 400), ({"rater": inside["ann_token"]}, 403), ({"rater": outsider}, 403),
                ({"rater": "made-up"}, 403)]
    for extra, status in refusals:
        response = client.post(f"/api/v1/rate/{links[0]}", json={"answers": _observer(5, 5, 5), **extra})
        assert response.status_code == status, extra
        assert "rater" in response.get_json()["details"]
    assert client.post(f"/api/v1/rate/{links[0]}", json={"answers": _observer(5, 5, 5),
                                                         "rater": colleagues[0]}).status_code == 201
    for link in links:  # the same colleague again, through any of her links
        again = client.post(f"/api/v1/rate/{link}", json={"answers": _observer(1, 1, 1), "rater": colleagues[0]})
        assert again.status_code == 409
    assert count(app, "rater_links WHERE relation = 'peer' AND answered_at IS NOT NULL") == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding2_on_the_web_the_agent_opening_her_own_link_cannot_rate_herself(app, inside, lang):
    link = _link(app, inside["ann_token"])
    phone = inside["ann_phone"]  # her member key is in this browser: it proves her, not a colleague
    phone.get(f"/?lang={lang}")
    page = phone.get(f"/rate/{link}")
    assert page.status_code == 200 and 'name="result_link"' in page_text(page)
    refused = phone.post(f"/rate/{link}", data={"csrf_token": csrf_token(page_text(page)),
                                                "result_link": f"http://localhost/r/{inside['ann_token']}"})
    assert refused.status_code == 400
    assert phone.get(f"/rate/{link}/1").status_code == 302  # back to proving who rates
    assert count(app, "rater_links WHERE answered_at IS NOT NULL AND relation = 'peer'") == 0


def _observed(app, inside, lang: str) -> dict:
    """Every place the others' figures of Ann appear, as what a viewer can read (counts left out)."""
    trainer = signed_in_client(app, "trainer-a", lang=lang)
    api_token = make_api_token(app, rows(app, "SELECT id FROM trainers WHERE username = 'trainer-a'")[0]["id"])[1]
    api = app.test_client().get(f"/api/v1/results/{inside['ann_token']}/others").get_json()
    team_api = [m for m in app.test_client().get(f"/api/v1/teams/{inside['team']['id']}/others",
                                                 headers={"Authorization": f"Bearer {api_token}"}).get_json()
                if m["agent_id"] == inside["ann"]["id"]][0]
    fragment = page_text(app.test_client().get(f"/r/{inside['ann_token']}/others?part=1&lang={lang}"))
    member = page_text(trainer.get(f"/trainer/agents/{inside['ann']['id']}"))
    team_page = page_text(trainer.get(f"/trainer/teams/{inside['team']['id']}/others"))

    def figures(view):
        return None if view["others"] is None else (view["others"]["axes"], view["others"]["versatility"], view["gap"])

    def numbers(html):  # the others' section, without the counts that say how many answered
        section = html[html.find('class="others-grid"'):] if 'class="others-grid"' in html else ""
        section = re.sub(r'class="others-(progress|groups)[^<]*<[^>]*>[^<]*', "", section)
        return re.findall(r"<td>([-+]?\d+)</td>|<span class=\"big-number\">(\d+)</span>", section)

    return {"api": figures(api), "team api": figures(team_api),
            "chart data (page)": [json_islands(fragment)], "chart data (member page)": json_islands(member),
            "result page numbers": numbers(fragment), "member page numbers": numbers(member),
            "team page numbers": re.findall(r"<td>(\d+)</td>", team_page.split("<tbody>", 1)[-1])}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding2_differencing_after_every_answer_shows_nothing_between_multiples_of_three(
        app, inside, colleagues, lang):
    """Each colleague answers in turn; after every answer every view is read. Between 3 and
    6 (and 6 and 9) nothing but the counts may move: one more answer is never isolated."""
    links = [_link(app, inside["ann_token"]) for _ in range(7)]
    seen = []
    for n, (link, rater) in enumerate(zip(links, colleagues), start=1):
        answers = _observer(1 + (n * 2) % 5, 1 + (n * 3) % 5, 1 + n % 5)
        assert app.test_client().post(f"/api/v1/rate/{link}", json={"answers": answers, "rater": rater}).status_code == 201
        seen.append(_observed(app, inside, lang))
    # seen[k] is after k + 1 answers
    for where in seen[0]:
        assert seen[0][where] == seen[1][where], (where, "a figure of others showed before 3 answered")
        assert seen[2][where] == seen[3][where] == seen[4][where], (where, "moved at the 4th or 5th answer")
        assert seen[5][where] == seen[6][where], (where, "moved at the 7th answer")
        assert seen[4][where] != seen[5][where] or "team page" in where, (where, "did not update at 6")
    assert seen[2]["api"] != seen[1]["api"]  # shown at 3
    # The count shown is the count used, and when the next update comes.
    groups = ("The average uses 6 of 7 colleagues; the next update at 9." if lang == "en"
              else "平均值用了7位同事中的6位；满9位时更新。")
    assert groups in page_text(app.test_client().get(f"/r/{inside['ann_token']}/others?lang={lang}"))
    assert app.test_client().get(f"/api/v1/results/{inside['ann_token']}/others").get_json()["others"]["n"] == 6


# --- finding 3: which link answered was visible ------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding3_a_used_and_an_unused_link_look_the_same_to_anyone_but_its_rater(app, inside, colleagues, lang):
    used, unused = _link(app, inside["ann_token"]), _link(app, inside["ann_token"])
    assert app.test_client().post(f"/api/v1/rate/{used}", json={"answers": _observer(4, 4, 4),
                                                                "rater": colleagues[0]}).status_code == 201
    agent = inside["ann_phone"]
    agent.get(f"/?lang={lang}")
    pages = {}
    for name, link in (("used", used), ("unused", unused)):
        response = agent.get(f"/rate/{link}")
        html = page_text(response).replace(csrf_token(page_text(response)), "").replace(link, "LINK")
        pages[name] = (response.status_code, html)
    assert pages["used"] == pages["unused"]
    # POST: the same answer for either link, whatever is sent.
    for body in ({"answers": _observer(4, 4, 4)}, {"answers": _observer(4, 4, 4), "rater": inside["ann_token"]},
                 {"answers": {"x": 1}, "rater": colleagues[1]}):
        answers = [app.test_client().post(f"/api/v1/rate/{link}", json=body) for link in (used, unused)]
        assert answers[0].status_code == answers[1].status_code and answers[0].get_json() == answers[1].get_json()
    # A new colleague through either link: both stored, neither says it was used.
    for link, rater in ((used, colleagues[1]), (unused, colleagues[2])):
        assert app.test_client().post(f"/api/v1/rate/{link}", json={"answers": _observer(4, 4, 4),
                                                                    "rater": rater}).status_code == 201


# --- finding 4: a QC account could create, own, rename and delete teams --------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding4_a_qc_account_creates_no_team_on_the_web_or_api(app, lang):
    qc_id = make_trainer(app, "qc-only")
    db_call(app, storage.set_role, qc_id, "qc")
    qc = signed_in_client(app, "qc-only", lang=lang)
    home = page_text(qc.get("/trainer/"))
    assert "/trainer/teams\"" not in home  # no create form
    token = csrf_token(page_text(qc.get("/trainer/password")))
    assert qc.post("/trainer/teams", data={"csrf_token": token, "name": "QC team"}).status_code == 403
    api = app.test_client().post("/api/v1/teams", json={"name": "QC team"},
                                 headers={"Authorization": f"Bearer {make_api_token(app, qc_id)[1]}"})
    assert api.status_code == 403 and "role" in api.get_json()["details"]
    assert count(app, "teams") == 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding4_a_qc_account_added_as_trainer_still_changes_nothing(app, questionnaire, inside, lang):
    qc_id = make_trainer(app, "qc-as-trainer")
    db_call(app, storage.set_role, qc_id, "qc")
    db_call(app, storage.add_team_staff, inside["team"]["id"], "qc-as-trainer", "trainer")
    qc = signed_in_client(app, "qc-as-trainer", lang=lang)
    token = csrf_token(page_text(qc.get("/trainer/password")))
    team_id, agent_id = inside["team"]["id"], inside["ann"]["id"]
    for url, data in ((f"/trainer/teams/{team_id}/settings", {"name": "Renamed"}),
                      (f"/trainer/teams/{team_id}/delete", {}), (f"/trainer/agents/{agent_id}/delete", {})):
        assert qc.get(url).status_code == 403
        assert qc.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert rows(app, "SELECT name FROM teams") == [{"name": "Shift 早班"}] and count(app, "agents") == 1
    assert "team settings" not in page_text(qc.get(f"/trainer/teams/{team_id}")).lower()


# --- finding 5: team ids were reused after a team was deleted ---------------------------------------

def test_finding5_an_agent_mid_questionnaire_in_a_removed_team_never_lands_in_another(app, questionnaire, trainer):
    old = make_team(app, trainer, "Removed soon")
    agent = app.test_client()
    join = page_text(agent.get(f"/join/{old['invite_code']}"))
    agent.post(f"/join/{old['invite_code']}", data={"csrf_token": csrf_token(join), "name": "Mid Way"})
    db_call(app, storage.delete_team, old["id"])
    new = make_team(app, make_trainer(app, "trainer-other"), "Another trainer's team")
    assert new["id"] != old["id"]  # never the same id again
    answers = axis_answers(questionnaire, 4, 2)
    response = None
    agent.get("/?lang=en")
    for number, items in enumerate(questionnaire.pages, start=1):
        form = page_text(agent.get(f"/q/{questionnaire.slug}/{number}"))
        response = agent.post(f"/q/{questionnaire.slug}/{number}",
                              data={**{i.id: str(answers[i.id]) for i in items}, "csrf_token": csrf_token(form)})
    assert rows(app, "SELECT team_id, agent_id FROM responses") == [{"team_id": None, "agent_id": None}]
    assert count(app, "agents") == 0
    assert "no longer exists" in page_text(agent.get(response.headers["Location"]))


def test_finding5_the_migration_keeps_every_row_and_key_and_ids_are_never_reused(tmp_path, questionnaire):
    """A database built by the migrations before m011, with data in every table that refers
    to teams, members and results; then m011 rebuilds the three tables."""
    path = tmp_path / "old.sqlite3"
    db = storage.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA foreign_keys = OFF")
    storage.migrations.apply(db, stop_before="m011_autoincrement")
    db.execute("PRAGMA foreign_keys = ON")
    db.close()
    db = storage.connect(path)
    try:
        with storage.write_transaction(db):
            db.execute("INSERT INTO trainers (username, password_hash, created_at) VALUES ('t', 'h', 'now')")
            for team in (1, 2, 3):
                db.execute("INSERT INTO teams (trainer_id, name, invite_code, created_at) VALUES (1, ?, ?, 'now')",
                           [f"Team {team}", f"CODE{team}"])
                db.execute("INSERT INTO agents (team_id, name, identity, created_at) VALUES (?, ?, ?, 'now')",
                           [team, f"Agent {team}", f"name:agent {team}"])
                db.execute("INSERT INTO responses (token, questionnaire, questionnaire_version, answers, created_at, "
                           "style, team_id, agent_id) VALUES (?, 'q', 1, '{}', 'now', 'driver', ?, ?)",
                           [f"tok{team}", team, team])
            db.execute("INSERT INTO rater_links (token, response_id, agent_id, relation, created_at) "
                       "VALUES ('link3', 3, 3, 'peer', 'now')")
            db.execute("INSERT INTO team_staff (team_id, trainer_id, role, added_at) VALUES (3, 1, 'qc', 'now')")
            db.execute("INSERT INTO ability_ratings (agent_id, team_id, response_id, source, period, ratings, "
                       "abilities, overall, created_at) VALUES (3, 3, 3, 'self', '2026-01', '{}', '{}', 3, 'now')")
            db.execute("INSERT INTO practice_attempts (scenario, actual, guessed, reply, type_correct, reply_correct, "
                       "agent_id, team_id, created_at) VALUES ('s', 'driver', 'driver', 'a', 1, 1, 3, 3, 'now')")
        before = {t: db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                  for t in ("teams", "agents", "responses", "rater_links", "team_staff", "ability_ratings",
                            "practice_attempts")}
    finally:
        db.close()
    storage.migrate(path)  # m011 runs here
    db = storage.connect(path)
    try:
        for table, old_rows in before.items():
            new_rows = db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            assert [r[:len(old_rows[0])] for r in new_rows] == old_rows, table  # every row, every id
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("teams", "agents", "responses"):
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
            assert "AUTOINCREMENT" in sql.upper(), table
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"idx_responses_token", "idx_teams_invite_code"} <= indexes
        # The references still cascade, and the highest id is never handed out again.
        storage.delete_team(db, 3)
        assert db.execute("SELECT COUNT(*) FROM team_staff").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM rater_links").fetchone()[0] == 0
        again = storage.create_team(db, 1, "After the removal")
        assert again["id"] == 4
    finally:
        db.close()


# --- finding 6: names were drawn as HTML in charts ---------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding6_a_name_holding_html_is_text_in_every_chart(app, questionnaire, trainer, lang):
    team = make_team(app, trainer, "Charts")
    name = '<a href="https://evil.example/">x</a> & <b>co</b>'
    join_and_take(app.test_client(), questionnaire, team["invite_code"], name)
    agent_id = rows(app, "SELECT id FROM agents")[0]["id"]
    signed = signed_in_client(app, "trainer-a", lang=lang)
    for url in (f"/trainer/teams/{team['id']}", f"/trainer/agents/{agent_id}"):
        strings = list(_strings(json_islands(page_text(signed.get(url)))))
        assert not any("<a " in s or "<b>" in s for s in strings), url  # plotly would draw these as HTML
        assert any("&lt;a href=" in s and "&amp;" in s for s in strings), url  # the name, as text


# --- finding 7: login --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, reason", [("en", "repeats one character"), ("zh", "重复同一个字符")])
def test_finding7_a_repetitive_or_common_password_is_refused_with_the_reason(app, trainer, signed_in, lang, reason):
    client = signed_in_client(app, "trainer-a", lang=lang)
    for weak, words in (("aaaaaaaaaaaa", reason),
                        ("Password2024!", "common password" if lang == "en" else "常见密码")):
        html = page_text(client.get("/trainer/password"))
        response = client.post("/trainer/password", data={"csrf_token": csrf_token(html), "current_password": PASSWORD,
                                                          "new_password": weak, "confirm_password": weak})
        assert response.status_code == 400 and words in page_text(response)
    assert login(app.test_client(), "trainer-a", PASSWORD).status_code == 302  # unchanged


def test_finding7_weak_passwords_are_refused_when_accounts_are_made(app, trainer):
    admin = make_trainer(app, "admin-w")
    db_call(app, storage.set_role, admin, "admin")
    client = signed_in_client(app, "admin-w")
    html = page_text(client.get("/admin/"))
    response = client.post("/admin/users", data={"csrf_token": csrf_token(html), "username": "new-one",
                                                 "role": "qc", "password": "zyxwvutsrqponm"})
    assert response.status_code == 400 and "run of letters, digits or keyboard keys" in page_text(response)
    result = app.test_cli_runner().invoke(args=["create-user", "cli-one", "--password", "qwertyuiop123"])
    assert result.exit_code != 0 and "common" in result.output
    assert rows(app, "SELECT username FROM trainers WHERE username IN ('new-one', 'cli-one')") == []


# --- finding 8: the smaller ones ----------------------------------------------------------------------

def test_finding8_the_development_servers_log_masks_tokens(live_server, app, questionnaire, trainer, caplog):
    import logging
    import urllib.request

    team = make_team(app, trainer, "Logged")
    token = _api_token_of(api_submit(app.test_client(), questionnaire, axis_answers(questionnaire, 4, 2)))
    link = _link(app, token, "lead")
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in (f"/r/{token}", f"/rate/{link}", f"/api/v1/results/{token}/others", f"/join/{team['invite_code']}",
                 f"/practice?r={token}", f"/join?code={team['invite_code']}"):
        urllib.request.urlopen(live_server.url + path).read()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert "/r/***" in logged and "/rate/***" in logged
    for secret in (token, link, team["invite_code"]):
        assert secret not in logged


def test_finding8_signed_in_pages_exports_and_the_api_are_never_cached(app, inside, trainer):
    signed = signed_in_client(app, "trainer-a")
    team_id = inside["team"]["id"]
    for url in ("/trainer/", f"/trainer/teams/{team_id}", f"/trainer/teams/{team_id}/export.csv",
                f"/trainer/teams/{team_id}/export.json", f"/trainer/agents/{inside['ann']['id']}",
                f"/r/{inside['ann_token']}", "/admin/"):
        assert signed.get(url).headers.get("Cache-Control") == "no-store", url
    client = app.test_client()
    for url in ("/api/v1/questionnaires", f"/api/v1/results/{inside['ann_token']}/others", "/api/v1/teams"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")  # public pages as before


def test_finding8_guessing_invite_codes_is_throttled_per_address(app, questionnaire, inside):
    client = app.test_client()
    env = {"REMOTE_ADDR": "198.18.0.9"}
    for n in range(throttle.MAX_WRONG_CODES):
        assert client.get(f"/join?code=ZZZZ{n:02d}", environ_base=env).status_code == 400, n
    for response in (client.get(f"/join/{inside['team']['invite_code']}", environ_base=env),
                     client.get("/join?code=ZZZZZZ&lang=zh", environ_base=env),
                     client.post(RESPONSES_URL, environ_base=env, json={
                         "answers": axis_answers(questionnaire, 4, 2), "invite_code": "ZZZZZZ", "name": "X"})):
        assert response.status_code == 429
        assert 0 < int(response.headers["Retry-After"]) <= throttle.CODE_WINDOW.total_seconds()
    assert "请等" in page_text(client.get("/join?code=ZZZZZZ&lang=zh", environ_base=env))
    # Another address (another centre) is not affected.
    assert client.get(f"/join/{inside['team']['invite_code']}", environ_base={"REMOTE_ADDR": "198.18.0.10"}).status_code == 200


@pytest.mark.parametrize("via", ["admin page", "cli"])
def test_finding8_usernames_are_nfc_and_look_alike_letters_are_refused(app, trainer, via):
    cyrillic = "tr\u0430iner-a"  # a Cyrillic а in the middle: looks like trainer-a
    if via == "cli":
        result = app.test_cli_runner().invoke(args=["create-user", cyrillic, "--password", "a-brand-new-pass-7"])
        assert result.exit_code != 0 and "letters a-z" in result.output
    else:
        admin = make_trainer(app, "admin-u")
        db_call(app, storage.set_role, admin, "admin")
        client = signed_in_client(app, "admin-u")
        html = page_text(client.get("/admin/"))
        response = client.post("/admin/users", data={"csrf_token": csrf_token(html), "username": cyrillic,
                                                     "role": "qc", "password": "a-brand-new-pass-7"})
        assert response.status_code == 400
    assert rows(app, "SELECT username FROM trainers WHERE username = ?", [cyrillic]) == []


def test_finding8_names_are_nfc_so_one_name_typed_two_ways_is_one_name(app, questionnaire, trainer):
    team = make_team(app, trainer, "NFC")
    phone = app.test_client()
    join_and_take(phone, questionnaire, team["invite_code"], "Ame\u0301lie")  # e + combining accent
    join_and_take(phone, questionnaire, team["invite_code"], "Am\u00e9lie")  # the accented letter
    assert rows(app, "SELECT name FROM agents") == [{"name": "Am\u00e9lie"}]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_finding8_practice_on_a_shared_pc_never_counts_for_the_agent_before(app, questionnaire, inside, lang):
    desk = app.test_client()
    desk.get(f"/?lang={lang}")
    start = page_text(desk.get(f"/practice?r={inside['ann_token']}"))
    desk.post("/practice/start", data={"csrf_token": csrf_token(start), "r": inside["ann_token"]})
    for _ in range(8):
        page = page_text(desk.get("/practice"))
        step = re.search(r'name="step" value="(\d+)"', page).group(1)
        reply = re.search(r'name="reply" value="([^"]+)"', page).group(1)
        desk.post("/practice/answer", data={"csrf_token": csrf_token(page), "step": step,
                                            "customer_type": "driver", "reply": reply})
        desk.post("/practice/next", data={"csrf_token": csrf_token(page)})
    done = page_text(desk.get("/practice"))
    assert 'name="r"' not in done  # "Practise again" carries nobody's result
    counted = count(app, f"practice_attempts WHERE agent_id = {inside['ann']['id']}")
    assert counted == 8
    # The next person at the desk presses "Practise again" and answers: nothing counts for Ann.
    desk.post("/practice/start", data={"csrf_token": csrf_token(done)})
    page = page_text(desk.get("/practice"))
    reply = re.search(r'name="reply" value="([^"]+)"', page).group(1)
    desk.post("/practice/answer", data={"csrf_token": csrf_token(page), "step": "1", "customer_type": "amiable",
                                        "reply": reply})
    assert count(app, f"practice_attempts WHERE agent_id = {inside['ann']['id']}") == counted
    assert count(app, "practice_attempts WHERE agent_id IS NULL") == 1


def test_finding8_a_practice_left_idle_on_a_shared_pc_is_over(app, inside, monkeypatch):
    from assessment.web import caller as caller_web

    desk = app.test_client()
    start = page_text(desk.get(f"/practice?r={inside['ann_token']}"))
    desk.post("/practice/start", data={"csrf_token": csrf_token(start), "r": inside["ann_token"]})
    real = caller_web.time.time
    monkeypatch.setattr(caller_web.time, "time", lambda: real() + caller_web.PRACTICE_IDLE_SECONDS + 60)
    page = page_text(desk.get("/practice"))
    assert 'name="step"' not in page  # the start page again, not the previous agent's session


def test_finding2_a_shared_desk_pc_proves_no_colleague_by_its_keys(app, questionnaire, inside):
    """Two members joined on one desk PC: its keys prove neither; each pastes their own result link."""
    desk = app.test_client()
    join_and_take(desk, questionnaire, inside["team"]["invite_code"], "Bo", "B1")
    join_and_take(desk, questionnaire, inside["team"]["invite_code"], "Cy", "C1")
    link = _link(app, inside["ann_token"])
    assert 'name="result_link"' in page_text(desk.get(f"/rate/{link}"))  # asked who they are
    phone = app.test_client()  # a phone only Di joined on proves Di
    join_and_take(phone, questionnaire, inside["team"]["invite_code"], "Di", "D1")
    assert 'name="result_link"' not in page_text(phone.get(f"/rate/{link}"))
