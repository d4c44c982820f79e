"""Accident response (domain.md §3.5): the incident opened by an accident report, with its
response level, the resources dispatched, the major event's steps and the timeliness clocks of
incidents and claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.claims.choices import (
    PERSON_RESOURCES,
    ClockPurpose,
    IncidentStatus,
    ResourceKind,
    ResponseLevel,
)
from coverdesk.core.models import BaseModel

__all__ = ["ClaimClock", "Incident", "IncidentDispatch", "IncidentStatusChange"]

_USER = settings.AUTH_USER_MODEL
_PERSON_KINDS = sorted(kind.value for kind in PERSON_RESOURCES)


class Incident(BaseModel):
    """One accident and the company's response to it; the claims it leads to point here."""

    number = models.CharField(_("incident number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        "parties.Party",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("customer"),
    )
    reported_at = models.DateTimeField(_("reported at"))
    occurred_at = models.DateTimeField(_("occurred at"))
    place = models.CharField(_("place"), max_length=300)
    summary = models.TextField(_("what happened"))
    response_level = models.PositiveSmallIntegerField(
        _("response level"), choices=ResponseLevel.choices
    )
    major_event = models.BooleanField(_("major event"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    coordinator = models.ForeignKey(
        _USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordinator"),
        help_text=_("Who owes the first contact and the dispatch."),
    )
    contacted_at = models.DateTimeField(_("reporter contacted at"), null=True, blank=True)
    contact_note = models.TextField(_("facts confirmed with the reporter"), blank=True)
    dispatched_at = models.DateTimeField(_("resources dispatched at"), null=True, blank=True)
    departed_at = models.DateTimeField(_("team departed at"), null=True, blank=True)
    departure_note = models.CharField(_("departure note"), max_length=300, blank=True)
    major_event_at = models.DateTimeField(_("major event opened at"), null=True, blank=True)
    team_owner = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_owner = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_owner = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team_formed_at = models.DateTimeField(_("emergency team formed at"), null=True, blank=True)
    team_note = models.TextField(_("emergency team"), blank=True)
    response_plan_at = models.DateTimeField(_("response plan at"), null=True, blank=True)
    response_plan = models.TextField(_("first response plan"), blank=True)
    customer_reported_at = models.DateTimeField(
        _("reported to the customer at"), null=True, blank=True
    )
    customer_report = models.TextField(_("report to the customer"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.CharField(_("close note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["status", "-reported_at"], name="claims_incident_board"),
            models.Index(fields=["customer", "-reported_at"], name="claims_incident_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_level__gte=1, response_level__lte=4),
                name="claims_incident_level_range",
            ),
            models.CheckConstraint(
                condition=Q(major_event=False) | Q(major_event_at__isnull=False),
                name="claims_incident_major_event_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class IncidentDispatch(models.Model):
    """One resource sent: a handler or technical expert (a user), a vehicle or equipment."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="dispatches")
    kind = models.CharField(_("resource"), max_length=16, choices=ResourceKind.choices)
    person = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    dispatched_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dispatched resource")
        verbose_name_plural = _("dispatched resources")
        ordering = ["incident", "dispatched_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=_PERSON_KINDS, person__isnull=False)
                | (~Q(kind__in=_PERSON_KINDS) & ~Q(description="")),
                name="claims_dispatch_names_resource",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"


class IncidentStatusChange(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    action = models.CharField(_("action"), max_length=24)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("incident status change")
        verbose_name_plural = _("incident status changes")
        ordering = ["incident", "at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.incident_id} {self.action}"


class ClaimClock(models.Model):
    """Which timeliness clock (sla, by id) measures which step of a claim or an incident. A
    step restarted (after a reopening) gets a new row; the latest row of a purpose counts."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, null=True, blank=True, related_name="clocks"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, null=True, blank=True, related_name="clocks"
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=ClockPurpose.choices)
    standard_code = models.CharField(_("standard"), max_length=100)
    clock_id = models.BigIntegerField(_("timeliness clock"))
    owner = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("claim clock")
        verbose_name_plural = _("claim clocks")
        ordering = ["started_at", "id"]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=Q(claim__isnull=True, incident__isnull=False)
                | Q(claim__isnull=False, incident__isnull=True),
                name="claims_clock_one_owner",
            ),
            models.UniqueConstraint(fields=["clock_id"], name="claims_clock_once"),
        ]
        indexes = [
            models.Index(fields=["claim", "purpose"], name="claims_clock_claim"),
            models.Index(fields=["incident", "purpose"], name="claims_clock_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.clock_id}"
