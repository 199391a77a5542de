"""Everything that changes an order: placing it, payment, fulfilment, cancellation, refunds.

Locking rules (kept here and in scent.catalog.inventory so deadlocks cannot appear
elsewhere):
- stock is taken per variant by scent.catalog.inventory inside the order's transaction
  (products locked in id order, then a conditional UPDATE per variant in id order); the
  rows stay locked until commit, so the last unit of a size is sold exactly once;
- the coupon row is locked after the products (same order everywhere);
- every change to an existing order starts by locking the order row (SELECT FOR UPDATE),
  then products in id order, then the coupon.
E-mails are enqueued inside the same transaction as the change they describe.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from scent.cart.models import Cart
from scent.catalog import inventory
from scent.catalog.models import StockReason
from scent.checkout.coupons import CouponError, check_coupon, find_coupon
from scent.checkout.data import Checkout
from scent.checkout.models import Coupon, CouponRedemption, ShippingMethod
from scent.checkout.pricing import Totals, compute_totals
from scent.core.emails import queue_email
from scent.core.money import format_money
from scent.orders.links import order_link_for_email
from scent.orders.models import (
    ALLOWED_TRANSITIONS,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    OrderTransaction,
    OrderTransactionKind,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: the number is read aloud on the phone and typed from e-mails.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_LENGTH = 6
NUMBER_PREFIX = "TS-"


class OrderError(Exception):
    """An order cannot be placed or changed; the message is written for a person."""


class EmptyOrder(OrderError):
    pass


class OutOfStock(OrderError):
    """Raised from inventory.InsufficientStock: the same message, as an order error."""

    def __init__(self, product_name: str, available: int) -> None:
        self.product_name = product_name
        self.available = available
        super().__init__(str(inventory.InsufficientStock(product_name, available)))


class PriceChanged(OrderError):
    def __init__(self, totals: Totals) -> None:
        self.totals = totals
        super().__init__(
            "Prices or availability changed while you were checking out; the new total is "
            f"{format_money(totals.total, totals.currency)}. Please review your order again."
        )


class InvalidTransition(OrderError):
    def __init__(self, order: Order, to: str) -> None:
        self.order = order
        self.to = to
        super().__init__(
            f"Order {order.number} is {order.get_status_display().lower()} and cannot become "
            f"{OrderStatus(to).label.lower()}."
        )


class PaymentMismatch(OrderError):
    """The gateway reported an amount or currency that is not the order's total."""


class CouponRejected(OrderError):
    """The coupon in the checkout can no longer be used (limit reached, already used...)."""


class OrderNotFound(OrderError):
    pass


class RefundError(OrderError):
    pass


# --- helpers -----------------------------------------------------------------


def new_order_number() -> str:
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def _event(order: Order, kind: str, message: str, actor=None) -> None:
    OrderEvent.objects.create(
        order=order, kind=kind, message=message[:500], actor=_real_user(actor)
    )


def _real_user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _locked(order_number: str) -> Order:
    order = Order.objects.select_for_update().filter(number=order_number).first()
    if order is None:
        raise OrderNotFound(f"There is no order {order_number}.")
    return order


def _relock(order: Order) -> Order:
    return _locked(order.number)


def transition(order: Order, to: str, *, actor=None, message: str = "") -> None:
    """Move `order` (already locked) to status `to`, or raise InvalidTransition."""
    if to not in ALLOWED_TRANSITIONS[order.status]:
        raise InvalidTransition(order, to)
    old = order.get_status_display()
    order.status = to
    _event(
        order,
        OrderEventKind.STATUS,
        message or f"Status changed from {old} to {order.get_status_display()}.",
        actor,
    )


def _take_stock(quantities: dict[int, int], *, reference: str) -> inventory.Reservation:
    """Reserve {variant id: qty} through inventory or raise OutOfStock (in a transaction)."""
    try:
        return inventory.reserve_stock(quantities, reason=StockReason.ORDER, reference=reference)
    except inventory.InsufficientStock as exc:
        raise OutOfStock(exc.name, exc.available) from exc


