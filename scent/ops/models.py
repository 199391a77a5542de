"""Operational state shared by every machine (web, worker, scheduler)."""

from __future__ import annotations

from django.db import models


class MaintenanceMode(models.Model):
    """The site is down for maintenance while this single row exists (MAINTENANCE_DRIVER=database).

    Managed through scent.ops.maintenance (`scent down` / `scent up`), never edited directly.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    secret = models.CharField(max_length=255, blank=True)
    status = models.PositiveSmallIntegerField(default=503)
    retry = models.PositiveIntegerField(null=True, blank=True)
    refresh = models.PositiveIntegerField(null=True, blank=True)
    redirect = models.CharField(max_length=2048, blank=True)
    template = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()

    class Meta:
        verbose_name = "maintenance mode"
        verbose_name_plural = "maintenance mode"

    def __str__(self) -> str:
        return f"down since {self.started_at:%Y-%m-%d %H:%M}"
