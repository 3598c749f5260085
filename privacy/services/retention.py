"""The retention rule: a person whose last referral ended more than
``RETENTION_YEARS_AFTER_CLOSURE`` years ago, with no referral open and no active volunteer
record, is erased. A dry run reports who would be, by id and counts only."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Coalesce

from referrals.models import ENDED_STATUSES, OPEN_STATUSES, Person

from ..models import ErasureReason, ErasureRecord
from .erasure import person_erase
from .merge import in_pending_merge

logger = logging.getLogger(__name__)


def retention_cutoff(*, today: dt.date, years: int | None = None) -> dt.date:
    """The date a referral must have ended before for its person to be erased."""
    years = settings.RETENTION_YEARS_AFTER_CLOSURE if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def retention_due(*, today: dt.date, years: int | None = None) -> QuerySet[Person]:
    """People the rule would erase, each with ``last_ended_on`` (the day their last referral
    ended: its closing date, else the day it was received)."""
    cutoff = retention_cutoff(today=today, years=years)
    return (
        Person.objects.annotate(
            open_referrals=Count("referrals", filter=Q(referrals__status__in=OPEN_STATUSES)),
            ended_referrals=Count("referrals", filter=Q(referrals__status__in=ENDED_STATUSES)),
            last_ended_on=Max(
                Coalesce("referrals__closed_on", "referrals__received_on"),
                filter=Q(referrals__status__in=ENDED_STATUSES),
            ),
        )
        .filter(open_referrals=0, ended_referrals__gt=0, last_ended_on__lt=cutoff)
        .exclude(champion__active=True)
        .order_by("last_ended_on", "pk")
    )


@dataclass(frozen=True)
class RetentionReport:
    cutoff: dt.date
    person_ids: list[int]
    erasures: list[str]
    skipped: int

    @property
    def due(self) -> int:
        return len(self.person_ids)


def retention_apply(*, today: dt.date, dry_run: bool, years: int | None = None) -> RetentionReport:
    """Erase everyone the rule says is due (``dry_run``: only say who). Each person is erased
    in their own transaction, so one that cannot be (a pending merge) holds up no one else."""
    cutoff = retention_cutoff(today=today, years=years)
    due = list(retention_due(today=today, years=years))
    ids = [p.pk for p in due]
    erasures: list[str] = []
    skipped = 0
    if not dry_run:
        for person in due:
            if in_pending_merge(person=person):
                skipped += 1
                continue
            record: ErasureRecord = person_erase(
                person=person, by=None, reason_category=ErasureReason.RETENTION
            )
            erasures.append(record.reference)
    logger.info(
        "Retention %s: cutoff %s, %s due, %s erased, %s skipped",
        "dry run" if dry_run else "run",
        cutoff.isoformat(),
        len(ids),
        len(erasures),
        skipped,
    )
    return RetentionReport(cutoff=cutoff, person_ids=ids, erasures=erasures, skipped=skipped)
