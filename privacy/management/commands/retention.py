"""``manage.py retention [--dry-run]``: apply the retention rule now, or say who it would
erase (ids and counts only: nothing that names anyone)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from privacy.services.retention import retention_apply


class Command(BaseCommand):
    help = "Erase people whose last referral ended longer ago than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be erased; erase no one."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        report = retention_apply(today=timezone.localdate(), dry_run=dry_run)
        self.stdout.write(f"Referrals ended before {report.cutoff.isoformat()} are past retention.")
        if dry_run:
            self.stdout.write(f"Dry run: {report.due} record(s) would be erased; none were.")
            for pk in report.person_ids:
                self.stdout.write(f"  person id {pk}")
            return
        self.stdout.write(
            f"{len(report.erasures)} record(s) erased, {report.skipped} skipped (pending merge)."
        )
        for reference in report.erasures:
            self.stdout.write(f"  {reference}")
