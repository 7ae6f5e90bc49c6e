"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json.

Built as a dict so the enums come from the model and cannot drift from the code.
"""

from __future__ import annotations

from typing import Mapping

from .model import AXES, LANGS, STYLES
from .scoring import FLAGS
from .stats import SCALES


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = required
    return schema


TEXT = _obj({lang: {"type": "string"} for lang in ("en", "zh")}, ["en", "zh"])
NUMBER_0_100 = {"type": "number", "minimum": 0, "maximum": 100}
ERROR = _obj({"error": {"type": "string"}, "details": {}}, ["error", "details"])
TRAINER = [{"bearer": []}, {"session": []}]
TEAM_ID = {"name": "team_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def spec(questionnaires: Mapping) -> dict:
    slugs = sorted(questionnaires)
    slug_param = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string", "enum": slugs}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Zhiji communication-style API",
            "version": "1.0.0",
            "description": "Questionnaires, and scoring of responses into a four-style profile.",
        },
        "paths": {
            "/api/v1/questionnaires": {
                "get": {
                    "summary": "The available questionnaires",
                    "operationId": "listQuestionnaires",
                    "responses": {
                        "200": {
                            "description": "Questionnaires",
                            "content": {"application/json": {"schema": {
                                "type": "array",
                                "items": _obj({"slug": {"type": "string"}, "version": {"type": "integer"},
                                               "title": {"$ref": "#/components/schemas/Text"}},
                                              ["slug", "version", "title"]),
                            }}},
                        }
                    },
                }
            },
            "/api/v1/questionnaires/{slug}": {
                "get": {
                    "summary": "One questionnaire: scale and items",
                    "operationId": "getQuestionnaire",
                    "parameters": [slug_param],
                    "responses": {
                        "200": {"description": "The questionnaire", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Questionnaire"}}}},
                        "404": _error("Unknown questionnaire"),
                    },
                }
            },
            "/api/v1/questionnaires/{slug}/responses": {
                "post": {
                    "summary": "Submit answers; returns the scored profile",
                    "operationId": "createResponse",
                    "parameters": [slug_param],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseIn"}}},
                    },
                    "responses": {
                        "201": {"description": "Stored and scored", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Result"}}}},
                        "400": _error("Invalid answers or malformed JSON; details name each problem"),
                        "404": _error("Unknown questionnaire"),
                        "413": _error("Body too large"),
                        "415": _error("Not application/json"),
                    },
                }
            },
            "/api/v1/teams": {
                "get": {
                    "summary": "My teams",
                    "operationId": "listTeams",
                    "security": TRAINER,
                    "responses": {
                        "200": {"description": "Teams", "content": {"application/json": {"schema": {
                            "type": "array", "items": {"$ref": "#/components/schemas/Team"}}}}},
                        "401": _error("Not signed in and no valid token"),
                    },
                },
                "post": {
                    "summary": "Create a team",
                    "operationId": "createTeam",
                    "security": TRAINER,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TeamIn"}}}},
                    "responses": {
                        "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TeamCreated"}}}},
                        "400": _error("Invalid name or malformed JSON"),
                        "401": _error("Not signed in and no valid token"),
                        "413": _error("Body too large"),
                        "415": _error("Not application/json"),
                    },
                },
            },
            "/api/v1/teams/{team_id}/summary": {
                "get": {
                    "summary": "Style counts and mean / sd / cv over each member's latest result",
                    "operationId": "teamSummary",
                    "security": TRAINER,
                    "parameters": [TEAM_ID],
                    "responses": {
                        "200": {"description": "Summary", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TeamSummary"}}}},
                        "401": _error("Not signed in and no valid token"),
                        "404": _error("No such team of yours"),
                    },
                }
            },
            "/api/v1/teams/{team_id}/responses": {
                "get": {
                    "summary": "Every response in the team, oldest first",
                    "operationId": "teamResponses",
                    "security": TRAINER,
                    "parameters": [TEAM_ID],
                    "responses": {
                        "200": {"description": "Responses", "content": {"application/json": {"schema": {
                            "type": "array", "items": {"$ref": "#/components/schemas/TeamResponse"}}}}},
                        "401": _error("Not signed in and no valid token"),
                        "404": _error("No such team of yours"),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A token from `flask --app app create-token USERNAME`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "The browser session of a signed-in trainer"},
            },
            "schemas": {
                "Text": TEXT,
                "Error": ERROR,
                "Questionnaire": _obj(
                    {
                        "slug": {"type": "string"},
                        "version": {"type": "integer"},
                        "title": {"$ref": "#/components/schemas/Text"},
                        "scale": _obj({"min": {"type": "integer"}, "max": {"type": "integer"},
                                       "labels": {"type": "array", "items": {"$ref": "#/components/schemas/Text"}}},
                                      ["min", "max", "labels"]),
                        "items": {"type": "array", "items": _obj(
                            {"id": {"type": "string"}, "text": {"$ref": "#/components/schemas/Text"},
                             "axis": {"type": "string", "enum": list(AXES)},
                             "keyed": {"type": "string", "enum": ["plus", "minus"]}},
                            ["id", "text", "axis", "keyed"])},
                    },
                    ["slug", "version", "title", "scale", "items"],
                ),
                "ResponseIn": _obj(
                    {
                        "answers": {"type": "object", "additionalProperties": {"type": "integer"},
                                    "description": "Every item id of the questionnaire -> an answer on its scale"},
                        "lang": {"type": "string", "enum": list(LANGS), "default": "zh"},
                        "duration_seconds": {"type": "number", "minimum": 0, "maximum": 604800,
                                             "description": "Time taken; used only for the too_fast flag"},
                        "invite_code": {"type": "string", "description": "Join this team (with name)"},
                        "name": {"type": "string", "minLength": 1, "maxLength": 80,
                                 "description": "Display name the trainer sees; required with invite_code"},
                        "employee_id": {"type": "string", "maxLength": 40,
                                        "description": "Optional; retakes are matched by it, else by name"},
                    },
                    ["answers"],
                ),
                "Team": _obj(
                    {"id": {"type": "integer"}, "name": {"type": "string"}, "invite_code": {"type": "string"},
                     "member_count": {"type": "integer"}},
                    ["id", "name", "invite_code", "member_count"],
                ),
                "TeamIn": _obj({"name": {"type": "string", "minLength": 1, "maxLength": 80}}, ["name"]),
                "TeamCreated": _obj(
                    {"id": {"type": "integer"}, "name": {"type": "string"}, "invite_code": {"type": "string"},
                     "invite_url": {"type": "string", "format": "uri"}},
                    ["id", "name", "invite_code", "invite_url"],
                ),
                "Statistic": _obj(
                    {"mean": {"type": "number", "nullable": True}, "sd": {"type": "number", "nullable": True},
                     "cv": {"type": "number", "nullable": True}},
                    ["mean", "sd", "cv"],
                ),
                "TeamSummary": _obj(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "members": {"type": "integer"},
                        "responses": {"type": "integer"},
                        "style_counts": _obj({s: {"type": "integer"} for s in STYLES}, list(STYLES)),
                        "scales": _obj({c: {"$ref": "#/components/schemas/Statistic"} for c in SCALES}, list(SCALES)),
                        "style_changes": _obj(
                            {
                                "retakers": {"type": "integer", "description": "members with more than one result"},
                                "changed": {"type": "integer", "description": "of them, whose latest style differs from the one before"},
                                "moves": {
                                    "type": "array",
                                    "description": "previous style -> latest style, most common first",
                                    "items": _obj(
                                        {"from": {"type": "string", "enum": list(STYLES)},
                                         "to": {"type": "string", "enum": list(STYLES)},
                                         "members": {"type": "integer", "minimum": 1}},
                                        ["from", "to", "members"],
                                    ),
                                },
                            },
                            ["retakers", "changed", "moves"],
                        ),
                    },
                    ["id", "name", "members", "responses", "style_counts", "scales", "style_changes"],
                ),
                "TeamResponse": _obj(
                    {
                        "id": {"type": "integer"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "team": {"type": "string"},
                        "name": {"type": "string"},
                        "employee_id": {"type": "string", "nullable": True},
                        "style": {"type": "string", "enum": list(STYLES)},
                        "secondary_style": {"type": "string", "enum": list(STYLES)},
                        "clarity": {"type": "string", "enum": ["flexible", "moderate", "clear"]},
                        **{c: NUMBER_0_100 for c in SCALES},
                        "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
                        "questionnaire": {"type": "string"},
                        "questionnaire_version": {"type": "integer"},
                        "lang": {"type": "string", "enum": list(LANGS)},
                    },
                    ["id", "created_at", "team", "name", "style", *SCALES, "flags"],
                ),
                "Result": _obj(
                    {
                        "id": {"type": "integer"},
                        "style": {"type": "string", "enum": list(STYLES)},
                        "secondary_style": {"type": "string", "enum": list(STYLES)},
                        "clarity": {"type": "string", "enum": ["flexible", "moderate", "clear"]},
                        "axes": _obj({a: NUMBER_0_100 for a in AXES}, list(AXES)),
                        "scores": _obj({s: NUMBER_0_100 for s in STYLES}, list(STYLES)),
                        "flags": {"type": "array", "items": {"type": "string", "enum": list(FLAGS)}},
                        "result_url": {"type": "string", "format": "uri"},
                    },
                    ["id", "style", "secondary_style", "axes", "scores", "flags", "result_url"],
                ),
            }
        },
    }
