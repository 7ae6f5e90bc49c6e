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
from .model import ABILITIES, AXES, DEFAULT_LANG, LANGS, STYLES, VERSATILITY
from .questionnaire import ANCHOR_POINTS, KEYINGS, KINDS
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
        "result_token": "Invalid team membership",
    }
    NOUN: ClassVar[str] = "response"

    answers: dict[str, StrictInt] = Field(
        description="Every item id of the questionnaire -> a whole number on its scale")
    lang: Lang = Field(DEFAULT_LANG, description="The language the result page opens in")
    duration_seconds: Annotated[float, Field(ge=0, le=MAX_DURATION_SECONDS, allow_inf_nan=False)] | None = Field(
        None, description="Time taken; used only for the too_fast flag")
    invite_code: StrictStr | None = Field(None, description="Join the team with this invite code (with name)")
    name: DisplayName | None = Field(None, description="The name the trainer sees; required with invite_code")
    employee_id: EmployeeId | None = Field(None, description="Optional; shown to the trainer beside the name")
    result_token: StrictStr | None = Field(
        None, max_length=64,
        description="A retake: the token of your own earlier valid result in this team (the proof that you are "
                    "that member). Without it a name or employee_id matching a member joins as a new member, "
                    "marked as a possible duplicate for the trainer")

    MEMBERSHIP: ClassVar[tuple[str, ...]] = ("invite_code", "name", "employee_id", "result_token")


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
    kind: Literal[KINDS] = Field(description="self: about oneself; observer: about a colleague; "
                                             "rating: a scorecard staff fill in")
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


Anchors = create_model("Anchors", __base__=Body, __doc__="What a 1, a 3 and a 5 sound like on a call",
                       **{point: (Text, ...) for point in ANCHOR_POINTS})


class RatingItem(Body):
    """A behaviour on a scorecard (kind rating), rated under one ability, with its anchors."""

    id: StrictStr
    text: Text
    ability: Literal[ABILITIES]
    anchors: Anchors


class Questionnaire(Body):
    """A questionnaire: its answer scale and its items, in the order to ask them."""

    slug: StrictStr
    version: StrictInt
    kind: Literal[KINDS] = Field(description="self: about oneself; observer: about a colleague; "
                                             "rating: a scorecard staff fill in")
    title: Text
    scale: Scale
    items: list[Item] | list[RatingItem] = Field(description="A scorecard's items (kind rating) have an ability "
                                                             "and anchors instead of an axis and keying")


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
    possible_duplicate_of: Id | None = Field(
        None, description="Joined under a name or employee ID this member already had, without proof (their result "
                          "link or device): maybe the same person; the trainer may merge them")


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
    responses: Count = Field(description="Every valid response, retakes included")
    set_aside: Count = Field(description="Answer sheets that describe no one: stored, never counted")
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
    valid: bool = Field(description="False for an answer sheet that describes no one: never counted in team figures")
    confidence: Annotated[float, Field(ge=0, le=1)] | None


# --- live reliability --------------------------------------------------------------------

class ItemFigures(Body):
    id: StrictStr
    item_total: float | None = Field(description="Corrected item-total correlation, on keyed answers")
    alpha_if_deleted: float | None


class AxisFigures(Body):
    """Reliability of one axis; every figure null below 10 respondents."""

    alpha: float | None = Field(description="Cronbach's alpha on keyed answers")
    alpha_ci: Annotated[list[float], Field(min_length=2, max_length=2)] | None = Field(
        description="95% interval (Bonett)")
    mean: float | None
    sd: float | None
    items: list[ItemFigures]


class Psychometrics(Body):
    """Each member's latest valid response to the current version, in your teams (or one)."""

    n: Count
    version: StrictInt
    axes: dict[Literal[AXES], AxisFigures]


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

Confidence = Annotated[float, Field(ge=0, le=1)]


class CallerCueOption(Body):
    id: StrictStr
    text: Text
    axis: Literal[AXES]
    pole: Literal["high", "low"]


class CallerCue(Body):
    """Something heard in the first half minute: one option per pole of one axis."""

    id: StrictStr
    text: Text
    options: list[CallerCueOption]


