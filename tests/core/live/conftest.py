"""Fixtures of the live-update tests: a migrated SQLite template (once per session) and web processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .stack import migrated_sqlite


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield migrated_sqlite(tmp_path_factory.mktemp("live-template"))
