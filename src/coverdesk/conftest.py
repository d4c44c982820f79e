"""Fixtures shared by every app's tests."""

from __future__ import annotations

import shutil

import pytest
from django.db import connection, connections

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is deliberately slow; tests hash hundreds of passwords. The production hasher is
    # still checked where it matters (accounts tests put it first again).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)


_AUDIT_TABLE = "audit_auditentry"
_stashed_sqlite_triggers: dict[str, str] = {}

# Rows that data migrations put in and a flush takes out; replayed after every flush, in order.
SEED_MIGRATIONS = [
    ("coverdesk.sla.migrations", "0002_seed_calendars"),
    ("coverdesk.sla.migrations", "0004_seed_standards"),
    ("coverdesk.sla.migrations", "0006_seed_evaluation_rule"),
    ("coverdesk.sla.migrations", "0008_seed_servicing_standard"),
    ("coverdesk.catalog.migrations", "0002_aviation_product"),
    ("coverdesk.policies.migrations", "0003_seed_numbering_and_authority"),
    ("coverdesk.claims.migrations", "0002_seed_numbering_and_authority"),
    ("coverdesk.servicedesk.migrations", "0002_seed_service_desk_standards"),
]


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


def _audit_guards(enable: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            state = "ENABLE" if enable else "DISABLE"
            cursor.execute(f"ALTER TABLE {_AUDIT_TABLE} {state} TRIGGER USER")
        elif enable:
            for name, sql in _stashed_sqlite_triggers.items():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                cursor.execute(sql)
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name=%s",
                [_AUDIT_TABLE],
            )
            for name, sql in cursor.fetchall():
                _stashed_sqlite_triggers[name] = sql
                cursor.execute(f'DROP TRIGGER "{name}"')


def _seed_data_replay() -> None:
    from importlib import import_module

    from django.apps import apps

    for package, name in SEED_MIGRATIONS:
        import_module(f"{package}.{name}").seed(apps, None)


@pytest.fixture(autouse=True)
def _transactional_cleanup_prepared(request):
    """A transactional test ends with a flush (TRUNCATE/DELETE) that the audit table's
    append-only triggers would refuse: lift them just before it. pytest_runtest_teardown
    below puts them back, with the seed rows, once the flush is done."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        yield
        return
    # Set up after the database fixture, so this teardown runs before its flush.
    request.getfixturevalue("_django_db_helper")
    yield
    if _is_transactional(request):
        _audit_guards(enable=False)
        request.node._coverdesk_flushed = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    # After the last test the session's teardown has already dropped the test database.
    if nextitem is None or not getattr(item, "_coverdesk_flushed", False):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _audit_guards(enable=True)
        _seed_data_replay()
        connections.close_all()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services and commands speak the active language; tests read their messages in
    English unless they switch. Requests still pick their language as in production (the
    user's cookie, else Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def role_user(db):
    """role_user("clerk") -> a saved user holding that role."""
    from coverdesk.accounts.tests.factories import make_user

    return make_user


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's chromium, pointed at the live server."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` as root or apt-get install chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # around it are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # ORM calls made while the loop ran may have opened connections of their own;
            # left open, they keep PostgreSQL from dropping the test database.
            connections.close_all()
