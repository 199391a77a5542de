"""The scent quiz: its questions, the answers' validation and the scoring selector.

Recommendations come from the live catalogue: active products, in-stock ones first,
ranked by how many answers they match (mood, scent family, intensity, format), within
the budget. Each comes with a short "why this matches" built from the same matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)

from scent.catalog.models import Mood, Product, ProductImage, ScentFamily
from scent.core.money import exponent, format_money

STEPS = ("mood", "family", "intensity", "format", "budget")
# Where the quiz pages keep the id of the QuizResult this browser completed last; when
# the guest signs in or registers in the same session, that result joins the account.
RESULT_SESSION_KEY = "quiz_result_id"
ANY = "any"
RECOMMENDATIONS = 6
MAX_REASONS = 3

INTENSITIES = {
    "subtle": "Soft and subtle",
    "balanced": "Balanced",
    "strong": "Rich and long-lasting",
}
# Light, airy families read as subtle; deep, resinous ones as strong.
INTENSITY_FAMILIES = {
    "subtle": (ScentFamily.FRESH, ScentFamily.CITRUS, ScentFamily.FLORAL, ScentFamily.HERBAL),
    "strong": (
        ScentFamily.WOODY,
        ScentFamily.SPICY,
        ScentFamily.RESINOUS,
        ScentFamily.EARTHY,
        ScentFamily.SWEET,
    ),
}
INTENSITY_REASONS = {"subtle": "Gentle scent", "strong": "Rich, lasting scent"}

# Format -> a word the matching categories' slugs contain ("essential-oils", "candles").
FORMATS = {
    "oil": ("Essential oil", "oil"),
    "blend": ("Blend", "blend"),
    "diffuser": ("Diffuser", "diffuser"),
    "candle": ("Candle", "candle"),
    "soap": ("Soap or bath", "soap"),
}
BUDGETS = (15, 30, 50)  # in major units of the shop currency

# "Calming · Floral like you asked · Under $30"
MOOD_REASONS = {
    "calm": "Calming",
    "sleep": "Helps you sleep",
    "energy": "Energising",
    "focus": "Helps you focus",
    "uplift": "Uplifting",
    "relief": "Soothing",
    "romance": "Romantic",
}

WEIGHTS = {"mood": 4, "family": 3, "format": 3, "intensity": 1}


class QuizError(ValueError):
    """An answer that is not one of the question's choices."""


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    title: str
    help: str
    choices: tuple[Choice, ...]

    @property
    def number(self) -> int:
        return STEPS.index(self.key) + 1

    def label_for(self, value: str) -> str:
        return next((c.label for c in self.choices if c.value == value), value)


def budget_label(major: int, currency: str | None = None) -> str:
    currency = currency or settings.SHOP_CURRENCY
    text = format_money(major * 10 ** exponent(currency), currency)
    return f"Under {text.removesuffix('.00')}"


def questions(*, moods: list[Mood]) -> list[Question]:
    """The five questions in order; the mood choices are the catalogue's moods."""
    return [
        Question(
            "mood",
            "How do you want to feel?",
            "Pick the one that matters most right now.",
            tuple(Choice(m.slug, m.name) for m in moods),
        ),
        Question(
            "family",
            "Which scents do you love?",
            "Your favourite scent family.",
            (
                *(Choice(value, label) for value, label in ScentFamily.choices),
                Choice(ANY, "Surprise me"),
            ),
        ),
        Question(
            "intensity",
            "How strong should it be?",
            "Some like a whisper, some a warm embrace.",
            tuple(Choice(value, label) for value, label in INTENSITIES.items()),
        ),
        Question(
            "format",
            "How would you like to enjoy it?",
            "Oils for your own blends, a diffuser for a room, a candle for the evening.",
            (
                *(Choice(value, label) for value, (label, _) in FORMATS.items()),
                Choice(ANY, "Any of these"),
            ),
        ),
        Question(
            "budget",
            "What would you like to spend?",
            "Per product.",
            (*(Choice(str(b), budget_label(b)) for b in BUDGETS), Choice(ANY, "No limit")),
        ),
    ]


def clean_answers(raw: dict, *, moods: list[Mood]) -> dict[str, str]:
    """The five answers, each checked against its question; raises QuizError."""
    answers = {}
    for question in questions(moods=moods):
        value = str(raw.get(question.key) or "").strip()
        if value not in {c.value for c in question.choices}:
            raise QuizError(f"Please choose an answer for “{question.title}”")
        answers[question.key] = value
    return answers


@dataclass(slots=True)
class Recommendation:
    product: Product
    reasons: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        return " · ".join(self.reasons)


@dataclass(slots=True)
class Recommendations:
    items: list[Recommendation]
    # True when nothing fits the budget and the list shows the closest matches instead.
    over_budget: bool = False

    @property
    def products(self) -> list[Product]:
        return [r.product for r in self.items]


