from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from coverdesk.accounts.choices import RoleCode
from coverdesk.accounts.models import ApiToken, Department, User
from coverdesk.accounts.roles import ROLE_PERMISSIONS, roles_sync
from coverdesk.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    departments_ensure_defaults,
    user_create,
    user_language_set,
)
from coverdesk.accounts.tests.factories import make_user
from coverdesk.audit.models import AuditEntry
from coverdesk.core.exceptions import NotFound, ValidationFailed

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_every_role_is_a_group_holding_exactly_its_permissions():
    # given migrations have run; when roles are synced again
    missing = roles_sync()
    # then every named permission exists and each group holds exactly its list
    assert missing == []
    assert set(Group.objects.values_list("name", flat=True)) >= set(RoleCode.values)
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == set(permissions), role


@pytest.mark.django_db
def test_departments_are_created_once():
    departments_ensure_defaults()
    departments_ensure_defaults()
    assert list(Department.objects.order_by("code").values_list("code", flat=True)) == [
        "back_office",
        "claims",
        "customer_service",
        "it",
        "management",
        "sales",
    ]
    assert AuditEntry.objects.filter(action="department.create").count() == 6


@pytest.mark.django_db
def test_token_is_shown_once_stored_hashed_and_authenticates():
    # given
    broker = make_user("broker")
    # when
    issued = api_token_create(user=broker, name="CRM sync", acting_user=broker, now=NOW)
    # then
    token = ApiToken.objects.get()
    assert issued.plaintext.startswith(f"cdk_{token.prefix}_")
    assert issued.plaintext not in (token.token_hash, token.prefix, token.name)
    assert len(token.token_hash) == 64
    assert api_token_authenticate(raw=issued.plaintext, now=NOW) == broker
    token.refresh_from_db()
    assert token.last_used_at == NOW
    assert AuditEntry.objects.filter(action="api_token.create", subject_id=str(token.pk)).exists()


@pytest.mark.django_db
def test_revoked_expired_and_unknown_tokens_do_not_authenticate():
    broker = make_user("broker")
    revoked = api_token_create(user=broker, name="old", acting_user=broker, now=NOW)
    expiring = api_token_create(
        user=broker, name="short", acting_user=broker, expires_at=NOW + timedelta(hours=1), now=NOW
    )
    api_token_revoke(token_id=revoked.token.pk, acting_user=broker, now=NOW)
    assert api_token_authenticate(raw=revoked.plaintext, now=NOW) is None
    assert api_token_authenticate(raw=expiring.plaintext, now=NOW + timedelta(minutes=59)) == broker
    assert api_token_authenticate(raw=expiring.plaintext, now=NOW + timedelta(hours=1)) is None
    assert api_token_authenticate(raw="cdk_deadbeef_nothing", now=NOW) is None
    assert api_token_authenticate(raw="Bearer junk", now=NOW) is None


@pytest.mark.django_db
def test_tokens_of_a_deactivated_user_stop_working():
    broker = make_user("broker")
    issued = api_token_create(user=broker, name="x", acting_user=broker, now=NOW)
    User.objects.filter(pk=broker.pk).update(is_active=False)
    assert api_token_authenticate(raw=issued.plaintext, now=NOW) is None


@pytest.mark.django_db
def test_nobody_revokes_another_users_token_and_nothing_changes():
    owner, other = make_user("broker"), make_user("clerk")
    issued = api_token_create(user=owner, name="x", acting_user=owner, now=NOW)
    audit_count = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        api_token_revoke(token_id=issued.token.pk, acting_user=other, now=NOW)
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is None
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.django_db
def test_an_administrator_may_revoke_any_token():
    owner, admin = make_user("broker"), make_user("admin")
    issued = api_token_create(user=owner, name="x", acting_user=owner, now=NOW)
    api_token_revoke(token_id=issued.token.pk, acting_user=admin, now=NOW)
    issued.token.refresh_from_db()
    assert issued.token.revoked_at == NOW


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "expires_at", "field", "rule"),
    [
        ("  ", None, "name", "required"),
        ("x" * 101, None, "name", "max_length"),
        ("ok", NOW - timedelta(seconds=1), "expires_at", "future"),
    ],
)
def test_bad_token_requests_name_the_field_and_write_nothing(name, expires_at, field, rule):
    broker = make_user("broker")
    with pytest.raises(ValidationFailed) as excinfo:
        api_token_create(user=broker, name=name, expires_at=expires_at, acting_user=broker, now=NOW)
    assert [(f.field, f.rule) for f in excinfo.value.fields] == [(field, rule)]
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_user_create_enforces_the_password_policy_and_unique_names(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as excinfo:
        user_create(username="newclerk", password="short", acting_user=admin, roles=["clerk"])
    assert {f.field for f in excinfo.value.fields} == {"password"}
    assert not User.objects.filter(username="newclerk").exists()

    user = user_create(
        username="newclerk",
        password="a-long-enough-passphrase-42",
        acting_user=admin,
        roles=["clerk"],
    )
    assert user.check_password("a-long-enough-passphrase-42")
    assert user.password.startswith("argon2$")
    assert list(user.groups.values_list("name", flat=True)) == ["clerk"]
    with pytest.raises(ValidationFailed) as excinfo:
        user_create(username="NewClerk", password=None, acting_user=admin)
    assert excinfo.value.fields[0].rule == "unique"


@pytest.mark.django_db
def test_unknown_role_rolls_back_the_new_user():
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as excinfo:
        user_create(username="ghost", password=None, acting_user=admin, roles=["pilot"])
    assert excinfo.value.fields[0].field == "roles"
    assert not User.objects.filter(username="ghost").exists()


@pytest.mark.django_db
def test_language_preference_is_validated_and_audited():
    agent = make_user("agent")
    user_language_set(user=agent, language="en")
    agent.refresh_from_db()
    assert agent.language == "en"
    assert AuditEntry.objects.filter(action="user.language_set").count() == 1
    with pytest.raises(ValidationFailed):
        user_language_set(user=agent, language="fr")
    agent.refresh_from_db()
    assert agent.language == "en"
