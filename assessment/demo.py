"""A demo trainer and team of synthetic agents, so a new user sees a populated dashboard.

Agents answer through the real scoring path: each has a latent position on the two
axes, answers each item near what that position implies, and some retake later
after drifting a little, as agents do after coaching.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from . import storage
from .questionnaire import Questionnaire
from .scoring import score

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "晨", "雪"]
LATIN = ["Amy Chen", "Kevin Wu", "Grace Lin", "Jason Ho", "Sophie Tang", "Leo Zhou", "Mia Xu", "Eric Guo"]

# Where contact-centre agents tend to sit: more Amiable and Analytical than Driver.
CENTRES = [((38, 66), 0.34), ((36, 34), 0.26), ((66, 64), 0.22), ((66, 34), 0.18)]


def synthetic_answers(q: Questionnaire, rng: random.Random, assertiveness: float, responsiveness: float) -> dict[str, int]:
    target = {"assertiveness": assertiveness, "responsiveness": responsiveness}
    mid = q.scale.midpoint
    half = (q.scale.max - q.scale.min) / 2
    answers = {}
    for item in q.items:
        lean = (target[item.axis] - 50) / 50 * half
        value = mid + (lean if item.keyed == "plus" else -lean) + rng.gauss(0, 0.8)
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


def _trainer_id(db) -> int:
    row = storage.trainer_by_username(db, DEMO_USERNAME)
    if row:
        return row["id"]
    return storage.create_trainer(db, DEMO_USERNAME, generate_password_hash(DEMO_PASSWORD))


def seed_team(db, questionnaires: dict[str, Questionnaire], members: int = 24, seed: int = 7,
              team_name: str | None = None) -> dict:
    rng = random.Random(seed)
    q = questionnaires.get("communication-style") or next(iter(questionnaires.values()))
    trainer_id = _trainer_id(db)
    existing = len(storage.teams_for(db, trainer_id))
    team = storage.create_team(db, trainer_id, team_name or ("演示团队 Demo team" + (f" {existing + 1}" if existing else "")))
    now = datetime.now(timezone.utc)
    used: set[str] = set()
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
            storage.save_response(
                db, questionnaire=q.slug, version=q.version, lang="zh" if rng.random() < 0.8 else "en",
                answers=answers, profile=score(q, answers, duration), duration_seconds=round(duration, 1),
                member=member, created_at=(now - timedelta(days=day)).isoformat(timespec="seconds"),
            )
            # Coaching moves people toward the centre a little between takes.
            a += (50 - a) * 0.2 + rng.gauss(0, 4)
            r += (50 - r) * 0.2 + rng.gauss(0, 4)
            day = max(0.5, day - rng.uniform(20, 50))
    from .call_intake import seed_demo_calls  # calls as evidence: a few members' calls
    seed_demo_calls(db, team["id"], seed=seed)
    return team
