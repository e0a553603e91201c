"""Locust users for the load runs (bench/load/run.py starts them headless, in a second process).

LOAD_WORLD     path of the JSON world made by tests.faults.scenarios.load_world (resources, starts, tokens)
LOAD_CLIENT    `fast` (default): locust's FastHttpUser (geventhttpclient); `requests`: its HttpUser, which
               the runs before 2026-12-03 used and which spends several times the client CPU per request
               — CPU that the server, on the same 2 cores, then does not get
User classes (name one on locust's command line):
MixedResident  80 % reads (resources, a resource's slots, my bookings), 15 % bookings,
               5 % cancellations of one's own bookings;
FlashCrowdResident  LOAD_ATTEMPTS attempts (default 5000) in all, each by the next resident, on the
               first resource's slots (attempt i → slot i mod n): a flash crowd; the run stops
               when the last answer is in.

A request fails (in locust's figures) on any HTTP status but 200, a top-level GraphQL error, or a
refusal other than the expected ones (FULL, LIMIT_REACHED when booking; ALREADY_FINAL when cancelling).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
from typing import Any

from locust import FastHttpUser, HttpUser, between, constant, task
from locust.exception import StopUser

WORLD: dict[str, Any] = json.loads(open(os.environ["LOAD_WORLD"], encoding="utf-8").read())
_next = itertools.count()
_attempts = itertools.count()
_done = itertools.count()
ATTEMPTS = int(os.environ.get("LOAD_ATTEMPTS", "5000"))
_lock = threading.Lock()

RESOURCES = "query { resources(first: 20) { totalCount edges { node { id name capacity } } } }"
SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) { node(id: $id) { ... on Resource {
  slots(from: $from, to: $to) { id start remaining } } } }"""
MINE = "query { myBookings(first: 20) { totalCount edges { node { id status start } } } }"
BOOK = """mutation($input: BookSlotInput!) { bookSlot(input: $input) { booking { id status } errors { code } } }"""
CANCEL = """mutation($input: CancelBookingInput!) { cancelBooking(input: $input) {
  booking { id status } errors { code } } }"""


def _claim() -> int:
    with _lock:
        return next(_next)


Client = HttpUser if os.environ.get("LOAD_CLIENT") == "requests" else FastHttpUser


class Resident(Client):  # type: ignore[valid-type,misc]
    abstract = True

    def on_start(self) -> None:
        index = _claim()
        self.index = index
        self.token = WORLD["tokens"][index % len(WORLD["tokens"])]
        self.mine: list[str] = []

    def gql(self, name: str, query: str, variables: dict[str, Any] | None = None,
            expected: frozenset[str] = frozenset()) -> dict[str, Any] | None:
        with self.client.post("/graphql/", json={"query": query, "variables": variables or {}}, name=name,
                              headers={"Authorization": f"Bearer {self.token}"}, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            try:
                body = response.json()
            except ValueError:
                response.failure("the answer is not JSON")
                return None
            if body.get("errors"):
                response.failure(f"top-level error {body['errors'][0].get('extensions', {}).get('code')}")
                return None
            data = body["data"]
            payload = next(iter(data.values()))
            codes = {e["code"] for e in (payload or {}).get("errors") or []} if isinstance(payload, dict) else set()
            if codes - expected:
                response.failure(f"refused: {sorted(codes)}")
                return None
            response.success()
            return data  # type: ignore[no-any-return]


class MixedResident(Resident):
    wait_time = between(0.0, 0.2)

    @task(30)
    def resources(self) -> None:
        self.gql("resources", RESOURCES)

    @task(30)
    def slots(self) -> None:
        start = random.choice(WORLD["starts"])
        day = start[:10]
        self.gql("slots", SLOTS, {"id": random.choice(WORLD["resources"]), "from": f"{day}T00:00:00+08:00",
                                  "to": f"{day}T23:59:00+08:00"})

    @task(20)
    def my_bookings(self) -> None:
        self.gql("myBookings", MINE)

    @task(15)
    def book(self) -> None:
        data = self.gql("bookSlot", BOOK, {"input": {"resourceId": random.choice(WORLD["resources"]),
                                                     "start": random.choice(WORLD["starts"])}},
                        expected=frozenset({"FULL", "LIMIT_REACHED"}))
        booking = (data or {}).get("bookSlot", {}).get("booking")
        if booking and booking["status"] == "CONFIRMED":
            self.mine.append(booking["id"])

    @task(5)
    def cancel(self) -> None:
        if not self.mine:
            return self.my_bookings()  # nothing to cancel yet: a read instead (keeps the mix)
        booking = self.mine.pop(random.randrange(len(self.mine)))
        self.gql("cancelBooking", CANCEL, {"input": {"bookingId": booking}}, expected=frozenset({"ALREADY_FINAL"}))
        return None


class FlashCrowdResident(Resident):
    """One attempt per simulated user per iteration, each with the next resident's token."""

    wait_time = constant(0)

    @task
    def book_once(self) -> None:
        with _lock:
            index = next(_attempts)
        if index >= ATTEMPTS:
            raise StopUser()
        self.token = WORLD["tokens"][index % len(WORLD["tokens"])]
        slots = WORLD["starts"]
        try:
            self.gql("bookSlot", BOOK, {"input": {"resourceId": WORLD["resources"][0],
                                                  "start": slots[index % len(slots)]}},
                     expected=frozenset({"FULL"}))
        finally:
            with _lock:
                done = next(_done) + 1
            if done == ATTEMPTS:  # the last answer is in (whatever it was): stop the run
                self.environment.runner.quit()  # type: ignore[union-attr]
