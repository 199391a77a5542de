"""Retry policies: which failures of a task are transient, how often and how late to retry.

Django's `django.tasks` has no retries, so a policy is attached to a task here and both
workers (database and Redis) read it:

    @retry(attempts=5, backoff=(30, 120, 600, 1800), on=(SMTPException, OSError))
    @task(queue_name="mail")
    def send_email(...): ...

A task without a policy is tried once; its failure is kept with the traceback. Whatever
the policy, a job whose worker died mid-run is handed back to the queue (jobs are written
to be idempotent) up to `attempts` times, at least ABANDONED_ATTEMPTS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db.utils import InterfaceError, OperationalError
from django.tasks import Task
from django.utils.module_loading import import_string

# A job whose worker vanished runs again up to this many attempts in all.
ABANDONED_ATTEMPTS = 3

T = TypeVar("T", bound=Task)
# Lost or refused database connections, lock timeouts, deadlocks: worth another attempt.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class WorkerLost(Exception):
    """The worker running a job stopped (killed, machine lost) before the job finished."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    backoff: tuple[int, ...]
    on: tuple[type[BaseException], ...]
    not_on: tuple[type[BaseException], ...] = ()

    def retries(self, exc: BaseException) -> bool:
        """Return True if `exc` is a transient failure this policy retries.

        The database going away (a restart, a failover) is transient for every task with a
        policy: the job is retried rather than lost.
        """
        transient = isinstance(exc, (*self.on, *DATABASE_UNAVAILABLE))
        return transient and not isinstance(exc, self.not_on)

    def delay(self, attempts_made: int) -> int:
        """Seconds to wait before the attempt after `attempts_made` attempts."""
        if not self.backoff:
            return 0
        return self.backoff[min(attempts_made, len(self.backoff)) - 1]


_POLICIES: dict[str, RetryPolicy] = {}


def retry(
    *,
    attempts: int,
    backoff: Sequence[int] = (10, 60, 300, 900),
    on: tuple[type[BaseException], ...] = (Exception,),
    not_on: tuple[type[BaseException], ...] = (),
) -> Callable[[T], T]:
    """Retry the decorated task up to `attempts` times in all, waiting `backoff[n-1]` seconds after attempt n."""
    if attempts < 1:
        raise ValueError("attempts counts the first run too, so it must be at least 1")
    if any(delay < 0 for delay in backoff):
        raise ValueError("backoff delays are seconds and cannot be negative")
    policy = RetryPolicy(attempts=attempts, backoff=tuple(backoff), on=on, not_on=not_on)

    def register(task: T) -> T:
        if not hasattr(task, "module_path"):
            raise TypeError("@retry goes above @task: it configures a task, not a function")
        _POLICIES[task.module_path] = policy
        return task

    return register


def policy_for(task_path: str) -> RetryPolicy | None:
    """Return the policy of the task at `task_path`, importing its module if needed."""
    if task_path not in _POLICIES:
        try:
            import_string(task_path)  # registers the policy as a side effect of @retry
        except ImportError:
            return None
    return _POLICIES.get(task_path)


def max_attempts_after_worker_loss(task_path: str) -> int:
    policy = policy_for(task_path)
    return max(policy.attempts if policy else 1, ABANDONED_ATTEMPTS)
