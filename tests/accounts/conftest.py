"""Fixtures for the account tests: real mail delivery through the immediate queue."""

from __future__ import annotations

import re

import pytest
from django.core import mail

# The browser harness (Chromium via Playwright) for test_browser.py.
from tests.e2e.conftest import browser, mobile_page, new_page, page, screenshot  # noqa: F401
from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # UserFactory's password


@pytest.fixture
def immediate_queue(settings, django_capture_on_commit_callbacks):
    """Run queued jobs at commit (QUEUE_CONNECTION=sync); yields a commit-running context."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def customer(db):
    return UserFactory(email="ada@example.com", first_name="Ada")


def reset_link_from_outbox() -> str:
    """The reset URL from the one e-mail in the outbox (text part)."""
    assert len(mail.outbox) == 1
    match = re.search(r"https?://\S+/accounts/password-reset/\S+/", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(0)
