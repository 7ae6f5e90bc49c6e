"""How others see me: observer ratings -> the others' view. Pure: no Flask, no storage.

Colleagues (peers) and team leads answer the observer form
(``questionnaires/communication-style-observer.toml``, ``kind = "observer"``) about an
agent. This module scores one rater's answers, puts the answered ratings together into
the others' view the pages and the API show, words the gap between self and others,
bands versatility and picks practices, and sums a team up for the trainer dashboard.
The words live in ``questionnaires/others/coaching.toml``, read by ``load_coaching``.

Scoring one rater (``score_rating``)
    Exactly as the self form is scored (assessment.scoring): each answer keyed (a
    ``minus`` item counts as min + max - answer), and each scale, assertiveness,
    responsiveness and versatility, is the mean keyed answer of its items stretched
    linearly to 0-100 (50 = the middle of the answer scale), rounded to 1 decimal.
    Every item may be answered "can't say" (None; JSON null in the API): a colleague
    cannot know everything, and a guess is worse than no answer. The mean is then over
    the answered items of the scale. A scale with fewer than half of its items answered
    (``min_answered``) says too little to score, and the whole rating is refused
    (``TooFewAnswered``, naming each such scale), so every stored rating has all three
    scores.

Anonymity (``others_view``)
    Peer ratings are only ever shown as their mean over whole groups of ``MIN_RATERS``
    (3): the first 3k peer ratings in answer order, k = floor(answered / 3). Shown at 3,
    unchanged at 4 and 5, recomputed at 6, 9, ...: a single answer never moves a figure
    on its own, so no difference between two views isolates one colleague. ``others``
    holds ``n`` (the ratings used), ``received``, ``next_update`` and the means,
    nothing per peer, and is null below the threshold. Lead ratings are not anonymous: each is listed apart
    under ``leads`` with the rater's label (their role) and never enters the peer mean,
    so a lead alone never makes ``others`` appear. ``invited`` and ``answered`` count
    all links, peer and lead. Callers must not show or store anything else per peer.

Thresholds
    * gap per axis = others - self. ``|gap| < CLOSE_GAP_BELOW`` (10 points) reads as
      "close"; 10 or more is "higher" (others rate you higher than you do), -10 or less
      "lower".
    * versatility band: under 40 ``low``, 40 to under 65 ``moderate``, 65 and above
      ``high`` (``versatility_band``).
    * practices: the first three practices of the person's band, in file order
      (``versatility_practices``). Band-based because a view holds only the mean
      versatility, never a peer's item answers.
    * team: the average versatility is the mean of the members' peer means, over members
      with the threshold met; "differs most" is the member with the largest Euclidean
      self-others distance sqrt(gap_a^2 + gap_r^2), among members with the threshold met
      and a self result (ties: the first in the order given).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Hashable, Iterable, Mapping, Sequence

from .model import AXES, LANGS, STYLES, VERSATILITY
from .questionnaire import ITEM_ID_RE, Questionnaire, QuestionnaireError, Text, at_most, Reader, shown, read_toml
from .scoring import AnswerError, axis_scores, check_answers, profile_from_axes

CANT_SAY = None  # a "can't say" answer, as answers hold it (null in the API's JSON)
MIN_ANSWERED_SHARE = 0.5  # of a scale's items, answered (not "can't say"), to score it

MIN_RATERS = 3  # answered peer links needed before peers are shown, as a mean
RELATIONS = ("peer", "lead")

DIRECTIONS = ("higher", "lower", "close")  # others vs self on one axis
CLOSE_GAP_BELOW = 10.0

BANDS = ("low", "moderate", "high")
VERSATILITY_LOW_BELOW = 40.0
VERSATILITY_MODERATE_BELOW = 65.0

PRACTICES_SHOWN = 3
MIN_PRACTICES = 6
MIN_COACHING = {"higher": 2, "lower": 2, "close": 1}

COACHING_FILE = "coaching.toml"
# Length limits: (zh characters, en words).
COACHING_MAX = (40, 25)  # a coaching line, and the plain-words gap sentence
READING_MAX = (80, 50)  # a band's one-line reading
PRACTICE_MAX = (60, 40)
NAME_MAX = (10, 5)

_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_PUNCT_ZH = re.compile(r"[,!?;()]|[\u3400-\u9fff][.:]")


# --- scoring one rater ----------------------------------------------------------


@dataclass(frozen=True)
class RaterScores:
    """One rater's view of one person: the two style axes and versatility, each 0-100."""

    axes: Mapping[str, float]  # assertiveness, responsiveness
    versatility: float

    def as_dict(self) -> dict:
        return {"axes": dict(self.axes), "versatility": self.versatility}


