import factory
from django.contrib.auth.models import Group

from coverdesk.accounts.models import Department, User
from coverdesk.accounts.roles import ROLE_DEPARTMENT
from coverdesk.accounts.services import departments_ensure_defaults

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Test{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


def make_user(role: str | None = None, **fields) -> User:
    """A user holding one role, placed in the role's default department."""
    department_code = ROLE_DEPARTMENT.get(role) if role else None
    if department_code and "department" not in fields:
        departments_ensure_defaults()
        fields["department"] = Department.objects.get(code=department_code)
    user = UserFactory(**fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
