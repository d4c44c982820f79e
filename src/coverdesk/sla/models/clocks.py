"""Standards, clocks, their history, events and follow-up reports.

A clock refers to its subject by (type, id) strings: the engine knows no domain model. Measures
are integers in the unit's measure: business seconds for business_* and working_days, elapsed
seconds for natural_* and natural_days.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel
from coverdesk.sla.choices import UnitChoices
from coverdesk.sla.transitions import ClockState

__all__ = [
    "Audience",
    "ClockKind",
    "EventKind",
    "ProgressReport",
    "RectificationReport",
    "ReplanReason",
    "SegmentKind",
    "SlaClock",
    "SlaClockReplan",
    "SlaClockSegment",
    "SlaEvent",
    "SlaStandard",
    "SlaStandardVersion",
    "StandardArea",
]

STANDARD_CODE_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"


class StandardArea(models.TextChoices):
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Customer service")
    CLAIMS = "claims", _("Claims")
    CLAIMS_BID = "claims_bid", _("Claims (bid commitments)")
    BACK_OFFICE = "back_office", _("Back office")
    AVIATION_BID = "aviation_bid", _("Aviation programme (bid commitments)")
    LAW = "law", _("Law")
    REGULATION = "regulation", _("Regulation")
    FOLLOW_UP = "followup", _("Follow-up tasks")


class Audience(models.TextChoices):
    """Who is told of a warning, resolved against the clock when the event fires."""

    ASSIGNEE = "assignee", _("Assignee")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    MANAGEMENT = "management", _("Management")


class ClockKind(models.TextChoices):
    PRIMARY = "primary", _("Work item")
    PROGRESS_REPORT = "progress_report", _("Progress report to the department head")
    RECTIFICATION_REPORT = "rectification_report", _("Written rectification report")
    CUSTOMER_UPDATE = "customer_update", _("Progress update to the customer")


class EventKind(models.TextChoices):
    YELLOW = "yellow", _("Yellow warning")
    RED = "red", _("Red warning")
    ESCALATION = "escalation", _("Escalation")


class SegmentKind(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")


class ReplanReason(models.TextChoices):
    CALENDAR = "calendar", _("Calendar changed")
    STANDARD = "standard", _("Standard changed")


class SlaStandard(BaseModel):
    """A timeliness standard (时效标准); what it demands lives in its versions."""

    code = models.CharField(
        _("code"),
        max_length=100,
        unique=True,
        validators=[RegexValidator(STANDARD_CODE_PATTERN)],
        help_text=_("Stable, e.g. claims.adjudication.simple"),
    )
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    area = models.CharField(_("area"), max_length=30, choices=StandardArea.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("timeliness standard")
        verbose_name_plural = _("timeliness standards")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SlaStandardVersion(BaseModel):
    """What a standard demands from `effective_from` on. Immutable once written: a change is a
    new version, used by clocks started after it."""

    standard = models.ForeignKey(
        SlaStandard, on_delete=models.PROTECT, related_name="versions", verbose_name=_("standard")
    )
    number = models.PositiveIntegerField(_("version"))
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=30, choices=UnitChoices.choices)
    calendar = models.ForeignKey(
        "sla.Calendar", on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar")
    )
    yellow_ratio = models.DecimalField(
        _("yellow warning at share of allowed time"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
    )
    yellow_notify = models.JSONField(_("told at yellow"), default=list)
    red_notify = models.JSONField(_("told at red"), default=list)
    # [{"ratio": "1.5", "notify": ["management"]}, …]: further escalation after the deadline,
    # at a share of the allowed time above 1, increasing.
    escalations = models.JSONField(_("escalation steps"), default=list, blank=True)
    progress_report_followup = models.BooleanField(
        _("progress report to the department head at yellow"), default=True
    )
    rectification_followup = models.BooleanField(
        _("written rectification report at red"), default=True
    )
    customer_updates = models.BooleanField(
        _("progress update to the customer every working day"), default=False
    )
    source = models.TextField(_("legal or policy source"), blank=True)
    note = models.TextField(_("note"), blank=True)
    effective_from = models.DateTimeField(_("effective from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("timeliness standard version")
        verbose_name_plural = _("timeliness standard versions")
        ordering = ["standard", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "number"], name="sla_standard_version_once"
            ),
            models.CheckConstraint(
                condition=Q(yellow_ratio__gt=0) & Q(yellow_ratio__lt=1),
                name="sla_standard_version_yellow_ratio",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sla_standard_version_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.standard_id} v{self.number}"


class SlaClock(BaseModel):
    """One timed obligation on one subject. Several may run on the same subject."""

    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=30, choices=ClockKind.choices, default=ClockKind.PRIMARY
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("follow-up of"),
    )
    standard_version = models.ForeignKey(
        SlaStandardVersion,
        on_delete=models.PROTECT,
        related_name="clocks",
        verbose_name=_("standard version"),
    )
    calendar_version = models.ForeignKey(
        "sla.CalendarVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("calendar version"),
    )
    # No single-column indexes: (assignee, state) and (department, state) below lead with the
    # same column, and every index here is one more write on each sweep update.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_clocks",
        verbose_name=_("assignee"),
        db_index=False,
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_clocks",
        verbose_name=_("department"),
        db_index=False,
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    resumed_at = models.DateTimeField(_("running since"))  # start of the current running spell
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    consumed = models.BigIntegerField(_("measure used before the running spell"), default=0)
    allowed = models.BigIntegerField(_("measure allowed"))
    warn_at = models.DateTimeField(_("yellow warning at"))
    due_at = models.DateTimeField(_("due at"))
    due_provisional = models.BooleanField(_("deadline provisional"), default=False)
    stage = models.PositiveSmallIntegerField(_("events fired"), default=0)
    next_event_at = models.DateTimeField(_("next event at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    customer_updates = models.BooleanField(
        _("progress update to the customer every working day"), default=False
    )
    # Outcome, written at stop for the KPIs.
    used = models.BigIntegerField(_("measure used"), null=True, blank=True)
    share_used = models.DecimalField(
        _("share of allowed time used"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    met = models.BooleanField(_("met"), null=True, blank=True)
    review_needed = models.BooleanField(_("needs review after a re-plan"), default=False)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("timeliness clock")
        verbose_name_plural = _("timeliness clocks")
        ordering = ["due_at", "id"]
        indexes = [
            # The sweep reads only the rows with an event ahead: cost follows rows due.
            models.Index(
                fields=["next_event_at"],
                condition=Q(next_event_at__isnull=False),
                name="sla_clock_next_event",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="sla_clock_subject"),
            models.Index(fields=["assignee", "state"], name="sla_clock_assignee_state"),
            models.Index(fields=["department", "state"], name="sla_clock_department_state"),
            models.Index(
                fields=["calendar_version"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_clock_open_calendar",
            ),
            # "My tasks": a user's open clocks by due date, without sorting them all.
            models.Index(
                fields=["assignee", "due_at", "id"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_clock_open_worklist",
            ),
            # KPIs count clocks stopped in a period and clocks due in a period.
            models.Index(
                fields=["stopped_at"],
                condition=Q(stopped_at__isnull=False),
                name="sla_clock_stopped",
            ),
            models.Index(fields=["due_at"], name="sla_clock_due"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.standard_version_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)


class SlaClockSegment(models.Model):
    """The clock's history: running and paused spells, each with its reason."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="segments")
    kind = models.CharField(_("kind"), max_length=10, choices=SegmentKind.choices)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("clock segment")
        verbose_name_plural = _("clock segments")
        ordering = ["clock", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind} from {self.started_at.isoformat()}"


