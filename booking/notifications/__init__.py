"""Notifications: in-app rows (exactly once, one unique key per effect) and an outbox for the outside
channels (e-mail, SMS; at least once), delivered by Celery after commit and by a periodic sweeper.

Entry points: `services.notify`, `services.mark_read`, `services.unread_count`, `rendering.render`.
"""
