"""Reads for the marketing pages: reviews, testimonials, wishlists, quiz results, and the
newsletter campaigns' progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Avg,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.fields.json import KT
from django.utils.text import Truncator

from scent.catalog.models import Product, ProductImage
from scent.marketing.models import (
    Campaign,
    QuizResult,
    Review,
    ReviewStatus,
    Subscriber,
    SubscriberStatus,
    Testimonial,
    WishlistItem,
    author_name,
)
from scent.marketing.quiz import STEPS
from scent.orders.models import OrderLine, OrderStatus

# Orders that count as "bought": paid, and not cancelled or refunded.
BOUGHT_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
REVIEWS_ON_PAGE = 10
TESTIMONIALS = 3
QUOTE_WORDS = 40


# --- reviews ---------------------------------------------------------------------------------
@dataclass(slots=True)
class ReviewSummary:
    average: float | None
    count: int
    reviews: list[Review] = field(default_factory=list)

    @property
    def average_display(self) -> str:
        return f"{self.average:.1f}" if self.average is not None else ""

    @property
    def rounded(self) -> int:
        return round(self.average) if self.average is not None else 0


def bought_lines(*, user, product_id) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(
        order__user=user, order__status__in=BOUGHT_STATUSES, product_id=product_id
    )


def customer_bought_product(*, user, product_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bought_lines(user=user, product_id=product_id).exists()


@dataclass(frozen=True, slots=True)
class ProductUserState:
    """What a signed-in shopper's product page shows about them: wished, bought, reviewed."""

    wished: bool = False
    bought: bool = False
    review_status: str = ""

    @property
    def can_review(self) -> bool:
        return self.bought


def product_user_state(*, user, product_id: int) -> ProductUserState:
    """One query for a signed-in user; none for a visitor."""
    if not getattr(user, "is_authenticated", False):
        return ProductUserState()
    row = (
        Product.objects.filter(pk=product_id)
        .annotate(
            wished=Exists(WishlistItem.objects.filter(user=user, product_id=OuterRef("pk"))),
            bought=Exists(bought_lines(user=user, product_id=OuterRef("pk"))),
            review_status=Subquery(
                Review.objects.filter(user=user, product_id=OuterRef("pk")).values("status")[:1]
            ),
        )
        .values("wished", "bought", "review_status")
        .first()
    )
    if row is None:
        return ProductUserState()
    return ProductUserState(
        wished=bool(row["wished"]),
        bought=bool(row["bought"]),
        review_status=row["review_status"] or "",
    )


@dataclass(frozen=True, slots=True)
class ShownReview:
    """An approved review as the product page shows it (no e-mail address in it)."""

    rating: int
    title: str
    body: str
    created_at: datetime
    author_name: str


def product_page_reviews(
    *, product_id: int, user, limit: int = REVIEWS_ON_PAGE
) -> tuple[ReviewSummary, ProductUserState]:
    """The review block of a product page and the shopper's state, in one query.

    The product row is joined to its approved reviews (one row with NULLs when there are
    none); window functions give the average and count of all of them, and, for a
    signed-in shopper, scalar subqueries say whether they wished, bought or reviewed it.
    """
    signed_in = getattr(user, "is_authenticated", False)
    qs = (
        Product.objects.filter(pk=product_id)
        .annotate(
            approved=FilteredRelation("reviews", condition=Q(reviews__status=ReviewStatus.APPROVED))
        )
        .annotate(
            all_average=Window(Avg("approved__rating")), all_count=Window(Count("approved__id"))
        )
    )
    columns = [
        "approved__rating",
        "approved__title",
        "approved__body",
        "approved__created_at",
        "approved__user__first_name",
        "approved__user__last_name",
        "all_average",
        "all_count",
    ]
    if signed_in:
        qs = qs.annotate(
            me_wished=Exists(WishlistItem.objects.filter(user=user, product_id=OuterRef("pk"))),
            me_bought=Exists(bought_lines(user=user, product_id=OuterRef("pk"))),
            me_review=Subquery(
                Review.objects.filter(user=user, product_id=OuterRef("pk")).values("status")[:1]
            ),
        )
        columns += ["me_wished", "me_bought", "me_review"]
    rows = list(
        qs.values(*columns).order_by(
            F("approved__created_at").desc(nulls_last=True), F("approved__id").desc()
        )[:limit]
    )
    if not rows:
        return ReviewSummary(average=None, count=0), ProductUserState()
    first = rows[0]
    reviews = [
        ShownReview(
            rating=row["approved__rating"],
            title=row["approved__title"],
            body=row["approved__body"],
            created_at=row["approved__created_at"],
            author_name=author_name(
                row["approved__user__first_name"], row["approved__user__last_name"]
            ),
        )
        for row in rows
        if row["approved__rating"] is not None
    ]
    summary = ReviewSummary(
        average=float(first["all_average"]) if first["all_count"] else None,
        count=first["all_count"],
        reviews=reviews,
    )
    if not signed_in:
        return summary, ProductUserState()
    return summary, ProductUserState(
        wished=bool(first["me_wished"]),
        bought=bool(first["me_bought"]),
        review_status=first["me_review"] or "",
    )


