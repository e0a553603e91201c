"""How often each Celery task message was started, so a poison message is given up, not looped."""

from __future__ import annotations

from django.db import models


class TaskDelivery(models.Model):
    task_id = models.CharField(max_length=255, unique=True)
    name = models.CharField(max_length=200)
    deliveries = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(auto_now_add=True)
    last_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.name}[{self.task_id}] x{self.deliveries}"
