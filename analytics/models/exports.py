"""Exported assets (PostHog's ``ExportedAsset``): a CSV of an insight or of a query, made async."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

EXPORT_LIFETIME = timedelta(days=7)


def default_expiry():
    return timezone.now() + EXPORT_LIFETIME


class ExportedAsset(models.Model):
    class ExportFormat(models.TextChoices):
        CSV = "text/csv", "CSV"
        PNG = "image/png", "PNG"
        PDF = "application/pdf", "PDF"
        XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"

    team = models.ForeignKey("tenancy.Team", on_delete=models.CASCADE, related_name="+")
    insight = models.ForeignKey("analytics.Insight", on_delete=models.CASCADE, null=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    export_format = models.CharField(max_length=100, choices=ExportFormat.choices)
    # {"source": <query node>} for a query's CSV; the insight's own query otherwise. ``job_id``
    # names the async job computing it (query_engine.refresh) until the content is written.
    export_context = models.JSONField(null=True, blank=True)
    job_id = models.CharField(max_length=200, null=True, blank=True)
    content = models.BinaryField(null=True)
    exception = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_after = models.DateTimeField(default=default_expiry)

    class Meta:
        indexes = [models.Index(fields=["team", "-created_at"])]

    def __str__(self) -> str:
        return f"export {self.id} ({self.export_format})"

    @property
    def has_content(self) -> bool:
        return self.content is not None

    @property
    def finished(self) -> bool:
        """The CSV is written or the job failed: nothing more will change."""
        return self.content is not None or self.exception is not None

    @property
    def filename(self) -> str:
        base = "export"
        context = self.export_context or {}
        if context.get("filename"):
            base = slugify(str(context["filename"])) or base
        elif self.insight is not None:
            name = slugify(self.insight.name or self.insight.derived_name or "")
            base = f"{base}-{name}" if name else base
        extension = {"text/csv": "csv", "image/png": "png", "application/pdf": "pdf"}.get(
            self.export_format, "xlsx"
        )
        return f"{base}.{extension}"
