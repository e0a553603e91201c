"""The demo's needs stage: the generator's `District.needs` as Need rows (bulk, dates from today).

Needs of the first community are posted by `demo-worker`; the others have no recorded poster (the
generator stands for their workers). Runs inside `load_demo`'s transaction.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from marketplace.demo.loader import DemoContext, Progress
from marketplace.demo.stages import DemoStage
from matching.models import Need

BATCH = 1000


def load_needs(ctx: DemoContext, progress: Progress) -> None:
    d = ctx.district
    now = timezone.now()
    first = d.communities[0].key if d.communities else None
    worker = ctx.users.get("demo-worker")
    rows = [Need(
        community_id=ctx.communities[n.community_key], category=n.category, title=n.title, quantity=n.quantity,
        weekday_pattern=n.weekday_pattern, weekdays=list(n.weekdays), start_time=n.start, end_time=n.end,
        ends_next_day=n.ends_next_day, starts_on=ctx.today + dt.timedelta(days=n.starts_offset_days),
        ends_on=ctx.today + dt.timedelta(days=n.ends_offset_days), target_group=n.target_group,
        max_distance_m=n.max_distance_m, priority=n.priority,
        created_by_id=worker if n.community_key == first else None,
        created_at=now, updated_at=now, demo_key=n.key) for n in d.needs]
    for i in range(0, len(rows), BATCH):
        chunk = rows[i:i + BATCH]
        Need.objects.bulk_create(chunk)
        progress(len(chunk))


STAGES = (DemoStage("needs", 10, load_needs, lambda d: len(d.needs), (("needs", Need),)),)
