"""The README documents every command, setting and API route the app has."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS = ["DATABASE", "SECRET_KEY", "SECRET_KEY_FILE", "QUESTIONNAIRES", "TIMEZONE", "TRUST_PROXY"]


def test_every_cli_command_is_documented(app):
    ours = {name for name, cmd in app.cli.commands.items() if cmd.callback.__module__.startswith("assessment")}
    assert ours, "no commands found"
    missing = [name for name in sorted(ours) if f"flask --app app {name}" not in README]
    assert missing == []


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_is_documented(app, setting):
    assert setting in app.config
    assert f"`FLASK_{setting}`" in README


def test_every_api_route_is_documented(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json":
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "<id>" if m.group(1).endswith("_id") else f"<{m.group(1)}>",
                          rule.rule)
            routes |= {f"{method} {path}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing = sorted(r for r in routes if f"`{r}`" not in README)
    assert missing == []
