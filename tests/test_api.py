"""JSON API v1: the contract integrators rely on, bad input, and the OpenAPI document."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from assessment.model import AXES, STYLES
from assessment.scoring import FLAGS, score
from conftest import response_rows, style_answers

API = "/api/v1"
SLUG = "communication-style"
RESPONSES = f"{API}/questionnaires/{SLUG}/responses"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# ---------------------------------------------------------------------------
# A small structural JSON-schema check (the subset OpenAPI 3.0 documents use);
# jsonschema is not a dependency of the project.
# ---------------------------------------------------------------------------

def resolve(ref: str, doc: dict) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def schema_errors(instance, schema: dict, doc: dict, path: str = "$") -> list[str]:
    if "$ref" in schema:
        return schema_errors(instance, resolve(schema["$ref"], doc), doc, path)
    errors = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind is not None:
        if not checks[kind](instance):
            return errors + [f"{path}: {instance!r} is not of type {kind}"]
    if kind == "object" or (kind is None and isinstance(instance, dict) and "properties" in schema):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing required {key!r}")
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in props:
                errors += schema_errors(value, props[key], doc, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected property {key!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(value, extra, doc, f"{path}.{key}")
    if kind == "array" and "items" in schema:
        for i, value in enumerate(instance):
            errors += schema_errors(value, schema["items"], doc, f"{path}[{i}]")
    if kind in ("number", "integer"):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: {instance} < {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: {instance} > {schema['maximum']}")
    if schema.get("format") == "uri" and isinstance(instance, str):
        parsed = urlparse(instance)
        if not (parsed.scheme and parsed.netloc):
            errors.append(f"{path}: {instance!r} is not an absolute URI")
    return errors


@pytest.mark.parametrize(
    "instance, schema, ok",
    [
        ({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}, True),
        ({}, {"type": "object", "required": ["a"]}, False),
        ({"a": 1, "b": 2}, {"type": "object", "properties": {"a": {}}, "additionalProperties": False}, False),
        (True, {"type": "integer"}, False),
        (3.5, {"type": "integer"}, False),
        (101, {"type": "number", "maximum": 100}, False),
        ("x", {"type": "string", "enum": ["y"]}, False),
        ("/r/abc", {"type": "string", "format": "uri"}, False),
        ([1, "2"], {"type": "array", "items": {"type": "integer"}}, False),
    ],
)
def test_schema_checker_itself(instance, schema, ok):
    assert (schema_errors(instance, schema, {}) == []) is ok


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

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


def documented_statuses(spec: dict, path: str, method: str) -> set[int]:
    return {int(code) for code in spec["paths"][path][method]["responses"] if code.isdigit()}


# ---------------------------------------------------------------------------
# GET: the questionnaires
# ---------------------------------------------------------------------------

def test_list_questionnaires(client, questionnaire, spec):
    response = client.get(f"{API}/questionnaires")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body == [{"slug": SLUG, "version": questionnaire.version,
                     "title": {"en": questionnaire.title.en, "zh": questionnaire.title.zh}}]
    list_schema = spec["paths"][f"{API}/questionnaires"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema_errors(body, list_schema, spec) == []


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
    assert schema_errors(body, schema(spec, "Questionnaire"), spec) == []


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
    assert schema_errors(body, schema(spec, "Error"), spec) == []


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
    assert schema_errors(body, schema(spec, "Result"), spec) == []

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
    assert schema_errors(body, schema(spec, "Error"), spec) == []
    assert status in documented_statuses(spec, f"{API}/questionnaires/{{slug}}/responses", "post")
    assert len(response_rows(app)) == before


def test_every_problem_in_the_answers_is_named_at_once(client, app, questionnaire):
    answers = valid_answers(questionnaire)
    del answers["a05"]
    answers.update({"a01": 9, "r07": "3", "zz99": 3})
    body = post_json(client, {"answers": answers}).get_json()
    assert set(body["details"]) == {"a05", "a01", "r07", "zz99"}
    assert response_rows(app) == []


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_wrong_method_on_responses_is_a_json_405(client, method):
    response = getattr(client, method)(RESPONSES)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error", "details"}


# ---------------------------------------------------------------------------
# The OpenAPI document
# ---------------------------------------------------------------------------

def test_openapi_document_is_structurally_valid(spec):
    assert re.fullmatch(r"3\.\d+\.\d+", spec["openapi"])
    assert isinstance(spec["info"]["title"], str) and spec["info"]["title"]
    assert isinstance(spec["info"]["version"], str) and spec["info"]["version"]
    assert spec["paths"]
    operation_ids = []
    for path, item in spec["paths"].items():
        assert path.startswith("/"), path
        declared_in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            if method in ("summary", "description", "parameters", "servers"):
                continue
            assert method in HTTP_METHODS, (path, method)
            assert operation["responses"], (path, method)
            for code, response in operation["responses"].items():
                assert code == "default" or re.fullmatch(r"[1-5](\d\d|XX)", code), (path, method, code)
                assert isinstance(response.get("description"), str), (path, method, code)
            params = operation.get("parameters", []) + item.get("parameters", [])
            path_params = {p["name"] for p in params if p["in"] == "path"}
            assert path_params == declared_in_path, (path, method)
            assert all(p.get("required") is True for p in params if p["in"] == "path")
            operation_ids.append(operation.get("operationId"))
    assert None not in operation_ids and len(operation_ids) == len(set(operation_ids))


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_ref_in_the_openapi_document_resolves(spec):
    refs = set(_refs(spec))
    assert refs, "the document should share schemas through $ref"
    for ref in refs:
        assert isinstance(resolve(ref, spec), dict), ref


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented(app, spec):
    """Fails when a route under /api/v1 is added without describing it."""
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/") and rule.rule != API:
            continue
        path = _openapi_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in spec["paths"].get(path, {}):
                undocumented.append(f"{method} {path}")
    assert undocumented == []


def test_every_documented_operation_exists(app, spec):
    routes = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(_openapi_path(rule.rule), set()).update(m.lower() for m in rule.methods)
    for path, item in spec["paths"].items():
        for method in set(item) & HTTP_METHODS:
            assert method in routes.get(path, set()), f"{method.upper()} {path} is documented but not served"


def test_openapi_enums_match_the_model(spec):
    items = schema(spec, "Questionnaire")["properties"]["items"]["items"]["properties"]
    assert set(items["axis"]["enum"]) == set(AXES)
    assert set(items["keyed"]["enum"]) == {"plus", "minus"}
    result = schema(spec, "Result")["properties"]
    assert set(result["style"]["enum"]) == set(STYLES)
    assert set(result["flags"]["items"]["enum"]) == set(FLAGS)
    request_body = spec["paths"][f"{API}/questionnaires/{{slug}}/responses"]["post"]["requestBody"]
    assert "application/json" in request_body["content"]
