"""Every request and response body of /api/v1, declared once (pydantic v2).

The same classes validate what clients send (api.py), shape what the API answers
(`dump`) and generate the OpenAPI document (openapi.py), so the document cannot
drift from behaviour. Limits and enums are read from where they are declared:
names from forms, axes, styles and languages from model, flags and clarities from
scoring. No Flask here.

Request bodies are strict: a string "4" where a whole number is expected, or a
boolean where a number is, is an error, never silently converted, and an unknown
field is an error naming it. What pydantic cannot know (which item ids a
questionnaire has, whether an invite code exists) stays in api.py and feeds the
same error shape, {"error", "details": {"<field>": "<what is wrong>"}}.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError, create_model

from .forms import EMPLOYEE_ID_MAX, NAME_MAX, clean_name
from .model import AXES, DEFAULT_LANG, LANGS, STYLES, VERSATILITY
from .questionnaire import KEYINGS
from .scoring import CLARITIES, FLAGS
from .stats import SCALES

MAX_DURATION_SECONDS = 7 * 86400  # a week: longer than any real sitting
ID_MAX = 2**63 - 1  # SQLite's largest integer: ids in paths and bodies stay within it
ITEM_AXES = AXES + (VERSATILITY,)  # an observer form's items also rate versatility

Style = Literal[STYLES]
Lang = Literal[LANGS]
Flag = Literal[FLAGS]
Clarity = Literal[CLARITIES]
Id = Annotated[StrictInt, Field(ge=0, le=ID_MAX)]
Count = Annotated[StrictInt, Field(ge=0)]
Percent = Annotated[float, Field(ge=0, le=100)]
Timestamp = Annotated[StrictStr, Field(json_schema_extra={"format": "date-time"})]
Url = Annotated[StrictStr, Field(json_schema_extra={"format": "uri"})]


class Body(BaseModel):
    """What every API body shares: strict types, no fields beyond the declared ones."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_serialization_defaults_required=True)


class RequestBody(Body):
    # How a problem with a field is titled in the error body; "Unknown fields" comes first.
    TITLES: ClassVar[dict[str, str]] = {}
    NOUN: ClassVar[str] = "request"


def _cleaned(limit: int, required: bool):
    """The display-name rule of the forms (forms.clean_name) as a validator: runs of
    whitespace collapse to one space, then 1..limit characters, nothing invisible."""
    def clean(value: str) -> str | None:
        return clean_name(value, limit, required)
    return AfterValidator(clean)


NAME_RULE = "once runs of whitespace are collapsed to one space; no control or invisible characters"
DisplayName = Annotated[
    StrictStr, _cleaned(NAME_MAX, True),
    Field(json_schema_extra={"minLength": 1, "maxLength": NAME_MAX, "pattern": r"\S"},
          description=f"1 to {NAME_MAX} characters {NAME_RULE}"),
]
EmployeeId = Annotated[
    StrictStr, _cleaned(EMPLOYEE_ID_MAX, False),
    Field(json_schema_extra={"maxLength": EMPLOYEE_ID_MAX},
          description=f"At most {EMPLOYEE_ID_MAX} characters {NAME_RULE}; blank means none"),
]


# --- requests -----------------------------------------------------------------------------

class ResponseIn(RequestBody):
    """One person's answers to a questionnaire; the server scores them (never send a score)."""

    TITLES: ClassVar[dict[str, str]] = {
        "answers": "Invalid answers",
        "lang": "Invalid lang",
        "duration_seconds": "Invalid duration_seconds",
        "invite_code": "Invalid team membership",
        "name": "Invalid team membership",
        "employee_id": "Invalid team membership",
    }
    NOUN: ClassVar[str] = "response"

    answers: dict[str, StrictInt] = Field(
        description="Every item id of the questionnaire -> a whole number on its scale")
    lang: Lang = Field(DEFAULT_LANG, description="The language the result page opens in")
    duration_seconds: Annotated[float, Field(ge=0, le=MAX_DURATION_SECONDS, allow_inf_nan=False)] | None = Field(
        None, description="Time taken; used only for the too_fast flag")
    invite_code: StrictStr | None = Field(None, description="Join the team with this invite code (with name)")
    name: DisplayName | None = Field(None, description="The name the trainer sees; required with invite_code")
    employee_id: EmployeeId | None = Field(None, description="Optional; a retake is matched by it, else by name")

    MEMBERSHIP: ClassVar[tuple[str, ...]] = ("invite_code", "name", "employee_id")


