"""What a shopper has told checkout so far, as plain data placed into an order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from scent.accounts.countries import country_name


@dataclass(frozen=True, slots=True)
class CheckoutAddress:
    full_name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""
    phone: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckoutAddress:
        return cls(**{k: str(data.get(k, "") or "") for k in cls.__dataclass_fields__})

    @classmethod
    def from_address(cls, address) -> CheckoutAddress:
        """Copy a saved scent.accounts Address."""
        return cls(
            full_name=address.full_name,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            region=address.region,
            postal_code=address.postal_code,
            country=address.country,
            phone=address.phone,
        )

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def as_lines(self) -> list[str]:
        parts = [self.full_name, self.line1, self.line2]
        parts.append(" ".join(p for p in (self.city, self.region, self.postal_code) if p))
        parts.append(country_name(self.country))
        return [p for p in parts if p]


@dataclass(frozen=True, slots=True)
class Checkout:
    """Everything place_order needs; prices are NOT part of it (the server prices lines)."""

    email: str
    address: CheckoutAddress
    shipping_method_id: int
    items: list[tuple[int, int]]  # (product id, quantity)
    user: Any = None  # a signed-in scent.accounts User, or None for a guest
    coupon_code: str = ""
    cart_id: int | None = None  # emptied in the order's transaction
    token: str = ""  # one per checkout session: placing it twice gives back the same order
