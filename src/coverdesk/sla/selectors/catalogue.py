"""Reads of the standards catalogue for lists: every standard with its versions in two queries,
and the version in force picked from them without another query."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from coverdesk.sla.models import SlaStandard, SlaStandardVersion
from coverdesk.sla.selectors.clocks import StandardNotFound

__all__ = ["standard_detail", "standard_list", "version_in_force"]


def _with_versions(standards: QuerySet[SlaStandard]) -> QuerySet[SlaStandard]:
    versions = SlaStandardVersion.objects.select_related("calendar", "created_by").order_by(
        "number"
    )
    return standards.prefetch_related(Prefetch("versions", queryset=versions))


def standard_list(*, area: str = "", active: bool | None = None) -> QuerySet[SlaStandard]:
    standards = SlaStandard.objects.order_by("code")
    if area:
        standards = standards.filter(area=area)
    if active is not None:
        standards = standards.filter(is_active=active)
    return _with_versions(standards)


def standard_detail(*, code: str) -> SlaStandard:
    standard = _with_versions(SlaStandard.objects.filter(code=code)).first()
    if standard is None:
        raise StandardNotFound(params={"code": code})
    return standard


def version_in_force(standard: SlaStandard, *, now: datetime) -> SlaStandardVersion | None:
    """The latest version effective at `now`, from the prefetched versions (as
    `standard_version_current`, without a query)."""
    effective = [v for v in standard.versions.all() if v.effective_from <= now]
    if not effective:
        return None
    return max(effective, key=lambda v: (v.effective_from, v.number))
