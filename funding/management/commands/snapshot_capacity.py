from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from funding import services
from funding.periods import months_between, parse_month


class Command(BaseCommand):
    help = (
        "Work out the monthly capacity snapshot of every listing (docs/funding.md): "
        "this month and last month, or the months given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="The first (or only) month, YYYY-MM")
        parser.add_argument("--to", help="The last month, YYYY-MM (with --month)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["month"]:
            if options["to"]:
                raise CommandError("--to needs --month")
            done = services.capacity_refresh()
        else:
            try:
                first = parse_month(options["month"])
                last = parse_month(options["to"]) if options["to"] else first
            except ValueError as exc:
                raise CommandError("Months are written YYYY-MM, like 2026-04") from exc
            if last < first:
                raise CommandError("--to must be the same as or after --month")
            done = months_between(first, last)
            for month in done:
                services.capacity_snapshot(month=month)
        self.stdout.write(f"Capacity worked out for {', '.join(f'{m:%Y-%m}' for m in done)}")
