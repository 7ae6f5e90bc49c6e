"""Blueprints and the cross-cutting HTTP concerns: assets, headers, errors."""

from __future__ import annotations

import logging
import re
import time
from zoneinfo import ZoneInfo

from flask import Flask, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .. import clock, grammar, storage
from . import abilities, abilities_api, admin, agent, api, assets, auth, caller, caller_api, others, others_api, trainer
from . import calls, calls_api, calls_common
from .common import BadRequest, CodeGuessing, app_timezone, bad_request, close_db, compressed, error_response
from ..i18n import current_lang
from ..model import LANGS

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """Whole numbers that fit SQLite's integer: a longer one is a 404, not an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=0, max=2**63 - 1)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS; assets never
    touch it, so they carry no Vary: Cookie and stay in the browser's cache. The
    public questionnaire API has no use for a session, so it does not open one."""

    ASSET_ENDPOINTS = frozenset({"static", "assets.plotly_js"})
    SESSIONLESS_PREFIX = "/api/v1/questionnaires"

    def open_session(self, app, request):
        if request.path.startswith(self.SESSIONLESS_PREFIX) and not request.path.endswith("/psychometrics"):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def save_session(self, app, session, response) -> None:
        if request.endpoint in self.ASSET_ENDPOINTS:
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask):
        # Flask builds a new serializer for every request; the keys do not change
        # while the app runs, so one per key set will do.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.extensions["timezone"] = ZoneInfo(app.config["TIMEZONE"])
    app.jinja_env.filters["local_date"] = lambda stamp: clock.local_date(stamp, app_timezone())
    # A difference in whole points: +3, -3, and 0 for none (never "+0" or "-0").
    app.jinja_env.filters["signed"] = lambda value: f"{round(value):+d}" if round(value) else "0"
    # "an Analytical caller" in English, the name alone in Chinese (assessment/grammar.py).
    app.jinja_env.filters["with_article"] = lambda word: grammar.with_article(word, current_lang())
    # A language the address asked for (?lang=en) goes on with the links that start the
    # questionnaire, so a link copied from the page opens in that language too.
    app.jinja_env.globals["kept_lang"] = lambda: {"lang": request.args["lang"]} \
        if request.args.get("lang") in LANGS else {}
    app.extensions["db_pool"] = storage.Pool(app.config["DATABASE"])
    calls_common.init_app(app)  # before CSRF: the upload routes take up to 2 MB
    csrf.init_app(app)
    csrf.exempt(api.bp)
    csrf.exempt(caller_api.bp)
    csrf.exempt(abilities_api.bp)
    csrf.exempt(others_api.bp)
    csrf.exempt(calls_api.bp)
    auth.login_manager.init_app(app)
    for blueprint in (assets.bp, agent.bp, auth.bp, trainer.bp, api.bp, others.bp, others_api.bp, abilities.bp, abilities_api.bp, admin.bp,
                      caller.bp, caller_api.bp, calls.bp, calls_api.bp):
        app.register_blueprint(blueprint)
    app.session_interface = SessionInterface()
    if app.config.get("TRUST_PROXY"):
        # Behind one reverse proxy that sets X-Forwarded-For/-Proto (e.g. TLS at nginx).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.jinja_env.globals["static_url"] = assets.static_url
    app.jinja_env.globals["plotly_version"] = assets.plotly_version()
    app.wsgi_app = ResponseHeaders(app.wsgi_app)
    app.teardown_appcontext(close_db)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(BadRequest, bad_request)
    app.register_error_handler(CodeGuessing, _code_guessing)
    app.after_request(_no_store)
    app.after_request(compressed)
    _mask_tokens_in_the_request_log()


class ResponseHeaders:
    """Security headers on every response, and Server-Timing with the server's time.

    Done at the WSGI level: the headers never change, and adding plain tuples there
    costs a fraction of editing each Response's header object. Server-Timing is read
    by the browser's dev tools and by the benchmarks.
    """

    SECURITY = (
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
    )

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers)
            headers.extend(h for h in self.SECURITY if h[0].lower() not in present)
            headers.append(("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


NO_STORE_PREFIXES = ("/api/", "/trainer", "/admin")


def _no_store(response):
    """Signed-in pages, exports and API answers are never kept by a browser or a proxy: a
    shared desk PC's back button or cache must not show the next person a trainer's page."""
    if "Cache-Control" in response.headers or request.endpoint in SessionInterface.ASSET_ENDPOINTS:
        return response
    if request.path.startswith(NO_STORE_PREFIXES) or "_user_id" in session:
        response.headers["Cache-Control"] = "no-store"
    return response


class TokenMask(logging.Filter):
    """The secret part of an address as the development server logs it: a result token
    (/r/, /results/), a rating link (/rate/), an invite code (/join/, ?code=) and ?r=."""

    SECRET = re.compile(r"(/(?:r|rate|results|join)/)[^/?#\s\"]+|([?&](?:r|code)=)[^&#\s\"]+")

    def mask(self, text: str) -> str:
        return self.SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.mask(a) if isinstance(a, str) else a for a in record.args)
        return True


def _mask_tokens_in_the_request_log() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, TokenMask) for f in logger.filters):
        logger.addFilter(TokenMask())


def _code_guessing(exc: CodeGuessing):
    """Too many wrong invite codes from this address: 429, and when to try again."""
    headers = {"Retry-After": str(exc.retry_after)}
    if request.path.startswith("/api/"):
        response = error_response(429, "Too many wrong invite codes", {
            "invite_code": f"too many wrong codes from this address: try again in {exc.retry_after} s"})
        response.headers.update(headers)
        return response
    minutes = -(-exc.retry_after // 60)
    return render_template("agent/join_wait.html", minutes=minutes), 429, headers


def _http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        return error_response(exc.code or 500, exc.name, exc.description)
    return render_template("error.html", error=exc), exc.code