def max_price(budget: str, currency: str | None = None) -> int | None:
    if budget == ANY:
        return None
    currency = currency or settings.SHOP_CURRENCY
    return int(budget) * 10 ** exponent(currency)


RANKING_CACHE_SECONDS = 60


def rank(*, answers: dict[str, str], limit: int = RECOMMENDATIONS) -> list[int]:
    """Ids of the best-matching active products, in-stock first; one query, cached a minute.

    Products within the budget are ranked by how many answers they match (weighted);
    products matching nothing are left out unless nothing matches at all, and when no
    match fits the budget the closest matches at any price are returned.
    The answer space is small (a few thousand combinations), so the cache saves the
    scan of a large catalogue for most shoppers.
    """
    key = "quiz:rank:" + ":".join(answers[step] for step in STEPS) + f":{limit}"
    return cache.get_or_set(key, lambda: _rank(answers, limit), RANKING_CACHE_SECONDS)


def _rank(answers: dict[str, str], limit: int) -> list[int]:
    conditions = {
        "mood": Exists(
            Product.moods.through.objects.filter(
                product_id=OuterRef("pk"),
                # An uncorrelated subquery: the mood is looked up once, not per product.
                mood_id=Subquery(Mood.objects.filter(slug=answers["mood"]).values("pk")[:1]),
            )
        ),
        "family": Q(scent_family=answers["family"]) if answers["family"] != ANY else None,
        "format": Q(category__slug__icontains=FORMATS[answers["format"]][1])
        if answers["format"] != ANY
        else None,
        "intensity": Q(scent_family__in=INTENSITY_FAMILIES[answers["intensity"]])
        if answers["intensity"] in INTENSITY_FAMILIES
        else None,
    }
    score = sum(
        (
            Case(When(condition, then=Value(WEIGHTS[name])), default=Value(0))
            for name, condition in conditions.items()
            if condition is not None
        ),
        start=Value(0),
    )
    qs = (
        Product.objects.active()
        .annotate(
            available=Case(
                When(in_stock=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            score=ExpressionWrapper(score, output_field=IntegerField()),
        )
        .order_by(F("available").desc(), F("score").desc(), F("is_featured").desc(), "price", "pk")
        .values_list("pk", flat=True)
    )
    budget = max_price(answers["budget"])
    # Products that match something, within the budget; failing that, matches at any
    # price; failing that (a tiny catalogue), whatever the shop has.
    attempts = [qs.filter(score__gt=0), qs]
    if budget is not None:
        attempts = [
            attempts[0].filter(price__lte=budget),
            attempts[0],
            qs.filter(price__lte=budget),
            qs,
        ]
    for attempt in attempts:
        ids = list(attempt[:limit])
        if ids:
            return ids
    return []


def recommend(*, answers: dict[str, str], limit: int = RECOMMENDATIONS) -> Recommendations:
    """The best matches for complete quiz `answers`, each with why it matches."""
    return recommendations_for(answers=answers, product_ids=rank(answers=answers, limit=limit))


def recommendations_for(*, answers: dict[str, str], product_ids: list[int]) -> Recommendations:
    """`product_ids` (still active ones, in that order) with their reasons; three queries."""
    products = (
        Product.objects.active()
        .filter(pk__in=product_ids)
        .select_related("category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            "moods",
        )
        .in_bulk()
        if product_ids
        else {}
    )
    ordered = [products[pk] for pk in product_ids if pk in products]
    budget = max_price(answers["budget"])
    over_budget = budget is not None and bool(ordered) and all(p.price > budget for p in ordered)
    return Recommendations(
        items=[Recommendation(p, _reasons(p, answers, budget)) for p in ordered],
        over_budget=over_budget,
    )


def _reasons(product: Product, answers: dict[str, str], budget: int | None) -> list[str]:
    """Up to three short reasons, most telling first, e.g. Calming · Floral like you asked."""
    reasons = []
    mood = next((m for m in product.moods.all() if m.slug == answers["mood"]), None)
    if mood is not None:
        reasons.append(MOOD_REASONS.get(mood.slug, f"Good for {mood.name.lower()}"))
    if answers["family"] != ANY and product.scent_family == answers["family"]:
        reasons.append(f"{product.get_scent_family_display()} like you asked")
    if answers["format"] != ANY and FORMATS[answers["format"]][1] in product.category.slug:
        reasons.append(f"{FORMATS[answers['format']][0]}, as you chose")
    if budget is not None and product.price <= budget:
        reasons.append(budget_label(int(answers["budget"]), product.currency))
    if product.scent_family in INTENSITY_FAMILIES.get(answers["intensity"], ()):
        reasons.append(INTENSITY_REASONS[answers["intensity"]])
    if not reasons:
        reasons.append("A customer favourite" if product.is_featured else "Worth a try")
    reasons = reasons[:MAX_REASONS]
    if not product.in_stock:
        reasons.append("Back soon")
    return reasons
