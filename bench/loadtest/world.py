"""The load test's world: the benchmark's (``bench.world``: practices, registered patients,
people referred, conversations, the directory) reorganised into one link-worker team per PCN
with caseloads of several hundred, plus sign-ins for every role, all with one password.

Import this module only once Django is set up.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bench.common import Timer
from bench.world import BENCH_PREFIX, generate
from socialrx.models import PCN, Practice, Role, StaffType, Team, User

PASSWORD = "socialrx-load-test"  # noqa: S105 - the load test's made-up users only
USER_PREFIX = "load_"
LINK_WORKERS_PER_TEAM = 10  # a PCN team of 10,000 people referred: about 1,000 each
COMMISSIONERS = 5
VOLUNTEERS_PER_PRACTICE = 2
LISTINGS_PER_VOLUNTEER = 5


def world_present(scale: float) -> bool:
    """The world at ``scale`` is there: its practices and its sign-ins."""
    practices = max(1, round(100 * scale))
    return (
        Practice.objects.filter(ods_code__startswith="Y9").count() == practices
        and User.objects.filter(username__startswith=USER_PREFIX).exists()
    )


def build(*, scale: float, months: list[int]) -> dict[str, int]:
    """Generate the benchmark's world at ``scale``, then the load test's teams and users."""
    counts = generate(scale=scale, dense=False, months=months)
    with Timer("teams of link workers, one per PCN, and their caseloads"):
        counts.update(_teams_and_caseloads())
    with Timer("sign-ins for every role"):
        counts.update(_other_users())
    # VACUUM too, as autovacuum would have by the time anyone uses a real system: it marks the
    # pages just written all-visible, so index-only scans need not read the table (without it,
    # counting a team's caseload read every row it counted: 39 ms against 17.5 ms).
    with Timer("VACUUM (ANALYZE)"), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return counts


def _user(username: str, password: str, **extra: Any) -> User:
    return User(
        username=username,
        first_name="Load",
        last_name=username.removeprefix(USER_PREFIX).replace("_", " ").title(),
        email=f"{username}@load.socialrx.invalid",
        password=password,
        date_joined=timezone.now() - dt.timedelta(days=400),
        **extra,
    )


@transaction.atomic
def _teams_and_caseloads() -> dict[str, int]:
    """A team per PCN serving its practices; the people of those practices, and their
    referrals, shared round-robin between the team's link workers."""
    User.objects.filter(username__startswith=USER_PREFIX).delete()
    Team.objects.filter(code__startswith=f"{BENCH_PREFIX}pcn-").delete()
    password = make_password(PASSWORD)  # hashed once: every load user shares it
    workers = 0
    for pcn in PCN.objects.filter(code__startswith="U9").order_by("code"):
        team = Team.objects.create(code=f"{BENCH_PREFIX}pcn-{pcn.code}", name=f"{pcn.name} team")
        members = User.objects.bulk_create(
            [
                _user(
                    f"{USER_PREFIX}lw_{pcn.code.lower()}_{i}",
                    password,
                    role=Role.LINK_WORKER,
                    team=team,
                )
                for i in range(LINK_WORKERS_PER_TEAM)
            ]
        )
        workers += len(members)
        ids = "ARRAY[" + ", ".join(str(u.pk) for u in members) + "]"
        practices = list(Practice.objects.filter(pcn=pcn).values_list("pk", flat=True))
        for i, practice_id in enumerate(practices):
            Practice.objects.filter(pk=practice_id).update(
                team=team, named_link_worker=members[i % len(members)]
            )
        practice_list = ", ".join(map(str, practices))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE referrals_person SET team_id = %s,
                        link_worker_id = ({ids})[1 + id %% {len(members)}]
                    WHERE practice_id IN ({practice_list})""",
                [team.pk],
            )
            cursor.execute(
                """UPDATE referrals_referral r SET team_id = p.team_id,
                        link_worker_id = p.link_worker_id
                   FROM referrals_person p
                   WHERE r.person_id = p.id AND p.team_id = %s""",
                [team.pk],
            )
    return {"link_workers": workers}


@transaction.atomic
def _other_users() -> dict[str, int]:
    password = User.objects.filter(username__startswith=USER_PREFIX).values_list(
        "password", flat=True
    )[0]
    practices = list(Practice.objects.filter(ods_code__startswith="Y9").order_by("ods_code"))
    staff = User.objects.bulk_create(
        [
            _user(
                f"{USER_PREFIX}ps_{p.ods_code.lower()}",
                password,
                role=Role.PRACTICE_STAFF,
                practice=p,
                staff_type=StaffType.GP,
            )
            for p in practices
        ]
    )
    commissioners = User.objects.bulk_create(
        [
            _user(f"{USER_PREFIX}commissioner_{i}", password, role=Role.COMMISSIONER)
            for i in range(COMMISSIONERS)
        ]
    )
    volunteers = User.objects.bulk_create(
        [
            _user(f"{USER_PREFIX}vol_{i}", password, role=Role.VOLUNTEER)
            for i in range(VOLUNTEERS_PER_PRACTICE * len(practices))
        ]
    )
    User.objects.create(
        **{
            f.name: getattr(_user(f"{USER_PREFIX}admin", password), f.name)
            for f in User._meta.concrete_fields
            if not f.primary_key
        }
        | {"role": Role.ADMIN, "is_staff": True, "is_superuser": True}
    )
    # Each volunteer keeps a few of the directory's listings.
    from assets.models import Asset

    through = Asset.maintainers.through
    assets = list(
        Asset.objects.filter(asset_ref__startswith=BENCH_PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[: len(volunteers) * LISTINGS_PER_VOLUNTEER]
    )
    through.objects.bulk_create(
        [
            through(asset_id=asset_id, user_id=volunteers[i // LISTINGS_PER_VOLUNTEER].pk)
            for i, asset_id in enumerate(assets)
        ],
        batch_size=5000,
    )
    return {
        "practice_staff": len(staff),
        "commissioners": len(commissioners),
        "volunteers": len(volunteers),
        "listings_kept": len(assets),
    }


def users_file(path: Path) -> dict[str, list[str]]:
    """Write the load users by role (JSON) for the locustfile; return them."""
    by_role: dict[str, list[str]] = {}
    for username, role in (
        User.objects.filter(username__startswith=USER_PREFIX, is_active=True)
        .order_by("username")
        .values_list("username", "role")
    ):
        by_role.setdefault(role, []).append(username)
    path.write_text(json.dumps({"password": PASSWORD, "users": by_role}, indent=1))
    return by_role
