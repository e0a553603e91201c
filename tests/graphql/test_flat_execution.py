"""The flat-list shortcut (core/graphql/flat.py) answers exactly as graphql-core's general path:
the same data, the same errors with the same paths, the same fields counted by the guard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from graphql import ExecutionContext

from core.graphql import execution, flat
from core.graphql.limits import ExecutionGuard

from .world import TZ

pytestmark = pytest.mark.django_db

SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Resource {
  name slots(from: $from, to: $to) { id start end capacity booked held remaining quotaRemaining closed sex state
    myBooking { id status } resource { id name } } } } }"""


class _Recorded(ExecutionGuard):
    made: list[ExecutionGuard] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _Recorded.made.append(self)


def _variables(world: Any) -> dict[str, Any]:
    start = dt.datetime(2026, 11, 30, tzinfo=TZ)
    return {"id": world.gid(world.canteen), "from": start.isoformat(),
            "to": (start + dt.timedelta(days=7)).isoformat()}


def _both(api: Any, monkeypatch: pytest.MonkeyPatch, viewer: Any, variables: dict[str, Any]) -> tuple[Any, ...]:
    """(general answer, general fields counted, flat answer, flat fields counted, flat items completed)."""
    monkeypatch.setattr(execution, "ExecutionGuard", _Recorded)
    completed = []
    real = flat._complete

    def counting(*args: Any) -> Any:
        completed.append(1)
        return real(*args)

    monkeypatch.setattr(flat, "_complete", counting)
    monkeypatch.setattr(execution, "EXECUTION_CONTEXT", ExecutionContext)
    general = api.post(SLOTS, variables, as_user=viewer)
    assert general.status == 200, general.body
    general_count = _Recorded.made[-1].resolved
    assert not completed
    monkeypatch.setattr(execution, "EXECUTION_CONTEXT", flat.FlatExecutionContext)
    shortcut = api.post(SLOTS, variables, as_user=viewer)
    return general, general_count, shortcut, _Recorded.made[-1].resolved, len(completed)


@pytest.mark.parametrize("role", ["anonymous", "resident_a", "resident_b", "admin_x", "staff"])
def test_the_shortcut_answers_as_the_general_path(world: Any, api: Any, monkeypatch: pytest.MonkeyPatch,
                                                  role: str) -> None:
    general, general_count, shortcut, shortcut_count, completed = _both(api, monkeypatch, world[role],
                                                                        _variables(world))
    slots = general.data["node"]["slots"]
    assert not general.errors and len(slots) >= 10
    assert any(s["myBooking"] for s in slots) or role != "resident_a"  # the world's booking is resident_a's
    assert shortcut.body == general.body
    assert shortcut_count == general_count
    assert completed >= len(slots)  # the slots (and their nested objects) went through the shortcut


def test_an_error_in_one_item_is_reported_with_its_path(world: Any, api: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import booking.graphql.types as types

    real = types.remaining_for
    capacity = world.canteen.capacity

    def failing_on_the_booked_slot(**kwargs: Any) -> int:
        if kwargs["open_remaining"] < capacity:  # the slot of the world's booking, Tuesday 11:00
            raise RuntimeError("boom")
        return real(**kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(types, "remaining_for", failing_on_the_booked_slot)
    variables = _variables(world)

    def run(context: type[ExecutionContext]) -> Any:
        monkeypatch.setattr(execution, "EXECUTION_CONTEXT", context)
        return api.post(SLOTS, variables, as_user=world["resident_b"])

    general = run(ExecutionContext)
    shortcut = run(flat.FlatExecutionContext)
    assert general.codes == ["INTERNAL"] and general.errors[0]["path"] == ["node", "slots", 2, "remaining"]
    assert shortcut.body == general.body  # the same null-propagation, message and path


def test_a_middleware_without_the_hooks_disables_the_shortcut() -> None:
    class Plain:
        def resolve(self, next_: Any, root: Any, info: Any, **args: Any) -> Any:
            return next_(root, info, **args)

    from graphql import parse

    schema = execution.get_schema()
    context = flat.FlatExecutionContext.build(schema, parse("{ __typename }"), middleware=[Plain()])
    assert isinstance(context, flat.FlatExecutionContext) and not context._flat_ok
    guarded = flat.FlatExecutionContext.build(schema, parse("{ __typename }"), middleware=[ExecutionGuard(10)])
    assert isinstance(guarded, flat.FlatExecutionContext) and guarded._flat_ok
