"""Business calendars. A calendar's content lives in immutable versions: every edit makes a new
version with its own copy of the day overrides, so a deadline can always name the exact
calendar it was computed with, and re-planning compares two versions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel
from coverdesk.sla.choices import DayKindChoices

__all__ = ["Calendar", "CalendarDay", "CalendarVersion"]


class Calendar(BaseModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    always_open = models.BooleanField(
        _("always open"),
        default=False,
        help_text=_("Every minute counts (7×24): no working windows and no day overrides."),
    )
    current_version = models.ForeignKey(
        "CalendarVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class CalendarVersion(models.Model):
    """One immutable snapshot. `weekly_windows` holds seven lists (Monday first) of
    ["HH:MM", "HH:MM"] pairs; "24:00" ends a window at midnight."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    # Identifies this row's content for the compiled-table cache: an id can come back after a
    # rolled-back transaction on SQLite, a uid cannot.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    timezone = models.CharField(_("time zone"), max_length=64)
    weekly_windows = models.JSONField(_("weekly working windows"))
    published_through = models.DateField(
        _("published through"),
        help_text=_(
            "Last day covered by the official holiday notice; later deadlines are provisional."
        ),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("calendar version")
        verbose_name_plural = _("calendar versions")
        ordering = ["calendar", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "number"], name="sla_calendarversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="sla_calendarversion_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id}/v{self.number}"


class CalendarDay(models.Model):
    """A day that differs from the weekly pattern in one version. `windows` is a list of
    ["HH:MM", "HH:MM"] pairs: required for custom hours, optional for an adjusted working day
    (empty = the calendar's standard windows), empty for holidays and closures."""

    version = models.ForeignKey(
        CalendarVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=DayKindChoices.choices)
    windows = models.JSONField(_("working windows"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["version", "date"]
        constraints = [
            models.UniqueConstraint(fields=["version", "date"], name="sla_calendarday_unique_date"),
            models.CheckConstraint(
                condition=Q(kind__in=DayKindChoices.values), name="sla_calendarday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"
