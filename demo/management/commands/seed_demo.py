"""Build a small, believable demo world: ``python manage.py seed_demo``.

The core step (``demo.core``) makes PCNs, teams, practices and staff; each area then adds its
part through its ``seed(ctx)``, in dependency order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from demo import directory, funding, outcomes, people, tasks, volunteers
from demo.core import DEMO_SEED, DemoContext, demo_context, demo_usernames, seed_core
from socialrx.models import Practice, User

# The areas' steps, in the order their data depends on each other.
STEPS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("directory", directory.seed),
    ("people", people.seed),
    ("tasks", tasks.seed),
    ("volunteers", volunteers.seed),
    ("funding", funding.seed),
    ("outcomes", outcomes.seed),
]


def _flush() -> None:
    """Empty every table, like ``manage.py flush``: apps added later are covered without being
    listed here, and no foreign key's on_delete rule can get in the way."""
    call_command("flush", interactive=False, verbosity=0)


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
            help="Empty the whole database first (every table, users included), then seed.",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"] and settings.SOCIALRX_ENV == "production":
            # A real deployment's records are never one flag away from being wiped.
            raise CommandError(
                "seed_demo --reset empties the whole database and is refused under the "
                "production settings."
            )
        if options["if_empty"] and Practice.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has practices.")
            return
        if not options["reset"]:
            if Practice.objects.exists():
                raise CommandError("The database already has data: use --reset or --if-empty.")
            taken = User.objects.filter(username__in=demo_usernames()).values_list(
                "username", flat=True
            )
            if taken:
                raise CommandError(
                    f"Demo usernames already in use ({', '.join(sorted(taken))}): "
                    "use --reset to start from an empty database."
                )
        started = time.monotonic()
        with transaction.atomic():
            if options["reset"]:
                _flush()
            ctx = demo_context(seed=options["seed"])
            seed_core(ctx)
            for name, step in STEPS:
                step_started = time.monotonic()
                step(ctx)
                if options["verbosity"] > 1:
                    self.stdout.write(f"  {name}: {time.monotonic() - step_started:.1f}s")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {time.monotonic() - started:.1f}s: "
                f"{len(ctx.practices)} practices, {len(ctx.people)} people, "
                f"{len(ctx.referrals)} referrals, {len(ctx.assets)} assets, "
                f"{len(ctx.champions)} volunteers."
            )
        )
