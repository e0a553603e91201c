"""The API's scalars: DateTime, Date, Time.

- DateTime input must carry an offset (`2026-05-04T12:00:00+08:00` or `...Z`); a naive one is INVALID.
  Output is always in the district's zone, +08:00 (Asia/Shanghai).
- Date is `YYYY-MM-DD`, Time is `HH:MM` or `HH:MM:SS` (output `HH:MM`), both local to Asia/Shanghai.
A malformed value is a GraphQLError with extensions.code INVALID (a malformed document).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import graphene
from graphql import GraphQLError, StringValueNode, ValueNode

from core.clock import tz
from core.errors import ErrorCode

MIN_YEAR, MAX_YEAR = 1900, 2200


def _invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": str(ErrorCode.INVALID)})


def parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _invalid("DateTime must be an ISO 8601 string with an offset.")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _invalid("DateTime must be an ISO 8601 string with an offset.") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _invalid("DateTime must carry an offset, e.g. +08:00.")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _invalid("DateTime is out of range.")
    return parsed


def parse_date(value: Any) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise _invalid("Date must be YYYY-MM-DD.")
    try:
        parsed = dt.date.fromisoformat(value)
    except ValueError:
        raise _invalid("Date must be YYYY-MM-DD.") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _invalid("Date is out of range.")
    return parsed


def parse_time(value: Any) -> dt.time:
    if not isinstance(value, str) or len(value) not in (5, 8):
        raise _invalid("Time must be HH:MM or HH:MM:SS.")
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise _invalid("Time must be HH:MM or HH:MM:SS.") from None


def _literal(node: ValueNode, parse: Any, _variables: Any = None) -> Any:
    if isinstance(node, StringValueNode):
        return parse(node.value)
    raise _invalid("Expected a string.")


@lru_cache(maxsize=16384)
def _iso(value: dt.datetime, zone: dt.tzinfo) -> str:
    """An instant in `zone`, memoised: a week of slots writes the same 1,120 instants on every request
    (2 µs each, 0.2 µs from here). Equal instants give equal text, whatever zone they carry."""
    return value.astimezone(zone).isoformat()


class DateTime(graphene.Scalar):
    """An instant in ISO 8601 with an offset; output in +08:00 (Asia/Shanghai)."""

    @staticmethod
    def serialize(value: dt.datetime) -> str:
        if value.tzinfo is None:
            raise ValueError("naive datetime in output")
        return _iso(value, tz())

    @staticmethod
    def parse_value(value: Any) -> dt.datetime:
        return parse_datetime(value)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> dt.datetime:
        return _literal(node, parse_datetime)  # type: ignore[no-any-return]


class Date(graphene.Scalar):
    """A calendar day in Asia/Shanghai, YYYY-MM-DD."""

    @staticmethod
    def serialize(value: dt.date) -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(tz()).date()
        return value.isoformat()

    @staticmethod
    def parse_value(value: Any) -> dt.date:
        return parse_date(value)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> dt.date:
        return _literal(node, parse_date)  # type: ignore[no-any-return]


class Time(graphene.Scalar):
    """A wall-clock time in Asia/Shanghai, HH:MM (input also HH:MM:SS)."""

    @staticmethod
    def serialize(value: dt.time) -> str:
        return value.strftime("%H:%M") if not value.second else value.strftime("%H:%M:%S")

    @staticmethod
    def parse_value(value: Any) -> dt.time:
        return parse_time(value)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> dt.time:
        return _literal(node, parse_time)  # type: ignore[no-any-return]
