"""Stable codes of the timeliness engine with translated labels. The values are those of the
pure engine's enums (`coverdesk.sla.engine.Unit` / `DayKind`); a test keeps them in step."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from coverdesk.sla.engine import DayKind, Unit

__all__ = ["DayKind", "DayKindChoices", "Unit", "UnitChoices"]


class UnitChoices(models.TextChoices):
    NATURAL_MINUTES = Unit.NATURAL_MINUTES.value, _("natural minutes")
    NATURAL_HOURS = Unit.NATURAL_HOURS.value, _("natural hours")
    BUSINESS_MINUTES = Unit.BUSINESS_MINUTES.value, _("business minutes")
    BUSINESS_HOURS = Unit.BUSINESS_HOURS.value, _("business hours")
    WORKING_DAYS = Unit.WORKING_DAYS.value, _("working days")
    NATURAL_DAYS = Unit.NATURAL_DAYS.value, _("natural days")


class DayKindChoices(models.TextChoices):
    HOLIDAY = DayKind.HOLIDAY.value, _("holiday")
    ADJUSTED_WORKING_DAY = DayKind.ADJUSTED_WORKING_DAY.value, _("adjusted working day")
    CUSTOM_HOURS = DayKind.CUSTOM_HOURS.value, _("custom hours")
    CLOSURE = DayKind.CLOSURE.value, _("closure")
