"""Acknowledgements of timeliness warnings: each recipient of a yellow, red or escalation event
acknowledges it for themselves ("seen, on it"), once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SlaEventAcknowledgement"]


class SlaEventAcknowledgement(models.Model):
    event = models.ForeignKey(
        "sla.SlaEvent",
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("warning"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("warning acknowledgement")
        verbose_name_plural = _("warning acknowledgements")
        ordering = ["acknowledged_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="sla_event_ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} by {self.user_id}"
