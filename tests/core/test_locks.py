"""The singleton lock of periodic jobs: one holder at a time, released only by its holder, and alive
longer than the task it guards may run."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from core import locks
from core.locks import Lock, periodic_task, singleton
from core.tasks import task_named


def test_a_second_holder_is_refused_while_the_first_holds_it() -> None:
    # given
    first = Lock("job", ttl=60)
    assert first.acquire()
    # when
    second = Lock("job", ttl=60)
    # then
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_only_the_holder_releases_the_lock() -> None:
    # given: A's lock expired (simulated) and B took it
    a = Lock("job", ttl=60)
    assert a.acquire()
    cache.delete(a.key)
    b = Lock("job", ttl=60)
    assert b.acquire()
    # when: A finishes late and releases
    a.release()
    # then: B still holds it
    assert not Lock("job", ttl=60).acquire()
    b.release()
    assert Lock("job", ttl=60).acquire()


def test_singleton_context_reports_whether_it_acquired() -> None:
    with singleton("ctx", ttl=60) as outer:
        with singleton("ctx", ttl=60) as inner:
            assert (outer, inner) == (True, False)
    with singleton("ctx", ttl=60) as again:
        assert again


def test_a_periodic_task_lock_outlives_its_hard_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    ttls: list[int] = []

    class Recording(Lock):
        def __init__(self, name: str, ttl: int) -> None:
            ttls.append(ttl)
            super().__init__(name, ttl)

    monkeypatch.setattr(locks, "Lock", Recording)

    @periodic_task(lock="test:outlives", soft_time_limit=800, time_limit=900)
    def job() -> int:
        return 7

    # when
    result = job()
    # then
    assert result == 7
    assert ttls == [900 + locks.MARGIN_S] and ttls[0] > job.time_limit


def test_a_soft_limit_above_the_hard_one_is_refused() -> None:
    with pytest.raises(ValueError):
        periodic_task(lock="bad", soft_time_limit=60, time_limit=60)


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_periodic_job_runs_under_the_one_singleton_lock(entry: str) -> None:
    # given: another run holds the job's lock
    task = task_named(settings.CELERY_BEAT_SCHEDULE[entry]["task"])
    other = Lock(task.singleton_lock, ttl=60)
    assert other.acquire()
    try:
        # when
        result = task()
    finally:
        other.release()
    # then: it did nothing and said so
    assert result == task.skipped_result
    assert task.time_limit is not None and task.soft_time_limit < task.time_limit


def test_a_lock_whose_holder_died_on_this_host_is_taken_over() -> None:
    # given a lock held by a process of this host that has ended (killed before it could release)
    import socket
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    cache.set("lock:job", f"{socket.gethostname()}:{ended.stdout.strip()}:x", 60)
    # when / then: another process takes it over at once
    taker = Lock("job", ttl=60)
    assert taker.acquire()
    taker.release()


def test_a_lock_of_a_running_holder_or_another_host_is_not_taken_over() -> None:
    import os
    import socket

    cache.set("lock:job", f"{socket.gethostname()}:{os.getppid()}:x", 60)  # our parent runs
    assert not Lock("job", ttl=60).acquire()
    cache.set("lock:job", f"another-host:{os.getpid() + 1}:x", 60)
    assert not Lock("job", ttl=60).acquire()
    cache.delete("lock:job")
