"""The policy list's order (newest period first) as an index: the first page of 100,000 policies
is read from it instead of sorting them all (benchmarks/policy_list.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0003_seed_numbering_and_authority"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="policy",
            index=models.Index(fields=["-period_start", "-id"], name="policies_policy_newest"),
        ),
    ]
