"""The claim number sequences and claims authority limits come from claims' data migration,
which a transactional test's flush removes. Until that migration is in the shared
SEED_MIGRATIONS list (src/coverdesk/conftest.py), each test that uses the database puts them
back (the seed is idempotent)."""

from importlib import import_module

import pytest

_SEED = "coverdesk.claims.migrations.0002_seed_numbering_and_authority"


@pytest.fixture(autouse=True)
def _claims_seed(request):
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    import_module(_SEED).seed(apps, None)
