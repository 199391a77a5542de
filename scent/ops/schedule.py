"""Every scheduled job of the shop, in one place (Laravel's routes/console.php).

    schedule.command("name", cron="...")   run a management command in the scheduler
    schedule.call(function, cron="...")    call a function in the scheduler
    schedule.job(task, cron="...")         put a django.tasks task on the queue

Cron expressions are croniter's (five fields, or @hourly/@daily/...), read in the job's
`timezone` (default APP_TIMEZONE). Each job runs once per due minute across all machines;
`without_overlapping=True` (default) skips a run while the previous one is still going;
jobs are skipped in maintenance mode unless `even_in_maintenance=True`.
`scent schedule list` shows them with their next and last runs.
"""

from scent.cart.tasks import prune_guest_carts
from scent.catalog import vocabulary
from scent.core.emails import push_pending_emails
from scent.ops import tasks
from scent.ops.backups import scheduled_backup
from scent.ops.scheduler import HEARTBEAT_JOB, Schedule
from scent.orders.tasks import release_expired

schedule = Schedule()

schedule.call(
    tasks.heartbeat,
    cron="* * * * *",
    name=HEARTBEAT_JOB,
    even_in_maintenance=True,
    description="Scheduler heartbeat read by the /health check.",
)
schedule.call(
    tasks.prune_queue_results,
    cron="30 3 * * *",
    name="queue:prune",
    even_in_maintenance=True,
    description=(
        "Delete finished job results (1 day), failed ones (7 days), sent-e-mail records (30 days)."
    ),
)
schedule.job(
    scheduled_backup,
    cron="0 2 * * *",
    name="backup:daily",
    description="Back up the database and media (scent backup), then apply the retention.",
)
schedule.command(
    "clearsessions",
    cron="45 3 * * *",
    name="sessions:clear",
    description="Delete expired sessions (Django's clearsessions).",
)
schedule.command(
    "payments_sync",
    cron="4-59/5 * * * *",
    name="payments:sync",
    description="Ask Stripe about open card payments whose webhook never came, a minute "
    "before unpaid orders are released.",
)
schedule.call(
    release_expired,
    cron="*/5 * * * *",
    name="orders:release-expired",
    description="Cancel orders unpaid after PENDING_ORDER_TIMEOUT minutes; return their stock.",
)
schedule.call(
    prune_guest_carts,
    cron="15 4 * * *",
    name="carts:prune-guests",
    description="Delete guest carts older than the session lifetime.",
)
schedule.call(
    vocabulary.rebuild,
    cron="30 4 * * *",
    name="search:vocabulary",
    description='Rebuild the words behind "Did you mean" from the active products: words no '
    "product uses any more go, the others are counted again (saves add words as they come).",
)
schedule.call(
    push_pending_emails,
    cron="* * * * *",
    name="mail:push-pending",
    even_in_maintenance=True,
    description="Put on the Redis queue the e-mails whose process died (or found Redis away) "
    "between its commit and the push; a no-op with the database queue.",
)
