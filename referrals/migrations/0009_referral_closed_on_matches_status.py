"""The database keeps ``closed_on`` consistent with the status: ended referrals have it, open
ones do not. Migration 0005 repairs existing rows first."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0008_repair_referral_closed_on"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='referral',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('closed_on__isnull', False), ('status__in', ('closed', 'declined', 'withdrawn', 'unable_to_contact'))), models.Q(('closed_on__isnull', True), ('status__in', ('received', 'contacted', 'active'))), _connector='OR'), name='referral_closed_on_matches_status'),
        ),
    ]
