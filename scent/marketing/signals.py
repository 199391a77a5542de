"""Reviews are on the shared storefront pages (ratings, testimonials): an edit made in
the admin makes those pages stale (scent.core.page_cache), and a review saved or deleted
(by the admin, or with its product or its author) recounts its product's rating for
the rating sort (scent.catalog.ratings). Signing in keeps the guest's quiz result; a
newsletter e-mail sent counts in its campaign's progress."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from scent.catalog.ratings import refresh_product_rating
from scent.core.emails import email_sent
from scent.core.page_cache import catalogue_changed
from scent.marketing.models import Review, ReviewStatus
from scent.marketing.quiz import RESULT_SESSION_KEY
from scent.marketing.services import campaign_delivery_sent, quiz_result_claim


def _changed(sender, **kwargs) -> None:
    catalogue_changed()


def _rating(sender, instance: Review, raw: bool = False, created: bool = False, **kwargs) -> None:
    # A new review waiting for moderation counts for nothing yet; leaving it out also
    # keeps its INSERT (which holds a shared lock on the product for the foreign key)
    # from waiting on the product's row while another buyer's INSERT waits on it.
    if raw or (created and instance.status != ReviewStatus.APPROVED):
        return
    refresh_product_rating(instance.product_id)


def connect() -> None:
    post_save.connect(_changed, sender=Review, dispatch_uid="pages-save-review")
    post_delete.connect(_changed, sender=Review, dispatch_uid="pages-del-review")
    post_save.connect(_rating, sender=Review, dispatch_uid="rating-save-review")
    post_delete.connect(_rating, sender=Review, dispatch_uid="rating-del-review")


@receiver(user_logged_in, dispatch_uid="scent.marketing.quiz_on_login")
def keep_guest_quiz_on_login(sender, request, user, **kwargs) -> None:
    """A guest's completed quiz joins the account they sign in to or open (registration
    signs the new customer in) in the same session."""
    if request is None or not hasattr(request, "session"):
        return
    quiz_result_claim(result_id=request.session.get(RESULT_SESSION_KEY), user=user)


@receiver(email_sent, dispatch_uid="scent.marketing.campaign_delivery_sent")
def mark_campaign_delivery_sent(sender, message_id: str, template: str, **kwargs) -> None:
    """A newsletter the mail server took counts as sent in its campaign's progress."""
    campaign_delivery_sent(message_id=message_id, template=template)