class TooFewAnswered(AnswerError):
    """Scales with too many "can't say" answers to score: scale -> what is wrong."""


def min_answered(q: Questionnaire) -> dict[str, int]:
    """How many items of each scale must be answered (not "can't say"): half, rounded up."""
    return {axis: math.ceil(MIN_ANSWERED_SHARE * len(ids)) for axis, ids in q.axis_items.items()}


def too_few_answered(q: Questionnaire, answers: Mapping[str, object]) -> dict[str, str]:
    """Each scale with fewer than min_answered items answered, and how far short it is."""
    short = {}
    for axis, needed in min_answered(q).items():
        ids = q.axis_items[axis]
        given = sum(answers.get(i) is not CANT_SAY for i in ids)
        if given < needed:
            short[axis] = (f"{given} of its {len(ids)} statements answered ({len(ids) - given} can't say); "
                           f"answer at least {needed} to rate {axis}")
    return short


def score_rating(q: Questionnaire, answers: Mapping[str, object]) -> RaterScores:
    """Score one observer form. Bad answers raise AnswerError naming each item; too many
    "can't say" answers on a scale raise TooFewAnswered naming each such scale."""
    if q.kind != "observer" or not q.axis_items.get(VERSATILITY):
        raise ValueError(f"'{q.slug}' is not an observer form (kind '{q.kind}')")
    problems = check_answers(q, answers)
    if problems:
        raise AnswerError(problems)
    short = too_few_answered(q, answers)
    if short:
        raise TooFewAnswered(short)
    scores = axis_scores(q, answers)
    return RaterScores(
        axes={axis: scores[axis] for axis in AXES},
        versatility=scores[VERSATILITY],
    )


# --- the others' view -------------------------------------------------------------


def _score(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _point(axes: Mapping[str, object], what: str) -> dict[str, float]:
    if not isinstance(axes, Mapping):
        raise ValueError(f"{what} must map {' and '.join(AXES)} to scores")
    missing = [axis for axis in AXES if axis not in axes]
    if missing:
        raise ValueError(f"{what} has no score for {', '.join(missing)}")
    return {axis: round(_score(axes[axis], f"{what}['{axis}']"), 1) for axis in AXES}


@dataclass(frozen=True)
class Rating:
    """One answered link: who rated (peer or lead) and their scores."""

    relation: str  # "peer" or "lead"
    rater_label: str  # a lead's role or name as shown ("Team lead"); never shown for a peer
    axes: Mapping[str, float]
    versatility: float

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r} (expected one of {', '.join(RELATIONS)})")
        if not isinstance(self.rater_label, str):
            raise ValueError("rater_label must be a string")
        if self.relation == "lead" and not self.rater_label.strip():
            raise ValueError("a lead's rating needs a rater_label: leads are shown with their role")
        _point(self.axes, "axes")
        _score(self.versatility, "versatility")

    @classmethod
    def of(cls, relation: str, rater_label: str, scores: RaterScores) -> Rating:
        return cls(relation=relation, rater_label=rater_label, axes=dict(scores.axes),
                   versatility=scores.versatility)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return round(math.fsum(values) / len(values), 1)


def peers_used(answered: int) -> int:
    """How many peer ratings the figures use: whole groups of MIN_RATERS (0 below it)."""
    return answered - answered % MIN_RATERS


