"""Claim materials: the checklist built from the catalogue, the files received (stored under
MEDIA_ROOT, outside the web root, served only through the access checks) and the one-time
notices of what is missing (Insurance Law art. 22)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coverdesk.claims.choices import FilePurpose, MaterialStatus

__all__ = ["ClaimFile", "ClaimMaterial", "MaterialRequest"]

_USER = settings.AUTH_USER_MODEL


class ClaimMaterial(models.Model):
    """One item of the claim's checklist, copied from the catalogue (each code once per claim,
    however many exposures ask for it)."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    coverage_code = models.CharField(_("asked for by coverage"), max_length=50)
    loss_type = models.CharField(_("asked for by loss type"), max_length=32)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("claim material")
        verbose_name_plural = _("claim materials")
        ordering = ["claim", "position", "id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["claim", "code"], name="claims_material_once"),
            models.CheckConstraint(
                condition=~Q(status=MaterialStatus.RECEIVED) | Q(received_at__isnull=False),
                name="claims_material_received_at",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ClaimFile(models.Model):
    """A file received: with the report, as a claim material, or as a survey photo. `path` is
    relative to MEDIA_ROOT; the name on disk is random, never the uploaded name."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="files")
    purpose = models.CharField(_("purpose"), max_length=16, choices=FilePurpose.choices)
    material = models.ForeignKey(
        ClaimMaterial, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    survey = models.ForeignKey(
        "claims.Survey", on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    path = models.CharField(_("stored as"), max_length=300, unique=True)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("claim file")
        verbose_name_plural = _("claim files")
        ordering = ["claim", "uploaded_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(purpose=FilePurpose.MATERIAL, material__isnull=False, survey__isnull=True)
                    | Q(purpose=FilePurpose.SURVEY, material__isnull=True, survey__isnull=False)
                    | Q(purpose=FilePurpose.REPORT, material__isnull=True, survey__isnull=True)
                ),
                name="claims_file_purpose_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class MaterialRequest(models.Model):
    """一次性告知: one notice listing every missing item. The first is the consolidated notice
    the law asks for; any later one needs the reason recorded."""

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="material_requests"
    )
    sequence = models.PositiveSmallIntegerField(_("request"))
    items = models.JSONField(_("items asked for"))
    reason = models.CharField(_("reason for asking again"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        _USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("answered in full at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material request")
        verbose_name_plural = _("material requests")
        ordering = ["claim", "sequence"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "sequence"], name="claims_material_request_once"
            ),
            models.CheckConstraint(
                condition=Q(sequence=1) | ~Q(reason=""),
                name="claims_material_request_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} #{self.sequence}"
