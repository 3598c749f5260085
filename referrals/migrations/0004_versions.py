"""A version on people, referrals, goals and connections, for optimistic concurrency."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0003_referral_notified_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='connection',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='goal',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='person',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='referral',
            name='version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
