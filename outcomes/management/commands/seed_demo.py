"""Build a small, believable demo world: ``python manage.py seed_demo``.

The core step (socialrx.demo) makes PCNs, teams, practices and staff; each app then adds its
part through ``<app>.demo.seed(ctx)``, in dependency order. outcomes is the one app allowed to
import all the others, so the command lives here.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from socialrx.demo import DEMO_SEED, demo_context, seed_core
from socialrx.models import PCN, AuditLog, Practice, Team, User

# Apps' demo modules, in the order their data depends on each other. outcomes.demo is
# optional: it is called only when it exists.
STEPS = ["assets.demo", "referrals.demo", "champions.demo", "outcomes.demo"]


def _flush() -> None:
    """Delete everything the demo could have made (and anything else in those tables)."""
    from assets.models import Asset
    from champions.models import Champion
    from outcomes.models import (
        AppointmentCount,
        AppointmentExtract,
        MetricSnapshot,
        PopulationCell,
        Run,
    )
    from referrals.models import ClosedRouteEnquiry, Person, Referral

    for model in (
        MetricSnapshot,
        Run,
        AppointmentCount,
        AppointmentExtract,
        PopulationCell,
        Champion,
        ClosedRouteEnquiry,
        Referral,
        Person,  # cascades to conversations, goals, connections, notes
        AuditLog,
    ):
        model.objects.all().delete()
    # Connections protect assets; they are gone with the people above.
    Asset.objects.all().delete()
    # Users before practices: a practice's staff must have a practice (check constraint).
    User.objects.all().delete()
    Practice.objects.all().delete()
    Team.objects.all().delete()
    PCN.objects.all().delete()


class Command(BaseCommand):
    help = "Fill the database with demo data (fictional people; never use on a real deployment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any practice exists (so `make run` keeps your changes).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete existing data (people, referrals, assets, users, practices) first.",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Practice.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has practices.")
            return
        if not options["reset"] and Practice.objects.exists():
            raise CommandError("The database already has data: use --reset or --if-empty.")
        started = time.monotonic()
        with transaction.atomic():
            if options["reset"]:
                _flush()
            ctx = demo_context(seed=options["seed"])
            seed_core(ctx)
            for name in STEPS:
                if importlib.util.find_spec(name) is None:
                    continue
                importlib.import_module(name).seed(ctx)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.monotonic() - started:.1f}s: "
                f"{len(ctx.practices)} practices, {len(ctx.people)} people, "
                f"{len(ctx.referrals)} referrals, {len(ctx.assets)} assets, "
                f"{len(ctx.champions)} volunteers."
            )
        )
