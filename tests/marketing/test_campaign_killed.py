"""`scent newsletter send` killed with SIGKILL in the middle of a campaign, then run
again: every confirmed subscriber has exactly one newsletter queued.

A real process on the suite's database (DB_CONNECTION=sqlite / mariadb / pgsql).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
from django.utils import timezone

from scent.marketing.models import Campaign, CampaignDelivery, Subscriber, SubscriberStatus
from scent.marketing.services import CAMPAIGN_BATCH
from tests.ops.conftest import wait_until
from tests.orders.support import queued_emails

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

READERS = 1200  # six batches: several seconds of work, caught after the first
LETTER = ("newsletter", "send", "--subject", "Autumn blends", "--message", "Cedar is back.")


def queued_deliveries() -> int:
    return CampaignDelivery.objects.filter(queued_at__isnull=False).count()


def test_a_send_killed_halfway_then_run_again_queues_each_letter_exactly_once(scent_process):
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"reader{i}@example.com",
            status=SubscriberStatus.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        for i in range(READERS)
    )

    sending = scent_process.start(*LETTER)
    wait_until(queued_deliveries, timeout=120, what="the first batch to be queued")
    os.killpg(sending.pid, signal.SIGKILL)
    sending.wait(timeout=30)

    # Killed half-way: whole batches queued, each with its e-mail; the rest waiting.
    campaign = Campaign.objects.get()
    queued = queued_deliveries()
    assert campaign.finished_at is None
    assert 0 < queued < READERS and queued % CAMPAIGN_BATCH == 0
    assert len(queued_emails("newsletter_announcement")) == queued

    code, output = scent_process.run(*LETTER)

    assert code == 0, output
    assert f"Queued {READERS - queued} e-mails." in output
    assert "Resumed campaign" in output
    per_address = Counter(job["to"][0] for job in queued_emails("newsletter_announcement"))
    assert len(per_address) == READERS and set(per_address.values()) == {1}
    code, output = scent_process.run(*LETTER)
    assert code == 0 and "Queued 0 e-mails." in output, output
