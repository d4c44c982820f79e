"""Fixtures of the policies tests.

- Until accounts.roles carries the policies permissions, each role group gets the proposed ones
  (`coverdesk.policies.roles`); once it does, this changes nothing.
- A transactional test elsewhere ends with a flush, after which the root conftest replays only
  the seed migrations it lists; the aviation product (catalog 0002) and the policies defaults
  (policies 0003) are put back here when missing.
"""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from coverdesk.policies.roles import POLICY_ROLE_PERMISSIONS

SEEDS = [
    ("coverdesk.catalog.migrations.0002_aviation_product", "catalog", "Product"),
    (
        "coverdesk.policies.migrations.0003_seed_numbering_and_authority",
        "policies",
        "AuthorityLimit",
    ),
]


@pytest.fixture(autouse=True)
def _policy_roles_and_seeds(request):
    if not ({"db", "transactional_db", "role_user"} & set(request.fixturenames)) and not (
        request.node.get_closest_marker("django_db")
    ):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    for module, app_label, model in SEEDS:
        if not apps.get_model(app_label, model).objects.exists():
            import_module(module).seed(apps, None)
    for role, labels in POLICY_ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    yield
