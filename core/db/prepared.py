"""Hot queries built and compiled by the ORM once, then run with fresh values; hot INSERTs built once.

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

from django.db import connections, models, transaction
from django.db.models import Field, Model, QuerySet, signals
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


class Null(Expression):
    """A NULL column of a given type that, unlike `Value(None)`, adds no converter of its own (the
    backend's converters for its type, e.g. SQLite's for a DateTimeField, still apply and pass None)."""

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return "NULL", ()

    def get_db_converters(self, connection: Any) -> list[Any]:
        return []


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
    converters: dict[int, Any]  # the compiler's converters by column, found once (results_iter finds them per call)

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
            return _Plan(sql, list(params), compiler, [], 0, 0, [], {}, {})
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        select, klass_info = compiler.select, compiler.klass_info
        converters = compiler.get_converters([s[0] for s in select[:compiler.col_count]])
        if klass_info is None:  # values_list(): rows, no instances
            return _Plan(sql, list(params), compiler, [], 0, 0, [], {}, converters)
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        populators = get_related_populators(klass_info, select, using)  # type: ignore[call-arg]  # 5.2 takes 3
        return _Plan(sql, list(params), compiler, [f[0].target.attname for f in select[start:end]], start, end,
                     populators, dict(compiler.annotation_col_map or {}), converters)

    def all(self, shape: Hashable, values: dict[str, Any], *, using: str = "default") -> list[M]:
        """The rows as model instances, as `list(queryset)` would give them."""
        plan = self._plan(shape, using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, plan.bind(connection, values))
            rows = cursor.fetchall()
        model = plan.compiler.klass_info["model"]
        out = []
        for row in plan.compiler.apply_converters(rows, plan.converters) if plan.converters else rows:
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
        return [tuple(row) for row in plan.compiler.apply_converters(rows, plan.converters)]

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


class PreparedInsert(Generic[M]):
    """`obj.save()` of a new row without rebuilding its statement: an INSERT of every concrete field but
    the primary key, RETURNING it, built once per database. `Model.save` builds and compiles the INSERT on
    every call, three times the Python of sending it (docs/BENCHMARKS.md, "Fourth pass"). Fields get
    their values as `save` gives them (`pre_save`, `get_db_prep_save`), and `pre_save`/`post_save`
    receivers are sent as `save` sends them. Not for models with parents or `db_default` fields.

    With `ignore_conflicts`, ON CONFLICT DO NOTHING: a row a unique constraint already holds is not
    written and `insert` returns False (no savepoint needed, also under concurrency); `pre_save` has been
    sent by then, `post_save` is not."""

    def __init__(self, model: type[M], *, ignore_conflicts: bool = False) -> None:
        meta = model._meta
        assert not meta.parents and not any(getattr(f, "db_default", None) is not models.NOT_PROVIDED
                                            for f in meta.concrete_fields), model
        self._model = model
        self._fields = [f for f in meta.concrete_fields if not f.primary_key]
        self._ignore = ignore_conflicts
        self._sql: dict[str, str] = {}

    def _statement(self, connection: Any) -> str:
        sql = self._sql.get(connection.alias)
        if sql is None:
            meta, quote = self._model._meta, connection.ops.quote_name
            columns = ", ".join(quote(str(f.column)) for f in self._fields)
            marks = ", ".join(["%s"] * len(self._fields))
            conflict = " ON CONFLICT DO NOTHING" if self._ignore else ""
            sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}){conflict} "  # noqa: S608 - names from the model
                   f"RETURNING {quote(str(meta.pk.column))}")
            self._sql[connection.alias] = sql
        return sql

    def insert(self, obj: M, *, using: str = "default") -> bool:
        """Writes `obj` and sets its primary key; False (nothing written) when `ignore_conflicts` met a
        conflict. An IntegrityError marks the transaction for rollback, as `save` does."""
        model, connection = self._model, connections[using]
        if signals.pre_save.has_listeners(model):
            signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
        values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self._fields]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(self._statement(connection), values)
            row = cursor.fetchone()
        if row is None:
            return False
        obj.pk = row[0]
        obj._state.adding, obj._state.db = False, using
        if signals.post_save.has_listeners(model):
            signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False,
                                   using=using)
        return True