class TeamIn(RequestBody):
    """A new team."""

    TITLES: ClassVar[dict[str, str]] = {"name": "Invalid team"}
    NOUN: ClassVar[str] = "team"

    name: DisplayName


# --- responses ------------------------------------------------------------------------------

Text = create_model("Text", __base__=Body, __doc__="One text in every language",
                    **{lang: (StrictStr, ...) for lang in LANGS})
Axes = create_model("Axes", __base__=Body, __doc__="0-100 on each axis; 50 is the centre of the scale",
                    **{a: (Percent, ...) for a in AXES})
StyleScores = create_model("StyleScores", __base__=Body, __doc__="Affinity for each style, 0-100",
                           **{s: (Percent, ...) for s in STYLES})
StyleCounts = create_model("StyleCounts", __base__=Body, __doc__="Members whose latest primary style it is",
                           **{s: (Count, ...) for s in STYLES})


class QuestionnaireListItem(Body):
    slug: StrictStr
    version: StrictInt
    title: Text


class Scale(Body):
    min: StrictInt
    max: StrictInt
    labels: list[Text] = Field(description="One label per value from min to max")


class Item(Body):
    id: StrictStr
    text: Text
    axis: Literal[ITEM_AXES] | None = Field(description="None on a scorecard, whose items rate abilities")
    keyed: Literal[KEYINGS]


class Questionnaire(Body):
    """A questionnaire: its answer scale and its items, in the order to ask them."""

    slug: StrictStr
    version: StrictInt
    title: Text
    scale: Scale
    items: list[Item]


Percentiles = create_model(
    "Percentiles", __base__=Body,
    __doc__="Where each axis score falls among the earlier valid results of the questionnaire version, 0-100",
    **{a: (Annotated[StrictInt, Field(ge=0, le=100)], ...) for a in AXES})


class ProfileOut(Body):
    """The profile stored with a result (scoring.Profile.as_dict): what every page shows too."""

    valid: bool = Field(description="False when the answer sheet describes no one "
                                    "(straight-lined or patterned): then there is no style")
    style: Style | None
    secondary_style: Style | None
    clarity: Clarity | None = Field(description=f"How likely a retake gives the same style: {', '.join(CLARITIES)}")
    confidence: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="The probability that a retake gives the same primary style")
    balanced: list[Literal[AXES]] = Field(description="Axes exactly at 50, favouring neither pole")
    axes: Axes
    scores: StyleScores
    flags: list[Flag] = Field(description="Signs the answers may not describe the person")
    percentiles: Percentiles | None = Field(description="Null until enough results are stored to compare with")


class Result(ProfileOut):
    """A stored and scored response."""

    id: Id
    result_url: Url = Field(description="The private result page; also the Location header")


class LatestResult(ProfileOut):
    """A member's latest result, with the profile stored when it was given."""

    id: Id
    created_at: Timestamp
    questionnaire: StrictStr
    questionnaire_version: StrictInt
    scoring_version: StrictInt


class Member(Body):
    """A team member (agent); `id` is the one the trainer pages use (/trainer/agents/<id>)."""

    id: Id
    name: StrictStr
    employee_id: StrictStr | None
    results: Count
    latest: LatestResult | None = Field(description="The newest result, or null for a member without one")


class Team(Body):
    id: Id
    name: StrictStr
    invite_code: StrictStr
    member_count: Count


