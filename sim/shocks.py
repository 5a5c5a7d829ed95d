"""Named shocks (stresses), fired at a date from a scenario file or live by a workshop facilitator.

Each shock acts on the world through the components' own operations (a bank closing an account,
platforms shut, new laundering cases) or as a change of values that takes effect at once, like a
dated rule; each emits a `ShockFired` record with its reason, so it appears in the reason trail and
on the dashboard's charts. Draws a shock needs are keyed to its kind and the hour it fires, so
firing one never shifts the random numbers of anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sim.records import ShockFired
from sim.rules import apply_values
from sim.scenario import DatedRule, Shock, Typology
from sim.units import Money

if TYPE_CHECKING:
    from sim.world import World

DEFAULT_SIZE = {
    "bank_exit": 0.0,
    "exchange_hack": 1.0,
    "structuring_surge": 50.0,
    "sanctions_update": 0.2,
    "enforcement_sweep": 5.0,
    "btc_crash": 0.6,
}
TITLES = {
    "bank_exit": "partner bank exit",
    "exchange_hack": "exchange hack",
    "structuring_surge": "structuring surge",
    "sanctions_update": "sanctions update",
    "enforcement_sweep": "enforcement sweep",
    "btc_crash": "BTC crash",
}
"""How each shock is named on screen and in the reason trail."""
ON_AN_EXCHANGE = frozenset({"bank_exit", "exchange_hack"})
"""The shocks that hit one exchange (`Shock.exchange`); the others ignore it."""


def size_of(shock: Shock) -> float:
    return DEFAULT_SIZE[shock.kind] if shock.size is None else shock.size


def fire(world: World, shock: Shock) -> None:
    """The shock takes effect now (the world's current simulated hour)."""
    size, t = size_of(shock), world.env.now
    world.settle()
    if shock.kind in ON_AN_EXCHANGE and shock.exchange >= world.exchanges.next_id:
        world.warnings.append(
            f"shock {shock.kind} on {shock.date}: exchange {shock.exchange} was not licensed "
            f"by then ({world.exchanges.next_id} so far), so nothing happened"
        )
        return
    why = f"shock on {shock.date}: {TITLES[shock.kind]}"
    why += f" ({shock.note})" if shock.note else ""
    if shock.kind == "bank_exit":
        world.banks.close(shock.exchange, f"{why}: the partner bank closed the account")
        detail = f"exchange {shock.exchange} lost its partner bank"
    elif shock.kind == "exchange_hack":
        world.banks.close(shock.exchange, f"{why}: the bank closed the hacked exchange's account")
        bias = world.scenario.channel.licensed_bias - size
        _values(world, shock, {"channel.licensed_bias": bias}, why)
        detail = f"exchange {shock.exchange} hacked; licensed_bias now {bias:g}"
    elif shock.kind == "structuring_surge":
        simulated = world.laundering.surge(
            Typology(
                kind="structuring",
                cases=int(size),
                members=1,
                amount=Money(4_500_000, "KZT"),
                transactions=5,
                period=30 * 24.0,
            ),
            world.streams.generator(f"shocks:{shock.kind}", int(t)),
        )
        detail = f"{simulated} structuring cases over 30 days (simulated at full size)"
    elif shock.kind == "sanctions_update":
        share = min(1.0, world.scenario.kyc.manual_review_share + size)
        _values(world, shock, {"kyc.manual_review_share": share}, why)
        detail = f"kyc.manual_review_share now {share:g}"
    elif shock.kind == "enforcement_sweep":
        shut = world.unlicensed.sweep(
            int(size), why, world.streams.generator(f"shocks:{shock.kind}", int(t))
        )
        detail = f"{shut} unlicensed platforms shut"
    else:  # btc_crash
        world.market.crash(int(t // 24), size)
        detail = f"BTC price down {size:.0%} from {shock.date}"
    world.emit(ShockFired(t, shock.kind, TITLES[shock.kind], detail, why))


def _values(world: World, shock: Shock, values: dict[str, object], note: str) -> None:
    rule = DatedRule(date=shock.date, values=values, note=note)
    world.apply(apply_values(world.scenario, values), rule)


def live_shock(kind: str, date: dt.date, exchange: int = 0, note: str = "") -> Shock:
    """A shock fired by hand (the facilitator), validated like one in a scenario file."""
    return Shock.model_validate({"date": date, "kind": kind, "exchange": exchange, "note": note})
