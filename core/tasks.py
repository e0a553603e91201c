"""Queueing a task by its name, so that a service never imports the module of its own tasks.

Task modules import services (a task parses its arguments and calls one); services queue tasks by
name through `queue()`, so the import runs one way only. The task is looked up in the Celery app's
registry (its module is imported on first use in a process that has not loaded it yet), and queued
with its own options, so eager mode (no broker: the task runs inline) works as with `.delay()`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from celery import current_app
from celery.app.task import Task


def task_named(name: str) -> Task:
    """The registered task `name` ("app.tasks.verb_noun_task")."""
    tasks = current_app.tasks
    if name not in tasks:
        import_module(name.rpartition(".")[0])  # registers the module's tasks
    return tasks[name]


def queue(name: str, *args: Any, **options: Any) -> Any:
    """`apply_async(args, **options)` of the task `name`; raises what publishing raises."""
    return task_named(name).apply_async(args, **options)
