"""A request log line with a 100 kB path is written at once (issue 12, found by the fuzz test).

The redactor's key=value search was tried from every position of a long run of letters:
one request for /orders/xxx…(100 kB)/ kept a worker busy for minutes.
"""

from __future__ import annotations

import time

import pytest

from scent.core.logging import Redactor


@pytest.mark.parametrize(
    "text", ["x" * 100_000, "/orders/" + "a-" * 50_000 + "/", "k=" * 50_000, "9" * 100_000]
)
def test_a_100_kb_log_line_is_redacted_in_well_under_a_second(text):
    started = time.perf_counter()

    Redactor().text(text)

    assert time.perf_counter() - started < 1.0


def test_secrets_after_a_long_line_are_still_redacted():
    text = "GET /orders/" + "x" * 100_000 + "/ password=hunter22 token: abc123"

    cleaned = Redactor().text(text)

    assert "hunter22" not in cleaned and "abc123" not in cleaned
    assert cleaned.endswith("password=[REDACTED] token: [REDACTED]")
