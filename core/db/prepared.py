"""Hot queries built and compiled by the ORM once, then run with fresh values.

Django builds a queryset (`filter`, `select_related`, …) and compiles it to SQL on every call. For the
statements of the request path that is a fifth to a quarter of a request's CPU — more than reading
the rows (docs/BENCHMARKS.md, "The request path"). A `Prepared` query is written with the ORM as
usual, with `Param("name", field)` where a value changes from call to call; the first run on each
database compiles it, later runs bind the values into the same SQL and read the rows through the
same compiler (converters, `select_related`, annotations), so what they return is what the
queryset would have returned.

    PAGE = Prepared(lambda shape: Slot.objects.filter(resource_id=Param("resource", BigIntegerField()),
                                                       start__gte=Param("start", DateTimeField()))[:1])
    PAGE.all(None, {"resource": 7, "start": now})

`shape` is whatever changes the SQL itself (which filters are present, a LIMIT, how many values an
`__in` takes); each shape is compiled once, so it must take few values. A `Param` is for plain
comparisons (`exact`, `gt`/`gte`/`lt`/`lte`, `__in` members, arithmetic): not for pattern lookups
(`contains`, `startswith`…), whose values the ORM escapes only when they are plain.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from threading import Lock
from typing import Any, Generic, TypeVar

from django.db import connections, transaction
from django.db.models import Field, Model, QuerySet
from django.db.models.expressions import Expression
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Placeholder:
    """Where a parameter's value goes in the compiled statement's parameters."""

    name: str
    field: Field[Any, Any]


class Param(Expression):
    """A named value bound at each run of a `Prepared` query."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return "%s", (_Placeholder(self.name, self.output_field),)


@dataclass
class _Plan:
    sql: str
    params: list[Any]
    compiler: Any
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]
    converters: bool = True

    def bind(self, connection: Any, values: dict[str, Any]) -> list[Any]:
        return [p.field.get_db_prep_value(values[p.name], connection, prepared=False)
                if isinstance(p, _Placeholder) else p for p in self.params]


class Prepared(Generic[M]):
    """A SELECT (`all`) or UPDATE (`update`) written with the ORM, compiled once per database and shape."""

    def __init__(self, build: Callable[[Any], QuerySet[M, Any]], *,
                 updates: Callable[[Any], dict[str, Any]] | None = None) -> None:
        self._build = build
        self._updates = updates
        self._plans: dict[tuple[str, Hashable], _Plan] = {}
        self._lock = Lock()

    def _plan(self, shape: Hashable, using: str) -> _Plan:
        key = (using, shape)
        plan = self._plans.get(key)
        if plan is None:
            with self._lock:
                plan = self._plans.get(key) or self._compile(shape, using)
                self._plans[key] = plan
        return plan

    def _compile(self, shape: Hashable, using: str) -> _Plan:
        query = self._build(shape).query
        if self._updates is not None:
            update: Any = query.chain(UpdateQuery)
            update.add_update_values(self._updates(shape))
            compiler = update.get_compiler(using)
            sql, params = compiler.as_sql()
            return _Plan(sql, list(params), compiler, [], 0, 0, [], {})
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:  # values_list(): rows, no instances
            converters = bool(compiler.get_converters([s[0] for s in select[:compiler.col_count]]))
            return _Plan(sql, list(params), compiler, [], 0, 0, [], {}, converters)
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # 5.2 takes 3
        return _Plan(sql, list(params), compiler, [f[0].target.attname for f in select[start:end]], start, end,
                     populators, dict(compiler.annotation_col_map or {}))

    def all(self, shape: Hashable, values: dict[str, Any], *, using: str = "default") -> list[M]:
        """The rows as model instances, as `list(queryset)` would give them."""
        plan = self._plan(shape, using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.bind(connection, values))
            rows = cursor.fetchall()
        model = plan.compiler.klass_info["model"]
        out = []
        for row in plan.compiler.results_iter([rows]):
            obj = model.from_db(using, plan.init_list, row[plan.start:plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            for name, position in plan.annotations.items():
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def rows(self, shape: Hashable, values: dict[str, Any], *, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows of a `values_list()` query as tuples, converted as the queryset would convert them."""
        plan = self._plan(shape, using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.bind(connection, values))
            rows = cursor.fetchall()
        if not plan.converters:
            return rows  # psycopg and sqlite3 give tuples: nothing to convert
        return [tuple(row) for row in plan.compiler.results_iter([rows])]

    def first(self, shape: Hashable, values: dict[str, Any], *, using: str = "default") -> M | None:
        """The first row (build the query with `[:1]`), or None."""
        found = self.all(shape, values, using=using)
        return found[0] if found else None

    def update(self, shape: Hashable, values: dict[str, Any], *, using: str = "default") -> int:
        """Runs the UPDATE; the number of rows it changed."""
        plan = self._plan(shape, using)
        connection = connections[using]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.bind(connection, values))
            return int(cursor.rowcount)
