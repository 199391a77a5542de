"""Marketing: scent quiz results, reviews, testimonials, newsletter subscribers, wishlists."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def author_name(first_name: str, last_name: str) -> str:
    """ "Grace H.": a first name and initial, never the e-mail address."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if first:
        return f"{first} {last[:1]}." if last else first
    return "A customer"


class QuizResult(models.Model):
    """One completed scent quiz: the answers and the products it recommended."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quiz_results",
    )
    # {"mood": "calm", "family": "floral", "intensity": "subtle", "format": "oil", "budget": "30"}
    answers = models.JSONField()
    product_ids = models.JSONField(default=list, help_text="Recommended products, best first")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="quizresult_user_idx")]

    def __str__(self) -> str:
        return f"Quiz of {self.created_at:%Y-%m-%d %H:%M}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Waiting for moderation"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Review(models.Model):
    """A customer's rating (1-5) and review of a product they bought; one per product."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    is_featured = models.BooleanField(
        "featured on the home page",
        default=False,
        help_text="Approved featured reviews are shown as testimonials on the home page",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="one_review_per_product"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "status", "created_at"], name="review_product_idx"),
            models.Index(fields=["status", "is_featured"], name="review_featured_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.product_id} by {self.user_id}"

    @property
    def author_name(self) -> str:
        return author_name(self.user.first_name, self.user.last_name)


class Testimonial(models.Model):
    """A quote staff entered for the home page (e.g. from a letter or a market stall)."""

    quote = models.TextField(max_length=600)
    author = models.CharField(max_length=80)
    is_active = models.BooleanField("shown", default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "-created_at"]

    def __str__(self) -> str:
        return f"{self.author}: {self.quote[:40]}"


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class Subscriber(models.Model):
    """A newsletter address; mail goes only to confirmed ones (double opt-in)."""

    # Always stored lower-case (services.normalise_email), so the unique index makes
    # addresses unique case-insensitively on every database (MariaDB has no
    # functional indexes, and its default collation would differ from PostgreSQL's).
    email = models.EmailField(unique=True)
    status = models.CharField(
        max_length=12,
        choices=SubscriberStatus.choices,
        default=SubscriberStatus.PENDING,
        db_index=True,
    )
    source = models.CharField(max_length=20, blank=True, help_text="Where they signed up")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email


class WishlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="wishlist_items"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="wishlist_once_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} on {self.user_id}'s wishlist"


class Campaign(models.Model):
    """One newsletter letter, sent once to the confirmed subscribers of the day it started.

    Its audience is fixed when it starts (a CampaignDelivery per confirmed subscriber);
    each delivery is marked queued in the transaction that queues its e-mail, so a run
    that stopped half-way resumes with exactly the recipients it had not reached.
    """

    subject = models.CharField(max_length=200)
    template = models.CharField(max_length=100)
    context = models.JSONField(default=dict, blank=True, help_text="What the template shows")
    # sha256 of template, subject and context: the same letter is one campaign.
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    recipients = models.PositiveIntegerField(
        default=0, help_text="Confirmed subscribers when it started"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class CampaignDelivery(models.Model):
    """One recipient of a campaign: waiting, queued (then sent), or skipped (unsubscribed)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="campaign_deliveries"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    # The queued e-mail's Message-ID; when the mail server took that e-mail, sent_at is
    # set (scent.core.emails.email_sent, received in scent.marketing.signals).
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(
        null=True, blank=True, help_text="Unsubscribed before the letter reached them"
    )

    class Meta:
        verbose_name_plural = "campaign deliveries"
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscriber"], name="campaign_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "queued_at"], name="campaigndelivery_queued_idx")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} to {self.subscriber_id}"