class CallerMood(Body):
    id: StrictStr
    text: Text


class CallerCues(Body):
    """The quick identifier's cues and the moods, read apart from the type."""

    cues: list[CallerCue]
    moods: list[CallerMood]


class CallerReadIn(RequestBody):
    """What the agent heard: cue id -> option id, the caller's mood, the agent's own style."""

    TITLES: ClassVar[dict[str, str]] = {
        "cues": "Unknown cue or option", "mood": "Unknown mood", "agent_style": "Unknown style",
        "result_token": "Unknown result",
    }
    NOUN: ClassVar[str] = "reading"

    cues: dict[str, StrictStr] = Field(
        default_factory=dict, description="Cue id -> the option heard; an empty string counts as not heard")
    mood: StrictStr | None = Field(None, description="A mood id; it never changes the type")
    agent_style: Style | None = Field(None, description="The agent's own style, when not given by result_token")
    result_token: StrictStr | None = Field(
        None, description="The token of the agent's own result (the end of /r/<token>): its style is used; "
                          "a result that is not valid has no style")


class CallerReading(Body):
    """The customer type read from the cues, how sure, what to check next and what to say."""

    customer_type: Style | None = Field(description="Null until both axes lean one way")
    confidence: Confidence = Field(description="0 without a type; one cue per axis gives 0.44")
    needs_more: list[StrictStr] = Field(description="Cue ids to listen for next")
    opening_line: Text | None
    do: list[Text] = Field(description="Tailored to the agent's style first, when it is known")
    avoid: list[Text]
    mood_line: Text | None = Field(description="What to say first for the mood, or null")


class TypePhrase(Body):
    id: StrictStr
    situation: Text
    say: Text
    why: Text


class EmpathyPhrase(Body):
    id: StrictStr
    technique: Text
    say: Text


class PhraseReplacement(Body):
    id: StrictStr
    avoid: Text = Field(description="The phrase to avoid")
    say: Text = Field(description="What to say instead")
    why: Text


PhrasesByType = create_model("PhrasesByType", __base__=Body, __doc__="Phrases for each customer type",
                             **{s: (list[TypePhrase], ...) for s in STYLES})


class PhraseBank(Body):
    by_customer_type: PhrasesByType
    empathy: list[EmpathyPhrase] = Field(description="Grouped by technique")
    replacements: list[PhraseReplacement]


PracticeCallerLines = create_model("PracticeCallerLines", __base__=Body, __doc__="What the caller says, line by line",
                                   **{lang: (list[StrictStr], ...) for lang in LANGS})


class PracticeReply(Body):
    id: StrictStr
    text: Text


class PracticeScenario(Body):
    """A practice call: the caller's lines and the replies to choose from (no answer key)."""

    id: StrictStr
    caller: PracticeCallerLines
    replies: list[PracticeReply]


class PracticeAttemptIn(RequestBody):
    """One practice answer: the type the agent named and the reply they chose."""

    TITLES: ClassVar[dict[str, str]] = {
        "scenario": "Unknown scenario", "customer_type": "Unknown style", "reply": "Unknown reply",
        "result_token": "Unknown result",
    }
    NOUN: ClassVar[str] = "practice attempt"

    scenario: StrictStr
    customer_type: Style
    reply: StrictStr
    result_token: StrictStr | None = Field(
        None, description="The agent's own result token: a team member's attempt counts for them")


class PracticeGraded(Body):
    type_correct: bool
    customer_type: Style = Field(description="The caller's real type")
    reply_correct: bool
    best_reply: StrictStr
    feedback: Text = Field(description="Why the caller is that type, and why the chosen reply works or not")


class PracticeTypeStats(Body):
    attempts: Count
    type_correct: Count
    accuracy: Confidence | None = Field(description="type_correct / attempts; null without attempts")


PracticeByType = create_model("PracticeByType", __base__=Body, __doc__="Per real customer type",
                              **{s: (PracticeTypeStats, ...) for s in STYLES})
ConfusionRow = create_model("ConfusionRow", __base__=Body, __doc__="How often this type was read as each type",
                            **{s: (Count, ...) for s in STYLES})
