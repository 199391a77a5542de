"""Operational jobs the scheduler runs (scent/ops/schedule.py declares when)."""

from __future__ import annotations

import socket

from scent.ops import queue, scheduler


def prune_queue_results() -> str:
    """Delete finished job results and scheduler records past their keeping time."""
    jobs = queue.prune_results()
    runs = scheduler.prune_runs()
    return f"deleted {jobs} job result(s) and {runs} scheduler record(s)"


def heartbeat() -> str:
    """Prove the scheduler is alive: the record of this run is what /health reads."""
    return f"alive on {socket.gethostname()}"
