"""With QUEUE_CONNECTION=redis, failed jobs are visible and retryable in the Django admin.

django-rq's admin screens are installed with the redis queue (settings add `django_rq`
to INSTALLED_APPS), at /admin/django_rq/dashboard/. This drives them in a `scent`
process configured exactly as production would be, against the real Redis.
"""

from __future__ import annotations

import json

import django_rq
import pytest
from rq.registry import FailedJobRegistry

from tests.factories import UserFactory
from tests.ops import jobs
from tests.ops.test_queue_redis import REDIS_ENV

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("redis-queue"),
]

ADMIN_SCRIPT = """
import json
from django.test import Client
from scent.accounts.models import User
client = Client()
client.force_login(User.objects.get(email="{email}"))
base = "/admin/django_rq/dashboard/queues/0/"
failed = client.get(base + "failed/")
detail = client.get(base + "{job_id}/")
requeued = client.post(base + "{job_id}/requeue/", {{"requeue": "Requeue"}})
print(json.dumps({{
    "failed_status": failed.status_code,
    "listed": "{job_id}" in failed.content.decode(),
    "detail_status": detail.status_code,
    "detail_has_traceback": "ValueError" in detail.content.decode(),
    "requeue_status": requeued.status_code,
}}))
"""


def test_failed_redis_job_is_listed_in_the_admin_and_requeued_from_there(
    redis_queue, scent_process, tmp_path
):
    # given a job that failed on a real worker
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    out = str(tmp_path / "out")
    result = jobs.broken.enqueue(out)
    scent_process.run("worker", "--once", env=REDIS_ENV)
    queue = django_rq.get_queue("default")
    assert FailedJobRegistry(queue=queue).count == 1

    # when staff open the failed jobs in the admin and press "Requeue"
    script = ADMIN_SCRIPT.format(email=staff.email, job_id=result.id)
    code, output = scent_process.run("shell", "-c", script, env=REDIS_ENV)
    assert code == 0, output
    report = json.loads(output.strip().splitlines()[-1])

    # then the job was listed with its traceback, and is queued to run again
    assert report == {
        "failed_status": 200,
        "listed": True,
        "detail_status": 200,
        "detail_has_traceback": True,
        "requeue_status": 302,
    }
    assert FailedJobRegistry(queue=queue).count == 0
    assert queue.count == 1