Confusion = create_model("Confusion", __base__=Body, __doc__="Rows: the caller's real type; columns: the guess",
                         **{s: (ConfusionRow, ...) for s in STYLES})


class PracticeMember(Body):
    agent_id: Id = Field(description="The member's id, as in /teams/{team_id}/members")
    name: StrictStr
    attempts: Count
    accuracy: Confidence | None


class TeamPractice(Body):
    """Practice attempts of the team's members (sent with a member's result token)."""

    attempts: Count
    by_customer_type: PracticeByType
    confusion: Confusion
    members: list[PracticeMember] = Field(description="Members who practised, in name order")


# (end of the caller section)


# --- how others see me: rating links and the others' view ----------------------

RELATIONS = ("peer", "lead")  # others.RELATIONS
LEAD_ROLES = ("team_lead", "trainer", "qc")  # storage.raters.LEAD_ROLES
OthersAxes = create_model("OthersAxes", __base__=Body, __doc__="0-100 on each style axis",
                          **{a: (float, ...) for a in AXES})
Gap = create_model("Gap", __base__=Body, __doc__="Others minus self on each axis, in points (-100 to 100)",
                   **{a: (float, ...) for a in AXES})


class RaterLinkIn(RequestBody):
    """A new rating link: who will rate (a colleague, anonymous; or a lead, named)."""

    TITLES: ClassVar[dict[str, str]] = {"relation": "Invalid relation"}
    NOUN: ClassVar[str] = "rating link"

    relation: Literal[RELATIONS] = Field(description="peer: a colleague (anonymous, shown only as an average "
                                                     "of at least 3); lead: team lead, trainer or QC (shown apart)")


class RaterLink(Body):
    id: Id
    relation: Literal[RELATIONS]
    rate_url: Url = Field(description="The page the rater opens; its last path segment is the rater token")


# An observer form's answers: null is "can't say" (无法判断), never a guess.
OBSERVER_ANSWERS = ("Every item id of the observer form -> a whole number on its scale, or null for "
                    "\"can't say\" (the rater has not seen enough to judge). Each scale is scored over its "
                    "answered items and needs at least the questionnaire's min_answered of them: fewer is a "
                    "400 whose details name each such scale")


class RatingIn(RequestBody):
    """One rater's answers to the observer form; the server scores them."""

    TITLES: ClassVar[dict[str, str]] = {"answers": "Invalid answers", "lang": "Invalid lang",
                                        "role": "Invalid rater", "name": "Invalid rater", "rater": "Invalid rater"}
    NOUN: ClassVar[str] = "rating"

    answers: dict[str, StrictInt | None] = Field(description=OBSERVER_ANSWERS)
    lang: Lang = Field(DEFAULT_LANG, description="The language the rater answered in")
    role: Literal[LEAD_ROLES] | None = Field(None, description="Lead links only: the rater's role (default team_lead)")
    name: DisplayName | None = Field(None, description="Lead links only, optional: shown with the role")
    rater: StrictStr | None = Field(
        None, max_length=64,
        description="Colleague (peer) links: required, the token of the rater's own valid result in the same team "
                    "(proof that a colleague answers, never the member rated); each colleague rates a member once")


class TrainerRatingIn(RequestBody):
    """A trainer's own (named) rating of a member."""

    TITLES: ClassVar[dict[str, str]] = {"answers": "Invalid answers", "lang": "Invalid lang"}
    NOUN: ClassVar[str] = "rating"

    answers: dict[str, StrictInt | None] = Field(description=OBSERVER_ANSWERS)
    lang: Lang = Field(DEFAULT_LANG, description="The language the trainer answered in")


class RateItem(Body):
    id: StrictStr
    text: Text
    axis: Literal[ITEM_AXES]
    keyed: Literal[KEYINGS]


class RateQuestionnaire(Body):
    slug: StrictStr
    version: StrictInt
    scale: Scale
    cant_say: Text | None = Field(description="The label of the \"can't say\" answer (send null for it); "
                                              "null when every item needs a point on the scale")
    min_answered: dict[Literal[ITEM_AXES], StrictInt] = Field(
        description="Per scale, how many of its items must be answered (not \"can't say\")")
    items: list[RateItem]


