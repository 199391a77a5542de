"""The shop's GET filter form: query parameters in, a validated ProductFilters out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator

from scent.catalog.models import Category, Mood, Note, ScentFamily
from scent.catalog.selectors import SORTS, ProductFilters
from scent.core import params
from scent.core.money import exponent

_PRICE_ERRORS = {
    "invalid": "Enter an amount such as 12.50.",
    "min_value": "Enter an amount of 0 or more.",
    "max_digits": "That amount is too large.",
    "max_decimal_places": "Use at most 2 decimal places, as in 12.50.",
    "max_whole_digits": "That amount is too large.",
}
SORT_CHOICES = [(key, label) for key, (label, _ordering) in SORTS.items()]
# What the sort menu offers: "Best match" only with a search, where it is the default and
# "Featured" would say the same; "relevance" without a search is accepted (as featured).
SEARCH_SORT_CHOICES = [
    c for c in sorted(SORT_CHOICES, key=lambda c: c[0] != "relevance") if c[0] != "featured"
]
LIST_SORT_CHOICES = [c for c in SORT_CHOICES if c[0] != "relevance"]


class ProductFilterForm(forms.Form):
    """Every field is optional; a bad value is reported and ignored, the rest still applies."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        strip=True,
        error_messages={"max_length": "Use at most 100 characters."},
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        error_messages={"invalid_choice": "There is no category “%(value)s”."},
    )
    family = forms.ChoiceField(
        label="Scent family",
        required=False,
        choices=[("", "Any family"), *ScentFamily.choices],
        error_messages={"invalid_choice": "There is no scent family “%(value)s”."},
    )
    mood = forms.ChoiceField(
        label="Mood",
        required=False,
        error_messages={"invalid_choice": "There is no mood “%(value)s”."},
    )
    note = forms.ChoiceField(
        label="Note",
        required=False,
        error_messages={"invalid_choice": "There is no note “%(value)s”."},
    )
    min_price = forms.DecimalField(
        label="Min price",
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        error_messages=_PRICE_ERRORS,
    )
    max_price = forms.DecimalField(
        label="Max price",
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        error_messages=_PRICE_ERRORS,
    )
    in_stock = forms.BooleanField(label="In stock only", required=False)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORT_CHOICES,
        error_messages={"invalid_choice": "Choose one of the listed sort orders."},
    )
    page = forms.IntegerField(
        label="Page",
        required=False,
        min_value=1,
        max_value=params.MAX_PAGE,
        error_messages={
            "invalid": "Enter a page number such as 2; showing page 1.",
            "min_value": "Pages start at 1; showing page 1.",
            "max_value": "That page number is too large; showing page 1.",
        },
    )

    def __init__(
        self,
        data,
        *,
        categories: Sequence[Category],
        moods: Sequence[Mood],
        notes: Sequence[Note] = (),
        category_fixed: bool = False,
    ) -> None:
        super().__init__(data)
        self._categories = {c.slug: c for c in categories}
        self._moods = {m.slug: m for m in moods}
        self._notes = {n.slug: n for n in notes}
        self.fields["category"].choices = [
            ("", "All categories"),
            *((c.slug, c.name) for c in categories),
        ]
        self.fields["mood"].choices = [("", "Any mood"), *((m.slug, m.name) for m in moods)]
        self.fields["note"].choices = [("", "Any note"), *((n.slug, n.name) for n in notes)]
        searching = bool(str(data.get("q", "") if data else "").strip())
        self.fields["sort"].widget.choices = SEARCH_SORT_CHOICES if searching else LIST_SORT_CHOICES
        if category_fixed:
            # /categories/<slug>/ scopes the list by its URL, not by a parameter.
            del self.fields["category"]
        for name in ("min_price", "max_price"):
            widget = self.fields[name].widget
            widget.attrs.update({"step": "0.01", "inputmode": "decimal", "placeholder": "0.00"})
            widget.input_type = "number"
            # The most a price column holds, in major units: a larger bound filters nothing.
            most = Decimal(params.MAX_PRICE).scaleb(-exponent(settings.SHOP_CURRENCY))
            self.fields[name].validators.append(
                MaxValueValidator(most, message="That amount is too large.")
            )
        self.fields["page"].widget = forms.HiddenInput()
        self.fields["q"].widget.input_type = "search"

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "Max price must be at least the min price.")
        return cleaned

    def filters(self, *, category: Category | None = None) -> ProductFilters:
        """The valid part of the input (call after is_valid(); invalid fields are left out)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        currency = settings.SHOP_CURRENCY
        q = data.get("q") or ""
        return ProductFilters(
            q=q,
            category=category or self._categories.get(data.get("category") or ""),
            family=data.get("family") or "",
            mood=self._moods.get(data.get("mood") or ""),
            note=self._notes.get(data.get("note") or ""),
            min_price=_to_minor(data.get("min_price"), currency),
            max_price=_to_minor(data.get("max_price"), currency),
            in_stock=bool(data.get("in_stock")),
            sort=data.get("sort") or ("relevance" if q else "featured"),
        )

    def page_number(self) -> int:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return data.get("page") or 1


def _to_minor(value: Decimal | None, currency: str) -> int | None:
    if value is None:
        return None
    return int((value * 10 ** exponent(currency)).to_integral_value())
