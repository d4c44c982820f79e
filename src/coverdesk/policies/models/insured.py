"""Insured objects of a customer: the aircraft register and the insured persons, each with a
change history (one row per change, before and after). ID numbers are encrypted at rest and
searched through their blind index; history rows and audit entries hold them masked only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.catalog.choices import PersonCategory
from coverdesk.core.fields import BlindIndexField, EncryptedTextField
from coverdesk.core.masking import mask_id_number
from coverdesk.core.models import BaseModel
from coverdesk.parties.choices import IndexPurpose

__all__ = [
    "Aircraft",
    "AircraftChange",
    "InsuredObjectChangeAction",
    "InsuredPerson",
    "InsuredPersonChange",
    "InsuredPersonStatus",
    "Ownership",
]


class Ownership(models.TextChoices):
    OWNED = "owned", _("Owned (purchased)")
    LEASED = "leased", _("Leased")


class InsuredPersonStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class InsuredObjectChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    IMPORTED = "imported", _("Imported")


class Aircraft(BaseModel):
    customer = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="aircraft",
        verbose_name=_("customer"),
    )
    model = models.CharField(_("model"), max_length=50)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    registration_mark = models.CharField(
        _("registration mark"),
        max_length=20,
        unique=True,
        help_text=_("Stored in capitals without spaces; unique across all customers."),
    )
    serial_number = models.CharField(_("serial number"), max_length=50, blank=True)
    agreed_value = models.DecimalField(_("agreed value"), max_digits=16, decimal_places=2)
    purchase_year = models.PositiveSmallIntegerField(_("year of purchase"))
    crew_seats = models.PositiveSmallIntegerField(_("crew seats"))
    passenger_seats = models.PositiveSmallIntegerField(_("passenger seats"))
    ownership = models.CharField(_("ownership"), max_length=16, choices=Ownership.choices)
    # [{"name": "…", "sum_insured": "1200000.00"}, …]: equipment added to the aircraft, covered
    # under the added-equipment clause for the sums given.
    installed_equipment = models.JSONField(_("installed equipment"), default=list, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("aircraft")
        verbose_name_plural = _("aircraft")
        ordering = ["customer_id", "registration_mark"]
        permissions = [
            ("import_insured_objects", _("Can bulk-import aircraft and insured persons")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreed_value__gt=0), name="policies_aircraft_agreed_value_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.registration_mark}"


class InsuredPerson(BaseModel):
    customer = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="insured_persons",
        verbose_name=_("customer"),
    )
    name = models.CharField(_("name"), max_length=100)
    id_number = EncryptedTextField(_("ID number"))
    # Shares the purpose of customers' ID numbers, so one search finds both.
    id_number_index = BlindIndexField(
        source="id_number", purpose=IndexPurpose.ID_NUMBER, db_index=False
    )
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=PersonCategory.choices)
    department = models.CharField(_("department"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=InsuredPersonStatus.choices,
        default=InsuredPersonStatus.ACTIVE,
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        ordering = ["customer_id", "name", "id"]
        constraints = [
            # The unique constraint indexes the blind index too.
            models.UniqueConstraint(
                fields=["customer", "id_number_index"],
                name="policies_insured_person_once_per_customer",
            ),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True)
                | Q(status="left", left_on__isnull=False),
                name="policies_insured_person_left_on_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


class _Change(models.Model):
    """One change of an insured object: the fields changed, before and after (masked)."""

    action = models.CharField(_("action"), max_length=16, choices=InsuredObjectChangeAction.choices)
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        abstract = True


class AircraftChange(_Change):
    aircraft = models.ForeignKey(
        Aircraft, on_delete=models.CASCADE, related_name="changes", verbose_name=_("aircraft")
    )

    class Meta:
        verbose_name = _("aircraft change")
        verbose_name_plural = _("aircraft changes")
        ordering = ["aircraft", "changed_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.aircraft_id} {self.action}"


class InsuredPersonChange(_Change):
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("insured person"),
    )

    class Meta:
        verbose_name = _("insured person change")
        verbose_name_plural = _("insured person changes")
        ordering = ["person", "changed_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.person_id} {self.action}"
