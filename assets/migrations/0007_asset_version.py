"""A version on directory listings, for optimistic concurrency."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0006_plain_english_choices'),
    ]

    operations = [
        migrations.AddField(
            model_name='asset',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
