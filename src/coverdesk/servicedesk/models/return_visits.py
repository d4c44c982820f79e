"""Return visits (回访): programmes per customer (quarterly or half-yearly by default, and after
closed claims and completed servicing requests, sampled), and the visits themselves, each a
clocked task with a script and a recorded outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel
from coverdesk.servicedesk.choices import (
    VisitFrequency,
    VisitOutcome,
    VisitReason,
    VisitStatus,
)

__all__ = ["ReturnVisit", "ReturnVisitProgramme", "ReturnVisitStatusChange"]

_USER = settings.AUTH_USER_MODEL


class ReturnVisitProgramme(BaseModel):
    """One customer's programme. `next_visit_on` is the next scheduled visit still to plan;
    `sample_percent` of the closed claims and completed servicing requests get a visit
    (chosen reproducibly from the event, so asking twice gives the same answer)."""

    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="return_visit_programmes",
    )
    name = models.CharField(_("name"), max_length=200)
    frequency = models.CharField(
        _("frequency"),
        max_length=16,
        choices=VisitFrequency.choices,
        default=VisitFrequency.QUARTERLY,
    )
    starts_on = models.DateField(_("first visit on"))
    next_visit_on = models.DateField(_("next scheduled visit"), null=True, blank=True)
    after_claims = models.BooleanField(_("visit after closed claims"), default=True)
    after_servicing = models.BooleanField(
        _("visit after completed servicing requests"), default=True
    )
    sample_percent = models.PositiveSmallIntegerField(_("share of events visited (%)"), default=100)
    script = models.TextField(_("script"))
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        _USER,
        verbose_name=_("visits made by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("return-visit programme")
        verbose_name_plural = _("return-visit programmes")
        ordering = ["customer", "id"]
        default_permissions = ("view",)
        permissions = [
            ("manage_return_visits", _("Can plan, perform and record return visits")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__lte=100), name="servicedesk_programme_sample_percent"
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(is_active=True),
                name="servicedesk_programme_one_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReturnVisit(BaseModel):
    programme = models.ForeignKey(
        ReturnVisitProgramme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    customer = models.ForeignKey(
        "parties.Party",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="return_visits",
    )
    reason = models.CharField(_("reason"), max_length=24, choices=VisitReason.choices)
    # What the visit follows up (a closed claim, a servicing request), by type and id.
    source_type = models.CharField(_("follows up"), max_length=100, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    source_reference = models.CharField(_("reference"), max_length=100, blank=True)
    planned_on = models.DateField(_("planned for"))
    status = models.CharField(
        _("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    assignee = models.ForeignKey(
        _USER,
        verbose_name=_("visit made by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    script = models.TextField(_("script"))
    clock_id = models.BigIntegerField(_("timeliness clock"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("what the customer said"), blank=True)
    contact_person = models.CharField(_("spoke with"), max_length=100, blank=True)
    performed_at = models.DateTimeField(_("performed at"), null=True, blank=True)
    performed_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["planned_on", "id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["status", "planned_on"], name="servicedesk_visit_planner"),
            models.Index(fields=["customer", "-planned_on"], name="servicedesk_visit_customer"),
        ]
        constraints = [
            # A scheduled date is planned once, an event is visited once.
            models.UniqueConstraint(
                fields=["programme", "planned_on"],
                condition=Q(reason="periodic"),
                name="servicedesk_visit_periodic_once",
            ),
            models.UniqueConstraint(
                fields=["source_type", "source_id"],
                condition=~Q(source_type=""),
                name="servicedesk_visit_event_once",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason} {self.planned_on}"


class ReturnVisitStatusChange(models.Model):
    visit = models.ForeignKey(ReturnVisit, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("return visit status change")
        verbose_name_plural = _("return visit status changes")
        ordering = ["visit", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.visit_id} {self.action}"
