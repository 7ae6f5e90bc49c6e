"""JSON API v1: the contract integrators rely on, bad input, and the OpenAPI document."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from openapi_spec_validator import validate as validate_openapi_document

from assessment.model import AXES, LANGS, STYLES
from assessment.scoring import FLAGS, score
from conftest import response_rows, style_answers
from documented import DocumentedClient, document_problems, documented_client

API = "/api/v1"
SLUG = "communication-style"
RESPONSES = f"{API}/questionnaires/{SLUG}/responses"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def client(app):
    """Every API response of these tests is checked against the document."""
    return documented_client(app)


@pytest.fixture
def spec(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema(spec: dict, name: str) -> dict:
    return spec["components"]["schemas"][name]


def post_json(client, body, slug=SLUG, **kw):
    return client.post(f"{API}/questionnaires/{slug}/responses", json=body, **kw)


def valid_answers(q, style="driver"):
    return style_answers(q, style, 2)


# ---------------------------------------------------------------------------
# GET: the questionnaires
# ---------------------------------------------------------------------------

def test_list_questionnaires(app, client, questionnaire, spec):
    response = client.get(f"{API}/questionnaires")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body == [{"slug": q.slug, "version": q.version, "kind": q.kind, "title": {"en": q.title.en, "zh": q.title.zh}}
                    for q in app.extensions["questionnaires"].values()]
    assert {"slug": SLUG, "version": questionnaire.version, "kind": "self",
            "title": {"en": questionnaire.title.en, "zh": questionnaire.title.zh}} in body


def test_get_questionnaire_matches_the_contract(client, questionnaire, spec):
    response = client.get(f"{API}/questionnaires/{SLUG}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == SLUG and body["version"] == questionnaire.version
    assert body["scale"]["min"] == 1 and body["scale"]["max"] == 5
    assert len(body["scale"]["labels"]) == 5
    assert all(set(label) == {"en", "zh"} for label in body["scale"]["labels"])
    assert [i["id"] for i in body["items"]] == [i.id for i in questionnaire.items]
    for entry in body["items"]:
        assert set(entry) >= {"id", "text", "axis", "keyed"}
        assert entry["axis"] in AXES
        assert entry["keyed"] in ("plus", "minus")
        item = questionnaire.item(entry["id"])
        assert entry["text"] == {"en": item.text.en, "zh": item.text.zh}
        assert (entry["axis"], entry["keyed"]) == (item.axis, item.keyed)


def test_questionnaire_json_keeps_chinese_readable(client):
    raw = client.get(f"{API}/questionnaires/{SLUG}").get_data(as_text=True)
    assert "沟通风格" in raw  # not \\u escapes: integrators read this in logs


@pytest.mark.parametrize("path", [f"{API}/questionnaires/nope", f"{API}/questionnaires/NOPE", f"{API}/no-such-route"])
def test_unknown_get_is_a_json_404(client, path, spec):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"}


# ---------------------------------------------------------------------------
# POST: a response
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
def test_post_response_returns_the_profile(client, app, questionnaire, spec, style):
    answers = valid_answers(questionnaire, style)
    response = post_json(client, {"answers": answers, "lang": "en"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "style", "secondary_style", "axes", "scores", "flags", "result_url"}
    assert body["style"] == style
    assert body["secondary_style"] in STYLES and body["secondary_style"] != style
    assert set(body["axes"]) == set(AXES)
    assert list(body["scores"]) == list(STYLES)
    assert isinstance(body["flags"], list) and set(body["flags"]) <= set(FLAGS)
    expected = score(questionnaire, answers)
    assert body["axes"] == pytest.approx(expected.axes)
    assert body["scores"] == pytest.approx(expected.scores)
    assert response.headers["Location"] == body["result_url"]

    url = urlparse(body["result_url"])
    assert url.scheme in ("http", "https") and url.netloc
    page = client.get(url.path + ("?" + url.query if url.query else ""))
    assert page.status_code == 200
    assert questionnaire.styles[style].name.en in page.get_data(as_text=True)

    (row,) = response_rows(app)
    assert row["id"] == body["id"]
    assert json.loads(row["answers"]) == answers
    assert (row["questionnaire"], row["questionnaire_version"]) == (SLUG, questionnaire.version)


@pytest.mark.parametrize("lang, marker", [("zh", 'lang="zh-CN"'), ("en", 'lang="en"'), (None, 'lang="zh-CN"')])
def test_result_url_opens_in_the_requested_language(client, questionnaire, lang, marker):
    body = {"answers": valid_answers(questionnaire)}
    if lang:
        body["lang"] = lang
    created = post_json(client, body).get_json()
    url = urlparse(created["result_url"])
    fresh = client.application.test_client()  # the link is shared: no session needed
    page = fresh.get(url.path + ("?" + url.query if url.query else ""))
    assert page.status_code == 200
    assert marker in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "duration, too_fast",
    [(None, False), (5, True), (0, True), (600, False), (3600.5, False)],
)
def test_duration_drives_the_too_fast_flag(client, questionnaire, duration, too_fast):
    body = {"answers": valid_answers(questionnaire)}
    if duration is not None:
        body["duration_seconds"] = duration
    response = post_json(client, body)
    assert response.status_code == 201
    assert ("too_fast" in response.get_json()["flags"]) is too_fast


def test_json_with_charset_is_accepted(client, questionnaire):
    body = json.dumps({"answers": valid_answers(questionnaire)})
    response = client.post(RESPONSES, data=body, content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_two_posts_get_different_ids_and_urls(client, questionnaire):
    first = post_json(client, {"answers": valid_answers(questionnaire)}).get_json()
    second = post_json(client, {"answers": valid_answers(questionnaire)}).get_json()
    assert first["id"] != second["id"]
    assert first["result_url"] != second["result_url"]
    token = urlparse(first["result_url"]).path.rsplit("/", 1)[1]
    assert len(token) >= 20


# ---------------------------------------------------------------------------
# Bad input: a 4xx JSON naming the problem, never a 500, nothing stored
# ---------------------------------------------------------------------------

def _answers(**changes):
    def build(q):
        answers = valid_answers(q)
        for key, value in changes.items():
            if value is _DROP:
                answers.pop(key)
            else:
                answers[key] = value
        return json.dumps({"answers": answers}).encode()
    return build


_DROP = object()


def _raw(text: str):
    return lambda q: text.encode() if isinstance(text, str) else text


def _with_answers(template: str):
    """A body built around the valid answers, for shapes json.dumps cannot make."""
    def build(q):
        inner = json.dumps(valid_answers(q))[1:-1]
        return template.replace("ANSWERS", inner).encode()
    return build


def _json(obj_of_answers):
    return lambda q: json.dumps(obj_of_answers(valid_answers(q))).encode()


JSON = "application/json"
BAD_INPUT = [
    # (id, slug, body builder, content type, status, a word the error or details must contain)
    ("missing-item", SLUG, _answers(a05=_DROP), JSON, 400, "a05"),
    ("unknown-item", SLUG, _answers(zz99=3), JSON, 400, "zz99"),
    ("out-of-range-high", SLUG, _answers(a01=6), JSON, 400, "a01"),
    ("out-of-range-low", SLUG, _answers(a01=0), JSON, 400, "a01"),
    ("string-number", SLUG, _answers(r07="3"), JSON, 400, "r07"),
    ("fraction", SLUG, _answers(r07=3.5), JSON, 400, "r07"),
    ("true", SLUG, _answers(r07=True), JSON, 400, "r07"),
    ("null", SLUG, _answers(r07=None), JSON, 400, "r07"),
    ("list-value", SLUG, _answers(r07=[3]), JSON, 400, "r07"),
    ("huge-int", SLUG, _answers(r07=10**30), JSON, 400, "r07"),
    ("malformed-json", SLUG, _raw('{"answers": {"a01": 3,'), JSON, 400, "json"),
    ("trailing-garbage", SLUG, _with_answers('{"answers": {ANSWERS}} x'), JSON, 400, "json"),
    ("duplicate-item-key", SLUG, _with_answers('{"answers": {ANSWERS, "a01": 1}}'), JSON, 400, "a01"),
    ("duplicate-top-key", SLUG, _with_answers('{"answers": {ANSWERS}, "answers": {}}'), JSON, 400, "answers"),
    ("nan", SLUG, _with_answers('{"answers": {ANSWERS, "a01": NaN}}'), JSON, 400, "nan"),
    ("infinity", SLUG, _with_answers('{"answers": {ANSWERS}, "duration_seconds": Infinity}'), JSON, 400, "infinity"),
    ("form-encoded", SLUG, _raw("a01=3&a02=4"), "application/x-www-form-urlencoded", 415, "application/json"),
    ("text-plain", SLUG, _answers(), "text/plain", 415, "application/json"),
    ("no-content-type", SLUG, _answers(), None, 415, "application/json"),
    ("oversized", SLUG, _with_answers('{"answers": {ANSWERS}, "lang": "' + "x" * (65 * 1024) + '"}'), JSON, 413, "large"),
    ("unknown-slug", "no-such-thing", _answers(), JSON, 404, "no-such-thing"),
    ("array-body", SLUG, _json(lambda a: [a]), JSON, 400, "object"),
    ("string-body", SLUG, _raw('"hello"'), JSON, 400, "object"),
    ("empty-body", SLUG, _raw(""), JSON, 400, "json"),
    ("invalid-utf8", SLUG, _raw(b'{"answers": "\xff\xfe"}'), JSON, 400, "json"),
    ("deep-nesting", SLUG, _raw("[" * 20000 + "]" * 20000), JSON, 400, "json"),
    ("bad-lang", SLUG, _json(lambda a: {"answers": a, "lang": "fr"}), JSON, 400, "lang"),
    ("lang-not-string", SLUG, _json(lambda a: {"answers": a, "lang": 1}), JSON, 400, "lang"),
    ("no-answers", SLUG, _json(lambda a: {"lang": "zh"}), JSON, 400, "answers"),
    ("answers-not-object", SLUG, _json(lambda a: {"answers": list(a.values())}), JSON, 400, "answers"),
    ("client-sent-scores", SLUG, _json(lambda a: {"answers": a, "style": "driver", "scores": {}}), JSON, 400, "scores"),
    ("negative-duration", SLUG, _json(lambda a: {"answers": a, "duration_seconds": -1}), JSON, 400, "duration_seconds"),
    ("empty-answers", SLUG, _json(lambda a: {"answers": {}}), JSON, 400, "a01"),
]


@pytest.mark.parametrize(
    "slug, build, content_type, status, word", [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_a_4xx_json_naming_the_problem_and_stores_nothing(
    client, app, questionnaire, spec, slug, build, content_type, status, word
):
    before = len(response_rows(app))
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(f"{API}/questionnaires/{slug}/responses", data=build(questionnaire), headers=headers)
    assert response.status_code < 500
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "details"}
    assert isinstance(body["error"], str) and body["error"]
    assert body["details"], "details must say what is wrong"
    said = (body["error"] + " " + json.dumps(body["details"], ensure_ascii=False)).lower()
    assert word.lower() in said, said
    assert len(response_rows(app)) == before


def test_every_problem_in_the_answers_is_named_at_once(client, app, questionnaire):
    answers = valid_answers(questionnaire)
    del answers["a05"]
    answers.update({"a01": 9, "r07": "3", "zz99": 3})
    body = post_json(client, {"answers": answers}).get_json()
    assert body["error"] == "Invalid answers"
    assert body["details"] == {
        "answers.a05": "missing answer",
        "answers.a01": "9 is outside the scale 1 to 5",
        "answers.r07": "must be a whole number from 1 to 5",
        "answers.zz99": "unknown item",
    }
    assert response_rows(app) == []


@pytest.mark.parametrize("body, error, details", [
    ({"lang": "fr"}, "Invalid lang", {"lang": "Input should be 'zh' or 'en'"}),
    ({"duration_seconds": "60"}, "Invalid duration_seconds", {"duration_seconds": "Input should be a valid number"}),
    ({"duration_seconds": True}, "Invalid duration_seconds", {"duration_seconds": "Input should be a valid number"}),
    ({"duration_seconds": 604801}, "Invalid duration_seconds",
     {"duration_seconds": "Input should be less than or equal to 604800"}),
    ({"style": "driver", "scores": {}}, "Unknown fields",
     {"style": "not a field of a response", "scores": "not a field of a response"}),
    ({"lang": "fr", "extra": 1}, "Unknown fields", {"lang": "Input should be 'zh' or 'en'", "extra": "not a field of a response"}),
    ({"invite_code": 7, "name": "Ana"}, "Invalid team membership", {"invite_code": "Input should be a valid string"}),
    ({"invite_code": "ZZ0ZZ1", "name": " "}, "Invalid team membership", {"name": "must not be blank"}),
])
def test_field_errors_name_each_field_in_the_one_error_shape(client, app, questionnaire, body, error, details):
    response = post_json(client, {"answers": valid_answers(questionnaire), **body})
    assert response.status_code == 400
    assert response.get_json() == {"error": error, "details": details}
    assert response_rows(app) == []


@pytest.mark.parametrize("answers, details", [
    (None, {"answers": "Input should be a valid dictionary"}),
    ([3, 3], {"answers": "Input should be a valid dictionary"}),
    ("a01", {"answers": "Input should be a valid dictionary"}),
])
def test_answers_that_are_not_an_object(client, answers, details):
    response = post_json(client, {"answers": answers})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Invalid answers", "details": details}


def test_a_missing_body_field_is_named(client):
    response = post_json(client, {"lang": "en"})
    assert response.get_json() == {"error": "Invalid answers", "details": {"answers": "required"}}


def test_the_validated_answers_are_stored_as_sent(client, app, questionnaire):
    answers = valid_answers(questionnaire)
    assert post_json(client, {"answers": answers, "duration_seconds": 90}).status_code == 201
    (row,) = response_rows(app)
    assert json.loads(row["answers"]) == answers and row["duration_seconds"] == 90


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method_on_responses_is_a_json_405(client, method):
    response = getattr(client, method)(RESPONSES)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "details"}


# ---------------------------------------------------------------------------
# The OpenAPI document
# ---------------------------------------------------------------------------

def test_openapi_document_is_valid_openapi(spec):
    """The document is checked by openapi-spec-validator: structure, schemas, every $ref."""
    assert re.fullmatch(r"3\.1\.\d+", spec["openapi"])
    validate_openapi_document(spec)


def test_openapi_document_conventions(spec):
    """Beyond validity: every operation named once, every path parameter declared and required."""
    operation_ids = []
    for path, item in spec["paths"].items():
        declared_in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert method in HTTP_METHODS, (path, method)
            params = operation.get("parameters", [])
            assert {p["name"] for p in params if p["in"] == "path"} == declared_in_path, (path, method)
            assert all(p.get("required") is True for p in params if p["in"] == "path")
            for code, response in operation["responses"].items():
                if code == "204":  # no content: a body-less answer (DELETE /calls/{call_id})
                    assert "content" not in response, (path, method, code)
                    continue
                assert response["content"]["application/json"]["schema"], (path, method, code)
            operation_ids.append(operation.get("operationId"))
    assert None not in operation_ids and len(operation_ids) == len(set(operation_ids))
    assert set(_refs(spec)), "the document should share schemas through $ref"


def test_the_document_is_built_once(app, client):
    first = client.get(f"{API}/openapi.json").get_data()
    from assessment import openapi

    calls = openapi.spec.cache_info().hits
    assert client.get(f"{API}/openapi.json").get_data() == first
    assert openapi.spec.cache_info().hits == calls + 1


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_document_lists_exactly_the_api_routes(app, spec):
    """Fails when a route under /api/v1 is served but not described, or described but not served."""
    served = {
        (_openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert sorted(served - documented) == [], "served but not in /api/v1/openapi.json"
    assert sorted(documented - served) == [], "in /api/v1/openapi.json but not served"


def _slug_enum(spec, path):
    (operation,) = spec["paths"][path].values()
    (slug,) = operation["parameters"]
    return slug["schema"]["enum"]


def test_slug_parameter_lists_the_loaded_questionnaires(app, spec):
    loaded = app.extensions["questionnaires"]
    assert _slug_enum(spec, f"{API}/questionnaires/{{slug}}") == sorted(loaded)
    answerable = _slug_enum(spec, f"{API}/questionnaires/{{slug}}/responses")
    assert SLUG in answerable and answerable == sorted(s for s, q in loaded.items() if q.kind == "self")


def test_a_questionnaire_not_answered_about_oneself_takes_no_responses_here(app, questionnaire):
    """An observer form or a scorecard is not a self-assessment: a documented 404, not a crash."""
    from dataclasses import replace

    app.extensions["questionnaires"][SLUG] = replace(questionnaire, kind="observer")  # same items, other kind
    client = app.test_client()
    assert SLUG not in _slug_enum(client.get(f"{API}/openapi.json").get_json(), f"{API}/questionnaires/{{slug}}/responses")
    app.test_client_class = DocumentedClient
    response = app.test_client().post(RESPONSES, json={"answers": valid_answers(questionnaire)})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Unknown questionnaire"
    assert "not answered about oneself" in response.get_json()["details"]["slug"]
    assert response_rows(app) == []


def _enum(node: dict) -> set:
    """The enum of a schema, through a nullable anyOf."""
    if "anyOf" in node:
        return set().union(*(_enum(n) for n in node["anyOf"] if n.get("type") != "null"))
    return set(node["enum"])


def test_openapi_enums_and_limits_come_from_the_code(spec):
    from assessment.forms import EMPLOYEE_ID_MAX, NAME_MAX
    from assessment.scoring import CLARITIES
    from assessment.schemas import MAX_DURATION_SECONDS

    item = schema(spec, "Item")["properties"]
    assert _enum(item["axis"]) >= set(AXES)
    assert _enum(item["keyed"]) == {"plus", "minus"}
    result = schema(spec, "Result")["properties"]
    assert _enum(result["style"]) == set(STYLES)
    assert _enum(result["clarity"]) == set(CLARITIES)
    assert _enum(result["flags"]["items"]) == set(FLAGS)
    assert set(schema(spec, "Axes")["required"]) == set(AXES)
    response_in = schema(spec, "ResponseIn")
    assert response_in["additionalProperties"] is False and response_in["required"] == ["answers"]
    props = response_in["properties"]
    assert _enum(props["lang"]) == set(LANGS)
    (duration,) = [n for n in props["duration_seconds"]["anyOf"] if n.get("type") == "number"]
    assert duration["maximum"] == MAX_DURATION_SECONDS == 604800
    (name,) = [n for n in props["name"]["anyOf"] if n.get("type") == "string"]
    assert name["maxLength"] == NAME_MAX
    (employee_id,) = [n for n in props["employee_id"]["anyOf"] if n.get("type") == "string"]
    assert employee_id["maxLength"] == EMPLOYEE_ID_MAX
    assert schema(spec, "TeamIn")["properties"]["name"]["maxLength"] == NAME_MAX
    request_body = spec["paths"][f"{API}/questionnaires/{{slug}}/responses"]["post"]["requestBody"]
    assert request_body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ResponseIn"}


def client_result(spec) -> dict:
    """A Result as the API sends it, made from a real profile."""
    from assessment.questionnaire import load_all
    from conftest import QUESTIONNAIRES

    q = load_all(QUESTIONNAIRES)[SLUG]
    return {"id": 1, **score(q, valid_answers(q)).as_dict(), "result_url": "http://localhost/r/abc"}


def test_the_profile_shape_is_the_one_scoring_gives(questionnaire):
    """The Result model lists exactly the keys of the stored profile (scoring.Profile.as_dict)."""
    from assessment import schemas

    profile = score(questionnaire, valid_answers(questionnaire))
    assert list(schemas.ProfileOut.model_fields) == list(profile.as_dict())


def test_the_document_catches_a_response_that_breaks_it(spec):
    """The validator the client uses is live: a doctored body fails it."""

    class Fake:
        status_code, mimetype = 201, "application/json"

        def __init__(self, body):
            self.body = body

        def get_json(self):
            return self.body

    good = client_result(spec)
    path = f"{API}/questionnaires/{SLUG}/responses"
    assert document_problems(spec, "POST", path, Fake(good)) == []
    for bad in ({**good, "style": "boss"}, {**good, "result_url": "/r/abc"}, {**good, "extra": 1},
                {**good, "axes": {"assertiveness": 101.0, "responsiveness": 0.0}}, {**good, "id": True}):
        assert document_problems(spec, "POST", path, Fake(bad)), bad
    undocumented = Fake(good)
    undocumented.status_code = 202
    assert document_problems(spec, "POST", path, undocumented)
