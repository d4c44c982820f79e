"""Customers: organisations and persons, their contacts, and which organisation a portal user
belongs to. ID numbers, phones and emails are encrypted at rest; exact search goes through the
blind-index columns, which services keep in step with `blind_indexes_refresh`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.fields import BlindIndexField, EncryptedTextField
from coverdesk.core.models import BaseModel
from coverdesk.parties.choices import IndexPurpose, PartyKind


class Party(BaseModel):
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("Organisations only: the 18-character code of GB 32100."),
    )
    id_number = EncryptedTextField(_("ID number"), null=True, blank=True)
    # The unique constraint below indexes it already.
    id_number_index = BlindIndexField(
        source="id_number", purpose=IndexPurpose.ID_NUMBER, db_index=False
    )
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose=IndexPurpose.PHONE)
    email = EncryptedTextField(_("email"), null=True, blank=True)
    email_index = BlindIndexField(source="email", purpose=IndexPurpose.EMAIL)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        permissions = [("view_pii", _("Can see personal data unmasked"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PartyKind.PERSON, credit_code="")
                | Q(kind=PartyKind.ORGANISATION, id_number__isnull=True),
                name="parties_party_fields_match_kind",
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="parties_party_unique_credit_code",
            ),
            models.UniqueConstraint(
                fields=["id_number_index"], name="parties_party_unique_id_number"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(BaseModel):
    party = models.ForeignKey(
        Party, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = EncryptedTextField(_("phone"), null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose=IndexPurpose.PHONE)
    email = EncryptedTextField(_("email"), null=True, blank=True)
    email_index = BlindIndexField(source="email", purpose=IndexPurpose.EMAIL)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"],
                condition=Q(is_primary=True),
                name="parties_contact_one_primary_per_party",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerAccess(BaseModel):
    """The customer organisation a portal user belongs to (one per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="customer_access",
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("customer organisation"),
        on_delete=models.PROTECT,
        related_name="customer_accesses",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer access")
        verbose_name_plural = _("customer accesses")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.party_id}"