def _peer_aggregate(peers: Sequence[Rating]) -> dict | None:
    """The peers as one anonymous mean over the first whole groups of MIN_RATERS in
    answer order, or None below MIN_RATERS. Between two multiples of MIN_RATERS the
    figures do not move, so one more answer never shows by how much it moved them."""
    used = peers[:peers_used(len(peers))]
    if not used:
        return None
    axes = {axis: _mean(_score(p.axes[axis], axis) for p in used) for axis in AXES}
    return {
        "n": len(used),
        "received": len(peers),
        "next_update": len(used) + MIN_RATERS,
        "axes": axes,
        "versatility": _mean(_score(p.versatility, "versatility") for p in used),
        "style": profile_from_axes(axes).style,
    }


def others_view(self_axes: Mapping[str, float] | None, self_style: str | None,
                ratings: Sequence[Rating], invited: int) -> dict:
    """The body of GET /api/v1/results/<token>/others.

    ``ratings`` are the answered links (peer and lead), ``invited`` all links. Returns
    ``{"invited", "answered", "min_raters", "self": {"axes", "style"}, "others",
    "leads", "gap"}``: ``self.axes`` and ``self.style`` are null without a self result
    (a missing style is worked out from the axes); ``others`` is null below MIN_RATERS
    answered peers; ``gap`` (others - self per axis) is null when either side is.
    Numbers are rounded to 1 decimal.
    """
    ratings = list(ratings)
    if not all(isinstance(r, Rating) for r in ratings):
        raise ValueError("ratings must be Rating objects")
    if isinstance(invited, bool) or not isinstance(invited, int) or invited < len(ratings):
        raise ValueError(f"invited ({invited!r}) must be a whole number no smaller than answered ({len(ratings)})")
    if self_style is not None and self_style not in STYLES:
        raise ValueError(f"unknown style {self_style!r}")

    self_point = None if self_axes is None else _point(self_axes, "self_axes")
    if self_point is None:
        self_style = None
    elif self_style is None:
        self_style = profile_from_axes(self_point).style

    others = _peer_aggregate([r for r in ratings if r.relation == "peer"])
    leads = []
    for r in ratings:
        if r.relation == "lead":
            axes = _point(r.axes, "axes")
            leads.append({
                "rater": r.rater_label,
                "axes": axes,
                "versatility": round(_score(r.versatility, "versatility"), 1),
                "style": profile_from_axes(axes).style,
            })
    gap = None
    if others is not None and self_point is not None:
        gap = {axis: round(others["axes"][axis] - self_point[axis], 1) for axis in AXES}
    return {
        "invited": invited,
        "answered": len(ratings),
        "min_raters": MIN_RATERS,
        "self": {"axes": self_point, "style": self_style},
        "others": others,
        "leads": leads,
        "gap": gap,
    }


def gap_direction(gap: float) -> str:
    """'close' under CLOSE_GAP_BELOW points either way, else 'higher' or 'lower' (others vs self)."""
    gap = _score(gap, "gap")
    if abs(gap) < CLOSE_GAP_BELOW:
        return "close"
    return "higher" if gap > 0 else "lower"