class RateForm(Body):
    """What a rater sees: whose style (never their result) and the observer form."""

    about: StrictStr = Field(description="The member's name, or \"a colleague\" outside a team")
    relation: Literal[RELATIONS]
    questionnaire: RateQuestionnaire


class RatingStored(Body):
    """A stored rating: no scores come back (a rater never sees a profile)."""

    relation: Literal[RELATIONS]
    answered_at: Timestamp


class SelfView(Body):
    axes: OthersAxes | None = Field(description="The member's latest valid result (or this result); null without one")
    style: Style | None


class PeerView(Body):
    """The mean over whole groups of min_raters peer ratings (the first 3k in answer order),
    only when at least min_raters answered: unchanged at 4 and 5, recomputed at 6, 9, ..."""

    n: Annotated[StrictInt, Field(ge=3, description="The peer ratings used (a multiple of min_raters)")]
    received: Annotated[StrictInt, Field(ge=3, description="Peer ratings given so far")]
    next_update: Annotated[StrictInt, Field(ge=6, description="The figures change when this many have answered")]
    axes: OthersAxes
    versatility: float
    style: Style = Field(description="The style at the mean axes")


class LeadView(Body):
    """One lead's rating, not anonymous."""

    rater: StrictStr = Field(description="The lead's role, and name when given")
    axes: OthersAxes
    versatility: float
    style: Style


class OthersView(Body):
    """Self against others. invited and answered count every link, peer and lead."""

    invited: Count
    answered: Count
    min_raters: StrictInt
    self: SelfView
    others: PeerView | None
    leads: list[LeadView]
    gap: Gap | None


class MemberOthers(Body):
    agent_id: Id = Field(description="The member's id, as in /teams/{team_id}/members")
    name: StrictStr
    invited: Count
    answered: Count
    self: SelfView | None = Field(description="null without a valid result of the member")
    others: PeerView | None
    leads: list[LeadView]
    gap: Gap | None
# (end of the others section)


# --- the seven service abilities, and staff on teams ----------------------------

Period = Annotated[StrictStr, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="A month, YYYY-MM")]
AbilityScore = Annotated[float, Field(ge=1, le=5)]
NOTE_MAX = 1000
AbilityName = Literal[ABILITIES]

AbilityScores = create_model("AbilityScores", __base__=Body,
                             __doc__="Each ability's score: the mean of its behaviours' ratings (1-5)",
                             **{a: (AbilityScore, ...) for a in ABILITIES})
MemberAbilities = create_model("MemberAbilities", __base__=Body, __doc__="Each ability's score, 1-5",
                               **{a: (AbilityScore | None, ...) for a in ABILITIES})


class AbilityRatingIn(RequestBody):
    """A rating of the seven abilities for one month: every behaviour of the scorecard, 1-5."""

    TITLES: ClassVar[dict[str, str]] = {"ratings": "Invalid ratings", "period": "Invalid period",
                                        "note": "Invalid note"}
    NOUN: ClassVar[str] = "rating"

    ratings: dict[str, StrictInt] = Field(
        description="Every item id of the service-abilities scorecard -> a whole number on its scale (1-5)")
    period: StrictStr = Field(description="The month rated, YYYY-MM, not after the current month "
                                          "in the centre's time zone")
    note: Annotated[StrictStr, Field(max_length=NOTE_MAX)] | None = Field(None, description="Optional")


class AbilityRating(Body):
    """A stored rating, scored."""

    id: Id
    period: Period
    source: Literal["staff", "self"] = Field(description="staff: a trainer or QC; self: the agent")
    abilities: AbilityScores
    overall: AbilityScore = Field(description="The mean of the seven ability scores")


class AbilityStat(Body):
    n: Count
    mean: AbilityScore | None
    sd: Annotated[float, Field(ge=0)] | None = Field(description="Sample SD (n - 1); null below 2 ratings")
    cv: Annotated[float, Field(ge=0)] | None = Field(description="SD / mean; null with the SD")


