"""A small GraphQL-over-HTTP client for fault and load tests (standard library only)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any

from graphql_relay import from_global_id

BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) {
  booking { id status } errors { field code } } }"""
CANCEL = """mutation($input: CancelBookingInput!) { cancelBooking(input: $input) {
  booking { id status } errors { field code } } }"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    @property
    def top_codes(self) -> list[str]:
        body = self.body or {}
        return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def post(port: int, query: str, variables: dict[str, Any], token: str | None = None, timeout: float = 30) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("POST", "/graphql/", body=json.dumps({"query": query, "variables": variables}), headers=headers)
        response = conn.getresponse()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      response.read().decode(errors="replace"))
    finally:
        conn.close()


def book(port: int, token: str, resource: str, start: str, key: str | None = None) -> Answer:
    data: dict[str, Any] = {"resourceId": resource, "start": start}
    if key:
        data["idempotencyKey"] = key
    return post(port, BOOK, {"input": data}, token)


def booked_pk(answer: Answer) -> int | None:
    """The booking's primary key when the answer told the client it was booked."""
    body = answer.body or {}
    payload = (body.get("data") or {}).get("bookSlot") or {}
    booking = payload.get("booking")
    if answer.status != 200 or payload.get("errors") or not booking:
        return None
    return int(from_global_id(booking["id"])[1])
