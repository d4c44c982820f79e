from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    PERSON = "person", _("Person")


class IndexPurpose(models.TextChoices):
    """Blind-index purposes: every column holding the same kind of value shares one, so a phone
    number is found whether it sits on a party or on a contact."""

    ID_NUMBER = "id_number", _("ID number")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