class SlaEvent(models.Model):
    """A warning or escalation that fired. The unique key makes each fire once."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    scheduled_at = models.DateTimeField(_("due to fire at"))
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        verbose_name = _("timeliness event")
        verbose_name_plural = _("timeliness events")
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "kind", "level"], name="sla_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.kind} {self.level}"


class SlaClockReplan(models.Model):
    """A running or paused clock moved to a new calendar or standard version: the old and the
    new deadlines, and the time already used that was kept."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="replans")
    reason = models.CharField(_("reason"), max_length=20, choices=ReplanReason.choices)
    old_calendar_version = models.ForeignKey(
        "sla.CalendarVersion", on_delete=models.PROTECT, related_name="+"
    )
    new_calendar_version = models.ForeignKey(
        "sla.CalendarVersion", on_delete=models.PROTECT, related_name="+"
    )
    old_standard_version = models.ForeignKey(
        SlaStandardVersion, on_delete=models.PROTECT, related_name="+"
    )
    new_standard_version = models.ForeignKey(
        SlaStandardVersion, on_delete=models.PROTECT, related_name="+"
    )
    consumed = models.BigIntegerField(_("measure used, kept"))
    old_allowed = models.BigIntegerField(_("measure allowed before"))
    new_allowed = models.BigIntegerField(_("measure allowed after"))
    old_warn_at = models.DateTimeField(_("yellow warning before"))
    new_warn_at = models.DateTimeField(_("yellow warning after"))
    old_due_at = models.DateTimeField(_("due before"))
    new_due_at = models.DateTimeField(_("due after"))
    flagged = models.BooleanField(_("flagged for review"), default=False)
    replanned_at = models.DateTimeField(_("re-planned at"))
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("clock re-plan")
        verbose_name_plural = _("clock re-plans")
        ordering = ["replanned_at", "id"]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.reason} at {self.replanned_at.isoformat()}"


class ProgressReport(BaseModel):
    """The assignee's progress report to the department head after a yellow warning; its
    submission stops the follow-up clock."""

    clock = models.OneToOneField(SlaClock, on_delete=models.PROTECT, related_name="progress_report")
    text = models.TextField(_("progress"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")


class RectificationReport(BaseModel):
    """The department head's written rectification report to management after a red warning;
    its submission stops the follow-up clock, management then reviews it."""

    clock = models.OneToOneField(
        SlaClock, on_delete=models.PROTECT, related_name="rectification_report"
    )
    cause_analysis = models.TextField(_("cause analysis"))
    measures = models.TextField(_("rectification measures"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner of the measures"),
    )
    completion_date = models.DateField(_("measures completed by"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("rectification report")
        verbose_name_plural = _("rectification reports")
