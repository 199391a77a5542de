"""Writes for marketing: quiz results, reviews, newsletter subscriptions, wishlists.

E-mails are queued with `queue_email` inside the transaction that makes the change.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from itertools import batched
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from scent.catalog.inventory import lock_products
from scent.catalog.models import Product
from scent.catalog.ratings import refresh_product_rating, refresh_product_ratings
from scent.core.emails import queue_email, unsubscribe_headers
from scent.core.money import format_money
from scent.core.page_cache import catalogue_changed
from scent.marketing import selectors
from scent.marketing.models import (
    Campaign,
    CampaignDelivery,
    QuizResult,
    Review,
    ReviewStatus,
    Subscriber,
    SubscriberStatus,
    WishlistItem,
)
from scent.marketing.quiz import Recommendations

CONFIRM_SALT = "scent.marketing.newsletter.confirm"
UNSUBSCRIBE_SALT = "scent.marketing.newsletter.unsubscribe"
CONFIRM_MAX_AGE = timedelta(days=7)
# A pending address gets at most one confirmation e-mail per interval, however often
# the form is sent (a bot must not turn the shop into a mail cannon).
RESEND_INTERVAL = timedelta(minutes=5)
NEWSLETTER_PREFIX = "newsletter_"
QUIZ_EMAIL_INTERVAL = timedelta(minutes=2)


def _absolute(path: str) -> str:
    return f"{settings.APP_URL}{path}"


# --- quiz ------------------------------------------------------------------------------------
def quiz_result_save(*, user, answers: dict[str, str], product_ids: list[int]) -> QuizResult:
    """Record a completed quiz (for the statistics, and the account of a signed-in user)."""
    return QuizResult.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        answers=answers,
        product_ids=list(product_ids),
    )


def quiz_result_claim(*, result_id: object, user) -> bool:
    """Give a guest's quiz result to `user`, who just signed in or registered.

    `result_id` comes from that browser's own session: only a result no account owns is
    taken, so nobody can take over someone else's. False if there was nothing to take.
    """
    if not isinstance(result_id, int) or not getattr(user, "is_authenticated", False):
        return False
    return bool(QuizResult.objects.filter(pk=result_id, user__isnull=True).update(user=user))


class TooManyEmails(Exception):
    """The same address was sent quiz results a moment ago."""


def quiz_results_email(
    *, email: str, recommendations: Recommendations, answers_summary: list[str]
) -> None:
    """Queue the recommendations (names, prices, links, why) to `email`.

    One e-mail per address per QUIZ_EMAIL_INTERVAL, whoever asks: the form takes any
    address, so it must not become a way to flood someone's inbox.
    """
    email = normalise_email(email)
    validate_email(email)
    key = "quiz:mailed:" + hashlib.sha256(email.encode()).hexdigest()
    if not cache.add(key, 1, int(QUIZ_EMAIL_INTERVAL.total_seconds())):
        raise TooManyEmails("We sent these results to that address a moment ago.")
    products = [
        {
            "name": r.product.name,
            "price": ("from " if r.product.price_varies else "")
            + format_money(r.product.price, r.product.currency),
            "url": _absolute(r.product.get_absolute_url()),
            "why": r.why,
        }
        for r in recommendations.items
    ]
    queue_email(
        to=[email],
        template="quiz_results",
        context={
            "products": products,
            "answers": answers_summary,
            "quiz_url": _absolute(reverse("marketing:quiz")),
        },
    )


# --- reviews ---------------------------------------------------------------------------------
class ReviewNotAllowed(Exception):
    """Only customers with a paid order of the product may review it."""


def review_save(*, user, product: Product, rating: int, title: str = "", body: str) -> Review:
    """Create or edit the user's one review of `product`; it waits for moderation again."""
    if not selectors.customer_bought_product(user=user, product_id=product.pk):
        raise ReviewNotAllowed("You can review products you have bought and paid for.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "Choose a rating from 1 to 5 stars."})
    body = body.strip()
    if not body:
        raise ValidationError({"body": "Tell other shoppers a little about it."})
    values = {
        "rating": rating,
        "title": title.strip(),
        "body": body,
        "status": ReviewStatus.PENDING,
        "moderated_at": None,
    }
    mine = Review.objects.filter(user=user, product=product)
    catalogue_changed()  # an edited review goes back to moderation: off the pages
    # Plain statements, each its own transaction: an edit is one UPDATE; a new review is an
    # INSERT, and a double-submitted form's second INSERT fails on the unique constraint
    # and becomes an UPDATE (locking the row after a failed insert deadlocks on MariaDB).
    if not mine.update(**values):
        try:
            with transaction.atomic():
                Review.objects.create(user=user, product=product, **values)
        except IntegrityError:
            mine.update(**values)
    refresh_product_rating(product.pk)  # an approved review edited is no longer counted
    return mine.get()


def reviews_moderate(*, reviews: QuerySet[Review], status: str) -> int:
    """Approve or reject `reviews`; returns how many changed."""
    if status not in (ReviewStatus.APPROVED, ReviewStatus.REJECTED):
        raise ValueError(f"Reviews can be approved or rejected, not {status!r}")
    changes: dict[str, Any] = {"status": status, "moderated_at": timezone.now()}
    if status == ReviewStatus.REJECTED:
        changes["is_featured"] = False
    catalogue_changed()  # ratings and testimonials on the shared pages
    changing = reviews.exclude(status=status)
    with transaction.atomic():
        # The rating sort reads each product's summary of its approved reviews. Their
        # rows are locked first, as everywhere (scent.catalog.inventory): a buyer saving
        # a review of one of them meanwhile holds a lock on it (the foreign key's check).
        product_ids = set(changing.values_list("product_id", flat=True))
        lock_products(product_ids)
        changed = changing.update(**changes)
        refresh_product_ratings(product_ids)
    return changed


# --- newsletter ------------------------------------------------------------------------------
class SubscribeOutcome(StrEnum):
    SENT = "sent"  # a confirmation e-mail is on its way
    TOO_SOON = "too_soon"  # one was sent a moment ago; not sent again
    ALREADY = "already"  # confirmed already


class NewsletterTokenError(ValueError):
    """A confirmation or unsubscribe link that is damaged or expired."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def confirm_token(email: str) -> str:
    return signing.dumps(normalise_email(email), salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(email: str) -> str:
    return signing.dumps(normalise_email(email), salt=UNSUBSCRIBE_SALT, compress=True)


def confirm_url(email: str) -> str:
    return _absolute(reverse("marketing:newsletter_confirm", args=[confirm_token(email)]))


def unsubscribe_url(email: str) -> str:
    return _absolute(reverse("marketing:newsletter_unsubscribe", args=[unsubscribe_token(email)]))


def subscriber_subscribe(*, email: str, source: str = "") -> SubscribeOutcome:
    """Start (or restart) the double opt-in for `email`; raises ValidationError if invalid.

    Race-safe without explicit locks: the row is created with an insert that ignores
    a duplicate (committed at once), and the right to send a confirmation is taken by
    one conditional UPDATE, which the database lets exactly one request win. (Locking
    the row after a failed insert deadlocks on MariaDB when several requests race.)
    """
    email = normalise_email(email)
    validate_email(email)
    Subscriber.objects.bulk_create(
        [Subscriber(email=email, source=source[:20])], ignore_conflicts=True
    )
    now = timezone.now()
    may_send = Q(status=SubscriberStatus.UNSUBSCRIBED) | Q(status=SubscriberStatus.PENDING) & (
        Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lte=now - RESEND_INTERVAL)
    )
    with transaction.atomic():
        claimed = (
            Subscriber.objects.filter(email=email)
            .filter(may_send)
            .update(status=SubscriberStatus.PENDING, confirmation_sent_at=now, unsubscribed_at=None)
        )
        if claimed:
            queue_email(
                to=[email],
                template="newsletter_confirm",
                context={"confirm_url": confirm_url(email), "valid_days": CONFIRM_MAX_AGE.days},
            )
            return SubscribeOutcome.SENT
    status = Subscriber.objects.filter(email=email).values_list("status", flat=True).first()
    if status == SubscriberStatus.CONFIRMED:
        return SubscribeOutcome.ALREADY
    return SubscribeOutcome.TOO_SOON


def _email_from(token: str, *, salt: str, max_age: timedelta | None) -> str:
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise NewsletterTokenError("This link has expired.") from None
    except signing.BadSignature:
        raise NewsletterTokenError("This link is not valid.") from None


def subscriber_confirm(*, token: str) -> Subscriber:
    """Confirm the address of a valid confirmation link (idempotent)."""
    email = _email_from(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
        if subscriber is None:
            raise NewsletterTokenError("This address is not on our list; please sign up again.")
        if subscriber.status == SubscriberStatus.PENDING:
            subscriber.status = SubscriberStatus.CONFIRMED
            subscriber.confirmed_at = timezone.now()
            subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def subscriber_from_unsubscribe_token(token: str) -> Subscriber:
    email = _email_from(token, salt=UNSUBSCRIBE_SALT, max_age=None)
    subscriber = Subscriber.objects.filter(email=email).first()
    if subscriber is None:
        raise NewsletterTokenError("This address is not on our list.")
    return subscriber


def subscriber_unsubscribe(*, token: str) -> Subscriber:
    """Unsubscribe the address of a valid unsubscribe link (idempotent; links never expire)."""
    subscriber = subscriber_from_unsubscribe_token(token)
    subscribers_unsubscribe(subscribers=Subscriber.objects.filter(pk=subscriber.pk))
    subscriber.refresh_from_db()
    return subscriber


def subscribers_unsubscribe(*, subscribers: QuerySet[Subscriber]) -> int:
    """Unsubscribe `subscribers` (e.g. staff acting on a request); returns how many changed."""
    return subscribers.exclude(status=SubscriberStatus.UNSUBSCRIBED).update(
        status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now()
    )


@dataclass(frozen=True, slots=True)
class NewsletterSent:
    """What one run of a campaign did: e-mails queued and recipients skipped now."""

    campaign: Campaign
    queued: int
    skipped: int  # unsubscribed between the start and their turn
    resumed: bool  # the campaign had started before this run


CAMPAIGN_BATCH = 200  # recipients per transaction: queued together, or not at all


def newsletter_template_check(template: str) -> None:
    """Refuse a template that is not a newsletter or does not exist (before queueing any)."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    if not template.startswith(NEWSLETTER_PREFIX) or template == "newsletter_confirm":
        raise ValueError(
            f"Newsletter templates are named {NEWSLETTER_PREFIX}<something> "
            f"(emails/{NEWSLETTER_PREFIX}…/), not {template!r}"
        )
    for part in ("subject.txt", "body.txt", "body.html"):
        try:
            get_template(f"emails/{template}/{part}")
        except TemplateDoesNotExist:
            raise ValueError(f"e-mail template emails/{template}/{part} does not exist") from None


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValueError("A newsletter needs a subject")
    if len(subject) > Campaign._meta.get_field("subject").max_length:
        raise ValueError("A newsletter's subject is at most 200 characters")
    return subject


def campaign_fingerprint(*, subject: str, template: str, context: dict[str, Any]) -> str:
    letter = json.dumps([template, _clean_subject(subject), context], sort_keys=True)
    return hashlib.sha256(letter.encode()).hexdigest()


def campaign_for(*, subject: str, template: str, context: dict[str, Any] | None = None) -> Campaign:
    """The campaign of this letter (template, subject and text): the same letter is one
    campaign, so sending it again resumes or repeats nothing. Raises ValueError."""
    subject = _clean_subject(subject)
    newsletter_template_check(template)
    context = dict(context or {})
    try:
        json.dumps(context)
    except (TypeError, ValueError):
        raise ValueError("A newsletter's context must be JSON (text and numbers)") from None
    fingerprint = campaign_fingerprint(subject=subject, template=template, context=context)
    Campaign.objects.bulk_create(
        [Campaign(subject=subject, template=template, context=context, fingerprint=fingerprint)],
        ignore_conflicts=True,
    )
    return Campaign.objects.get(fingerprint=fingerprint)


def campaign_start(campaign: Campaign) -> bool:
    """Fix the campaign's audience: one waiting delivery per confirmed subscriber now.

    Done once, in one transaction (a run killed meanwhile leaves nothing behind); returns
    False if the campaign had started already.
    """
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.started_at is not None:
            campaign.started_at, campaign.recipients = locked.started_at, locked.recipients
            return False
        ids = list(selectors.confirmed_subscribers().values_list("pk", flat=True))
        for chunk in batched(ids, 1000):
            CampaignDelivery.objects.bulk_create(
                [CampaignDelivery(campaign=locked, subscriber_id=pk) for pk in chunk],
                ignore_conflicts=True,
            )
        locked.recipients = len(ids)
        locked.started_at = timezone.now()
        locked.save(update_fields=["recipients", "started_at"])
    campaign.started_at, campaign.recipients = locked.started_at, locked.recipients
    return True


def campaign_send(campaign: Campaign, *, batch_size: int = CAMPAIGN_BATCH) -> NewsletterSent:
    """Queue the campaign's e-mail to every recipient it has not reached yet.

    Each batch of recipients is locked, and each one's delivery is marked queued (with
    the e-mail's Message-ID) in the transaction that queues their e-mail: a run killed
    half-way loses or repeats nobody, a second run finds nobody waiting, and two runs at
    once never take the same recipient. Whoever unsubscribed since the start is skipped
    (their subscriber row is locked with the batch, so an unsubscribe waits or wins).
    """
    resumed = not campaign_start(campaign)
    queued = skipped = 0
    waiting = CampaignDelivery.objects.filter(
        campaign=campaign, queued_at__isnull=True, skipped_at__isnull=True
    )
    while True:
        with transaction.atomic():
            batch = list(
                waiting.select_related("subscriber").select_for_update().order_by("pk")[:batch_size]
            )
            if not batch:
                break
            now = timezone.now()
            unsubscribed = []
            for delivery in batch:
                email = delivery.subscriber.email
                if delivery.subscriber.status != SubscriberStatus.CONFIRMED:
                    unsubscribed.append(delivery.pk)
                    continue
                message_id = queue_email(
                    to=[email],
                    template=campaign.template,
                    context={**campaign.context, "subject": campaign.subject, "email": email},
                    headers=unsubscribe_headers(unsubscribe_url(email)),
                )
                # One small UPDATE each: bulk_update's CASE over a batch costs more.
                CampaignDelivery.objects.filter(pk=delivery.pk).update(
                    queued_at=now, message_id=message_id
                )
                queued += 1
            if unsubscribed:
                CampaignDelivery.objects.filter(pk__in=unsubscribed).update(skipped_at=now)
                skipped += len(unsubscribed)
    Campaign.objects.filter(pk=campaign.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    campaign.refresh_from_db()
    return NewsletterSent(campaign=campaign, queued=queued, skipped=skipped, resumed=resumed)


def campaign_delivery_sent(*, message_id: str, template: str) -> bool:
    """Mark the campaign delivery of the e-mail `message_id` sent (the mail server took it)."""
    if not template.startswith(NEWSLETTER_PREFIX) or not message_id:
        return False
    return bool(
        CampaignDelivery.objects.filter(message_id=message_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    )


def send_newsletter(
    *,
    subject: str,
    body_template: str,
    context: dict[str, Any] | None = None,
    batch_size: int = CAMPAIGN_BATCH,
) -> NewsletterSent:
    """Send `emails/<body_template>` to every confirmed subscriber, once, as a campaign.

    Each e-mail carries its own one-click unsubscribe link in List-Unsubscribe (RFC 8058)
    and in the footer; `subject` and `context` are passed to the template. The same
    letter again continues its campaign: it reaches only whom it had not reached.
    """
    campaign = campaign_for(subject=subject, template=body_template, context=context)
    return campaign_send(campaign, batch_size=batch_size)


# --- wishlist --------------------------------------------------------------------------------
def wishlist_add(*, user, product: Product) -> bool:
    """Put `product` on the user's wishlist; False if it was there already."""
    try:
        with transaction.atomic():
            _, created = WishlistItem.objects.get_or_create(user=user, product=product)
    except IntegrityError:
        return False
    return created


def wishlist_remove(*, user, product_id: int) -> bool:
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)
