"""The shop's declared schedule: the jobs the operations promises depend on exist."""

from datetime import UTC, datetime, timedelta

from croniter import croniter

from scent.ops.schedule import schedule


def next_runs(cron: str, start: datetime, count: int) -> list[datetime]:
    it = croniter(cron, start)
    return [it.get_next(datetime) for _ in range(count)]


def test_operations_jobs_are_scheduled():
    names = {job.name for job in schedule.jobs}
    assert {
        "heartbeat",
        "queue:prune",
        "sessions:clear",
        "backup:daily",
        "orders:release-expired",
        "payments:sync",
        "carts:prune-guests",
    } <= names


def test_heartbeat_runs_every_minute_even_in_maintenance():
    heartbeat = schedule.get("heartbeat")
    assert heartbeat.even_in_maintenance
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert next_runs(heartbeat.cron, start, 3)[-1] - start == timedelta(minutes=3)


def test_missed_payments_are_checked_the_minute_before_unpaid_orders_are_released():
    # given both jobs over one hour
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    sync = next_runs(schedule.get("payments:sync").cron, start, 12)
    release = next_runs(schedule.get("orders:release-expired").cron, start, 12)
    # then every release is preceded, one minute earlier, by a Stripe sync
    assert all(run - timedelta(minutes=1) in sync for run in release[:-1])


def test_the_search_vocabulary_is_rebuilt_every_night(db):
    """Given a word only a product that has since been hidden used, when the nightly job
    runs, then "Did you mean" can no longer offer it and the words in use are counted."""
    from scent.catalog.models import Product, SearchTerm
    from scent.ops.scheduler import run_due
    from tests.factories import ProductFactory

    job = schedule.get("search:vocabulary")
    ProductFactory(name="Vetiver Roots")
    gone = ProductFactory(name="Patchouli Dream")
    Product.objects.filter(pk=gone.pk).update(is_active=False)  # bulk: no signal, no save
    assert SearchTerm.objects.filter(word="patchouli").exists()

    night = next_runs(job.cron, datetime(2026, 12, 4, 12, 0, tzinfo=UTC), 1)[0]
    outcomes = run_due(schedule, now=night)

    assert [o.status for o in outcomes if o.job == job.name] == ["succeeded"]
    assert not SearchTerm.objects.filter(word="patchouli").exists()
    assert SearchTerm.objects.get(word="vetiver").products == 1
