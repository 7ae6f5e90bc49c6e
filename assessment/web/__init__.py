"""Blueprints and the cross-cutting HTTP concerns: assets, headers, errors."""

from __future__ import annotations

import time

from flask import Flask, g, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .. import storage

csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    from .. import cli
    from . import agent, api, assets, auth, trainer

    csrf.init_app(app)
    csrf.exempt(api.bp)
    auth.login_manager.init_app(app)
    cli.init_app(app)
    for blueprint in (assets.bp, agent.bp, auth.bp, trainer.bp, api.bp):
        app.register_blueprint(blueprint)
    app.session_interface = SessionInterface()
    if app.config.get("TRUST_PROXY"):
        # Behind one reverse proxy that sets X-Forwarded-For/-Proto (e.g. TLS at nginx).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.jinja_env.globals["static_url"] = assets.static_url
    app.jinja_env.globals["plotly_version"] = assets.plotly_version()
    app.before_request(_start_timer)
    app.after_request(_response_headers)
    app.teardown_appcontext(close_db)
    app.register_error_handler(HTTPException, _http_error)


def _start_timer() -> None:
    g.started = time.perf_counter()


def _response_headers(response):
    if "started" in g:
        # Server-Timing: the browser's dev tools and the benchmarks read server time from it.
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - g.started) * 1000:.1f}"
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _http_error(exc: HTTPException):
    from .api import error_response

    if request.path.startswith("/api/"):
        return error_response(exc.code or 500, exc.name, exc.description)
    return render_template("error.html", error=exc), exc.code


def get_db():
    """One connection per request, closed when the request ends."""
    from flask import current_app

    if "db" not in g:
        g.db = storage.connect(current_app.config["DATABASE"])
    return g.db


def close_db(exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()
