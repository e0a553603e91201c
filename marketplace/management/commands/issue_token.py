"""`python manage.py issue_token USERNAME [--expires-days N]`: prints one bearer token, nothing else."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ServiceError
from marketplace.services.people import get_user
from marketplace.services.tokens import issue_token


class Command(BaseCommand):
    help = "Prints one bearer token (an OAuth2 access token) for the user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--expires-days", type=int, default=30)

    def handle(self, *args: Any, username: str, expires_days: int, **options: Any) -> None:
        if not 1 <= expires_days <= 3650:
            raise CommandError("--expires-days must be between 1 and 3650", returncode=2)
        try:
            user = get_user(username)
        except ServiceError as exc:
            raise CommandError(f"{username}: {exc.errors[0].message}", returncode=2) from exc
        if not user.is_active:
            raise CommandError(f"{username}: the account is inactive", returncode=2)
        self.stdout.write(issue_token(user=user, expires_days=expires_days))