TeamAbilityStats = create_model("TeamAbilityStats", __base__=Body, __doc__="Per ability",
                                **{a: (AbilityStat, ...) for a in ABILITIES})


class AbilityTrendPoint(Body):
    period: Period
    abilities: dict[AbilityName, AbilityScore] = Field(description="Team means of that month")


class MemberAbilityRow(Body):
    agent_id: Id
    name: StrictStr
    abilities: MemberAbilities | None = Field(description="Their latest staff rating in the month")
    self_: MemberAbilities | None = Field(alias="self", description="Their latest self-rating in the month or before")
    gap: dict[AbilityName, Annotated[float, Field(ge=-4, le=4)]] | None = Field(description="Self minus staff")


class TeamAbilities(Body):
    """Over each member's latest staff rating in the month."""

    period: Period
    n: Count = Field(description="Members with a staff rating in the month")
    abilities: TeamAbilityStats
    weakest: AbilityName | None = Field(description="The lowest mean (null without ratings)")
    trend: list[AbilityTrendPoint] = Field(description="Team means per month up to this one, oldest first")
    members: list[MemberAbilityRow]


class StaffIn(RequestBody):
    """A colleague added to a team by their username."""

    TITLES: ClassVar[dict[str, str]] = {"username": "Invalid username", "role": "Invalid role"}
    NOUN: ClassVar[str] = "staff member"

    username: Annotated[StrictStr, Field(min_length=1, max_length=80)]
    role: Literal["trainer", "qc"] = Field(description="trainer: works with the team; qc: sees and rates it, "
                                                       "never changes or removes it")


class TeamStaffMember(Body):
    team_id: Id
    username: StrictStr
    role: Literal["trainer", "qc"]


class TeamStaffRemoved(Body):
    team_id: Id
    username: StrictStr
    removed: bool = Field(description="False when the account was not on the team's staff (nothing changed)")
# (end of the abilities section)


# --- calls as evidence: call transcripts, their figures, the observed style -------------

from .calls import FORMATS  # noqa: E402  (the formats the core parses)
from .calls.metrics import PACE_UNITS  # noqa: E402

CALL_BYTES_MAX = 2 * 1024 * 1024  # a request body (or an uploaded file) carrying one call
CALL_SPEAKERS = ("agent", "customer")
FINDING_KINDS = ("banned", "empathy", "question")
CALL_FIGURES = ("talk_share", "pace", "longest_monologue_s", "interruptions", "silences", "longest_silence_s",
                "response_gap_s", "questions", "open_questions", "closed_questions", "empathy", "banned")
Seconds = Annotated[float, Field(ge=0)]


class CallIn(RequestBody):
    """One call transcript, as the recording or speech-analytics system exported it."""

    TITLES: ClassVar[dict[str, str]] = {
        "transcript": "Invalid transcript", "format": "Unknown format", "agent_speaker": "Invalid agent_speaker",
        "lang": "Invalid lang", "called_at": "Invalid called_at",
    }
    NOUN: ClassVar[str] = "call"

    transcript: Annotated[StrictStr, Field(min_length=1)] = Field(
        description="The file's text: plain text (坐席：/客户： or Agent:/Customer: lines, optional [mm:ss]), "
                    "WebVTT, SRT, or JSON (Zhiji segments, WhisperX-style segments, ASR sentences in ms)")
    format: Literal[FORMATS] | None = Field(None, description="Force a format; detected from the content when left out")
    agent_speaker: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = Field(
        None, description="Which speaker label (or channel number) is the agent, where the transcript names "
                          "speakers by label or channel; without it such a transcript is a 400 listing the labels")
    lang: Lang | None = Field(None, description="The call's language; detected from the text when left out")
    called_at: Timestamp | None = Field(
        None, description="When the call took place (RFC 3339; without an offset, the centre's local time); "
                          "default: now")