def _line_quantities(order: Order) -> dict[int, int]:
    quantities: dict[int, int] = defaultdict(int)
    for variant_id, qty in order.lines.values_list("variant_id", "quantity"):
        if variant_id is not None:
            quantities[variant_id] += qty
    return quantities


def _return_stock(order: Order, *, reason: str = StockReason.CANCEL, actor=None) -> None:
    """Give the order's units back to the sizes they came from (once)."""
    if not order.holds_stock:
        return
    inventory.release_stock(
        _line_quantities(order), reason=reason, reference=order.number, actor=_real_user(actor)
    )
    order.holds_stock = False


def _release_coupon(order: Order) -> None:
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is None:
        return
    Coupon.objects.filter(pk=redemption.coupon_id, times_used__gt=0).update(
        times_used=F("times_used") - 1
    )
    redemption.delete()


def email_context(order: Order) -> dict:
    """A JSON-safe snapshot of the order for e-mail templates."""
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    return {
        "number": order.number,
        "status": order.get_status_display(),
        "lines": [
            {
                "name": line.product_name,
                "size": line.variant_label,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
                "line_total": money(line.line_total),
            }
            for line in order.lines.all()
        ],
        "subtotal": money(order.subtotal),
        "discount": money(order.discount) if order.discount else "",
        "coupon_code": order.coupon_code,
        "shipping": money(order.shipping),
        "shipping_method": order.shipping_method_name,
        "tax": money(order.tax),
        "prices_include_tax": order.prices_include_tax,
        "total": money(order.total),
        "address_lines": order.shipping_address_lines(),
        "order_url": order_link_for_email(order),
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "amount_refunded": money(order.amount_refunded),
        "cancel_reason": order.cancel_reason,
    }


def _queue_order_email(order: Order, template: str, extra: dict | None = None) -> None:
    queue_email(
        to=[order.email],
        template=template,
        context={**email_context(order), **(extra or {})},
    )
    _event(order, OrderEventKind.EMAIL, f"E-mail “{template.replace('_', ' ')}” queued.")


# --- placing an order --------------------------------------------------------


def _merge_items(items: Iterable[tuple[int, int]]) -> dict[int, int]:
    """{variant id: quantity} from (variant id, quantity) pairs."""
    quantities: dict[int, int] = defaultdict(int)
    for variant_id, qty in items:
        if int(qty) <= 0:
            raise OrderError("Quantities must be at least 1.")
        quantities[int(variant_id)] += int(qty)
    return dict(quantities)


