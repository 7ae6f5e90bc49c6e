"""A demo team of synthetic agents and a staff account of each role, so a new user sees
every page populated: the dashboard, the seven abilities, practice, and how others see
each member.

Agents answer through the real scoring path: each has a latent position on the two
axes, answers each item near what that position implies, and some retake later
after drifting a little, as agents do after coaching. Everything else goes through
the storage functions the pages use: QC's ability ratings for the last three months
(and some self-ratings), practice calls graded by the caller content, and colleagues'
answers to the observer form (at least three per member, so the others' view shows).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from . import storage
from .abilities import score_abilities
from .call_intake import seed_demo_calls
from .caller import CallerContent, grade_attempt
from .model import STYLES
from .others import score_rating
from .questionnaire import Questionnaire
from .scoring import score

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"
# One account per role, all with DEMO_PASSWORD: the trainer owns the team, QC is on it.
DEMO_ACCOUNTS = {DEMO_USERNAME: "trainer", "demo-admin": "admin", "demo-qc": "qc"}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "晨", "雪"]
LATIN = ["Amy Chen", "Kevin Wu", "Grace Lin", "Jason Ho", "Sophie Tang", "Leo Zhou", "Mia Xu", "Eric Guo"]

# Where contact-centre agents tend to sit: more Amiable and Analytical than Driver.
CENTRES = [((38, 66), 0.34), ((36, 34), 0.26), ((66, 64), 0.22), ((66, 34), 0.18)]


def synthetic_answers(q: Questionnaire, rng: random.Random, assertiveness: float, responsiveness: float) -> dict[str, int]:
    return answers_near(q, rng, {"assertiveness": assertiveness, "responsiveness": responsiveness})


def answers_near(q: Questionnaire, rng: random.Random, target: dict[str, float], noise: float = 0.8) -> dict[str, int]:
    """Answers to any questionnaire (self or observer) near a position 0-100 on each of its axes."""
    mid = q.scale.midpoint
    half = (q.scale.max - q.scale.min) / 2
    answers = {}
    for item in q.items:
        lean = (target[item.axis] - 50) / 50 * half
        value = mid + (lean if item.keyed == "plus" else -lean) + rng.gauss(0, noise)
        answers[item.id] = int(min(q.scale.max, max(q.scale.min, round(value))))
    return answers


def _name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(LATIN) if rng.random() < 0.12 else rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name
        if len(used) > 400:  # many members: add a number so names stay unique
            name = f"{name}{len(used)}"
            used.add(name)
            return name


def _account_id(db, username: str, role: str) -> int:
    row = storage.trainer_by_username(db, username)
    if row:
        return row["id"]
    return storage.create_trainer(db, username, generate_password_hash(DEMO_PASSWORD), role=role)


def seed_team(db, questionnaires: dict[str, Questionnaire], members: int = 24, seed: int = 7,
              team_name: str | None = None, every_page: bool = False, caller: CallerContent | None = None,
              today: date | None = None, secret: str | bytes = b"") -> dict:
    """The team with its results. every_page (what `seed-demo` asks for) adds its ability
    ratings, others' ratings and, given the caller content, practice; today is the
    centre's local date, for the months rated; secret is the app's secret key, which keys
    what is stored of each colleague who rated. Benchmarks leave it off: they time the
    dashboard over results only."""
    rng = random.Random(seed)
    q = questionnaires.get("communication-style") or next(iter(questionnaires.values()))
    ids = {name: _account_id(db, name, role) for name, role in DEMO_ACCOUNTS.items()}
    trainer_id = ids[DEMO_USERNAME]
    existing = len(storage.teams_for(db, trainer_id))
    team = storage.create_team(db, trainer_id, team_name or ("演示团队 Demo team" + (f" {existing + 1}" if existing else "")))
    storage.add_team_staff(db, team["id"], "demo-qc", "qc")
    now = datetime.now(timezone.utc)
    used: set[str] = set()
    latest: list[dict] = []  # each member's last result
    for n in range(members):
        (ca, cr), _w = rng.choices(CENTRES, weights=[w for _c, w in CENTRES])[0]
        a, r = rng.gauss(ca, 9), rng.gauss(cr, 9)
        name = _name(rng, used)
        member = storage.Membership(team["id"], name, f"E{10000 + n}" if rng.random() < 0.7 else None)
        takes = 1 + (rng.random() < 0.35) + (rng.random() < 0.15)
        day = rng.uniform(60, 150)
        for _take in range(takes):
            answers = synthetic_answers(q, rng, a, r)
            duration = rng.uniform(150, 500) if rng.random() > 0.05 else rng.uniform(15, 40)
            row = storage.save_response(
                db, questionnaire=q.slug, version=q.version, lang="zh" if rng.random() < 0.8 else "en",
                answers=answers, profile=score(q, answers, duration), duration_seconds=round(duration, 1),
                member=member, created_at=(now - timedelta(days=day)).isoformat(timespec="seconds"),
            )
            # A retake is the same member, proven as the agent's own result link proves them.
            member = replace(member, agent_id=row["agent_id"])
            # Coaching moves people toward the centre a little between takes.
            a += (50 - a) * 0.2 + rng.gauss(0, 4)
            r += (50 - r) * 0.2 + rng.gauss(0, 4)
            day = max(0.5, day - rng.uniform(20, 50))
        latest.append(row)
    if not every_page:
        return team
    scorecard = next((x for x in questionnaires.values() if x.kind == "rating"), None)
    observer = next((x for x in questionnaires.values() if x.kind == "observer"), None)
    if scorecard is not None:
        seed_ability_ratings(db, scorecard, team["id"], latest, ids["demo-qc"], today or now.date(), rng)
    if observer is not None:
        seed_others_ratings(db, observer, latest, ids[DEMO_USERNAME], rng, secret)
    if caller is not None:
        seed_practice(db, caller, team["id"], latest, rng)
    seed_demo_calls(db, team["id"], seed=seed)  # calls as evidence: a few members' calls
    return team


def _months_back(today: date, count: int) -> list[str]:
    """This month and the count - 1 before it, oldest first (YYYY-MM)."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def seed_ability_ratings(db, scorecard: Questionnaire, team_id: int, latest: list[dict], qc_id: int,
                         today: date, rng: random.Random) -> None:
    """QC rates most members for each of the last three months (a little better each
    month, one ability a shared weak spot); a third of them also rate themselves."""
    weak = rng.choice(sorted(scorecard.ability_items))
    for row in latest:
        level = rng.uniform(2.6, 4.2)
        for step, period in enumerate(_months_back(today, 3)):
            if rng.random() < 0.15:
                continue  # not every member is sampled every month
            ratings = {}
            for item in scorecard.items:
                centre = level + 0.2 * step - (0.8 if item.ability == weak else 0)
                ratings[item.id] = int(min(5, max(1, round(rng.gauss(centre, 0.6)))))
            scores = score_abilities(scorecard, ratings)
            storage.save_ability_rating(db, agent_id=row["agent_id"], team_id=team_id, source="staff",
                                        period=period, ratings=ratings, abilities=scores.abilities,
                                        overall=scores.overall, rater_id=qc_id)
            if step == 2 and rng.random() < 0.35:
                own = {k: min(5, v + rng.choice((0, 0, 1, 1, 2))) for k, v in ratings.items()}  # a kinder view
                mine = score_abilities(scorecard, own)
                storage.save_ability_rating(db, agent_id=row["agent_id"], team_id=team_id, source="self",
                                            period=period, ratings=own, abilities=mine.abilities,
                                            overall=mine.overall, response_id=row["id"])


