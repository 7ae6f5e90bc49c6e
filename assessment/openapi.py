"""The OpenAPI document of /api/v1, generated from the routes declared below and the
pydantic models of schemas.py: nothing in it is written out by hand twice.

CORE_ROUTES and the feature tuples say, for each operation, its method and path, who may call it, its path
parameters, the model of its request body and the model (or error) of each status.
The components are the models' JSON schemas (OpenAPI 3.1 speaks JSON Schema
2020-12, what pydantic writes), with every nested model hoisted into
#/components/schemas. No Flask here; the API blueprint serves `spec(slugs)`, which
is built once per set of loaded questionnaires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from . import schemas

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
TRAINER = ({"bearer": []}, {"session": []})

# Path parameters by name; the questionnaire slug is an enum of the loaded questionnaires.
PARAMETERS = {
    "slug": {"type": "string", "description": "A questionnaire's slug"},
    "team_id": {"type": "integer", "minimum": 0, "maximum": schemas.ID_MAX, "description": "One of your teams"},
}

BODY_ERRORS = {413: "Body larger than 64 KiB", 415: "Not application/json"}
UNAUTHORIZED = {401: "Not signed in and no valid token"}
NOT_YOURS = {404: "No such team of yours"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    operation_id: str
    summary: str
    responses: dict[int, Any]  # status -> a model, list[model] or, for an error, its description
    body: type[BaseModel] | None = None
    trainer: bool = False
    description: str = ""
    parameters: tuple[str, ...] = field(default=())
    self_only: bool = False  # the slug enum lists only questionnaires a person answers about themself


API = "/api/v1"
CORE_ROUTES = (
    Route("get", f"{API}/questionnaires", "listQuestionnaires", "The available questionnaires",
          {200: list[schemas.QuestionnaireListItem]}),
    Route("get", f"{API}/questionnaires/{{slug}}", "getQuestionnaire", "One questionnaire: scale and items",
          {200: schemas.Questionnaire, 404: "Unknown questionnaire"}, parameters=("slug",)),
    Route("post", f"{API}/questionnaires/{{slug}}/responses", "createResponse",
          "Submit answers; returns the scored profile",
          {201: schemas.Result, 400: "Invalid answers, fields or JSON; details name each problem",
           404: "Unknown questionnaire, or one not answered about oneself", **BODY_ERRORS},
          body=schemas.ResponseIn, parameters=("slug",), self_only=True,
          description="With invite_code and name the person joins that team (a retake is matched by "
                      "employee_id, else by name). Bad input stores nothing."),
    Route("get", f"{API}/teams", "listTeams", "My teams", {200: list[schemas.Team], **UNAUTHORIZED}, trainer=True),
    Route("post", f"{API}/teams", "createTeam", "Create a team",
          {201: schemas.TeamCreated, 400: "Invalid name, fields or JSON", **UNAUTHORIZED, **BODY_ERRORS},
          body=schemas.TeamIn, trainer=True),
    Route("get", f"{API}/teams/{{team_id}}/summary", "teamSummary",
          "Style counts and mean / sd / cv over each member's latest result",
          {200: schemas.TeamSummary, **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/teams/{{team_id}}/members", "teamMembers",
          "Every member with their number of results and latest result, in name order",
          {200: list[schemas.Member], **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/teams/{{team_id}}/responses", "teamResponses", "Every response in the team, oldest first",
          {200: list[schemas.TeamResponse], **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/openapi.json", "openapi", "This document", {200: dict}),
)
# Each feature declares its operations in a tuple of its own below.
CALLER_ROUTES: tuple[Route, ...] = ()  # reading the caller: identifier, phrase bank, practice
OTHERS_ROUTES: tuple[Route, ...] = ()  # how others see me: rating links, the others' view
ABILITIES_ROUTES: tuple[Route, ...] = ()  # the seven service abilities, staff on teams


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A token from `flask --app app create-token USERNAME`"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The browser session of a signed-in trainer"},
}


class _Schema(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every property (the property name says it)."""

    def field_title_should_be_set(self, schema) -> bool:
        return False


class _Components:
    """Model schemas gathered into one #/components/schemas, each model once."""

    def __init__(self):
        self.schemas: dict[str, dict] = {}

    def add(self, model: type[BaseModel], mode: str) -> dict:
        schema = model.model_json_schema(ref_template=REF, mode=mode, schema_generator=_Schema)
        for name, definition in schema.pop("$defs", {}).items():
            self._put(name, definition)
        self._put(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}

    def _put(self, name: str, schema: dict) -> None:
        if self.schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are both called {name}")

    def of(self, annotation, mode: str) -> dict:
        if annotation is dict:
            return {"type": "object"}
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            return {"type": "array", "items": self.of(item, mode)}
        return self.add(annotation, mode)


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(route: Route, components: _Components, slugs: tuple[str, ...]) -> dict:
    """One operation; slugs are the questionnaires its slug parameter may name."""
    operation: dict[str, Any] = {"summary": route.summary, "operationId": route.operation_id}
    if route.description:
        operation["description"] = route.description
    if route.trainer:
        operation["security"] = list(TRAINER)
    if route.parameters:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True,
             "schema": {**PARAMETERS[name], **({"enum": list(slugs)} if name == "slug" else {})}}
            for name in route.parameters
        ]
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(components.add(route.body, "validation"))}
    responses = {}
    for status, shape in sorted(route.responses.items()):
        if isinstance(shape, str):
            responses[str(status)] = {"description": shape, "content": _json(components.add(schemas.Error, "serialization"))}
        else:
            responses[str(status)] = {"description": "OK" if status == 200 else "Created",
                                      "content": _json(components.of(shape, "serialization"))}
    operation["responses"] = responses
    return operation


@lru_cache(maxsize=8)
def spec(slugs: tuple[str, ...], self_slugs: tuple[str, ...]) -> dict:
    """The whole document for the loaded questionnaires (slugs; self_slugs: those a person
    answers about themself); built once, then served from the cache.

    The dict is shared: callers must not change it."""
    components = _Components()
    paths: dict[str, dict] = {}
    for route in CORE_ROUTES + CALLER_ROUTES + OTHERS_ROUTES + ABILITIES_ROUTES:
        named = self_slugs if route.self_only else slugs
        paths.setdefault(route.path, {})[route.method] = _operation(route, components, tuple(sorted(named)))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Zhiji communication-style API",
            "version": "1.0.0",
            "description": "Questionnaires, scoring of responses into a four-style profile, and trainers' teams. "
                           "Every error is a 4xx JSON {\"error\", \"details\"} naming what is wrong.",
        },
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": dict(sorted(components.schemas.items()))},
    }
