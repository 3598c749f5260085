"""Demo data, core step: PCNs, teams, practices, postcodes and the staff users.

``python manage.py seed_demo`` calls :func:`seed_core` and then each area's ``seed(ctx)``
(directory, people, volunteers, outcomes) in dependency order, passing one
:class:`DemoContext` along. What the later steps add to the context is typed loosely here.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models
from django.utils import timezone

from socialrx.models import PCN, LsoaImd, Postcode, Practice, Role, StaffType, Team, User

# One shared password for every demo login; printed by `manage.py demo_logins`. Demo data
# only: never seed a real deployment.
DEMO_PASSWORD = "socialrx-demo"
DEMO_SEED = 20260101
# Names, places and phrases the demo picks from, kept out of the code.
DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def demo_data(name: str) -> Any:
    """The parsed ``demo/data/<name>.json`` (read once; callers must not change it)."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class DemoContext:
    """What each step's ``seed(ctx)`` reads from and adds to."""

    rng: random.Random
    today: dt.date
    password_hash: str
    pcns: list[PCN] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    practices: list[Practice] = field(default_factory=list)
    link_workers: list[User] = field(default_factory=list)
    practice_staff: list[User] = field(default_factory=list)
    volunteer_users: list[User] = field(default_factory=list)
    commissioner: User | None = None
    administrator: User | None = None
    # (postcode, lsoa code, imd decile) triples people and assets are placed at.
    postcodes: list[tuple[str, str, int]] = field(default_factory=list)
    # Each demo venue's postcode (demo.directory).
    venue_postcodes: dict[str, str] = field(default_factory=dict)
    # Filled by the later steps (directory, people, volunteers).
    assets: list[Any] = field(default_factory=list)
    people: list[Any] = field(default_factory=list)
    referrals: list[Any] = field(default_factory=list)
    champions: list[Any] = field(default_factory=list)

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        """A timezone-aware moment on ``day`` (for back-dating history rows)."""
        moment = timezone.make_aware(
            dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)))
        )
        # Never in the future: a demo loaded in the morning must not show this evening's activity.
        return min(moment, timezone.now())


PCNS = [("U60123", "Riverside PCN"), ("U60456", "Hillside and Vale PCN")]
TEAMS = [("north", "Riverside link workers"), ("south", "Hillside and Vale link workers")]
# The numbers people are asked to call back on (Ofcom's numbers for drama: never anyone's).
TEAM_PHONES = {"north": "0161 496 0100", "south": "0161 496 0200"}
# (ODS code, name, PCN index, team index)
PRACTICES = [
    ("B86011", "Riverside Medical Centre", 0, 0),
    ("B86023", "Canal Street Surgery", 0, 0),
    ("B86045", "Moorfield Health Centre", 0, 0),
    ("B87002", "Hillside Family Practice", 1, 1),
    ("B87019", "Vale Road Surgery", 1, 1),
    ("B87031", "St Mark's Group Practice", 1, 1),
]
# (username, first, last, team index)
LINK_WORKERS = [
    ("lw_asha", "Asha", "Begum", 0),
    ("lw_ben", "Ben", "Okafor", 0),
    ("lw_chloe", "Chloe", "Walsh", 1),
    ("lw_dan", "Dan", "Kowalski", 1),
]
# (username, first, last, practice index, staff type)
PRACTICE_STAFF = [
    ("gp_patel", "Priya", "Patel", 0, StaffType.GP),
    ("rec_jones", "Megan", "Jones", 3, StaffType.RECEPTIONIST),
]
# Volunteers who log in to keep their groups' listings (the champions step adds profiles).
VOLUNTEER_USERS = [
    ("vol_sam", "Sam", "Whitfield"),
    ("vol_ruth", "Ruth", "Adeyemi"),
    ("vol_tom", "Tom", "Hargreaves"),
    ("vol_lin", "Lin", "Chen"),
    ("vol_joe", "Joe", "Murray"),
]
# Postcode districts by team; IMD deciles lean deprived, as social prescribing does.
DISTRICTS = (
    [("LS11", "E01011", 0), ("LS12", "E01012", 0), ("LS9", "E01009", 0)],
    [
        ("LS6", "E01016", 1),
        ("LS7", "E01017", 1),
        ("LS8", "E01018", 1),
    ],
)


