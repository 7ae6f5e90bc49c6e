"""Load questionnaire files (TOML) into frozen dataclasses, refusing anything broken.

A questionnaire file carries its items, its answer scale and all the content the
result page shows (style descriptions, coaching, the 4 x 4 customer tips), in both
languages. A file that is wrong in any way raises QuestionnaireError listing every
problem with the file and the item it concerns, so the app never starts half-loaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .model import ABILITIES, AXES, LANGS, STYLES, VERSATILITY

KEYINGS = ("plus", "minus")
# self: an agent describes themself (items on the two axes, with all the style content);
# observer: someone rates an agent (the two axes plus versatility, no content of its own);
# rating: a scorecard of behaviours, each under one ability, with anchors for 1, 3 and 5.
KINDS = ("self", "observer", "rating")
KIND_AXES = {"self": AXES, "observer": AXES + (VERSATILITY,), "rating": ()}
ABOUT = ("call", "team")  # what an item describes: customer calls, or work with the team
ANCHOR_POINTS = ("1", "3", "5")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class QuestionnaireError(Exception):
    """Every problem found in one or more questionnaire files, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Text:
    """One piece of text in every language the tool speaks."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True)
class Item:
    id: str
    axis: str | None  # None on a rating scorecard, whose items have an ability instead
    keyed: str
    text: Text
    mirror: str | None = None
    about: str | None = None
    ability: str | None = None
    anchors: Mapping[str, Text] | None = None  # "1", "3", "5" -> what that score sounds like


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    labels: tuple[Text, ...]
    # The label of a "can't say" answer, on forms about someone else (observer forms): a
    # rater who has not seen a behaviour says so rather than guess. None: every item needs
    # a point on the scale.
    cant_say: Text | None = None

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2


@dataclass(frozen=True)
class Practice:
    skill: str
    text: Text


@dataclass(frozen=True)
class StyleContent:
    """What a style means for an agent who has it."""

    key: str
    name: Text
    tagline: Text
    description: Text
    strengths: tuple[Text, ...]
    blind_spots: tuple[Text, ...]
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class CustomerType:
    """How a customer of a style sounds on a call, and what they need."""

    key: str
    recognise: tuple[Text, ...]
    needs: tuple[Text, ...]
    coverage: Text  # what a trainer can do when few team members fit this type


@dataclass(frozen=True)
class Tip:
    """One cell of the 4 x 4 grid: an agent of one style with a customer of another."""

    agent_style: str
    customer_type: str
    summary: Text
    dial_up: tuple[Text, ...]
    dial_down: tuple[Text, ...]
    say: tuple[Text, ...] = ()  # lines to say on a live call
    avoid: Text | None = None  # a line not to say ...
    instead: Text | None = None  # ... and what to say instead


@dataclass(frozen=True)
class Reliability:
    """How precisely an axis measures: what confidence in a result is computed from.

    alpha is the scale's reliability; mean and sd describe how its 0-100 scores spread
    (from the simulation in benchmarks/psychometrics.py until live figures replace them)."""

    alpha: float
    mean: float
    sd: float


@dataclass(frozen=True)
class AbilityContent:
    """One of the seven service abilities: its name and how to practise it."""

    key: str
    name: Text
    description: Text
    practices: tuple[Text, ...]


@dataclass(frozen=True)
class Questionnaire:
    slug: str
    version: int
    title: Text
    description: Text
    scale: Scale
    items: tuple[Item, ...]
    page_size: int
    skills: Mapping[str, Text]
    styles: Mapping[str, StyleContent]
    customers: Mapping[str, CustomerType]
    tips: Mapping[tuple[str, str], Tip]
    kind: str = "self"
    reliability: Mapping[str, Reliability] = field(default_factory=lambda: MappingProxyType({}))
    abilities: Mapping[str, AbilityContent] = field(default_factory=lambda: MappingProxyType({}))

    def item(self, item_id: str) -> Item:
        return self._by_id[item_id]

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    @cached_property
    def item_ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.items)

    @cached_property
    def reverse_keyed(self) -> frozenset[str]:
        return frozenset(item.id for item in self.items if item.keyed == "minus")

    @cached_property
    def mirror_pairs(self) -> tuple[tuple[str, str], ...]:
        """Each pair of opposite statements once: the contradiction check reads them."""
        return tuple(sorted({tuple(sorted((i.id, i.mirror))) for i in self.items if i.mirror}))

    @cached_property
    def axis_items(self) -> dict[str, tuple[str, ...]]:
        """Item ids by axis, for every axis this kind of questionnaire has."""
        return {axis: tuple(i.id for i in self.items if i.axis == axis) for axis in KIND_AXES[self.kind]}

    @cached_property
    def axis_keying(self) -> dict[str, tuple[tuple[str, bool], ...]]:
        """(item id, reverse-keyed?) by axis: what scoring walks for every submission."""
        return {axis: tuple((i, i in self.reverse_keyed) for i in ids) for axis, ids in self.axis_items.items()}

    @cached_property
    def ability_items(self) -> dict[str, tuple[str, ...]]:
        """Item ids by ability, on a rating scorecard (empty elsewhere)."""
        if self.kind != "rating":
            return {}
        return {a: tuple(i.id for i in self.items if i.ability == a) for a in ABILITIES}

    @cached_property
    def pages(self) -> tuple[tuple[Item, ...], ...]:
        """Items in presentation order, cut into pages a phone screen can hold."""
        n = self.page_size
        return tuple(self.items[i : i + n] for i in range(0, len(self.items), n))


class Reader:
    """Walks the parsed TOML, collecting problems instead of stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, what: str) -> None:
        self.problems.append(f"{self.source}: {where}: {what}")

    def table(self, data: Any, key: str, where: str) -> dict:
        value = data.get(key) if isinstance(data, dict) else None
        if not isinstance(value, dict):
            self.problem(where, f"missing table '{key}'" if value is None else f"'{key}' must be a table")
            return {}
        return value

    def integer(self, data: dict, key: str, where: str, default: int | None = None) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, f"'{key}' must be a whole number" if value is not None else f"missing '{key}'")
            return 0
        return value

    def string(self, data: dict, key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"missing '{key}'" if value is None else f"'{key}' must be a non-empty string")
            return ""
        return value

    def choice(self, data: dict, key: str, where: str, allowed: tuple[str, ...], what: str) -> str:
        value = data.get(key)
        if value is None:
            self.problem(where, f"missing '{key}'")
        elif value not in allowed:
            self.problem(where, f"unknown {what} '{shown(value)}' (expected one of {', '.join(allowed)})")
        else:
            return value
        return allowed[0]

    def text(self, data: Any, where: str) -> Text:
        """A {en, zh} table; a missing or empty language is a missing translation."""
        if not isinstance(data, dict):
            self.problem(where, "missing text (expected a table with 'en' and 'zh')")
            return Text("", "")
        for lang in LANGS:
            value = data.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.problem(where, f"missing translation '{lang}'")
        for extra in sorted(set(data) - set(LANGS) - {"skill"}):
            self.problem(where, f"unknown language '{shown(extra)}' (expected {', '.join(LANGS)})")
        return Text(en=str(data.get("en", "")), zh=str(data.get("zh", "")))

    def texts(self, data: dict, key: str, where: str, minimum: int = 1) -> tuple[Text, ...]:
        value = data.get(key)
        if not isinstance(value, list) or len(value) < minimum:
            self.problem(where, f"'{key}' needs a list of at least {minimum} texts")
            return ()
        return tuple(self.text(entry, f"{where}: {key}[{i + 1}]") for i, entry in enumerate(value))


