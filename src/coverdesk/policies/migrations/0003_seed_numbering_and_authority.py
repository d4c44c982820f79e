"""Defaults an administrator changes later: the default policy number sequence
(CD + year + 6 digits, e.g. CD2025000001) and the authority limits of underwriting (total sum
insured) and servicing (premium change or refund). The limits are shipped DEFAULTS, changed by
an administrator with `authority_limit_set`; empty means without limit."""

from decimal import Decimal as D

from django.db import migrations

AUTHORITY = [
    # role, kind, limit
    ("broker", "underwriting", D("5000000.00")),
    ("head", "underwriting", D("100000000.00")),
    ("manager", "underwriting", None),
    ("clerk", "servicing", D("10000.00")),
    ("head", "servicing", D("1000000.00")),
    ("manager", "servicing", None),
]


def seed(apps, schema_editor):
    PolicyNumberSequence = apps.get_model("policies", "PolicyNumberSequence")
    AuthorityLimit = apps.get_model("policies", "AuthorityLimit")
    PolicyNumberSequence.objects.get_or_create(
        code="default", defaults={"prefix": "CD", "include_year": True, "padding": 6}
    )
    for role, kind, limit in AUTHORITY:
        AuthorityLimit.objects.get_or_create(role=role, kind=kind, defaults={"limit": limit})


def unseed(apps, schema_editor):
    PolicyNumberSequence = apps.get_model("policies", "PolicyNumberSequence")
    AuthorityLimit = apps.get_model("policies", "AuthorityLimit")
    AuthorityLimit.objects.filter(
        role__in=[row[0] for row in AUTHORITY], kind__in=["underwriting", "servicing"]
    ).delete()
    PolicyNumberSequence.objects.filter(code="default", counters__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_new_business_policies_servicing")]

    operations = [migrations.RunPython(seed, unseed)]
