"""``manage.py import_openreferral FILE_OR_URL --source NAME``: import an Open Referral UK v3
feed into the directory, all or nothing (docs/api.md, "Importing a feed")."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.oruk_import import FeedError, oruk_import, services_from_file, services_from_url


class Command(BaseCommand):
    help = "Import an Open Referral UK v3 feed (a JSON file, or the feed's web address)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "feed", help="A JSON file, or the feed's base address (https://…/api/oruk/v3)"
        )
        parser.add_argument(
            "--source", required=True, help="The feed's name: listings are matched per feed"
        )
        parser.add_argument(
            "--whole-feed",
            action="store_true",
            help="The file holds every service of the feed: mark this feed's listings that are "
            "not in it as no longer in the feed (a web address is always read whole)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        feed: str = options["feed"]
        url = feed if feed.startswith(("http://", "https://")) else ""

        def progress(done: int, total: int | None) -> None:
            sys.stderr.write(f"\r{done:,} of {total or '?'} services read")

        try:
            services = (
                services_from_url(url, on_progress=progress) if url else services_from_file(feed)
            )
        except (FeedError, OSError) as exc:
            raise CommandError(f"Nothing imported: {exc}") from None
        result = oruk_import(
            source=options["source"],
            services=services,
            url=url,
            whole_feed=bool(url) or options["whole_feed"],
        )
        if not result.ok:
            for problem in result.as_dict()["problems"]:
                self.stderr.write(problem["message"])
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
