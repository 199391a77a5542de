"""Tasks the queue tests enqueue; module-level so a worker subprocess can import them.

They record what they do in files (a worker subprocess and the test share the disk, not
memory) and are idempotent the way real jobs must be.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.tasks import TaskContext, task

from scent.ops.queue import retry


def _append(path: str, line: str) -> None:
    with Path(path).open("a") as file:
        file.write(line + "\n")


def lines(path: str | Path) -> list[str]:
    path = Path(path)
    return path.read_text().splitlines() if path.exists() else []


@task()
def record(path: str, text: str) -> str:
    """Append `text` to the file at `path`."""
    _append(path, text)
    return text


@task(takes_context=True)
def wait_for_release(context: TaskContext, path: str) -> int:
    """Note the start, wait until `<path>.release` exists, note the end: a job to kill mid-run."""
    _append(path, f"start attempt={context.attempt} pid={os.getpid()}")
    release = Path(path + ".release")
    deadline = time.monotonic() + 120
    while not release.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("nobody released the job")
        time.sleep(0.05)
    _append(path, f"done attempt={context.attempt} pid={os.getpid()}")
    return context.attempt


@retry(attempts=3, backoff=(30, 60), on=(ConnectionError,))
@task(takes_context=True)
def flaky(context: TaskContext, path: str, failures: int) -> int:
    """Fail with a transient error for the first `failures` attempts."""
    _append(path, f"attempt {context.attempt}")
    if context.attempt <= failures:
        raise ConnectionError(f"server busy on attempt {context.attempt}")
    return context.attempt


@retry(attempts=3, backoff=(0, 0), on=(ConnectionError,))
@task()
def broken(path: str) -> None:
    """Fail with an error no retry can fix."""
    _append(path, "attempt")
    raise ValueError("the data is wrong")
