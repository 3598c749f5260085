"""A version on people, referrals, goals and connections, for optimistic concurrency."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0006_intake_possible_match_and_submission_key'),
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
