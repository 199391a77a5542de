"""Work the scheduler runs for orders."""

from __future__ import annotations

from scent.orders.services import release_expired_orders


def release_expired() -> int:
    """Give back the stock of orders left unpaid for PENDING_ORDER_TIMEOUT minutes."""
    return release_expired_orders()
