"""Dried-cannabis equivalents (Cannabis Act, Schedule 3). The shipment cap and the period allowance are ``allowance``'s."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Grams of each class of product that count as 1 g of dried cannabis.
EQUIVALENT_OF_ONE_GRAM_DRIED: dict[str, Decimal] = {
    "dried": Decimal("1"),
    "fresh": Decimal("5"),
    "edible solid": Decimal("15"),
    "non-solid": Decimal("70"),  # oils and other liquids
    "concentrate": Decimal("0.25"),
    "beverage": Decimal("570"),
}
SEED_GRAMS = Decimal("1")  # one seed counts as 1 g dried

GRAMS = Decimal("0.001")


def dried_equivalent(form: str, net_grams: Decimal | int | str) -> Decimal:
    """Dried-cannabis grams equivalent to ``net_grams`` of a product of class ``form``."""
    if form == "seed":
        return (Decimal(net_grams) * SEED_GRAMS).quantize(GRAMS, ROUND_HALF_UP)
    try:
        factor = EQUIVALENT_OF_ONE_GRAM_DRIED[form]
    except KeyError:
        raise ValueError(f"Unknown class of cannabis product: {form!r}.") from None
    return (Decimal(net_grams) / factor).quantize(GRAMS, ROUND_HALF_UP)
