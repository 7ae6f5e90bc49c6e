"""Schemathesis against /api/v1/openapi.json, in-process (WSGI): generated requests for every
operation, including the trainer's team endpoints with a bearer token.

Checks: no 5xx, the status code is documented, the content type is documented, and the body
matches the documented response schema.
"""

from __future__ import annotations

import json
import os
import unicodedata

import pytest

if os.environ.get("CI"):
    try:
        import schemathesis  # noqa: F401
    except ImportError:  # pragma: no cover - CI must have it
        pytest.fail("schemathesis is not installed: add it to requirements-dev.txt", pytrace=False)
schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.security import generate_password_hash  # noqa: E402

from assessment import create_app, storage  # noqa: E402
from call_samples import add_call  # noqa: E402
from conftest import style_answers  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def api(tmp_path_factory, questionnaire):
    """An app with a trainer, a token, and a team with results, so summaries and listings have content."""
    app = create_app({
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,  # a crash must show as the 500 a client would get
        "SECRET_KEY": "k" * 40,
        "DATABASE": str(tmp_path_factory.mktemp("schemathesis") / "api.sqlite3"),
    })
    db = storage.connect(app.config["DATABASE"])
    try:
        trainer_id = storage.create_trainer(db, "trainer-a", generate_password_hash("pw-123456", method="pbkdf2:sha256:1000"))
        team = storage.create_team(db, trainer_id, "Schema team")
        _id, token = storage.create_api_token(db, trainer_id)
    finally:
        db.close()
    client = app.test_client()
    for n, style in enumerate(("driver", "amiable", "analytical")):
        response = client.post("/api/v1/questionnaires/communication-style/responses", json={
            "answers": style_answers(questionnaire, style), "invite_code": team["invite_code"], "name": f"Agent {n}",
        })
        assert response.status_code == 201
    return {"app": app, "token": token, "team": team}


@pytest.fixture(scope="module")
def api_schema(api):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api["app"])
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    return schema


@pytest.fixture
def bearer(api):
    return {"Authorization": f"Bearer {api['token']}"}