class CallMetrics(Body):
    """One call's figures; timing figures are null for a transcript without times."""

    talk_share: Annotated[float, Field(ge=0, le=1)] | None = Field(
        description="Agent speaking time / (agent + customer speaking time)")
    pace: Annotated[float, Field(ge=0)] | None = Field(description="Agent speech per minute of agent speaking time")
    pace_unit: Literal[tuple(sorted(set(PACE_UNITS.values())))] = Field(
        description="What pace counts: CJK characters a minute (Chinese) or words a minute (English)")
    longest_monologue_s: Seconds | None = Field(description="The longest agent turn, first start to last end")
    interruptions: Count | None = Field(
        description="Agent segments starting 1 s or more before the end of an earlier customer segment, "
                    "with at least 4 CJK characters or 2 words")
    silences: Count | None = Field(description="Gaps of 3 s or more inside the call")
    longest_silence_s: Seconds | None
    response_gap_s: Seconds | None = Field(description="Mean wait from a customer turn's end to the agent's reply")
    questions: Count
    open_questions: Count
    closed_questions: Count
    empathy: Count = Field(description="Agent lines that acknowledge, apologise, validate or reassure")
    banned: Count = Field(description="Banned phrases (忌语) the agent said")


class CallFinding(Body):
    kind: Literal[FINDING_KINDS]
    segment: Count = Field(description="The segment's index in segments, from 0")
    text: StrictStr = Field(description="What was said (masked), or the banned phrase")
    instead: StrictStr | None = Field(description="For a banned phrase: the standard wording (规范用语) to say instead")


class CallCue(Body):
    cue: StrictStr = Field(description="A cue id of the caller identifier (GET /caller-cues)")
    option: StrictStr = Field(description="The option heard")


class CallCustomer(Body):
    """The customer's type as their words suggest it (the caller-cue data)."""

    reading: Style | None = Field(description="A customer type, or null when the cues do not settle both axes")
    cues: list[CallCue] = Field(description="The caller cues heard in the customer's speech")


class CallAnalysed(Body):
    """A stored call and what was found in it."""

    id: Id
    agent_id: Id
    format: Literal[FORMATS]
    lang: Lang
    timed: bool = Field(description="False for a transcript without times: then timing figures are null")
    metrics: CallMetrics
    findings: list[CallFinding]
    customer: CallCustomer


class CallSegment(Body):
    speaker: Literal[CALL_SPEAKERS]
    start: Seconds | None
    end: Seconds | None
    text: StrictStr = Field(description="Masked: phone, ID and card numbers keep only their last 4 digits")


class CallDetail(CallAnalysed):
    segments: list[CallSegment]


class CallListItem(Body):
    id: Id
    called_at: Timestamp
    metrics: CallMetrics


class ObservedStyle(Body):
    """How the member comes across on calls, on the questionnaire's two axes."""

    calls: Count = Field(description="Calls stored for the member")
    axes: OthersAxes | None = Field(description="Null below 5 calls with timing")
    style: Style | None


class AgentCalls(Body):
    calls: list[CallListItem] = Field(description="Newest first")
    observed: ObservedStyle


class FigureStat(Body):
    n: Count = Field(description="Members with the figure in the month")
    mean: float | None
    sd: Annotated[float, Field(ge=0)] | None = Field(description="Sample SD over members' means; null below 2")
    cv: Annotated[float, Field(ge=0)] | None = Field(description="SD / mean; null with the SD or a zero mean")


CallMeans = create_model("CallMeans", __base__=Body, __doc__="The member's mean of each figure in the month",
                         **{f: (float | None, ...) for f in CALL_FIGURES})
CallFigureStats = create_model("CallFigureStats", __base__=Body, __doc__="Over members' means, per figure",
                               **{f: (FigureStat, ...) for f in CALL_FIGURES})


class TeamCallMember(Body):
    agent_id: Id
    calls: Count
    metrics: CallMeans


class BannedCount(Body):
    phrase: StrictStr
    instead: StrictStr | None = Field(description="The standard wording to say instead")
    count: Count


class TeamCalls(Body):
    period: Period
    members: list[TeamCallMember] = Field(description="Members with a call in the month, in name order")
    metrics: CallFigureStats
    banned: list[BannedCount] = Field(description="Most frequent first")
    pace_unit: Literal[tuple(sorted(set(PACE_UNITS.values())))] = Field(
        description="Pace is averaged over the calls in the team's main language only, in this unit")
# (end of the calls section)