def read_toml(path: Path, source: str | None = None) -> dict:
    """A data file parsed, or QuestionnaireError saying what is wrong with it as a file.

    Every content file (questionnaires, caller content, coaching, readings) is read here,
    so a broken one is reported the same way whichever it is."""
    source = source or path.name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise QuestionnaireError([f"{source}: missing file (expected in {path.parent})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise QuestionnaireError([f"{source}: not valid TOML: {exc}"]) from None
    except OSError as exc:
        raise QuestionnaireError([f"{source}: cannot read: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise QuestionnaireError([f"{source}: not valid UTF-8"]) from None
    except RecursionError:
        raise QuestionnaireError([f"{source}: tables or arrays nested too deeply"]) from None


def load_questionnaire(path: str | Path) -> Questionnaire:
    path = Path(path)
    source = path.name
    data = read_toml(path)
    r = Reader(source)
    slug = r.string(data, "slug", "questionnaire")
    if slug and not SLUG_RE.match(slug):
        r.problem("questionnaire", f"slug '{shown(slug)}' must be lowercase letters, digits and hyphens")
    version = r.integer(data, "version", "questionnaire")
    if isinstance(data.get("version"), int) and version < 1:
        r.problem("questionnaire", "'version' must be 1 or more")
    title = r.text(data.get("title"), "title")
    description = r.text(data.get("description"), "description")
    page_size = r.integer(data, "page_size", "questionnaire", default=8)
    if page_size < 1:
        r.problem("questionnaire", "'page_size' must be 1 or more")
        page_size = 8

    kind = data.get("kind", "self")
    if kind not in KINDS:
        r.problem("questionnaire", f"unknown kind '{shown(kind)}' (expected one of {', '.join(KINDS)})")
        kind = "self"
    scale = _read_scale(r, data, kind)
    items = _read_items(r, data, kind)
    skills, styles, customers, tips, abilities, reliability = {}, {}, {}, {}, {}, {}
    if kind == "self":  # the style content every result page shows
        skills = {
            key: r.text(value, f"skill '{shown(key)}'")
            for key, value in r.table(data, "skills", "questionnaire").items()
        }
        styles = _read_styles(r, data, skills)
        customers = _read_customers(r, data)
        tips = _read_tips(r, data)
        reliability = _read_reliability(r, data)
    elif kind == "rating":
        abilities = _read_abilities(r, data)

    if r.problems:
        raise QuestionnaireError(at_most(r.problems, source))
    return Questionnaire(
        slug=slug,
        version=version,
        title=title,
        description=description,
        scale=scale,
        items=items,
        page_size=page_size,
        skills=MappingProxyType(skills),
        styles=MappingProxyType(styles),
        customers=MappingProxyType(customers),
        tips=MappingProxyType(tips),
        kind=kind,
        reliability=MappingProxyType(reliability),
        abilities=MappingProxyType(abilities),
    )


MAX_PROBLEMS = 50


def at_most(problems: list[str], source: str) -> list[str]:
    """A file broken everywhere should still give a message a person can read."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return problems[:MAX_PROBLEMS] + [f"{source}: ... and {len(problems) - MAX_PROBLEMS} more problems"]


def shown(value: object, limit: int = 60) -> str:
    """A value echoed in an error, cut short: the file may hold anything."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_all(directory: str | Path) -> dict[str, Questionnaire]:
    """Every *.toml in the directory, by slug; all files are checked before failing."""
    directory = Path(directory)
    found: dict[str, Questionnaire] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            q = load_questionnaire(path)
        except QuestionnaireError as exc:
            problems.extend(exc.problems)
            continue
        if q.slug in found:
            problems.append(f"{path.name}: questionnaire: slug '{q.slug}' is already used by another file")
            continue
        found[q.slug] = q
    if not found and not problems:
        problems.append(f"{directory}: no questionnaire files (*.toml) found")
    if problems:
        raise QuestionnaireError(problems)
    return found


ARCHIVE = "archive"


def load_versions(directory: str | Path, current: Mapping[str, Questionnaire]) -> dict[tuple[str, int], Questionnaire]:
    """Every version a stored result may name, by (slug, version): the current files plus
    earlier versions kept in `archive/`, so a result keeps the items and content it was
    given even after its questionnaire moved on."""
    versions = {(q.slug, q.version): q for q in current.values()}
    problems: list[str] = []
    for path in sorted((Path(directory) / ARCHIVE).glob("*.toml")):
        try:
            q = load_questionnaire(path)
        except QuestionnaireError as exc:
            problems.extend(f"{ARCHIVE}/{p}" for p in exc.problems)
            continue
        where = f"{ARCHIVE}/{path.name}: questionnaire"
        if q.slug not in current:
            problems.append(f"{where}: slug '{q.slug}' has no current file")
        elif q.version >= current[q.slug].version:
            problems.append(f"{where}: version {q.version} is not older than the current {current[q.slug].version}")
        elif (q.slug, q.version) in versions:
            problems.append(f"{where}: version {q.version} of '{q.slug}' is already archived")
        else:
            versions[(q.slug, q.version)] = q
    if problems:
        raise QuestionnaireError(problems)
    return versions


def _read_scale(r: Reader, data: dict, kind: str = "self") -> Scale:
    table = r.table(data, "scale", "scale")
    cant_say = None
    if "cant_say" in table:
        cant_say = r.text(table["cant_say"], "scale: cant_say")
        if kind != "observer":
            r.problem("scale", f"'cant_say' is only for observer forms (this one is kind '{kind}')")
    low = r.integer(table, "min", "scale")
    high = r.integer(table, "max", "scale")
    if table and high <= low:
        r.problem("scale", f"'max' ({high}) must be greater than 'min' ({low})")
        return Scale(low, high, ())
    labels = table.get("labels")
    count = high - low + 1
    if not isinstance(labels, dict):
        r.problem("scale", "missing 'labels' (one list per language)")
        return Scale(low, high, ())
    for lang in LANGS:
        value = labels.get(lang)
        if not isinstance(value, list) or len(value) != count or not all(isinstance(v, str) and v.strip() for v in value):
            r.problem("scale", f"labels '{lang}' must list {count} non-empty labels, one per value from {low} to {high}")
            return Scale(low, high, ())
    return Scale(low, high, tuple(Text(en=e, zh=z) for e, z in zip(labels["en"], labels["zh"])), cant_say)


def _read_items(r: Reader, data: dict, kind: str = "self") -> tuple[Item, ...]:
    raw = data.get("items")
    if not isinstance(raw, list) or not raw:
        r.problem("questionnaire", "missing [[items]]")
        return ()
    items: list[Item] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            r.problem(f"item #{n}", "must be a table")
            continue
        item_id = entry.get("id")
        where = f"item '{shown(item_id)}'" if isinstance(item_id, str) else f"item #{n}"
        if not isinstance(item_id, str) or not ITEM_ID_RE.match(item_id):
            r.problem(where, "missing or malformed 'id' (letters, digits, - and _; at most 32)")
            continue
        if item_id in seen:
            r.problem(where, "duplicate id")
            continue
        seen.add(item_id)
        text = r.text({k: entry.get(k) for k in LANGS if k in entry}, where)
        about = entry.get("about")
        if about is not None and about not in ABOUT:
            r.problem(where, f"unknown about '{shown(about)}' (expected one of {', '.join(ABOUT)})")
        if kind == "rating":
            items.append(Item(id=item_id, axis=None, keyed="plus", text=text, about=about,
                              ability=r.choice(entry, "ability", where, ABILITIES, "ability"),
                              anchors=_read_anchors(r, entry, where)))
            continue
        axis = r.choice(entry, "axis", where, KIND_AXES[kind], "axis")
        keyed = r.choice(entry, "keyed", where, KEYINGS, "keying")
        mirror = entry.get("mirror")
        if mirror is not None and not isinstance(mirror, str):
            r.problem(where, "'mirror' must be an item id")
            mirror = None
        items.append(Item(id=item_id, axis=axis, keyed=keyed, text=text, mirror=mirror, about=about))

    by_id = {item.id: item for item in items}
    for item in items:
        if item.mirror is None:
            continue
        twin = by_id.get(item.mirror)
        where = f"item '{item.id}'"
        if twin is None:
            r.problem(where, f"mirror '{shown(item.mirror)}' is not an item in this file")
        elif twin.mirror != item.id:
            r.problem(where, f"mirror '{twin.id}' does not name '{item.id}' as its mirror")
        elif twin.axis != item.axis:
            r.problem(where, f"mirror '{twin.id}' is on another axis ({twin.axis})")
        elif twin.keyed == item.keyed:
            r.problem(where, f"mirror '{twin.id}' must be keyed the other way (both are '{item.keyed}')")
    for axis in KIND_AXES[kind]:
        if not any(item.axis == axis for item in items):
            r.problem("questionnaire", f"no items for axis '{axis}'")
    if kind == "rating":
        for ability in ABILITIES:
            if sum(item.ability == ability for item in items) < 2:
                r.problem("questionnaire", f"ability '{ability}' needs at least 2 items")
    return tuple(items)


def _read_reliability(r: Reader, data: dict) -> dict[str, Reliability]:
    table = r.table(data, "reliability", "questionnaire")
    found = {}
    for axis in AXES:
        where = f"reliability '{axis}'"
        entry = table.get(axis)
        if not isinstance(entry, dict):
            r.problem(where, "missing (a table with alpha, mean and sd)")
            continue
        values = {k: entry.get(k) for k in ("alpha", "mean", "sd")}
        bad = [k for k, v in values.items() if isinstance(v, bool) or not isinstance(v, (int, float))]
        if bad:
            r.problem(where, f"{', '.join(bad)} must be numbers")
            continue
        if not 0 < values["alpha"] < 1 or not 0 <= values["mean"] <= 100 or not 0 < values["sd"] <= 50:
            r.problem(where, "alpha must lie between 0 and 1, mean within 0-100 and sd within 0-50")
            continue
        found[axis] = Reliability(float(values["alpha"]), float(values["mean"]), float(values["sd"]))
    return found


def _read_anchors(r: Reader, entry: dict, where: str) -> Mapping[str, Text]:
    """What a 1, a 3 and a 5 sound like on a call: what lets two raters agree."""
    table = entry.get("anchors")
    if not isinstance(table, dict):
        r.problem(where, "missing 'anchors' (a table with 1, 3 and 5)")
        return MappingProxyType({})
    for extra in sorted(set(table) - set(ANCHOR_POINTS)):
        r.problem(where, f"unknown anchor '{shown(extra)}' (expected {', '.join(ANCHOR_POINTS)})")
    return MappingProxyType({p: r.text(table.get(p), f"{where}: anchors.{p}") for p in ANCHOR_POINTS})


def _read_abilities(r: Reader, data: dict) -> dict[str, AbilityContent]:
    table = r.table(data, "abilities", "questionnaire")
    for key in table:
        if key not in ABILITIES:
            r.problem(f"abilities '{shown(key)}'", f"unknown ability (expected one of {', '.join(ABILITIES)})")
    abilities = {}
    for key in ABILITIES:
        where = f"ability '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no content for this ability")
            continue
        abilities[key] = AbilityContent(
            key=key,
            name=r.text(entry.get("name"), f"{where}: name"),
            description=r.text(entry.get("description"), f"{where}: description"),
            practices=r.texts(entry, "practices", where, minimum=3),
        )
    return abilities


def _unknown_keys(r: Reader, table: dict, what: str) -> None:
    for key in table:
        if key not in STYLES:
            r.problem(f"{what} '{shown(key)}'", f"unknown style (expected one of {', '.join(STYLES)})")


def _read_styles(r: Reader, data: dict, skills: dict) -> dict[str, StyleContent]:
    table = r.table(data, "styles", "questionnaire")
    _unknown_keys(r, table, "styles")
    styles = {}
    for key in STYLES:
        where = f"style '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no content for this style")
            continue
        practices = []
        raw_practices = entry.get("practices")
        if not isinstance(raw_practices, list) or len(raw_practices) < 3:
            r.problem(where, "'practices' needs a list of at least 3 practices")
            raw_practices = []
        for i, p in enumerate(raw_practices, start=1):
            pwhere = f"{where}: practices[{i}]"
            skill = p.get("skill") if isinstance(p, dict) else None
            if not isinstance(skill, str) or skill not in skills:
                r.problem(pwhere, f"unknown skill '{shown(skill)}' (define it under [skills])")
            practices.append(Practice(skill=str(skill), text=r.text(p, pwhere)))
        styles[key] = StyleContent(
            key=key,
            name=r.text(entry.get("name"), f"{where}: name"),
            tagline=r.text(entry.get("tagline"), f"{where}: tagline"),
            description=r.text(entry.get("description"), f"{where}: description"),
            strengths=r.texts(entry, "strengths", where),
            blind_spots=r.texts(entry, "blind_spots", where),
            practices=tuple(practices),
        )
    return styles


def _read_customers(r: Reader, data: dict) -> dict[str, CustomerType]:
    table = r.table(data, "customers", "questionnaire")
    _unknown_keys(r, table, "customers")
    customers = {}
    for key in STYLES:
        where = f"customer type '{key}'"
        entry = table.get(key)
        if not isinstance(entry, dict):
            r.problem(where, "no content for this customer type")
            continue
        customers[key] = CustomerType(
            key=key,
            recognise=r.texts(entry, "recognise", where),
            needs=r.texts(entry, "needs", where),
            coverage=r.text(entry.get("coverage"), f"{where}: coverage"),
        )
    return customers


def _read_tips(r: Reader, data: dict) -> dict[tuple[str, str], Tip]:
    table = r.table(data, "tips", "questionnaire")
    _unknown_keys(r, table, "tips")
    tips = {}
    for agent in STYLES:
        row = table.get(agent) if isinstance(table.get(agent), dict) else {}
        _unknown_keys(r, row, f"tips.{agent}")
        for customer in STYLES:
            where = f"tip '{agent}.{customer}'"
            entry = row.get(customer)
            if not isinstance(entry, dict):
                r.problem(where, "no tip for this agent style and customer type")
                continue
            tips[(agent, customer)] = Tip(
                agent_style=agent,
                customer_type=customer,
                summary=r.text(entry.get("summary"), f"{where}: summary"),
                dial_up=r.texts(entry, "dial_up", where),
                dial_down=r.texts(entry, "dial_down", where),
                say=r.texts(entry, "say", where, minimum=2) if "say" in entry else (),
                avoid=r.text(entry.get("avoid"), f"{where}: avoid") if "avoid" in entry else None,
                instead=r.text(entry.get("instead"), f"{where}: instead") if "instead" in entry else None,
            )
    return tips