def seed_others_ratings(db, observer: Questionnaire, latest: list[dict], lead_id: int, rng: random.Random,
                        secret: str | bytes) -> None:
    """Three to five colleagues (other members of the team, each once, as the rating pages
    prove them) answer a link for most members: others see them a little more assertive
    than they see themselves, with scatter. The trainer rates a few as a lead."""
    for row in latest:
        profile = row["profile"]
        if not profile.valid or rng.random() < 0.2:
            continue  # some members have not asked anyone yet
        target = {"assertiveness": profile.axes["assertiveness"] + rng.gauss(6, 8),
                  "responsiveness": profile.axes["responsiveness"] + rng.gauss(-3, 8),
                  "versatility": rng.uniform(30, 80)}
        pool = [c["agent_id"] for c in latest if c["agent_id"] != row["agent_id"]]
        colleagues = rng.sample(pool, min(len(pool), rng.randint(3, 5)))
        for colleague in [*colleagues, None]:  # the last link is not answered yet
            link = storage.create_link(db, row, "peer")
            if colleague is None:
                break
            answers = answers_near(observer, rng, target, 0.7)
            rated = score_rating(observer, answers)
            storage.answer_link(db, link["token"], questionnaire=observer.slug, version=observer.version,
                                lang="zh", answers=answers, scores={**rated.axes, "versatility": rated.versatility},
                                rater_key=storage.rater_key(secret, colleague))
        if rng.random() < 0.3:
            answers = answers_near(observer, rng, target, 0.7)
            rated = score_rating(observer, answers)
            storage.save_trainer_rating(db, response_id=row["id"], agent_id=row["agent_id"], trainer_id=lead_id,
                                        trainer_name=DEMO_USERNAME, questionnaire=observer.slug,
                                        version=observer.version, lang="zh", answers=answers,
                                        scores={**rated.axes, "versatility": rated.versatility})


def seed_practice(db, caller: CallerContent, team_id: int, latest: list[dict], rng: random.Random) -> None:
    """Two thirds of the members practise a session of eight calls; Analytical and Amiable
    callers are the ones most often misread."""
    hard = {"analytical": 0.55, "amiable": 0.65, "driver": 0.85, "expressive": 0.8}
    for row in latest:
        if rng.random() > 0.67:
            continue
        skill = rng.uniform(-0.15, 0.15)
        for scenario in rng.sample(list(caller.scenarios), min(8, len(caller.scenarios))):
            actual = scenario.customer_type
            guessed = actual if rng.random() < hard[actual] + skill else rng.choice([s for s in STYLES if s != actual])
            reply = scenario.best_reply if rng.random() < 0.7 + skill else rng.choice(scenario.replies)
            graded = grade_attempt(caller, scenario.id, guessed, reply.id)
            storage.add_practice_attempt(db, scenario=scenario.id, actual=actual, guessed=guessed, reply=reply.id,
                                         type_correct=graded["type_correct"], reply_correct=graded["reply_correct"],
                                         agent_id=row["agent_id"], team_id=team_id)
