"""Schemathesis against /api/v1/openapi.json, in-process (WSGI): generated requests for every
operation, including the trainer's team endpoints with a bearer token.

Checks: no 5xx, the status code is documented, the content type is documented, and the body
matches the documented response schema.
"""

from __future__ import annotations

import json
import os

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
    ("/api/v1/teams", "GET"),
    ("/api/v1/teams", "POST"),
    ("/api/v1/teams/{team_id}/summary", "GET"),
    ("/api/v1/teams/{team_id}/responses", "GET"),
]
HYPOTHESIS = dict(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _run(operation, mode, max_examples, headers):
    """Generated cases for one operation, each called in-process and validated."""
    seen = []

    @settings(max_examples=max_examples, **HYPOTHESIS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.append(response.status_code)

    run()
    return seen


# Operations without parameters or a body have no invalid input to generate.
NO_INPUT = {("/api/v1/questionnaires", "GET"), ("/api/v1/teams", "GET")}
RUNS = [(path, method, mode) for path, method in OPERATIONS
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode is GenerationMode.POSITIVE or (path, method) not in NO_INPUT]


@pytest.mark.parametrize("path, method, mode", RUNS)
def test_api_conforms_to_its_openapi_document(api_schema, bearer, path, method, mode):
    examples = MAX_EXAMPLES if mode is GenerationMode.POSITIVE else 20
    statuses = _run(api_schema[path][method], mode, examples, bearer)
    assert statuses, "no case was generated"
    assert all(s < 500 for s in statuses)


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_api_without_credentials_conforms_too(api_schema, path, method):
    """Anonymous calls: public operations work, trainer operations are a documented 401."""
    statuses = _run(api_schema[path][method], GenerationMode.POSITIVE, 10, {})
    if path.startswith("/api/v1/teams"):
        # 404 only where the generated id cannot be a team id at all (the route does not match).
        assert 401 in statuses and set(statuses) <= {401, 404}, statuses


def test_generated_cases_reach_success_paths(api_schema, bearer):
    """The runs above are not all refusals: positive cases do get 2xx answers."""
    for path, method in OPERATIONS:
        statuses = _run(api_schema[path][method], GenerationMode.POSITIVE, 15, bearer)
        if (path, method) != ("/api/v1/questionnaires/{slug}/responses", "POST") and "{team_id}" not in path:
            assert any(200 <= s < 300 for s in statuses), (path, method, statuses)


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
