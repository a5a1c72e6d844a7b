"""Money helpers: amounts are Decimal with two places (DESIGN.md) and travel as strings in JSON."""

from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_currency

CENT = Decimal("0.01")
LOCALE = Locale.parse("en_US")  # parsed once: Babel parses a locale name on every call


def to_cents(value: Decimal | int | str) -> Decimal:
    """Round to two places, half up (how receipts round)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | int | str | None) -> str:
    """A JSON-safe amount: ``Decimal("45.2")`` → ``"45.20"``; ``None`` → ``"0.00"``."""
    return str(to_cents(value or 0))


def format_money(value: Decimal | str, currency: str = "USD") -> str:
    """A display amount in the user's currency via Babel: ``"45.20", "USD"`` → ``"$45.20"``."""
    return format_currency(Decimal(value), currency, locale=LOCALE)