def place_order(*, checkout: Checkout, expected_total: int | None = None) -> Order:
    """Create a PENDING order priced on the server, holding its stock, or raise OrderError.

    `expected_total` is the total the shopper saw on the review page: when prices changed
    since, PriceChanged is raised and nothing is written. A repeated `checkout.token`
    (a double-clicked "Place order") returns the order the first click created.
    """
    quantities = _merge_items(checkout.items)
    if not quantities:
        raise EmptyOrder("Your cart is empty.")
    if not checkout.email:
        raise OrderError("An e-mail address is needed for the order confirmation.")
    shipping_method = ShippingMethod.objects.active().filter(pk=checkout.shipping_method_id).first()
    if shipping_method is None:
        raise OrderError("Please choose a shipping method.")
    user = _real_user(checkout.user)
    email = checkout.email.strip().lower()
    currency = settings.SHOP_CURRENCY

    with transaction.atomic():
        if checkout.cart_id is not None:
            # The cart row is locked first: a second submit of the same checkout waits
            # here, then finds the order below instead of placing it twice.
            cart = Cart.objects.select_for_update().filter(pk=checkout.cart_id).first()
        if checkout.token:
            existing = Order.objects.filter(checkout_token=checkout.token).first()
            if existing is not None:
                return existing
        if checkout.cart_id is not None:
            in_cart = _merge_items(cart.items.values_list("variant_id", "quantity")) if cart else {}
            if not in_cart:
                raise EmptyOrder("Your cart is empty.")
            if in_cart != quantities:
                raise OrderError(
                    "Your cart changed while you were checking out; please review your order again."
                )
        # Locks the products and takes each size's stock (id order) until commit; raises
        # before anything is written. The reference is filled in once the number exists.
        reservation = _take_stock(quantities, reference="")
        variants = reservation.variants
        lines = []
        for variant_id in sorted(quantities):
            variant = variants[variant_id]
            product = variant.product
            if product.currency != currency:
                raise OrderError(f"{product.name} is not sold in {currency}.")
            qty = quantities[variant_id]
            lines.append(
                OrderLine(
                    product=product,
                    variant=variant,
                    product_name=product.name,
                    variant_label=variant.label,
                    sku=variant.sku,
                    unit_price=variant.price,
                    quantity=qty,
                    line_total=variant.price * qty,
                )
            )
        subtotal = sum(line.line_total for line in lines)

        coupon = None
        if checkout.coupon_code:
            try:
                # Locked: the usage limit and once-per-customer rule hold under concurrency.
                coupon = find_coupon(checkout.coupon_code, for_update=True)
                check_coupon(
                    coupon=coupon, subtotal=subtotal, currency=currency, email=email, user=user
                )
            except CouponError as exc:
                raise CouponRejected(str(exc)) from exc

        totals = compute_totals(
            line_totals=[line.line_total for line in lines],
            currency=currency,
            shipping_method=shipping_method,
            coupon=coupon,
            weight_grams=sum(
                variants[variant_id].weight_grams * qty for variant_id, qty in quantities.items()
            ),
        )
        if expected_total is not None and totals.total != expected_total:
            raise PriceChanged(totals)

        address = checkout.address
        order = _create_with_unique_number(
            checkout_token=checkout.token or None,
            user=user,
            email=email,
            currency=currency,
            subtotal=totals.subtotal,
            discount=totals.discount,
            shipping=totals.shipping,
            tax=totals.tax,
            total=totals.total,
            prices_include_tax=totals.prices_include_tax,
            tax_rate_bps=totals.tax_rate_bps,
            shipping_method=shipping_method,
            shipping_method_name=shipping_method.name,
            coupon=coupon,
            coupon_code=coupon.code if coupon else "",
            ship_full_name=address.full_name,
            ship_line1=address.line1,
            ship_line2=address.line2,
            ship_city=address.city,
            ship_region=address.region,
            ship_postal_code=address.postal_code,
            ship_country=address.country.upper(),
            ship_phone=address.phone,
        )
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        reservation.label_movements(order.number)
        if coupon is not None:
            Coupon.objects.filter(pk=coupon.pk).update(times_used=F("times_used") + 1)
            CouponRedemption.objects.create(coupon=coupon, order=order, user=user, email=email)
        _event(
            order,
            OrderEventKind.PLACED,
            f"Order placed for {format_money(order.total, currency)}; stock reserved.",
            user,
        )
        if checkout.cart_id is not None:
            Cart.objects.filter(pk=checkout.cart_id).delete()
    logger.info("order placed", extra={"order": order.number, "total": order.total})
    return order


def _create_with_unique_number(**fields) -> Order:
    # Numbers are random (not a guessable sequence); a collision retries with a new one.
    for _ in range(10):
        try:
            with transaction.atomic():
                return Order.objects.create(number=new_order_number(), **fields)
        except IntegrityError:
            continue
    raise OrderError("Could not allocate an order number; please try again.")


# --- payment -----------------------------------------------------------------


