"""Human units in scenario files: durations (`30m`, `2h`, `3d`) and money (`1000 USD`)."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema


@dataclass(frozen=True)
class Unit:
    """Marks an annotated type with what people type it in; `sim.fields` reads it."""

    kind: str
    label: str


_DURATION = re.compile(r"^\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*(s|m|min|h|d|w)\s*$")
_HOURS_PER_UNIT = {"s": 1 / 3600, "m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def parse_duration(value: Any) -> float:
    """Hours from `30m`, `2h`, `3d`, `1w`, a bare number (hours), or `inf` (never)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 30m, 2h or 3d, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value.strip().lower() in {"inf", "never"}:
            return math.inf
        match = _DURATION.match(value)
        if match:
            return float(match.group(1).replace("_", "")) * _HOURS_PER_UNIT[match.group(2)]
    raise ValueError(f"expected a duration such as 30m, 2h or 3d, got {value!r}")


def _number(value: float) -> str:
    """The shortest positional text that reads back as exactly `value` (no exponent)."""
    if value == int(value):
        return str(int(value))
    return str(np.format_float_positional(value, unique=True, trim="-"))


@functools.lru_cache(maxsize=4096)
def format_duration(hours: float) -> str:
    """The shortest readable form that parses back to exactly the same number of hours.

    Cached: writing a scenario (every dated rule replayed on load, every cell of a sweep) formats
    the same few durations thousands of times, and each search tries dozens of texts."""
    if math.isinf(hours):
        return "inf"
    if math.isnan(hours):
        return "nan"
    candidates = []
    for unit in ("w", "d", "h", "m", "s"):
        count = hours / _HOURS_PER_UNIT[unit]
        for digits in range(18):
            text = _number(round(count, digits)) + unit
            if parse_duration(text) == hours:
                candidates.append(text)
                break
    return min(candidates, key=len) if candidates else _number(hours) + "h"


MAX_HOURS = 1e6
"""Longest finite duration (about 114 years); longer is `inf`."""


def _check_non_negative(hours: float) -> float:
    if hours < 0 or math.isnan(hours):
        raise ValueError(f"must be >= 0, got {format_duration(hours)}")
    if MAX_HOURS < hours < math.inf:
        raise ValueError(f"must be at most {MAX_HOURS:,.0f}h (or inf), got {hours:g}h")
    return hours


Duration = Annotated[
    float,
    Unit("duration", "time"),
    BeforeValidator(lambda v: _check_non_negative(parse_duration(v))),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9_.]+\s*(s|m|min|h|d|w)$|^inf$|^never$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "duration: 30m, 2h, 3d, 1w, a number of hours, or inf",
        }
    ),
]
"""A non-negative duration, stored in hours."""


MIN_PERIOD_HOURS = 1.0
"""Shortest period of something that repeats (a sale every..., a licence term)."""


def _check_period(hours: float) -> float:
    if hours < MIN_PERIOD_HOURS:
        raise ValueError(
            f"must be at least {format_duration(MIN_PERIOD_HOURS)} (it repeats), got {hours:g}h"
        )
    return hours


Period = Annotated[Duration, AfterValidator(_check_period)]
"""A duration that repeats: at least an hour (or inf)."""


Currency = Literal["KZT", "USD", "TMT"]
MAX_MONEY = 1e12
"""Largest amount a scenario may give (in its currency): kept exact in integer minor units."""
_MONEY = re.compile(
    r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKmM]?)\s*(KZT|USD|TMT|kzt|usd|tmt|₸|\$)?\s*$"
)
_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6}
_SYMBOL = {"₸": "KZT", "$": "USD"}


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in tenge or US dollars, converted to tenge when the world is built."""

    amount: float
    """Exact to the minor unit (tiyn, cent): parsing rounds to it."""
    currency: Currency = "KZT"

    def kzt(self, usd_kzt: float) -> float:
        """Tenge (or tenge-equivalent); manat amounts are turned into dollars when a scenario
        loads (at market.usd_tmt), so the engine never meets one."""
        if self.currency == "TMT":
            raise ValueError(f"{self}: manat converts to dollars when the scenario loads")
        return self.amount * usd_kzt if self.currency == "USD" else self.amount

    def __str__(self) -> str:
        """`320_123.45 KZT`: reads back as exactly this amount."""
        whole, _, cents = _number(self.amount).partition(".")
        return f"{int(whole):_}{'.' + cents if cents else ''} {self.currency}"


def parse_money(value: Any) -> Money:
    """Money from `1000 USD`, `500_000 KZT`, `2.5M KZT`, `3000 TMT`, or a bare number (tenge)."""
    if isinstance(value, Money):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected an amount such as 500000 KZT or 1000 USD, got {value!r}")
    if isinstance(value, int | float):
        amount, currency = float(value), "KZT"
    elif isinstance(value, str) and (match := _MONEY.match(value)):
        number = float(match.group(1).replace("_", "").replace(",", ""))
        amount = number * _SUFFIX[match.group(2).lower()]
        unit = match.group(3) or "KZT"
        currency = _SYMBOL.get(unit, unit.upper())
    else:
        raise ValueError(f"expected an amount such as 500000 KZT or 1000 USD, got {value!r}")
    if amount < 0 or math.isnan(amount):
        raise ValueError(f"must be >= 0, got {value!r}")
    if amount > MAX_MONEY:
        raise ValueError(f"must be at most {MAX_MONEY:,.0f} (exact in minor units), got {value!r}")
    return Money(round(amount * 100) / 100, currency)  # type: ignore[arg-type]


MoneyField = Annotated[
    Money,
    Unit("money", "KZT/USD"),
    BeforeValidator(parse_money),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9_,.]+\s*[kKmM]?\s*(KZT|USD|TMT|₸|\$)?$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "money: 500000 KZT, 1000 USD, 2.5M KZT, 3000 TMT, or a number of tenge",
        }
    ),
]
"""A non-negative amount of money in KZT, USD or TMT."""
