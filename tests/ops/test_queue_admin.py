"""Failed jobs in the admin: listed with their error, retried with one action."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from scent.ops.queue.database import Worker
from tests.factories import UserFactory
from tests.ops import jobs

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_tasks_database_dbtaskresult_changelist"


@pytest.fixture
def failed_and_done(tmp_path):
    out = str(tmp_path / "out")
    failed = jobs.broken.enqueue(out)
    done = jobs.record.enqueue(out, "fine")
    Worker(queue_names=["default"], once=True, interval=0.01).run()
    return failed, done


def staff(*perms: str):
    user = UserFactory(is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def test_failed_jobs_are_listed_and_their_traceback_shown(client, failed_and_done):
    failed, _ = failed_and_done
    client.force_login(staff("view_dbtaskresult"))

    listing = client.get(reverse(CHANGELIST), {"status__exact": "FAILED"})
    detail = client.get(
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.id])
    )

    assert listing.status_code == 200
    assert "broken" in listing.text and "builtins.ValueError" in listing.text
    assert "record" not in listing.text
    assert detail.status_code == 200
    assert "ValueError: the data is wrong" in detail.text


def test_retry_action_queues_failed_jobs_again(client, failed_and_done):
    failed, done = failed_and_done
    client.force_login(staff("view_dbtaskresult", "change_dbtaskresult"))

    response = client.post(
        reverse(CHANGELIST),
        {"action": "retry_jobs", "_selected_action": [failed.id, done.id]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Queued 1 failed job(s) again." in response.text
    assert "1 selected job(s) were not failed" in response.text
    assert DBTaskResult.objects.get(pk=failed.id).status == "READY"
    assert DBTaskResult.objects.get(pk=done.id).status == "SUCCESSFUL"


def test_retry_action_needs_the_change_permission(client, failed_and_done):
    client.force_login(staff("view_dbtaskresult"))

    response = client.get(reverse(CHANGELIST))

    assert 'value="retry_jobs"' not in response.text