@contextmanager
def keep_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` keep the ``auto_now``/``auto_now_add`` values set on the objects, so
    demo histories can be back-dated in one write. Demo seeding only: it changes the fields
    for the whole process until the block ends."""
    switched = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                switched.append((f, f.auto_now, f.auto_now_add))  # type: ignore[attr-defined]
                f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in switched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    """One value of ``(value, weight)`` pairs, drawn by weight."""
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def with_when(obj: Any, when: dt.datetime) -> Any:
    """Mark ``obj`` with the moment :func:`create_dated` back-dates it to."""
    obj._when = when
    return obj


def create_dated(
    model: type[models.Model], objs: list[Any], stamp_fields: Iterable[str] = ()
) -> list:
    """bulk_create with each object's ``stamp_fields`` (its ``auto_now``/``auto_now_add``
    fields) set to the object's ``_when``."""
    stamp_fields = list(stamp_fields)
    for obj in objs:
        for name in stamp_fields:
            setattr(obj, name, obj._when)
    if not stamp_fields:
        return model.objects.bulk_create(objs, batch_size=500)  # type: ignore[attr-defined]
    with keep_timestamps(model):
        return model.objects.bulk_create(objs, batch_size=500)  # type: ignore[attr-defined]


def demo_context(*, today: dt.date | None = None, seed: int = DEMO_SEED) -> DemoContext:
    return DemoContext(
        rng=random.Random(seed),
        today=today or timezone.localdate(),
        # Hash once: every demo user shares it, and hashing is the slow part of making users.
        password_hash=make_password(DEMO_PASSWORD),
    )


def _user(ctx: DemoContext, username: str, first: str, last: str, **extra: Any) -> User:
    return User(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username.replace('_', '.')}@demo.socialrx.invalid",
        password=ctx.password_hash,
        date_joined=timezone.make_aware(dt.datetime.combine(ctx.days_ago(600), dt.time(9))),
        **extra,
    )


def _postcodes(ctx: DemoContext) -> None:
    rows: list[tuple[str, str, int]] = []
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    for team_index, districts in enumerate(DISTRICTS):
        for district, lsoa_prefix, _ in districts:
            for n in range(6):
                lsoa = f"{lsoa_prefix}{n:03d}"
                # The first team's area is more deprived than the second's.
                decile = max(1, min(10, ctx.rng.randint(1, 5) + 3 * team_index + n % 2))
                inward = f"{ctx.rng.randint(1, 9)}{letters[n]}{letters[(n * 7) % 20]}"
                rows.append((f"{district} {inward}", lsoa, decile))
    LsoaImd.objects.bulk_create(
        [LsoaImd(lsoa_code=lsoa, imd_decile=decile) for _, lsoa, decile in rows],
        ignore_conflicts=True,
    )
    Postcode.objects.bulk_create(
        [Postcode(postcode=pc.replace(" ", ""), lsoa_code=lsoa) for pc, lsoa, _ in rows],
        ignore_conflicts=True,
    )
    ctx.postcodes = rows


def seed_core(ctx: DemoContext) -> None:
    """PCNs, teams, practices (each with a named link worker of its team) and staff users."""
    _postcodes(ctx)
    ctx.pcns = PCN.objects.bulk_create([PCN(code=c, name=n) for c, n in PCNS])
    ctx.teams = Team.objects.bulk_create(
        [Team(code=c, name=n, phone=TEAM_PHONES[c]) for c, n in TEAMS]
    )
    ctx.link_workers = User.objects.bulk_create(
        [
            _user(ctx, u, f, last, role=Role.LINK_WORKER, team=ctx.teams[t])
            for u, f, last, t in LINK_WORKERS
        ]
    )
    by_team: dict[int, list[User]] = {}
    for user, (*_, t) in zip(ctx.link_workers, LINK_WORKERS, strict=True):
        by_team.setdefault(t, []).append(user)
    ctx.practices = Practice.objects.bulk_create(
        [
            Practice(
                ods_code=code,
                name=name,
                pcn=ctx.pcns[p],
                team=ctx.teams[t],
                # Alternate the team's link workers so each has named practices.
                named_link_worker=by_team[t][i % len(by_team[t])],
            )
            for i, (code, name, p, t) in enumerate(PRACTICES)
        ]
    )
    ctx.practice_staff = User.objects.bulk_create(
        [
            _user(
                ctx,
                u,
                f,
                last,
                role=Role.PRACTICE_STAFF,
                practice=ctx.practices[p],
                staff_type=st,
            )
            for u, f, last, p, st in PRACTICE_STAFF
        ]
    )
    ctx.volunteer_users = User.objects.bulk_create(
        [_user(ctx, u, f, last, role=Role.VOLUNTEER) for u, f, last in VOLUNTEER_USERS]
    )
    ctx.commissioner, ctx.administrator = User.objects.bulk_create(
        [
            _user(ctx, "commissioner", "Helen", "Marsh", role=Role.COMMISSIONER),
            _user(
                ctx, "admin", "Alex", "Morgan", role=Role.ADMIN, is_staff=True, is_superuser=True
            ),
        ]
    )


def demo_usernames() -> list[str]:
    return [
        *(u[0] for u in LINK_WORKERS),
        *(u[0] for u in PRACTICE_STAFF),
        *(u[0] for u in VOLUNTEER_USERS),
        "commissioner",
        "admin",
    ]


def team_link_workers(ctx: DemoContext, team: Team) -> list[User]:
    return [u for u in ctx.link_workers if u.team_id == team.pk]
