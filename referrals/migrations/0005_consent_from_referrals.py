"""Carry the single consent box of earlier referrals over to consent per purpose.

A referral made with the box ticked (``consent_confirmed``) means the person agreed to be
contacted by a link worker about it: that becomes one CONTACT "given" row per person, dated
and attributed like their earliest such referral, with the source "import or earlier record".
Nobody was asked about sharing details with groups or about de-identified figures, so nothing
is recorded for them ("not asked"): details are not shared with groups, and the person counts
in figures until they say no (docs/security.md, "Consent")."""

from django.db import migrations


def consent_from_referrals(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    Consent = apps.get_model("referrals", "Consent")
    already = set(
        Consent.objects.filter(purpose="contact").values_list("person_id", flat=True)
    )
    rows = []
    seen = set(already)
    earliest_first = Referral.objects.filter(consent_confirmed=True).order_by(
        "person_id", "created_at", "id"
    )
    for referral in earliest_first.only("id", "person_id", "created_at", "referred_by_id"):
        if referral.person_id in seen:
            continue
        seen.add(referral.person_id)
        rows.append(
            Consent(
                person_id=referral.person_id,
                purpose="contact",
                given=True,
                recorded_by_id=referral.referred_by_id,
                recorded_at=referral.created_at,
                source="import",
                referral_id=referral.id,
            )
        )
    Consent.objects.bulk_create(rows, batch_size=1000)


def remove_carried_over(apps, schema_editor):
    Consent = apps.get_model("referrals", "Consent")
    Consent.objects.filter(purpose="contact", source="import", referral__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_consent_per_purpose")]

    operations = [migrations.RunPython(consent_from_referrals, remove_carried_over)]