def gap_words(gap: Mapping[str, float] | None, content: OthersContent, lang: str) -> list[dict]:
    """The gap in plain words, one entry per axis:
    ``{"axis", "direction", "gap", "text", "coaching": [str, ...]}`` in ``lang``; [] without a gap."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (expected one of {', '.join(LANGS)})")
    if gap is None:
        return []
    point = _point(gap, "gap")
    words = []
    for axis in AXES:
        direction = gap_direction(point[axis])
        entry = content.gaps[(axis, direction)]
        words.append({
            "axis": axis,
            "direction": direction,
            "gap": point[axis],
            "text": entry.text.get(lang),
            "coaching": [line.get(lang) for line in entry.coaching],
        })
    return words


def versatility_band(versatility: float) -> str:
    """'low' under 40, 'moderate' under 65, else 'high'."""
    v = _score(versatility, "versatility")
    if v < VERSATILITY_LOW_BELOW:
        return "low"
    if v < VERSATILITY_MODERATE_BELOW:
        return "moderate"
    return "high"


def versatility_practices(content: OthersContent, band_or_score: str | float) -> tuple[VersatilityPractice, ...]:
    """Three practices to raise versatility: the first three of the band (a band name,
    or a versatility score whose band is used), in file order."""
    band = band_or_score if isinstance(band_or_score, str) else versatility_band(band_or_score)
    if band not in BANDS:
        raise ValueError(f"unknown band {band!r} (expected one of {', '.join(BANDS)})")
    return tuple(p for p in content.practices if p.band == band)[:PRACTICES_SHOWN]


# --- the team, for the trainer dashboard -------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    member: Hashable  # whatever names the member to the caller (an id, a name); passed through
    self_axes: Mapping[str, float] | None
    self_style: str | None
    ratings: Sequence[Rating]
    invited: int


def team_others(members: Sequence[TeamMember]) -> dict:
    """Self vs others for each member, the team's average versatility, and who differs most.

    Returns ``{"members": [...], "rated": int, "versatility": float | None,
    "versatility_band": str | None, "differs_most": None | {"member", "distance", "gap"}}``.
    Each member entry is ``others_view`` for them plus ``"member"`` and ``"distance"``
    (the Euclidean self-others distance, null without a gap); ``others`` is null where
    the threshold is not met, so nothing below it is shown. ``rated`` counts members with
    the threshold met; ``versatility`` is the mean of their peer means (null if none).
    """
    entries = []
    for m in members:
        view = others_view(m.self_axes, m.self_style, m.ratings, m.invited)
        gap = view["gap"]
        distance = None if gap is None else round(math.hypot(*(gap[axis] for axis in AXES)), 1)
        entries.append({"member": m.member, **view, "distance": distance})

    rated = [e for e in entries if e["others"] is not None]
    versatility = _mean(e["others"]["versatility"] for e in rated) if rated else None
    differs_most = None
    for e in entries:
        if e["distance"] is not None and (differs_most is None or e["distance"] > differs_most["distance"]):
            differs_most = {"member": e["member"], "distance": e["distance"], "gap": dict(e["gap"])}
    return {
        "members": entries,
        "rated": len(rated),
        "versatility": versatility,
        "versatility_band": None if versatility is None else versatility_band(versatility),
        "differs_most": differs_most,
    }


# --- content: questionnaires/others/coaching.toml -----------------------------------


@dataclass(frozen=True)
class GapWords:
    axis: str
    direction: str  # higher, lower, close
    text: Text  # the plain-words sentence
    coaching: tuple[Text, ...]  # what it means on calls


@dataclass(frozen=True)
class Band:
    key: str
    name: Text
    reading: Text


@dataclass(frozen=True)
class VersatilityPractice:
    id: str
    band: str
    name: Text
    text: Text


@dataclass(frozen=True)
class OthersContent:
    gaps: Mapping[tuple[str, str], GapWords]  # (axis, direction) -> words
    bands: Mapping[str, Band]
    practices: tuple[VersatilityPractice, ...]


class _CoachingReader(Reader):
    """The questionnaire reader plus language checks and length limits."""

    def text(self, data: Any, where: str) -> Text:
        text = super().text(data, where)
        if text.en and _CJK.search(text.en):
            self.problem(where, "'en' contains Chinese characters")
        if text.zh and not _CJK.search(text.zh):
            self.problem(where, "'zh' has no Chinese characters")
        if _ASCII_PUNCT_ZH.search(text.zh):
            self.problem(where, "'zh' uses ASCII punctuation (use ，。？！：；（）)")
        return text

    def limited(self, data: Any, where: str, limits: tuple[int, int]) -> Text:
        text = self.text(data, where)
        zh_max, en_max = limits
        if len(text.zh) > zh_max:
            self.problem(where, f"'zh' is {len(text.zh)} characters (at most {zh_max})")
        words = len(text.en.split())
        if words > en_max:
            self.problem(where, f"'en' is {words} words (at most {en_max})")
        return text

    def unknown(self, table: Mapping, allowed: Iterable[str], where: str, what: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                self.problem(where, f"unknown {what} '{shown(key)}' (expected one of {', '.join(allowed)})")


def load_coaching(path: str | Path) -> OthersContent:
    """Read and check the others' view content: the file, or the folder holding coaching.toml.

    Every problem raises together as QuestionnaireError, each as "<file>: <entry>: <problem>".
    """
    path = Path(path)
    if path.is_dir():
        path = path / COACHING_FILE
    source = f"{path.parent.name}/{path.name}" if path.parent.name else path.name
    data = read_toml(path, source)

    r = _CoachingReader(source)
    r.unknown(data, ("gaps", "bands", "practices"), "file", "section")
    gaps = _read_gaps(r, data)
    bands = _read_bands(r, data)
    practices = _read_practices(r, data)
    if r.problems:
        raise QuestionnaireError(at_most(r.problems, source))
    return OthersContent(gaps=MappingProxyType(gaps), bands=MappingProxyType(bands), practices=practices)


def _read_gaps(r: _CoachingReader, data: dict) -> dict[tuple[str, str], GapWords]:
    table = r.table(data, "gaps", "gaps")
    r.unknown(table, AXES, "gaps", "axis")
    gaps = {}
    for axis in AXES:
        row = table.get(axis)
        if not isinstance(row, dict):
            r.problem(f"gaps.{axis}", "no words for this axis")
            continue
        r.unknown(row, DIRECTIONS, f"gaps.{axis}", "direction")
        for direction in DIRECTIONS:
            where = f"gaps.{axis}.{direction}"
            entry = row.get(direction)
            if not isinstance(entry, dict):
                r.problem(where, "missing (needs 'text' and 'coaching')")
                continue
            r.unknown(entry, ("text", "coaching"), where, "key")
            text = r.limited(entry.get("text"), f"{where}: text", COACHING_MAX)
            lines = entry.get("coaching")
            minimum = MIN_COACHING[direction]
            if not isinstance(lines, list) or len(lines) < minimum:
                r.problem(where, f"'coaching' needs a list of at least {minimum} lines")
                lines = []
            coaching = tuple(r.limited(line, f"{where}: coaching[{i}]", COACHING_MAX)
                             for i, line in enumerate(lines, start=1))
            gaps[(axis, direction)] = GapWords(axis=axis, direction=direction, text=text, coaching=coaching)
    return gaps


def _read_bands(r: _CoachingReader, data: dict) -> dict[str, Band]:
    table = r.table(data, "bands", "bands")
    r.unknown(table, BANDS, "bands", "band")
    bands = {}
    for key in BANDS:
        where = f"band '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no content for this band (needs 'name' and 'reading')")
            continue
        r.unknown(entry, ("name", "reading"), where, "key")
        bands[key] = Band(
            key=key,
            name=r.limited(entry.get("name"), f"{where}: name", NAME_MAX),
            reading=r.limited(entry.get("reading"), f"{where}: reading", READING_MAX),
        )
    return bands


def _read_practices(r: _CoachingReader, data: dict) -> tuple[VersatilityPractice, ...]:
    raw = data.get("practices")
    if not isinstance(raw, list):
        r.problem("practices", "missing [[practices]]" if raw is None else "'practices' must be a list of tables")
        return ()
    practices = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"practice '{shown(entry_id)}'" if isinstance(entry_id, str) else f"practice #{n}"
        if not isinstance(entry, dict):
            r.problem(where, "must be a table")
            continue
        if not isinstance(entry_id, str) or not ITEM_ID_RE.match(entry_id):
            r.problem(where, "missing or malformed 'id' (letters, digits, - and _; at most 32)")
            continue
        if entry_id in seen:
            r.problem(where, "duplicate id")
            continue
        seen.add(entry_id)
        r.unknown(entry, ("id", "band", "name", "text"), where, "key")
        practices.append(VersatilityPractice(
            id=entry_id,
            band=r.choice(entry, "band", where, BANDS, "band"),
            name=r.limited(entry.get("name"), f"{where}: name", NAME_MAX),
            text=r.limited(entry.get("text"), f"{where}: text", PRACTICE_MAX),
        ))
    if len(practices) < MIN_PRACTICES:
        r.problem("practices", f"needs at least {MIN_PRACTICES} practices (found {len(practices)})")
    for band in BANDS:
        count = sum(p.band == band for p in practices)
        if count < PRACTICES_SHOWN:
            r.problem("practices", f"band '{band}' needs at least {PRACTICES_SHOWN} practices (found {count})")
    return tuple(practices)