def own_review(*, user, product_id: int) -> Review | None:
    return Review.objects.filter(user=user, product_id=product_id).first()


# --- testimonials ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quote:
    quote: str
    author: str


def home_testimonials(*, limit: int = TESTIMONIALS) -> list[Quote]:
    """Staff-entered quotes first, then featured approved reviews, in one UNION query."""
    text, number = CharField(), IntegerField()
    staff = (
        Testimonial.objects.filter(is_active=True)
        .order_by()
        .values(
            text_=F("quote"),
            who=F("author"),
            first=Value("", output_field=text),
            last=Value("", output_field=text),
            kind=Value(0, output_field=number),
            pos=F("position"),
            at=F("created_at"),
        )
    )
    reviews = (
        Review.objects.filter(status=ReviewStatus.APPROVED, is_featured=True)
        .order_by()
        .values(
            text_=F("body"),
            who=F("product__name"),
            first=F("user__first_name"),
            last=F("user__last_name"),
            kind=Value(1, output_field=number),
            pos=Value(0, output_field=number),
            at=F("created_at"),
        )
    )
    rows = staff.union(reviews, all=True).order_by("kind", "pos", "-at")[:limit]
    return [
        Quote(row["text_"], row["who"])
        if row["kind"] == 0
        else Quote(
            # A review can be long; the home page shows its opening.
            Truncator(row["text_"]).words(QUOTE_WORDS),
            f"{author_name(row['first'], row['last'])}, on {row['who']}",
        )
        for row in rows
    ]


# --- wishlist --------------------------------------------------------------------------------
def wishlist_items(*, user) -> QuerySet[WishlistItem]:
    """The user's wishlist, newest first, with what a product card shows."""
    return (
        WishlistItem.objects.filter(user=user, product__is_active=True)
        .select_related("product__category")
        .prefetch_related(
            Prefetch("product__images", queryset=ProductImage.objects.order_by("position", "id"))
        )
        .order_by("-created_at", "-id")
    )


def wishlist_product_ids(*, user) -> frozenset[int]:
    return frozenset(WishlistItem.objects.filter(user=user).values_list("product_id", flat=True))


# --- quiz ------------------------------------------------------------------------------------
@dataclass(slots=True)
class SavedQuiz:
    result: QuizResult
    products: list[Product]


def quiz_result(*, pk: int) -> QuizResult | None:
    return QuizResult.objects.filter(pk=pk).first()


def quiz_results_for_user(*, user, limit: int = 3) -> list[SavedQuiz]:
    """The user's latest quiz results with their recommended products; two queries."""
    if not getattr(user, "is_authenticated", False):
        return []
    results = list(QuizResult.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
    ids = {pk for r in results for pk in r.product_ids}
    products = Product.objects.active().in_bulk(ids) if ids else {}
    return [SavedQuiz(r, [products[pk] for pk in r.product_ids if pk in products]) for r in results]


def quiz_answer_counts() -> dict[str, list[tuple[str, int]]]:
    """{"mood": [("calm", 12), ...], ...}: how often each answer was given, most first."""
    counts: dict[str, list[tuple[str, int]]] = {}
    for step in STEPS:
        rows = (
            QuizResult.objects.annotate(answer=KT(f"answers__{step}"))
            .values("answer")
            .annotate(n=Count("id"))
            .order_by("-n", "answer")
        )
        counts[step] = [(row["answer"] or "", row["n"]) for row in rows]
    return counts


def confirmed_subscribers() -> QuerySet[Subscriber]:
    return Subscriber.objects.filter(status=SubscriberStatus.CONFIRMED).order_by("pk")


# --- newsletter campaigns --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CampaignProgress:
    total: int  # recipients when it started
    queued: int
    sent: int  # taken by the mail server
    skipped: int  # unsubscribed before their turn

    @property
    def waiting(self) -> int:
        return self.total - self.queued - self.skipped

    def __str__(self) -> str:
        return (
            f"{self.queued} queued / {self.sent} sent of {self.total}; "
            f"{self.skipped} unsubscribed, skipped"
        )


def campaigns_with_progress(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """`campaigns` with their progress counted in the same query (see campaign_progress)."""
    return campaigns.annotate(
        progress_total=Count("deliveries"),
        progress_queued=Count("deliveries", filter=Q(deliveries__queued_at__isnull=False)),
        progress_sent=Count("deliveries", filter=Q(deliveries__sent_at__isnull=False)),
        progress_skipped=Count("deliveries", filter=Q(deliveries__skipped_at__isnull=False)),
    )


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Queued, sent and skipped of the campaign's recipients (counted now unless annotated)."""
    if not hasattr(campaign, "progress_total"):
        campaign = campaigns_with_progress(Campaign.objects.filter(pk=campaign.pk)).get()
    return CampaignProgress(
        total=campaign.progress_total,
        queued=campaign.progress_queued,
        sent=campaign.progress_sent,
        skipped=campaign.progress_skipped,
    )