def mark_order_paid(
    *, order_number: str, amount: int, currency: str, gateway: str, reference: str
) -> bool:
    """Record a successful payment. True the first time, False for every repeat.

    Safe to call from the browser return and from the webhook in any order or at the
    same time: the order row is locked and the confirmation e-mail is queued in the
    same transaction as the status change, so it is queued exactly once.
    """
    with transaction.atomic():
        order = _locked(order_number)
        if amount != order.total or currency.upper() != order.currency.upper():
            raise PaymentMismatch(
                f"Payment {reference} for order {order.number} was "
                f"{format_money(amount, currency.upper())} but the order total is "
                f"{format_money(order.total, order.currency)}."
            )
        if order.is_paid:
            if not order.transactions.filter(
                kind=OrderTransactionKind.PAYMENT, reference=reference
            ).exists():
                logger.warning(
                    "second payment for a paid order",
                    extra={"order": order.number, "reference": reference},
                )
                _event(
                    order,
                    OrderEventKind.NOTE,
                    f"A second payment {reference} ({gateway}) was reported for this already "
                    "paid order: check the gateway and refund the duplicate.",
                )
            return False

        OrderTransaction.objects.create(
            order=order,
            kind=OrderTransactionKind.PAYMENT,
            gateway=gateway,
            reference=reference,
            amount=amount,
            currency=order.currency,
        )
        order.payment_status = PaymentStatus.PAID
        order.amount_paid = amount
        order.paid_at = timezone.now()
        order.gateway = gateway
        order.payment_reference = reference
        _event(
            order,
            OrderEventKind.PAID,
            f"Payment of {format_money(amount, order.currency)} received ({gateway} {reference}).",
        )

        if order.status == OrderStatus.CANCELLED:
            if not _reinstate_expired(order):
                order.save()
                return True
        else:
            transition(order, OrderStatus.PAID)
        order.save()
        _queue_order_email(order, "order_confirmation")
    return True


def _reinstate_expired(order: Order) -> bool:
    """A payment arrived for an order cancelled while unpaid: take its stock again if we can."""
    if order.expired and not order.holds_stock:
        try:
            with transaction.atomic():
                _take_stock(_line_quantities(order), reference=order.number)
        except OutOfStock as exc:
            _event(
                order,
                OrderEventKind.NOTE,
                f"Paid after it expired, but {exc} The order stays cancelled: refund the payment.",
            )
            return False
        order.holds_stock = True
        order.status = OrderStatus.PAID
        order.expired = False
        order.cancel_reason = ""
        order.cancelled_at = None
        _event(
            order,
            OrderEventKind.STATUS,
            "Paid after it expired: stock taken again, order reinstated.",
        )
        return True
    _event(
        order,
        OrderEventKind.NOTE,
        "Payment received for a cancelled order: the order stays cancelled; refund the payment.",
    )
    return False


def record_payment_failed(*, order_number: str, reference: str, message: str) -> None:
    """Note a declined or failed payment; the order stays payable. Repeats are ignored."""
    with transaction.atomic():
        order = _locked(order_number)
        if order.is_paid:
            return  # a late failure event for an attempt superseded by a success
        text = f"Payment {reference} failed: {message}"[:500]
        if order.events.filter(kind=OrderEventKind.PAYMENT_FAILED, message=text).exists():
            return
        order.payment_status = PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
        _event(order, OrderEventKind.PAYMENT_FAILED, text)


def record_refund(*, order_number: str, amount: int, reference: str, actor=None) -> Order:
    """Record money returned by the gateway (partial or full); idempotent per reference.

    A full refund of an order not yet shipped also gives its stock back.
    """
    with transaction.atomic():
        order = _locked(order_number)
        if order.transactions.filter(
            kind=OrderTransactionKind.REFUND, reference=reference
        ).exists():
            return order
        if not order.is_paid:
            raise RefundError(
                f"Order {order.number} has not been paid; there is nothing to refund."
            )
        if amount <= 0:
            raise RefundError("A refund must be more than zero.")
        if amount > order.refundable_amount:
            raise RefundError(
                f"Only {format_money(order.refundable_amount, order.currency)} of order "
                f"{order.number} can still be refunded."
            )
        OrderTransaction.objects.create(
            order=order,
            kind=OrderTransactionKind.REFUND,
            gateway=order.gateway,
            reference=reference,
            amount=amount,
            currency=order.currency,
        )
        order.amount_refunded += amount
        full = order.amount_refunded >= order.amount_paid
        order.payment_status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        _event(
            order,
            OrderEventKind.REFUNDED,
            f"{'Full' if full else 'Partial'} refund of {format_money(amount, order.currency)} "
            f"({reference}).",
            actor,
        )
        if full and order.status != OrderStatus.CANCELLED:
            if order.status in (OrderStatus.PAID, OrderStatus.PROCESSING):
                _return_stock(order, actor=actor)
            transition(order, OrderStatus.REFUNDED, actor=actor)
        order.save()
        _queue_order_email(
            order, "order_refunded", {"refund_amount": format_money(amount, order.currency)}
        )
    return order


