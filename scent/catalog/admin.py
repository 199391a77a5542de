"""Staff screens for the catalogue. Thin: writes go through `scent.catalog.services`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from scent.catalog import images, inventory, services, sizes
from scent.catalog.models import (
    Category,
    Mood,
    Note,
    Product,
    ProductImage,
    ProductNote,
    ProductVariant,
    StockMovement,
    StockReason,
)
from scent.core.money import format_major, format_money, parse_amount


class MinorUnitsField(forms.Field):
    """Shows and accepts an amount as "12.50"; stores integer minor units (1250)."""

    def __init__(self, *, currency: str = settings.SHOP_CURRENCY, **kwargs) -> None:
        self.currency = currency
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "size": 10, "autocomplete": "off"})

    def prepare_value(self, value):
        return format_major(value, self.currency) if isinstance(value, int) else value

    def to_python(self, value):
        if isinstance(value, int):
            return value
        if not (value or "").strip():
            return None
        try:
            return parse_amount(value, self.currency)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "name",
            "slug",
            "category",
            "is_active",
            "is_featured",
            "short_description",
            "description",
            "ingredients",
            "how_to_use",
            "scent_family",
            "moods",
            "meta_description",
        ]


class VariantForm(forms.ModelForm):
    """One size: prices typed as 12.50, stock as counted (a stock-take through inventory)."""

    price = MinorUnitsField(label="Price")
    compare_at_price = MinorUnitsField(label="Compare-at price", required=False)

    class Meta:
        model = ProductVariant
        fields = [
            "label",
            "sku",
            "price",
            "compare_at_price",
            "stock_quantity",
            "weight_grams",
            "position",
            "is_active",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Lets the save tell "left as shown" from "changed": orders may have sold units
        # since the page was opened, and an untouched field must not undo that.
        if "stock_quantity" in self.fields:
            self.fields["stock_quantity"].show_hidden_initial = True
        product = getattr(self.instance, "product", None) if self.instance.product_id else None
        currency = product.currency if product else settings.SHOP_CURRENCY
        for name in ("price", "compare_at_price"):
            if name in self.fields:
                self.fields[name].currency = currency

    def clean(self):
        cleaned = super().clean()
        price, compare_at = cleaned.get("price"), cleaned.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at <= price:
            self.add_error(
                "compare_at_price",
                "The compare-at price must be higher than the price, or left empty.",
            )
        return cleaned


class VariantInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            f
            for f in self.forms
            if f.cleaned_data and f not in self.deleted_forms and (f.instance.pk or f.has_changed())
        ]
        if not kept:
            raise ValidationError("A product needs at least one size (its price and stock).")
        if len(kept) > 1:
            for f in kept:
                if not f.cleaned_data.get("label"):
                    f.add_error("label", "Name each size (e.g. 10 ml) when there is more than one.")


class StockStateFilter(admin.SimpleListFilter):
    """Products by the stock of their sizes (any size low, every size sold out...)."""

    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        low = settings.SHOP_LOW_STOCK_THRESHOLD
        return [
            ("in", f"In stock (a size with more than {low})"),
            ("low", f"Low (a size with 1 to {low})"),
            ("out", "Sold out (every size)"),
        ]

    def queryset(self, request, queryset):
        low = settings.SHOP_LOW_STOCK_THRESHOLD
        sizes = ProductVariant.objects.filter(is_active=True)
        match self.value():
            case "in":
                ids = sizes.filter(stock_quantity__gt=low).values("product_id")
                return queryset.filter(pk__in=ids)
            case "low":
                ids = sizes.filter(stock_quantity__gt=0, stock_quantity__lte=low).values(
                    "product_id"
                )
                return queryset.filter(pk__in=ids)
            case "out":
                return queryset.filter(in_stock=False)
        return queryset


def _thumb(image: ProductImage | None, *, size: int) -> str:
    if image is None:
        return "—"
    field = image.thumbnail if image.thumbnail else image.image
    if not field:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" width="{}" height="{}" style="object-fit:cover;border-radius:4px">',
        field.url,
        image.alt_text,
        size,
        size,
    )


class ProductImageInlineForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "alt_text", "position"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload and "image" in self.changed_data:
            images.check_image(upload)  # size and format limits, with a clear message
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageInlineForm
    fields = ["preview", "image", "alt_text", "position"]
    readonly_fields = ["preview"]
    extra = 1

    @admin.display(description="Thumbnail")
    def preview(self, obj: ProductImage) -> str:
        return _thumb(obj, size=96) if obj.pk else "Saved pictures get a thumbnail here."


class VariantInline(admin.TabularInline):
    """Sizes edited on the product: add, reorder (position), deactivate."""

    model = ProductVariant
    form = VariantForm
    formset = VariantInlineFormSet
    fields = [*VariantForm.Meta.fields, "history"]
    readonly_fields = ["history"]
    extra = 1
    min_num = 0
    verbose_name = "size"
    verbose_name_plural = "Sizes (each with its own SKU, price, stock and weight)"

    @admin.display(description="Stock history")
    def history(self, obj: ProductVariant) -> str:
        return _history_link(obj) if obj.pk else "—"


def _history_link(variant: ProductVariant) -> str:
    url = reverse("admin:catalog_stockmovement_changelist")
    return format_html('<a href="{}?variant__id__exact={}">Movements</a>', url, variant.pk)


class ProductNoteInline(admin.TabularInline):
    model = ProductNote
    autocomplete_fields = ["note"]
    extra = 3
    verbose_name = "note"
    verbose_name_plural = "Notes (top notes are smelt first, base notes last longest)"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    inlines = [VariantInline, ProductImageInline, ProductNoteInline]
    list_display = [
        "thumbnail",
        "name",
        "skus",
        "category",
        "price_display",
        "stock_display",
        "is_active",
        "is_featured",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["is_active"]
    list_filter = [
        "category",
        "scent_family",
        "is_active",
        "is_featured",
        "moods",
        StockStateFilter,
    ]
    list_select_related = ["category"]
    list_per_page = 50
    ordering = ["-pk"]  # newest first, straight off the primary key even with 100,000 rows
    search_fields = ["name", "=variants__sku", "description"]
    search_help_text = "Search by name, exact SKU or description."
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["moods"]
    readonly_fields = ["currency", "created_at", "updated_at"]
    actions = ["activate", "deactivate", "feature", "unfeature", "add_sizes"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "is_active", "is_featured", "currency"]}),
        (
            "Description",
            {"fields": ["short_description", "description", "ingredients", "how_to_use"]},
        ),
        ("Scent", {"fields": ["scent_family", "moods"]}),
        ("Search engines", {"fields": ["meta_description"], "classes": ["collapse"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    # "Import CSV" and "Export CSV" on the list: the pages live in scent.catalog.admin_transfer.
    change_list_template = "admin/catalog/product/change_list.html"

    def get_urls(self):
        from scent.catalog import admin_transfer

        return admin_transfer.urls(self) + super().get_urls()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "images",
                    queryset=ProductImage.objects.order_by("position", "id"),
                ),
                Prefetch("variants", queryset=ProductVariant.objects.order_by("position", "id")),
            )
        )

    @admin.display(description="")
    def thumbnail(self, obj: Product) -> str:
        pictures = obj.images.all()  # prefetched
        return _thumb(pictures[0] if pictures else None, size=48)

    @admin.display(description="SKU")
    def skus(self, obj: Product) -> str:
        return ", ".join(v.sku for v in obj.variants.all())  # prefetched

    @admin.display(description="Price", ordering="price")
    def price_display(self, obj: Product) -> str:
        text = format_money(obj.price, obj.currency)
        return f"from {text}" if obj.price_varies else text

    @admin.display(description="Stock per size")
    def stock_display(self, obj: Product) -> str:
        sizes = obj.variants.all()  # prefetched
        if len(sizes) == 1:
            return str(sizes[0].stock_quantity)
        return ", ".join(
            f"{v.label or v.sku}: {v.stock_quantity}{'' if v.is_active else ' (off)'}"
            for v in sizes
        )

    # --- saving: stock and images through the services ---------------------

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is ProductVariant:
            self._save_variants(request, form.instance, formset)
            return
        if formset.model is not ProductImage:
            super().save_formset(request, form, formset, change)
            return
        product = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for image_form in formset.deleted_forms:
            if image_form.instance.pk:
                formset.deleted_objects.append(image_form.instance)
                services.delete_product_image(image=image_form.instance)
        for image_form in formset.forms:
            if image_form in formset.deleted_forms or not image_form.has_changed():
                continue
            data = image_form.cleaned_data
            if image_form.instance._state.adding:
                image = services.add_product_image(
                    product=product,
                    image_file=data["image"],
                    alt_text=data["alt_text"],
                    position=data.get("position"),
                )
                formset.new_objects.append(image)
                continue
            image = ProductImage.objects.get(pk=image_form.instance.pk)
            image.alt_text, image.position = data["alt_text"], data["position"]
            if "image" in image_form.changed_data:
                services.replace_product_image_file(image=image, image_file=data["image"])
            else:
                image.save(update_fields=["alt_text", "position"])
            formset.changed_objects.append((image, image_form.changed_data))

    def _save_variants(self, request, product: Product, formset) -> None:
        """Sizes: everything but a stock change saved as edited; stock through inventory.

        The product's row is already locked by its own save in this transaction, so the
        order of locks is the one inventory uses (product, then its sizes).
        """
        inventory.lock_products([product.pk])
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for variant_form in formset.deleted_forms:
            if variant_form.instance.pk:
                formset.deleted_objects.append(variant_form.instance)
                variant_form.instance.delete()
        for variant_form in formset.forms:
            if variant_form in formset.deleted_forms or not variant_form.has_changed():
                continue
            variant = variant_form.save(commit=False)
            variant.product = product
            if variant._state.adding:
                variant.save()
                if variant.stock_quantity:
                    inventory.record_opening_stock(variant=variant, actor=request.user)
                formset.new_objects.append(variant)
                continue
            fields = [f for f in variant_form.changed_data if f != "stock_quantity"]
            if fields:
                variant.save(update_fields=[*fields, "updated_at"])
            if "stock_quantity" in variant_form.changed_data:
                inventory.set_stock(
                    variant=variant,
                    quantity=variant_form.cleaned_data["stock_quantity"],
                    reason=StockReason.MANUAL,
                    reference=f"admin {request.user}",
                    actor=request.user,
                )
            formset.changed_objects.append((variant, variant_form.changed_data))
        inventory.refresh_product_summaries([product.pk])

    # --- bulk actions --------------------------------------------------------

    def _report(self, request, count: int, what: str) -> None:
        self.message_user(
            request,
            ngettext("%(n)d product %(what)s.", "%(n)d products %(what)s.", count)
            % {"n": count, "what": what},
            messages.SUCCESS,
        )

    @admin.action(description="Show selected products in the shop", permissions=["change"])
    def activate(self, request, queryset):
        count = services.set_products_active(
            product_ids=queryset.values_list("pk", flat=True), active=True
        )
        self._report(request, count, "now shown in the shop")

    @admin.action(description="Hide selected products from the shop", permissions=["change"])
    def deactivate(self, request, queryset):
        count = services.set_products_active(
            product_ids=queryset.values_list("pk", flat=True), active=False
        )
        self._report(request, count, "hidden from the shop")

    @admin.action(description="Feature selected products on the home page", permissions=["change"])
    def feature(self, request, queryset):
        count = services.set_products_featured(
            product_ids=queryset.values_list("pk", flat=True), featured=True
        )
        self._report(request, count, "featured")

    @admin.action(description="Stop featuring selected products", permissions=["change"])
    def unfeature(self, request, queryset):
        count = services.set_products_featured(
            product_ids=queryset.values_list("pk", flat=True), featured=False
        )
        self._report(request, count, "no longer featured")

    @admin.action(description="Add sizes to selected products", permissions=["change"])
    def add_sizes(self, request, queryset):
        """A page asking for "5 ml: 6.50, 10 ml: 9.90"; the list is applied on its post."""
        products = list(queryset.order_by("name"))
        currency = products[0].currency if products else settings.SHOP_CURRENCY
        text = request.POST.get("sizes", "") if "apply" in request.POST else ""
        problems: list[str] = []
        if "apply" in request.POST:
            try:
                specs = sizes.parse_size_list(text, currency=currency)
                added = sizes.add_sizes(product_ids=[p.pk for p in products], sizes=specs)
            except sizes.SizeListError as exc:
                problems = exc.problems
            else:
                self._report_sizes(request, added)
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Add sizes",
            "opts": self.model._meta,
            "products": products,
            "currency": currency,
            "sizes_text": text,
            "problems": problems,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/product/add_sizes.html", context)

    def _report_sizes(self, request, added: sizes.AddedSizes) -> None:
        products = len({v.product_id for v in added.created})
        self.message_user(
            request,
            ngettext("%(n)d size added", "%(n)d sizes added", len(added.created))
            % {"n": len(added.created)}
            + ngettext(" to %(p)d product.", " to %(p)d products.", products) % {"p": products}
            + (" Set their stock and weight on each product." if added.created else ""),
            messages.SUCCESS if added.created else messages.WARNING,
        )
        for name, labels in added.skipped.items():
            self.message_user(
                request, f"{name} already had {', '.join(labels)}: left as it was.", messages.INFO
            )


class VariantStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        low = settings.SHOP_LOW_STOCK_THRESHOLD
        return [
            ("in", f"In stock (more than {low})"),
            ("low", f"Low (1 to {low})"),
            ("out", "Sold out"),
        ]

    def queryset(self, request, queryset):
        low = settings.SHOP_LOW_STOCK_THRESHOLD
        match self.value():
            case "in":
                return queryset.filter(stock_quantity__gt=low)
            case "low":
                return queryset.filter(stock_quantity__gt=0, stock_quantity__lte=low)
            case "out":
                return queryset.filter(stock_quantity=0)
        return queryset


class VariantListForm(forms.ModelForm):
    """The list's editable stock: saved only when typed over (see VariantForm)."""

    class Meta:
        model = ProductVariant
        fields = ["stock_quantity", "is_active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock_quantity"].show_hidden_initial = True


