"""Repair referrals whose ``closed_on`` disagrees with their status, before migration 0006
makes the database refuse them: an open referral loses its ``closed_on``; an ended one without
it gets the date of its latest recorded move to that status, else the date it was last
updated."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

OPEN = ("received", "contacted", "active")
ENDED = ("closed", "declined", "withdrawn", "unable_to_contact")


def repair(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Change = apps.get_model("referrals", "ReferralStatusChange")
    Referral.objects.filter(status__in=OPEN, closed_on__isnull=False).update(closed_on=None)
    ended_at = Subquery(
        Change.objects.filter(referral=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    missing = Referral.objects.filter(status__in=ENDED, closed_on__isnull=True).annotate(
        ended_at=ended_at
    )
    for referral in missing.iterator():
        moment = referral.ended_at or referral.updated_at
        referral.closed_on = moment.date()
        referral.save(update_fields=["closed_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0007_versions"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
