"""`python manage.py run_matching [--horizon-days N] [--subdistrict NAME]` (docs/CLI.md).

Queues a match run as the system and waits for it with a progress bar; prints served/demand, bound, gap,
starved communities and the time. Bad input (or a conflicting run): a message and exit 2; a failed run:
its error and exit 1. Without a broker the run happens in this process (eager Celery).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from tqdm import tqdm

from core.errors import ServiceError
from marketplace.models import Subdistrict
from matching.models import MatchRun, MatchRunStatus
from matching.services.runs import HORIZON_DEFAULT, start_match_run

POLL_S = 0.5


class Command(BaseCommand):
    help = "Runs the matcher over the district (or one subdistrict) and waits for the result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--horizon-days", type=int, default=HORIZON_DEFAULT, help="days from tomorrow (1..90)")
        parser.add_argument("--subdistrict", default=None, help="the name of one subdistrict (default: all)")
        parser.add_argument("--timeout", type=float, default=3600.0, help="stop waiting after this many seconds")

    def handle(self, *args: Any, horizon_days: int, subdistrict: str | None, timeout: float,
               **options: Any) -> None:
        scope = None
        if subdistrict is not None:
            scope = Subdistrict.objects.filter(name=subdistrict).first()
            if scope is None:
                raise CommandError(f"There is no subdistrict named {subdistrict!r}.", returncode=2)
        started = time.monotonic()
        try:
            run = start_match_run(actor=None, horizon_days=horizon_days, subdistrict=scope)
        except ServiceError as exc:
            raise CommandError("; ".join(str(e.message) for e in exc.errors), returncode=2) from exc
        run = self._wait(run, started + timeout, quiet=options.get("verbosity", 1) == 0)
        elapsed = time.monotonic() - started
        if run.status == MatchRunStatus.FAILED:
            raise CommandError(f"Match run {run.pk} failed: {run.error}", returncode=1)
        if run.status != MatchRunStatus.SUCCEEDED:
            raise CommandError(f"Match run {run.pk} is still {run.status} after {timeout:g} s.", returncode=1)
        self.stdout.write(
            f"Match run {run.pk}: served {run.served_quantity}/{run.demand_quantity}, "
            f"bound {run.bound or 0:.0f}, gap {100 * (run.gap or 0):.2f} %, "
            f"starved communities {run.starved_communities or 0}, time {elapsed:.1f} s, "
            f"solver budget {run.solver_budget or 0:.2f} (deterministic"
            f"{'' if run.reproducible is not False else '; a wall-clock limit bound: not reproducible'})")

    def _wait(self, run: MatchRun, deadline: float, *, quiet: bool) -> MatchRun:
        with tqdm(total=100, unit="%", desc=f"match run {run.pk}", file=self.stderr, disable=quiet) as bar:
            while True:
                close_old_connections()
                run.refresh_from_db()
                bar.update(max(0, round(run.progress * 100) - bar.n))
                bar.set_postfix_str(run.status.lower())
                if run.is_final or time.monotonic() > deadline:
                    return run
                time.sleep(POLL_S)
