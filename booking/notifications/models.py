"""In-app notifications and the outbox of the outside channels.

- `Notification`: the truth shown in the app. One row per (user, key): the key names the effect
  ("BOOKING_CONFIRMED:booking:12"), so an effect told twice (a retried task, a replayed request)
  still yields one row (docs/ARCHITECTURE.md I5). Title and message are not stored: they are rendered at
  read time from kind + params in the viewer's language (`rendering.render`).
- `OutboxMessage`: one row per (notification, channel), written in the same transaction as the
  notification, delivered at least once by Celery (on commit, then by the sweeper), with a bounded
  attempt counter: PENDING → SENT, or DEAD after the last failed attempt.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.enums import NotificationKind


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_user(self, user: object) -> NotificationQuerySet:
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def newest_first(self) -> NotificationQuerySet:
        """The API's order for myNotifications (stable for cursors)."""
        return self.order_by("-created_at", "-id")


class Notification(models.Model):
    KEY_MAX = 200

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications",
                             verbose_name=_("user"))
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    key = models.CharField(_("effect key"), max_length=KEY_MAX,
                           help_text=_("Names the effect; one notification per user and key."))
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    booking = models.ForeignKey("booking.Booking", models.SET_NULL, null=True, blank=True,
                                related_name="notifications", verbose_name=_("booking"))
    # The matching app's Allocation; a plain id so this app does not depend on matching.
    # matching sits above booking: a notification keeps its allocation's id, not a foreign key to it
    allocation_id = models.BigIntegerField(_("allocation"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id} ({self.key})"


class OutboxStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    SENT = "SENT", _("Sent")
    DEAD = "DEAD", _("Given up")


class OutboxMessage(models.Model):
    """A notification to send on one outside channel. `next_attempt_at` is both the backoff (when a
    failed message is due again) and the lease (a claimed message is not due while it is being sent)."""

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="outbox",
                                     verbose_name=_("notification"))
    channel = models.CharField(_("channel"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="outbox_once_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id} {self.status}"
