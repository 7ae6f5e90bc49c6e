"""Zhiji: communication-style assessment for contact-centre agents and trainers."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from . import cli, i18n, storage, web
from .caller import load_caller_content
from .clock import DEFAULT_TIMEZONE
from .questionnaire import load_all, load_versions

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CALLER = PROJECT_ROOT / "questionnaires" / "caller"


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_mapping(
        DATABASE=str(Path(app.instance_path) / "zhiji.sqlite3"),
        SECRET_KEY_FILE=str(Path(app.instance_path) / "secret_key"),
        QUESTIONNAIRES=str(PROJECT_ROOT / "questionnaires"),
        MAX_CONTENT_LENGTH=64 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600,
        JSON_AS_ASCII=False,
        TIMEZONE=DEFAULT_TIMEZONE,
        TRUST_PROXY=False,
    )
    app.config.from_prefixed_env()
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    _ensure_secret_key(app)

    # A broken questionnaire file raises here, naming the file, item and problem.
    app.extensions["questionnaires"] = load_all(app.config["QUESTIONNAIRES"])
    app.extensions["questionnaire_versions"] = load_versions(app.config["QUESTIONNAIRES"], app.extensions["questionnaires"])
    # Read the caller: <QUESTIONNAIRES>/caller, or the shipped content when that folder is absent.
    caller_dir = Path(app.config["QUESTIONNAIRES"]) / "caller"
    app.extensions["caller"] = load_caller_content(caller_dir if caller_dir.is_dir() else SHIPPED_CALLER)
    storage.migrate(app.config["DATABASE"])
    i18n.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Never run on a default key: use FLASK_SECRET_KEY, else a random one kept in SECRET_KEY_FILE.

    The kept key lets `python app.py` need no set-up while sessions survive a restart
    and every worker process of one deployment shares the same key.
    """
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.config["SECRET_KEY_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it or set FLASK_SECRET_KEY")
    app.config["SECRET_KEY"] = key
