"""The service desk's timeliness standards come from its data migration, which a transactional
test's flush removes. Until that migration is in the shared SEED_MIGRATIONS list, each test
that uses the database puts them back (the seed is idempotent)."""

from importlib import import_module

import pytest

_SEED = "coverdesk.servicedesk.migrations.0002_seed_service_desk_standards"


@pytest.fixture(autouse=True)
def _servicedesk_standards(request):
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    import_module(_SEED).seed(apps, None)