class TeamCreated(Body):
    id: Id
    name: StrictStr
    invite_code: StrictStr
    invite_url: Url = Field(description="The page agents open to join")


class Statistic(Body):
    """Over each member's latest result; null where it is undefined (too few members, mean 0)."""

    mean: float | None
    sd: float | None = Field(description="Sample standard deviation (n - 1)")
    cv: float | None = Field(description="Coefficient of variation, sd / mean")


Scales = create_model("Scales", __base__=Body, __doc__="Every axis and style score",
                      **{c: (Statistic, ...) for c in SCALES})


class StyleMove(Body):
    from_: Style = Field(alias="from", description="The previous style")
    to: Style = Field(description="The latest style")
    members: Annotated[StrictInt, Field(ge=1)]


class StyleChanges(Body):
    retakers: Count = Field(description="Members with more than one result")
    changed: Count = Field(description="Of them, whose latest style differs from the one before")
    moves: list[StyleMove] = Field(description="Previous style -> latest style, most common first")


class TeamSummary(Body):
    """Each member's latest result, summed up."""

    id: Id
    name: StrictStr
    members: Count
    responses: Count = Field(description="Every response, retakes included")
    style_counts: StyleCounts
    scales: Scales
    style_changes: StyleChanges


class TeamResponse(Body):
    """One response as exports give it (the columns of the CSV export, in order)."""

    id: Id
    created_at: Timestamp
    team: StrictStr
    name: StrictStr
    employee_id: StrictStr | None
    style: Style | None = Field(description="Null for an answer sheet that describes no one")
    secondary_style: Style | None
    clarity: Clarity | None
    assertiveness: Percent
    responsiveness: Percent
    driver: Percent
    expressive: Percent
    amiable: Percent
    analytical: Percent
    flags: list[Flag]
    questionnaire: StrictStr
    questionnaire_version: StrictInt
    lang: Lang
    agent_id: Id = Field(description="The member's id, as in /teams/{team_id}/members")
    scoring_version: StrictInt


class Error(Body):
    """Every 4xx: a title, and details naming each problem (field -> what is wrong) or saying it."""

    error: StrictStr
    details: dict[str, Any] | StrictStr | None


# --- validating and sending ----------------------------------------------------------------------

@lru_cache(maxsize=None)
def adapter(annotation) -> TypeAdapter:
    """One TypeAdapter per shape, built once: its validator and serializer are reused."""
    return TypeAdapter(annotation)


def to_json(annotation, data) -> bytes:
    """Data (dicts, lists) checked against a response shape, serialised by that shape.

    A mismatch raises: the API never sends what its document does not describe. The
    JSON is what model_dump(mode="json") gives, written out by pydantic's own encoder
    (UTF-8, compact): no second pass through the json module."""
    ta = adapter(annotation)
    return ta.serializer.to_json(ta.validator.validate_python(data), by_alias=True)


def field_errors(exc: ValidationError, noun: str = "request") -> dict[str, str]:
    """pydantic's errors as {"<field>": "<what is wrong>"}; nested fields as `answers.a01`."""
    details: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"]) or "body"
        details.setdefault(field, _message(error, noun))
    return details


def _message(error: dict, noun: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"not a field of a {noun}"
    if kind == "missing":
        return "required"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    return error["msg"]


def error_title(model: type[RequestBody], exc: ValidationError | None, fields: list[str]) -> str:
    """One title for a list of problems: unknown fields first, else the first bad field's."""
    if exc is not None and any(e["type"] == "extra_forbidden" for e in exc.errors(include_url=False)):
        return "Unknown fields"
    for field in fields:
        top = field.split(".", 1)[0]
        if top in model.TITLES:
            return model.TITLES[top]
    return f"Invalid {model.NOUN}"


# --- reading the caller: identifier, phrase bank, practice -----------------------
# (end of the caller section)


# --- how others see me: rating links and the others' view ----------------------
# (end of the others section)


# --- the seven service abilities, and staff on teams ----------------------------
# (end of the abilities section)
