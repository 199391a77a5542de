"""`scent worker` as a real process on the database queue: commit/rollback, kill -9, SIGTERM, mail."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from scent.core.emails import queue_email, render_email, unsubscribe_headers
from scent.ops import maintenance
from tests.ops import jobs
from tests.ops.conftest import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Small intervals keep these tests fast; production uses the defaults (1s, 10s, 60s).
FAST = ("--sleep", "0.05", "--heartbeat", "0.2", "--stale-after", "1.5")


def status_of(result) -> str:
    return DBTaskResult.objects.get(pk=result.id).status


def test_worker_runs_committed_jobs_and_never_rolled_back_ones(scent_process, tmp_path):
    out = str(tmp_path / "out")
    with transaction.atomic():
        jobs.record.enqueue(out, "committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.record.enqueue(out, "rolled back")
        raise RuntimeError("the order failed")

    code, output = scent_process.run("worker", "--once", *FAST)

    assert code == 0, output
    assert jobs.lines(out) == ["committed"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_job_of_a_killed_worker_runs_again_on_another_worker(scent_process, tmp_path):
    out = str(tmp_path / "out")
    result = jobs.wait_for_release.enqueue(out)
    first = scent_process.start("worker", *FAST)
    wait_until(lambda: jobs.lines(out), what="the first worker to start the job")

    os.killpg(first.pid, signal.SIGKILL)  # no goodbye: the job stays RUNNING
    first.wait(timeout=30)
    assert status_of(result) == "RUNNING"
    Path(out + ".release").touch()
    second = scent_process.start("worker", *FAST)

    wait_until(lambda: status_of(result) == "SUCCESSFUL", what="the job to run again")
    result.refresh()
    assert result.attempts == 2
    assert len(set(result.worker_ids)) == 2
    lines = jobs.lines(out)
    assert lines[0].startswith("start attempt=1")
    assert lines[1].startswith("start attempt=2") and lines[2].startswith("done attempt=2")
    assert f"pid={first.pid}" not in lines[2]
    os.killpg(second.pid, signal.SIGTERM)
    assert second.wait(timeout=30) == 0


def test_sigterm_lets_the_current_job_finish_then_exits(scent_process, tmp_path):
    out = str(tmp_path / "out")
    current = jobs.wait_for_release.enqueue(out)
    worker = scent_process.start("worker", *FAST)
    wait_until(lambda: jobs.lines(out), what="the worker to start the job")
    waiting = jobs.record.enqueue(str(tmp_path / "next"), "next")

    worker.send_signal(signal.SIGTERM)
    Path(out + ".release").touch()

    assert worker.wait(timeout=60) == 0, scent_process.output(worker)
    assert status_of(current) == "SUCCESSFUL"
    assert jobs.lines(out)[-1].startswith("done attempt=1")
    # It stopped after the current job: the next one waits for another worker.
    assert status_of(waiting) == "READY"
    assert "finishing the current job first" in scent_process.output(worker)


def test_idle_worker_exits_at_once_on_sigterm(scent_process):
    worker = scent_process.start("worker", *FAST)
    wait_until(lambda: "started on queues" in scent_process.output(worker), what="start")

    worker.send_signal(signal.SIGTERM)

    assert worker.wait(timeout=30) == 0


def test_worker_pauses_in_maintenance_mode_unless_forced(scent_process, settings, tmp_path):
    settings.MAINTENANCE_DRIVER = "database"
    out = str(tmp_path / "out")
    jobs.record.enqueue(out, "hello")
    maintenance.go_down()

    code, output = scent_process.run("worker", "--once", *FAST)
    assert code == 0, output
    assert jobs.lines(out) == []
    assert "maintenance mode" in output

    code, output = scent_process.run("worker", "--once", "--force", *FAST)
    assert code == 0, output
    assert jobs.lines(out) == ["hello"]


def test_worker_only_takes_jobs_of_its_queues(scent_process, tmp_path):
    out = str(tmp_path / "out")
    jobs.record.enqueue(out, "default")
    jobs.record.using(queue_name="mail").enqueue(out, "mail")

    code, output = scent_process.run("worker", "--queue", "mail", "--once", *FAST)

    assert code == 0, output
    assert jobs.lines(out) == ["mail"]


def test_password_reset_mail_goes_through_the_worker_to_a_real_smtp_server(
    scent_process, smtp_server
):
    with transaction.atomic():
        queue_email(
            to=["ada@example.com"],
            template="password_reset",
            context={
                "first_name": "Ada",
                "email": "ada@example.com",
                "reset_url": "https://shop.test/account/reset/abc/",
                "valid_minutes": 60,
            },
            headers=unsubscribe_headers("https://shop.test/unsubscribe/abc"),
        )

    code, output = scent_process.run(
        "worker",
        "--once",
        *FAST,
        env={
            "MAIL_MAILER": "smtp",
            "MAIL_HOST": smtp_server.host,
            "MAIL_PORT": str(smtp_server.port),
            "MAIL_FROM_ADDRESS": "hello@shop.test",
            "MAIL_FROM_NAME": "The Scent",
        },
    )

    assert code == 0, output
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    [message] = smtp_server.messages
    assert message["From"] == "The Scent <hello@shop.test>"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == render_email("password_reset", {})[0]
    assert message["List-Unsubscribe"] == "<https://shop.test/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "https://shop.test/account/reset/abc/" in text
    assert "<html" not in text
    assert 'href="https://shop.test/account/reset/abc/"' in html
    assert smtp_server.envelopes[0].rcpt_tos == ["ada@example.com"]