OPERATIONS = [
    ("/api/v1/questionnaires", "GET"),
    ("/api/v1/questionnaires/{slug}", "GET"),
    ("/api/v1/questionnaires/{slug}/responses", "POST"),
    ("/api/v1/questionnaires/{slug}/psychometrics", "GET"),
    ("/api/v1/teams", "GET"),
    ("/api/v1/teams", "POST"),
    ("/api/v1/teams/{team_id}/summary", "GET"),
    ("/api/v1/teams/{team_id}/members", "GET"),
    ("/api/v1/teams/{team_id}/responses", "GET"),
    # how others see me
    ("/api/v1/results/{token}/raters", "POST"),
    ("/api/v1/rate/{rater_token}", "GET"),
    ("/api/v1/rate/{rater_token}", "POST"),
    ("/api/v1/results/{token}/others", "GET"),
    ("/api/v1/teams/{team_id}/others", "GET"),
    ("/api/v1/agents/{agent_id}/ratings", "POST"),
    # the seven service abilities, staff on teams
    ("/api/v1/agents/{agent_id}/ability-ratings", "POST"),
    ("/api/v1/results/{token}/ability-ratings", "POST"),
    ("/api/v1/teams/{team_id}/abilities", "GET"),
    ("/api/v1/teams/{team_id}/staff", "POST"),
    ("/api/v1/teams/{team_id}/staff/{username}", "DELETE"),
    # read the caller
    ("/api/v1/caller-cues", "GET"),
    ("/api/v1/caller-cues/read", "POST"),
    ("/api/v1/phrases", "GET"),
    ("/api/v1/practice/scenarios", "GET"),
    ("/api/v1/practice/attempts", "POST"),
    ("/api/v1/teams/{team_id}/practice", "GET"),
    # calls as evidence
    ("/api/v1/agents/{agent_id}/calls", "POST"),
    ("/api/v1/agents/{agent_id}/calls", "GET"),
    ("/api/v1/calls/{call_id}", "GET"),
    ("/api/v1/calls/{call_id}", "DELETE"),
    ("/api/v1/teams/{team_id}/calls", "GET"),
]
HYPOTHESIS = dict(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _pinned(team_id, app=None):
    """Generated cases whose team_id is pinned to a real team of the trainer (and member and
    call ids to real ones of it)."""
    def pin(case):
        if "team_id" in (case.path_parameters or {}):
            case.path_parameters["team_id"] = team_id
        if "team" in (case.query or {}):
            case.query["team"] = team_id
        if case.operation.path.endswith(("/ability-ratings", "/ratings")) and "agent_id" in (case.path_parameters or {}):
            case.path_parameters["agent_id"] = 1  # the team's first member (the database is new)
        if case.operation.path.endswith("/calls") and "agent_id" in (case.path_parameters or {}):
            case.path_parameters["agent_id"] = 1
        if "call_id" in (case.path_parameters or {}):
            case.path_parameters["call_id"] = _new_call(app)  # each case its own call: a DELETE may remove it
    return pin


_calls_made = iter(range(10**6))


def _new_call(app) -> int:
    """A call of the team's first member, of content no other call has."""
    return add_call(app, 1, 1, f"坐席：您好，第{next(_calls_made)}通，请问有什么可以帮您？\n客户：我想查一下话费。")


def _calls(operation, mode, max_examples, headers, prepare=None) -> list[tuple[object, int]]:
    """(generated body, status) of each generated case, called in-process and validated."""
    seen = []

    @settings(max_examples=max_examples, **HYPOTHESIS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if prepare is not None:
            prepare(case)
        seen.append((case.body, case.call_and_validate(headers=headers, checks=CHECKS).status_code))

    run()
    return seen


def _statuses(*args, **kwargs) -> set[int]:
    return {status for _body, status in _calls(*args, **kwargs)}


# Operations without parameters or a body have no invalid input to generate.
NO_INPUT = {("/api/v1/questionnaires", "GET"), ("/api/v1/teams", "GET"),
            # any string is a well-formed token: nothing invalid to generate
            ("/api/v1/rate/{rater_token}", "GET"), ("/api/v1/results/{token}/others", "GET"),
            # read the caller
            ("/api/v1/caller-cues", "GET"), ("/api/v1/phrases", "GET"), ("/api/v1/practice/scenarios", "GET")}
RUNS = [(path, method, mode) for path, method in OPERATIONS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode is GenerationMode.POSITIVE or (path, method) not in NO_INPUT]


@pytest.mark.parametrize("path, method, mode", RUNS)
def test_api_conforms_to_its_openapi_document(api_schema, bearer, path, method, mode):
    examples = MAX_EXAMPLES if mode is GenerationMode.POSITIVE else 20
    statuses = _statuses(api_schema[path][method], mode, examples, bearer)
    assert statuses, "no case was generated"
    assert all(s < 500 for s in statuses)


# Positive cases without credentials: public operations answer as they would anyone,
# trainer operations refuse with 401 whatever the team id (the id is declared within the
# route's bounds, so every generated one reaches the route and its login check).
# The generated answers never name exactly the questionnaire's item ids: always a 400.
ANONYMOUS = {
    ("/api/v1/questionnaires", "GET"): {200},
    ("/api/v1/questionnaires/{slug}", "GET"): {200},
    ("/api/v1/questionnaires/{slug}/responses", "POST"): {400},
    ("/api/v1/questionnaires/{slug}/psychometrics", "GET"): {401},
    **{(path, method): {401} for path, method in OPERATIONS if path.startswith("/api/v1/teams")},
    # how others see me: generated tokens name no result or link; trainer routes need a trainer
    ("/api/v1/results/{token}/raters", "POST"): {404},
    ("/api/v1/rate/{rater_token}", "GET"): {404},
    ("/api/v1/rate/{rater_token}", "POST"): {404},
    ("/api/v1/results/{token}/others", "GET"): {404},
    ("/api/v1/agents/{agent_id}/ratings", "POST"): {401},
    ("/api/v1/agents/{agent_id}/ability-ratings", "POST"): {401},
    ("/api/v1/results/{token}/ability-ratings", "POST"): {404},  # no result has a generated token
    # read the caller: generated cue, mood, scenario and token names are unknown (400) unless left out
    ("/api/v1/caller-cues", "GET"): {200},
    ("/api/v1/caller-cues/read", "POST"): {200, 400},
    ("/api/v1/phrases", "GET"): {200},
    ("/api/v1/practice/scenarios", "GET"): {200},
    ("/api/v1/practice/attempts", "POST"): {400},
    # calls as evidence: staff only
    ("/api/v1/agents/{agent_id}/calls", "POST"): {401},
    ("/api/v1/agents/{agent_id}/calls", "GET"): {401},
    ("/api/v1/calls/{call_id}", "GET"): {401},
    ("/api/v1/calls/{call_id}", "DELETE"): {401},
}


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_without_credentials_conforms_too(api_schema, path, method):
    assert _statuses(api_schema[path][method], GenerationMode.POSITIVE, 10, {}) == ANONYMOUS[(path, method)]


# Positive cases with a trainer's token, the team id pinned to the trainer's team: every
# read succeeds. A new team is created (201) unless the generated name breaks the part of
# the naming rule JSON Schema cannot say (no control or invisible characters, not only
# whitespace): then, and only then, 400.
SIGNED_IN = {
    **ANONYMOUS,
    ("/api/v1/teams", "GET"): {200},
    ("/api/v1/questionnaires/{slug}/psychometrics", "GET"): {200},  # ?team pinned to hers when given
    ("/api/v1/teams/{team_id}/summary", "GET"): {200},
    ("/api/v1/teams/{team_id}/members", "GET"): {200},
    ("/api/v1/teams/{team_id}/responses", "GET"): {200},
    ("/api/v1/teams/{team_id}/others", "GET"): {200},
    ("/api/v1/teams/{team_id}/practice", "GET"): {200},
    # The member pinned to one of the team's: generated answers never name exactly the observer
    # form's items (400).
    ("/api/v1/agents/{agent_id}/ratings", "POST"): {400},
    # The member pinned to one of the team's: generated item ids are never the scorecard's (400).
    ("/api/v1/agents/{agent_id}/ability-ratings", "POST"): {400},
    ("/api/v1/teams/{team_id}/abilities", "GET"): {200, 400},
    ("/api/v1/teams/{team_id}/staff", "POST"): {400},  # no account has a generated username
    ("/api/v1/teams/{team_id}/staff/{username}", "DELETE"): {404},
    # calls as evidence: the member and call pinned to real ones; a generated transcript is never one
    # the core can read (400); a call exists for each case, so reading and deleting it succeed.
    ("/api/v1/agents/{agent_id}/calls", "POST"): {400},
    ("/api/v1/agents/{agent_id}/calls", "GET"): {200},
    ("/api/v1/calls/{call_id}", "GET"): {200},
    ("/api/v1/calls/{call_id}", "DELETE"): {204},
    ("/api/v1/teams/{team_id}/calls", "GET"): {200, 400},
}


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_generated_cases_reach_success_paths(api, api_schema, bearer, path, method):
    calls = _calls(api_schema[path][method], GenerationMode.POSITIVE, 15, bearer, _pinned(api["team"]["id"], api["app"]))
    if (path, method) == ("/api/v1/teams", "POST"):
        assert [status for _body, status in calls] == [_team_status(body["name"]) for body, _status in calls]
        assert any(status == 201 for _body, status in calls)
    else:
        assert {status for _body, status in calls} == SIGNED_IN[(path, method)]


def _team_status(name: str) -> int:
    """The naming rule, stated independently of forms.clean_name: runs of whitespace (tabs
    and newlines too) become one space, and what is left may hold no control or invisible
    characters."""
    collapsed = " ".join(name.split())
    unprintable = any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in collapsed)
    return 400 if unprintable or not collapsed or len(collapsed) > 80 else 201


def test_the_document_covers_every_operation(api, api_schema):
    operations = {(op.ok().path, op.ok().method.upper()) for op in api_schema.get_all_operations()}
    assert operations == set(OPERATIONS)  # schemathesis leaves out the document's own URL
    response = api["app"].test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.")


def test_the_checks_do_catch_an_undocumented_status(api):
    """The conformance checks are live: the same 401 fails once the document stops listing it."""
    app = api["app"]
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    del spec["paths"]["/api/v1/teams"]["get"]["responses"]["401"]
    body = json.dumps(spec).encode()

    def doctored(environ, start_response):
        if environ["PATH_INFO"] == "/api/v1/openapi.json":
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", doctored)
    case = loaded["/api/v1/teams"]["GET"].Case()
    response = case.call()
    assert response.status_code == 401
    from schemathesis.core.failures import FailureGroup

    with pytest.raises(FailureGroup) as info:
        case.validate_response(response, checks=[status_code_conformance])
    failures = info.value.exceptions
    assert any(type(f).__name__ == "UndefinedStatusCode" for f in failures), failures
