"""Language choice: ?lang= switches and is remembered; else the browser's; else Chinese."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request, session
from flask_babel import Babel, get_translations

from .model import DEFAULT_LANG, LANGS

HTML_LANG = {"zh": "zh-CN", "en": "en"}
# Chinese sets lists and labels with its own punctuation (甲、乙 and 标签：值) and
# puts no space between sentences.
SEPARATORS = {
    "zh": {"list": "、", "label": "：", "sentence": ""},
    "en": {"list": ", ", "label": ": ", "sentence": " "},
}


def select_lang() -> str:
    asked = request.args.get("lang")
    if asked in LANGS:
        if session.get("lang") != asked:  # an unchanged session sends no new cookie
            session["lang"] = asked
        return asked
    if session.get("lang") in LANGS:
        return session["lang"]
    return request.accept_languages.best_match(LANGS) or DEFAULT_LANG


def current_lang() -> str:
    """The language of this request as the content files name it ('zh' or 'en')."""
    if "lang" not in g:
        # select_lang is Flask-Babel's locale selector, so this is the same answer
        # without parsing a babel Locale (a cached result page needs nothing more).
        g.lang = select_lang()
    return g.lang


def _translations():
    # A result page looks up ~60 strings; resolving the catalogue once per request
    # instead of once per string keeps rendering cheap.
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def lang_url(lang: str) -> str:
    """This page in another language, keeping what the address already says (the
    identifier's chosen cues, a dashboard's filters)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_lang, default_translation_directories="translations")
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )
    # A global, not a context value, so that imported macros can use it too.
    app.jinja_env.globals["t"] = lambda text: text.get(current_lang())
    app.jinja_env.globals["sep"] = lambda kind: SEPARATORS[current_lang()][kind]
    app.jinja_env.globals["lang_url"] = lang_url

    @app.context_processor
    def language_context() -> dict:
        lang = current_lang()
        return {"lang": lang, "html_lang": HTML_LANG[lang]}
