"""Each listing's Open Referral UK identifiers, stored so that ``/services/{id}`` and
``/service_at_locations/{id}`` can find it. Existing listings keep the identifiers the
Open Referral export already published (UUID5 of their primary key)."""

import uuid

from django.db import migrations, models

NAMESPACE = uuid.UUID("6f1c1f3e-8f5e-4f4e-9b9a-2d6a4c0a5e11")


def fill(apps, schema_editor):
    Asset = apps.get_model("assets", "Asset")
    batch = []
    for asset in Asset.objects.only("pk").iterator(chunk_size=2000):
        asset.oruk_id = uuid.uuid5(NAMESPACE, f"asset:{asset.pk}")
        asset.oruk_sal_id = uuid.uuid5(NAMESPACE, f"service-at-location:{asset.pk}")
        batch.append(asset)
        if len(batch) >= 2000:
            Asset.objects.bulk_update(batch, ["oruk_id", "oruk_sal_id"])
            batch = []
    if batch:
        Asset.objects.bulk_update(batch, ["oruk_id", "oruk_sal_id"])


class Migration(migrations.Migration):
    dependencies = [("assets", "0010_name_trigram_index")]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="oruk_id",
            field=models.UUIDField(null=True, verbose_name="Open Referral service id"),
        ),
        migrations.AddField(
            model_name="asset",
            name="oruk_sal_id",
            field=models.UUIDField(null=True, verbose_name="Open Referral service-at-location id"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="asset",
            name="oruk_id",
            field=models.UUIDField(
                default=uuid.uuid4, unique=True, verbose_name="Open Referral service id"
            ),
        ),
        migrations.AlterField(
            model_name="asset",
            name="oruk_sal_id",
            field=models.UUIDField(
                default=uuid.uuid4,
                unique=True,
                verbose_name="Open Referral service-at-location id",
            ),
        ),
    ]
