"""The web app is a client of its own API: no module of `frontend/` reads models or calls services."""

from __future__ import annotations

import ast
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
FORBIDDEN = ("marketplace", "booking", "matching", "django.db.models")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_frontend_module_imports_models_or_services():
    offenders = {
        str(path.relative_to(FRONTEND)): sorted(m for m in imported_modules(path) if m.startswith(FORBIDDEN))
        for path in FRONTEND.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_would_catch_an_import(tmp_path: Path):
    module = tmp_path / "bad.py"
    module.write_text("from booking.services.bookings import book_slot\nimport marketplace.models\n")
    assert imported_modules(module) == {"booking.services.bookings", "marketplace.models"}