class StockMovementInline(admin.TabularInline):
    model = StockMovement
    fields = ["created_at", "delta", "quantity_after", "reason", "reference", "actor"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "Stock movements (newest first)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProductVariant)
class ProductVariantAdmin(admin.ModelAdmin):
    """Every size on one list: count stock by SKU, switch sizes off, see their history.

    Sizes are added on their product's page (or with "Add sizes" on the product list).
    """

    form = VariantForm
    inlines = [StockMovementInline]
    list_display = [
        "sku",
        "product_name",
        "label",
        "price_display",
        "stock_quantity",
        "is_active",
        "history",
    ]
    list_display_links = ["sku"]
    list_editable = ["stock_quantity", "is_active"]
    list_filter = [VariantStockFilter, "is_active", "product__category"]
    list_select_related = ["product"]
    list_per_page = 100
    ordering = ["product__name", "position", "pk"]
    search_fields = ["=sku", "product__name", "label"]
    search_help_text = "Search by exact SKU, product name or size."
    fields = ["product", *VariantForm.Meta.fields]
    readonly_fields = ["product"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_changelist_form(self, request, **kwargs):
        return VariantListForm

    @admin.display(description="Product", ordering="product__name")
    def product_name(self, obj: ProductVariant) -> str:
        url = reverse("admin:catalog_product_change", args=[obj.product_id])
        return format_html('<a href="{}">{}</a>', url, obj.product.name)

    @admin.display(description="Price", ordering="price")
    def price_display(self, obj: ProductVariant) -> str:
        return format_money(obj.price, obj.product.currency)

    @admin.display(description="Stock history")
    def history(self, obj: ProductVariant) -> str:
        return _history_link(obj)

    def save_model(self, request, obj: ProductVariant, form, change: bool) -> None:
        """Everything but stock saved as edited; stock as a stock-take through inventory,
        and only when typed over, so a sale made while the page was open stands."""
        with transaction.atomic():
            inventory.lock_products([obj.product_id])
            fields = [f for f in form.changed_data if f != "stock_quantity"]
            if fields:
                obj.save(update_fields=[*fields, "updated_at"])
            if "stock_quantity" in form.changed_data:
                inventory.set_stock(
                    variant=obj,
                    quantity=form.cleaned_data["stock_quantity"],
                    reference=f"admin {request.user}",
                    actor=request.user,
                )
            inventory.refresh_product_summaries([obj.product_id])


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The stock ledger, read only: every change with its reason, reference and who."""

    list_display = [
        "created_at",
        "sku",
        "product_name",
        "delta_display",
        "quantity_after",
        "reason",
        "reference",
        "actor",
    ]
    list_display_links = None
    list_filter = ["reason", "created_at"]
    list_select_related = ["variant__product", "actor"]
    list_per_page = 100
    search_fields = ["=variant__sku", "reference", "variant__product__name"]
    search_help_text = "Search by exact SKU, reference (an order number, a file) or product."
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="SKU", ordering="variant__sku")
    def sku(self, obj: StockMovement) -> str:
        return obj.variant.sku

    @admin.display(description="Product")
    def product_name(self, obj: StockMovement) -> str:
        return obj.variant.display_name

    @admin.display(description="Change", ordering="delta")
    def delta_display(self, obj: StockMovement) -> str:
        return f"{obj.delta:+d}"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "is_active", "product_count"]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_products=Count("products"))

    @admin.display(description="Products", ordering="_products")
    def product_count(self, obj: Category) -> int:
        return obj._products


@admin.register(Mood)
class MoodAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_products=Count("products"))

    @admin.display(description="Products", ordering="_products")
    def product_count(self, obj: Mood) -> int:
        return obj._products


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["name", "family", "origin"]
    list_filter = ["family"]
    search_fields = ["name", "origin"]
    prepopulated_fields = {"slug": ["name"]}
