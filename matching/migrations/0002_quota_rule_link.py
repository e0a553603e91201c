# An accepted allocation points at its quota rule by a foreign key (was the rule's id as text).

import django.db.models.deletion
from django.db import migrations, models


def link_rules(apps, schema_editor):
    Allocation = apps.get_model("matching", "Allocation")
    QuotaRule = apps.get_model("booking", "QuotaRule")
    known = set(QuotaRule.objects.values_list("pk", flat=True))
    for allocation in Allocation.objects.exclude(quota_ref=""):
        if allocation.quota_ref.isdigit() and int(allocation.quota_ref) in known:
            allocation.quota_rule_id = int(allocation.quota_ref)
            allocation.save(update_fields=["quota_rule"])


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0001_initial"),
        ("matching", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="quota_rule",
            field=models.OneToOneField(blank=True, help_text="The booking app's quota rule made on accept.",
                                       null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="allocation", to="booking.quotarule",
                                       verbose_name="quota rule"),
        ),
        migrations.RunPython(link_rules, migrations.RunPython.noop),
        migrations.RemoveField(model_name="allocation", name="quota_ref"),
    ]
