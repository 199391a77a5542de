from django import template

from scent.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money_filter(amount: int | None, currency: str = "USD") -> str:
    """`{{ product.price|money:product.currency }}` -> "$12.50"."""
    if amount is None:
        return ""
    return format_money(int(amount), currency)