# --- fulfilment and cancellation -----------------------------------------------


def start_processing(*, order: Order, actor=None) -> Order:
    with transaction.atomic():
        order = _relock(order)
        transition(order, OrderStatus.PROCESSING, actor=actor)
        order.save()
    return order


def ship_order(*, order: Order, tracking_number: str, carrier: str = "", actor=None) -> Order:
    """Mark a paid order shipped and e-mail the tracking number."""
    tracking_number = (tracking_number or "").strip()
    if not tracking_number:
        raise OrderError("A tracking number is needed to ship an order.")
    with transaction.atomic():
        order = _relock(order)
        transition(order, OrderStatus.SHIPPED, actor=actor)
        order.tracking_number = tracking_number
        order.carrier = (carrier or "").strip()
        order.shipped_at = timezone.now()
        via = f" via {order.carrier}" if order.carrier else ""
        _event(order, OrderEventKind.SHIPPED, f"Shipped{via}, tracking {tracking_number}.", actor)
        order.save()
        _queue_order_email(order, "order_shipped")
    return order


def mark_delivered(*, order: Order, actor=None) -> Order:
    with transaction.atomic():
        order = _relock(order)
        transition(order, OrderStatus.DELIVERED, actor=actor)
        order.delivered_at = timezone.now()
        _event(order, OrderEventKind.DELIVERED, "Delivered.", actor)
        order.save()
    return order


def cancel_order(*, order: Order, actor=None, reason: str = "") -> Order:
    """Cancel an order that has not shipped: its stock and coupon use are given back.

    A paid order is not refunded by this; refund it through the payment gateway.
    """
    with transaction.atomic():
        order = _relock(order)
        transition(order, OrderStatus.CANCELLED, actor=actor)
        _return_stock(order, actor=actor)
        _release_coupon(order)
        order.cancelled_at = timezone.now()
        order.cancel_reason = (reason or "").strip()[:200]
        _event(
            order,
            OrderEventKind.CANCELLED,
            "Cancelled"
            + (f": {order.cancel_reason}" if order.cancel_reason else ".")
            + " Stock returned.",
            actor,
        )
        order.save()
        _queue_order_email(order, "order_cancelled")
    return order


def release_expired_orders(*, older_than: timedelta | None = None) -> int:
    """Cancel unpaid orders older than `older_than` (PENDING_ORDER_TIMEOUT minutes) and
    give their stock back. Returns how many were released."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PENDING_ORDER_TIMEOUT)
    cutoff = timezone.now() - older_than
    numbers = list(
        Order.objects.filter(
            status=OrderStatus.PENDING,
            payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.FAILED],
            created_at__lt=cutoff,
        ).values_list("number", flat=True)
    )
    released = 0
    for number in numbers:
        with transaction.atomic():
            order = _locked(number)
            # Re-checked under the lock: a payment may have landed since the query.
            if order.status != OrderStatus.PENDING or order.is_paid:
                continue
            minutes = int(older_than.total_seconds() // 60)
            transition(
                order,
                OrderStatus.CANCELLED,
                message=f"Expired: not paid within {minutes} minutes.",
            )
            _return_stock(order, reason=StockReason.EXPIRY)
            _release_coupon(order)
            order.expired = True
            order.cancelled_at = timezone.now()
            order.cancel_reason = "Not paid in time"
            _event(order, OrderEventKind.EXPIRED, "Unpaid order expired; stock released.")
            order.save()
            released += 1
    if released:
        logger.info("expired orders released", extra={"count": released})
    return released
