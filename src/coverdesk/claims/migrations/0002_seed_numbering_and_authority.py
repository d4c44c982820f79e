"""Defaults an administrator changes later: the claim and incident number sequences
(CL + year + 6 digits, e.g. CL2026000001; IN + year + 6 digits) and the claims authority limits
(a reserve per coverage; an amount approved). The limits are shipped DEFAULTS, documented in
docs/claims.md; empty means without limit."""

from decimal import Decimal as D

from django.db import migrations

SEQUENCES = [("claim", "CL"), ("incident", "IN")]
AUTHORITY = [
    # role, kind, limit
    ("adjuster", "reserve", D("1000000.00")),
    ("head", "reserve", D("20000000.00")),
    ("manager", "reserve", None),
    ("adjuster", "approval", D("200000.00")),
    ("head", "approval", D("5000000.00")),
    ("manager", "approval", None),
]


def seed(apps, schema_editor):
    ClaimNumberSequence = apps.get_model("claims", "ClaimNumberSequence")
    ClaimAuthorityLimit = apps.get_model("claims", "ClaimAuthorityLimit")
    for code, prefix in SEQUENCES:
        ClaimNumberSequence.objects.get_or_create(
            code=code, defaults={"prefix": prefix, "include_year": True, "padding": 6}
        )
    for role, kind, limit in AUTHORITY:
        ClaimAuthorityLimit.objects.get_or_create(role=role, kind=kind, defaults={"limit": limit})


def unseed(apps, schema_editor):
    ClaimNumberSequence = apps.get_model("claims", "ClaimNumberSequence")
    ClaimAuthorityLimit = apps.get_model("claims", "ClaimAuthorityLimit")
    ClaimAuthorityLimit.objects.filter(
        role__in=[row[0] for row in AUTHORITY], kind__in=["reserve", "approval"]
    ).delete()
    ClaimNumberSequence.objects.filter(
        code__in=[code for code, _prefix in SEQUENCES], counters__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_claims_incidents_materials_reserves_payments")]

    operations = [migrations.RunPython(seed, unseed)]
