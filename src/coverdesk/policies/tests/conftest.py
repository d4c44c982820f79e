"""Until accounts.roles carries the policies permissions, the tests give each role group the
proposed ones (`coverdesk.policies.roles`); once it does, this changes nothing."""

import pytest
from django.contrib.auth.models import Group, Permission

from coverdesk.policies.roles import POLICY_ROLE_PERMISSIONS


@pytest.fixture(autouse=True)
def _policy_roles(request):
    if not ({"db", "transactional_db", "role_user"} & set(request.fixturenames)) and not (
        request.node.get_closest_marker("django_db")
    ):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    for role, labels in POLICY_ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    yield
