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
    "agent_id": {"type": "integer", "minimum": 0, "maximum": schemas.ID_MAX, "description": "A member of one of your teams"},
    "token": {"type": "string", "description": "The token of a result (the end of its /r/<token> address)"},
    "rater_token": {"type": "string", "description": "A rating link's token (the last path segment of its rate_url)"},
    "username": {"type": "string", "description": "A staff account's username"},
    "call_id": {"type": "integer", "minimum": 0, "maximum": schemas.ID_MAX,
                "description": "A call of a member of one of your teams"},
}

# Query parameters by name (all optional).
QUERY_PARAMETERS = {
    "period": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
               "description": "A month, YYYY-MM (default: the current month)"},
    "team": {"type": "integer", "minimum": 0, "maximum": schemas.ID_MAX,
             "description": "Only this team of yours (default: all your teams)"},
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
    query: tuple[str, ...] = field(default=())  # optional query parameters, by name in QUERY_PARAMETERS


API = "/api/v1"
CORE_ROUTES = (
    Route("get", f"{API}/questionnaires", "listQuestionnaires", "The available questionnaires",
          {200: list[schemas.QuestionnaireListItem]}),
    Route("get", f"{API}/questionnaires/{{slug}}", "getQuestionnaire", "One questionnaire: scale and items",
          {200: schemas.Questionnaire, 404: "Unknown questionnaire"}, parameters=("slug",)),
    Route("post", f"{API}/questionnaires/{{slug}}/responses", "createResponse",
          "Submit answers; returns the scored profile",
          {201: schemas.Result, 400: "Invalid answers, fields or JSON; details name each problem",
           404: "Unknown questionnaire, or one not answered about oneself",
           429: "Too many wrong invite codes from this address (Retry-After says when to try again)", **BODY_ERRORS},
          body=schemas.ResponseIn, parameters=("slug",), self_only=True,
          description="With invite_code and name the person joins that team; a retake adds result_token, the "
                      "token of their own earlier valid result there. Bad input stores nothing."),
    Route("get", f"{API}/teams", "listTeams", "My teams", {200: list[schemas.Team], **UNAUTHORIZED}, trainer=True),
    Route("post", f"{API}/teams", "createTeam", "Create a team",
          {201: schemas.TeamCreated, 400: "Invalid name, fields or JSON", **UNAUTHORIZED,
           403: "A qc account: only trainer and admin accounts create teams", **BODY_ERRORS},
          body=schemas.TeamIn, trainer=True),
    Route("get", f"{API}/teams/{{team_id}}/summary", "teamSummary",
          "Style counts and mean / sd / cv over each member's latest result",
          {200: schemas.TeamSummary, **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/teams/{{team_id}}/members", "teamMembers",
          "Every member with their number of results and latest result, in name order",
          {200: list[schemas.Member], **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/teams/{{team_id}}/responses", "teamResponses", "Every response in the team, oldest first",
          {200: list[schemas.TeamResponse], **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("get", f"{API}/questionnaires/{{slug}}/psychometrics", "questionnairePsychometrics",
          "Live reliability: alpha with its interval, mean, SD and item figures per axis",
          {200: schemas.Psychometrics, 400: "Invalid team", **UNAUTHORIZED,
           404: "Unknown questionnaire, one not answered about oneself, or not your team"},
          trainer=True, parameters=("slug",), query=("team",), self_only=True,
          description="Over the latest valid response of each member in your teams (or the one given), "
                      "current version only; figures are null below 10 respondents."),
    Route("get", f"{API}/openapi.json", "openapi", "This document", {200: dict}),
)
# Each feature declares its operations in a tuple of its own below.
CALLER_ROUTES: tuple[Route, ...] = (  # reading the caller: identifier, phrase bank, practice
    Route("get", f"{API}/caller-cues", "callerCues", "The quick identifier's cues and moods",
          {200: schemas.CallerCues}),
    Route("post", f"{API}/caller-cues/read", "readCaller",
          "The customer type from the cues heard, how sure, what to check next, and what to say",
          {200: schemas.CallerReading,
           400: "Unknown cue, option, mood, style or result_token, or invalid JSON; details name each",
           **BODY_ERRORS},
          body=schemas.CallerReadIn,
          description="One cue per axis names a type; more agreeing cues raise the confidence, disagreeing "
                      "ones lower it and needs_more says which cue to check. The mood only chooses mood_line. "
                      "With result_token the style of that result is used (none when it is not valid), "
                      "else agent_style."),
    Route("get", f"{API}/phrases", "phraseBank",
          "The phrase bank: lines per customer type, empathy by technique, phrases to avoid and what to say instead",
          {200: schemas.PhraseBank}),
    Route("get", f"{API}/practice/scenarios", "practiceScenarios",
          "Practice calls: the caller's lines and the replies to choose from, without the answers",
          {200: list[schemas.PracticeScenario]}),
    Route("post", f"{API}/practice/attempts", "practiceAttempt",
          "Grade one practice answer (and store it): the type named and the reply chosen",
          {201: schemas.PracticeGraded,
           400: "Unknown scenario, reply, style or result_token, or invalid JSON; details name each",
           **BODY_ERRORS},
          body=schemas.PracticeAttemptIn,
          description="With the result_token of a team member's result the attempt counts for that member "
                      "on the team's practice figures. Bad input stores nothing."),
    Route("get", f"{API}/teams/{{team_id}}/practice", "teamPractice",
          "How well the team's members read callers: accuracy by customer type, confusion, per member",
          {200: schemas.TeamPractice, **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
)
OTHERS_ROUTES: tuple[Route, ...] = (  # how others see me: rating links, the others' view
    Route("post", f"{API}/results/{{token}}/raters", "createRaterLink", "Create a rating link for a result's owner",
          {201: schemas.RaterLink, 400: "Invalid relation, fields or JSON; a peer link for a result outside a team",
           404: "Unknown result, or a result that is not valid",
           409: "The result already has the most rating links allowed (20)", **BODY_ERRORS},
          body=schemas.RaterLinkIn, parameters=("token",),
          description="Peer links are for team members' results and are answered by colleagues who prove who they "
                      "are; peers stay anonymous (shown only as a mean over whole groups of 3); a lead's rating is "
                      "shown apart with their role."),
    Route("get", f"{API}/rate/{{rater_token}}", "getRateForm", "What a rater sees: whose style, and the observer form",
          {200: schemas.RateForm, 404: "Unknown rating link"}, parameters=("rater_token",),
          description="Never the rated person's own result."),
    Route("post", f"{API}/rate/{{rater_token}}", "submitRating", "Answer a rating link",
          {201: schemas.RatingStored, 400: "Invalid answers, fields or JSON, or too many can't-say (null) answers "
                                           "on a scale; details name each problem (each such scale by name)",
           403: "rater is not a valid result of another member of the same team",
           404: "Unknown rating link", 409: "This colleague has already rated the member", **BODY_ERRORS},
          body=schemas.RatingIn, parameters=("rater_token",),
          description="No profile comes back. A peer link needs rater (the rater's own result token); role and "
                      "name are for lead links only. Whether the link was answered before is never told."),
    Route("get", f"{API}/results/{{token}}/others", "resultOthers", "How others see the result's owner",
          {200: schemas.OthersView, 404: "Unknown result, or a result that is not valid"}, parameters=("token",),
          description="For a team member, every rating of the member (a retake keeps them) against their latest "
                      "valid result; otherwise this result's ratings. others is null below min_raters peer "
                      "ratings and uses whole groups of min_raters (the first 3k in answer order); gap is "
                      "others minus self."),
    Route("get", f"{API}/teams/{{team_id}}/others", "teamOthers", "Self against others for each member, in name order",
          {200: list[schemas.MemberOthers], **UNAUTHORIZED, **NOT_YOURS}, trainer=True, parameters=("team_id",)),
    Route("post", f"{API}/agents/{{agent_id}}/ratings", "rateMember", "A trainer's own (named) rating of a member",
          {201: schemas.RatingStored, 400: "Invalid answers, fields or JSON, or too many can't-say (null) answers "
                                           "on a scale (details name each such scale)", **UNAUTHORIZED,
           404: "No such member of your teams", **BODY_ERRORS},
          body=schemas.TrainerRatingIn, trainer=True, parameters=("agent_id",),
          description="Shown apart, with the trainer's role and username; replaces the trainer's earlier rating "
                      "of the member."),
)
ABILITIES_ROUTES: tuple[Route, ...] = (  # the seven service abilities, staff on teams
    Route("post", f"{API}/agents/{{agent_id}}/ability-ratings", "rateAbilities",
          "Rate a member's seven service abilities for a month (staff on the member's team, QC included)",
          {201: schemas.AbilityRating, 400: "Missing or unknown items, values off the scale, a malformed or "
           "future period; details name each", **UNAUTHORIZED, 404: "No such member on a team of yours",
           **BODY_ERRORS},
          body=schemas.AbilityRatingIn, trainer=True, parameters=("agent_id",)),
    Route("post", f"{API}/results/{{token}}/ability-ratings", "rateOwnAbilities",
          "The agent rates their own seven abilities for a month, by their result's token",
          {201: schemas.AbilityRating, 400: "Missing or unknown items, values off the scale, a malformed or "
           "future period; details name each", 404: "No result has this token", **BODY_ERRORS},
          body=schemas.AbilityRatingIn, parameters=("token",),
          description="Members of a team are matched to their team's member, so the team lead can compare "
                      "the self-rating with staff's ratings."),
    Route("get", f"{API}/teams/{{team_id}}/abilities", "teamAbilities",
          "The team's seven abilities for a month: mean, SD, CV, weakest, trend and per-member self vs staff",
          {200: schemas.TeamAbilities, 400: "A malformed or future period", **UNAUTHORIZED, **NOT_YOURS},
          trainer=True, parameters=("team_id",), query=("period",)),
    Route("post", f"{API}/teams/{{team_id}}/staff", "addTeamStaff",
          "Add a colleague to the team (the team's owner or an admin)",
          {201: schemas.TeamStaffMember, 400: "No such account, a disabled one, the owner, or a bad role",
           **UNAUTHORIZED, 403: "Staff on the team who are not its owner", **NOT_YOURS, **BODY_ERRORS},
          body=schemas.StaffIn, trainer=True, parameters=("team_id",)),
    Route("delete", f"{API}/teams/{{team_id}}/staff/{{username}}", "removeTeamStaff",
          "Remove a colleague from the team (the team's owner or an admin)",
          {200: schemas.TeamStaffRemoved, **UNAUTHORIZED, 403: "Staff on the team who are not its owner",
           404: "No such team of yours, or no account has this username"},
          trainer=True, parameters=("team_id", "username")),
)

CALL_BODY_ERRORS = {413: "Body larger than 2 MB", 415: "Not application/json"}
CALLS_ROUTES: tuple[Route, ...] = (  # calls as evidence: transcripts, their figures, observed style
    Route("post", f"{API}/agents/{{agent_id}}/calls", "importCall",
          "Import one call transcript of a member (staff on the member's team, QC included)",
          {201: schemas.CallAnalysed,
           400: "Unknown format, a bad line or segment (named), a speaker that is neither side, no agent speech, "
                "agent_speaker needed (details list the labels found), a bad called_at or lang",
           **UNAUTHORIZED, 404: "No such member on a team of yours",
           409: "The team already has a call with this content", **CALL_BODY_ERRORS},
          body=schemas.CallIn, trainer=True, parameters=("agent_id",),
          description="The format is detected from the content unless given. Phone, ID and card numbers are "
                      "masked (last 4 digits kept) before anything is stored; bad input stores nothing. "
                      "Timing figures are null for a transcript without times."),
    Route("get", f"{API}/agents/{{agent_id}}/calls", "memberCalls",
          "A member's calls (newest first) and their observed style",
          {200: schemas.AgentCalls, **UNAUTHORIZED, 404: "No such member on a team of yours"},
          trainer=True, parameters=("agent_id",),
          description="observed.axes and style are null below 5 calls with timing."),
    Route("get", f"{API}/calls/{{call_id}}", "getCall", "One call: its figures, findings and masked transcript",
          {200: schemas.CallDetail, **UNAUTHORIZED, 404: "No such call on a team of yours"},
          trainer=True, parameters=("call_id",)),
    Route("delete", f"{API}/calls/{{call_id}}", "deleteCall", "Delete a call (the team's owner or an admin)",
          {204: None, **UNAUTHORIZED, 403: "Staff on the team who are not its owner",
           404: "No such call on a team of yours"},
          trainer=True, parameters=("call_id",)),
    Route("get", f"{API}/teams/{{team_id}}/calls", "teamCalls",
          "The team's calls in a month: per member count and means, team mean / SD / CV per figure, "
          "the most frequent banned phrases",
          {200: schemas.TeamCalls, 400: "A malformed or future period", **UNAUTHORIZED, **NOT_YOURS},
          trainer=True, parameters=("team_id",), query=("period",),
          description="sd is the sample SD over members' means (null below 2 members with the figure)."),
)


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
    if route.parameters or route.query:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True,
             "schema": {**PARAMETERS[name], **({"enum": list(slugs)} if name == "slug" else {})}}
            for name in route.parameters
        ] + [
            {"name": name, "in": "query", "required": False, "schema": QUERY_PARAMETERS[name]}
            for name in route.query
        ]
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(components.add(route.body, "validation"))}
    responses = {}
    for status, shape in sorted(route.responses.items()):
        if shape is None:
            responses[str(status)] = {"description": "No content"}
        elif isinstance(shape, str):
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
    for route in CORE_ROUTES + CALLER_ROUTES + OTHERS_ROUTES + ABILITIES_ROUTES + CALLS_ROUTES:
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
