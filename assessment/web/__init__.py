"""Blueprints and the cross-cutting HTTP concerns: assets, headers, errors."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from flask import Flask, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .. import clock, storage
from . import abilities, abilities_api, admin, agent, api, assets, auth, caller, caller_api, others, others_api, trainer
from . import calls, calls_api, calls_common
from .common import BadRequest, app_timezone, bad_request, close_db, compressed, error_response

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
    app.after_request(compressed)


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


def _http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        return error_response(exc.code or 500, exc.name, exc.description)
    return render_template("error.html", error=exc), exc.code
