"""Language choice: ?lang= switches and is remembered; else the browser's; else Chinese."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale

from .model import DEFAULT_LANG, LANGS

HTML_LANG = {"zh": "zh-CN", "en": "en"}


def select_lang() -> str:
    asked = request.args.get("lang")
    if asked in LANGS:
        session["lang"] = asked
        return asked
    if session.get("lang") in LANGS:
        return session["lang"]
    return request.accept_languages.best_match(LANGS) or DEFAULT_LANG


def current_lang() -> str:
    """The language of this request as the content files name it ('zh' or 'en')."""
    return str(get_locale().language)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_lang, default_translation_directories="translations")

    # A global, not a context value, so that imported macros can use it too.
    app.jinja_env.globals["t"] = lambda text: text.get(current_lang())

    @app.context_processor
    def language_context() -> dict:
        lang = current_lang()
        return {"lang": lang, "html_lang": HTML_LANG[lang]}
