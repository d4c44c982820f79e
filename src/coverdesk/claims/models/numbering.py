"""Claim and incident numbers from configurable sequences, gap-free like policy numbers: the
counter row is locked in the reporting transaction, so a rolled-back report gives its number
back and two reports never share one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.core.models import BaseModel

__all__ = ["ClaimNumberCounter", "ClaimNumberSequence"]


class ClaimNumberSequence(BaseModel):
    """How numbers are made: prefix, the year of the report (optional), a zero-padded counter.
    `code` is "claim" or "incident"."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    prefix = models.CharField(_("prefix"), max_length=20)
    include_year = models.BooleanField(_("include the year"), default=True)
    padding = models.PositiveSmallIntegerField(_("digits"), default=6)

    class Meta:
        verbose_name = _("claim number sequence")
        verbose_name_plural = _("claim number sequences")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(padding__gte=1, padding__lte=12), name="claims_sequence_padding"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ClaimNumberCounter(models.Model):
    sequence = models.ForeignKey(
        ClaimNumberSequence, on_delete=models.CASCADE, related_name="counters"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("claim number counter")
        verbose_name_plural = _("claim number counters")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["sequence", "year"], name="claims_counter_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence_id} {self.year}: {self.last_number}"
