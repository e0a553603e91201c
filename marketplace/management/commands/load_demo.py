"""`python manage.py load_demo [--scale S] [--seed N] [--force] [--demo-passwords]` (docs/CLI.md)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from marketplace.demo import stages
from marketplace.demo.district import generate
from marketplace.demo.loader import DemoContext
from marketplace.models import DemoDistrict, User


class Command(BaseCommand):
    help = "Builds the reference district (Xicheng): subdistricts, communities, units, resources, people."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0, help="size factor (1 = Xicheng; 16 = a city)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same district")
        parser.add_argument("--force", action="store_true",
                            help="load even when the database holds users that load_demo did not create")
        parser.add_argument("--demo-passwords", action="store_true",
                            help="give the demo accounts the password 'demo' (the default only with debug on)")

    def handle(self, *args: Any, scale: float, seed: int, force: bool, demo_passwords: bool = False,
               **options: Any) -> None:
        if not 0.05 <= scale <= 32:
            raise CommandError("--scale must be between 0.05 and 32", returncode=2)
        if seed < 0:
            raise CommandError("--seed must be 0 or more", returncode=2)
        existing = DemoDistrict.objects.first()
        if existing is not None:
            if existing.scale == scale and existing.seed == seed:
                self.stdout.write(f"The demo district (scale {scale:g}, seed {seed}) is already loaded; "
                                  "nothing to do.")
                self._print_counts()
                return
            raise CommandError(
                f"This database holds the demo district at scale {existing.scale:g}, seed {existing.seed}. "
                "Use an empty database (set SQLITE_PATH or DATABASE_URL) or empty this one with "
                "`python manage.py flush`.", returncode=2)
        foreign = User.objects.filter(demo=False).count()
        if foreign and not force:
            raise CommandError(
                f"The database holds {foreign} user(s) that load_demo did not create; refusing to add the demo "
                "district beside them. Run again with --force to load it anyway.", returncode=2)

        started = time.monotonic()
        district = generate(scale=scale, seed=seed)
        # With debug off (a server others reach) no account gets the well-known password unless asked.
        with_passwords = demo_passwords or settings.DEBUG
        ctx = DemoContext(district=district, today=timezone.localdate(), demo_passwords=with_passwords)
        plan = stages.plan(ctx)
        total = sum(rows for _, _, rows in plan)
        with transaction.atomic(), tqdm(total=total, unit="row", desc="load_demo", file=self.stderr,
                                        disable=options.get("verbosity", 1) == 0) as bar:
            for name, stage, _rows in plan:
                bar.set_postfix_str(name)
                stage(ctx, bar.update)
            DemoDistrict.objects.create(scale=scale, seed=seed, counts=stages.counts())
        self.stdout.write(f"Loaded the demo district (scale {scale:g}, seed {seed}) in "
                          f"{time.monotonic() - started:.1f} s.")
        self._print_counts()
        if not with_passwords:
            self.stdout.write("The demo accounts have no password (debug is off): set one with "
                              "`manage.py changepassword demo-staff`, or load with --demo-passwords.")

    def _print_counts(self) -> None:
        for name, count in stages.counts().items():
            self.stdout.write(f"  {name}: {count}")
