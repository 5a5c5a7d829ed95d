"""Partner banks, the tenge rail: latency and business hours, per-person caps, blocks, EDD."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.components.population import HOURS_PER_MONTH, Person

if TYPE_CHECKING:
    from sim.world import World


class BankRail:
    """Answers, for one payment, whether it goes through, and how long it takes."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = c = world.scenario.banks
        usd_kzt = world.scenario.market.usd_kzt
        self.edd_threshold_kzt = c.edd_threshold.kzt(usd_kzt)
        self.monthly_cap_kzt = (
            c.monthly_cap_per_person.kzt(usd_kzt) if c.monthly_cap_per_person else None
        )
        self.rng = world.streams.stream("banks")

    def bank_of(self, exchange: int) -> int | None:
        """The partner bank holding this exchange's tenge account (None: no fiat access)."""
        banks = self.config.partner_banks
        return exchange % banks if banks > 0 else None

    def licensed_refusal(self, person: Person, exchange: int, amount_kzt: float) -> str | None:
        """Why a payment to a licensed exchange does not go through, or None if it does."""
        c = self.config
        if self.bank_of(exchange) is None:
            return "banks.partner_banks=0: the exchange has no bank account for tenge"
        if self.rng.random() < c.licensed_friction_prob:
            return f"banks.licensed_friction_prob={c.licensed_friction_prob}: bank held the payment"
        return None

    def monthly_room(self, person: Person, t: float) -> float:
        """Tenge the person may still send to exchanges this month under the bank cap."""
        if self.monthly_cap_kzt is None:
            return float("inf")
        return max(0.0, self.monthly_cap_kzt - self._month_spent(person, t))

    def _month_spent(self, person: Person, t: float) -> float:
        month = int(t // HOURS_PER_MONTH)
        if person.month_key != month:
            person.month_key, person.month_spent = month, 0.0
        return person.month_spent

    def blocks_unlicensed(self) -> bool:
        return self.rng.random() < self.config.unlicensed_block_prob

    def deposit_delay(self, t: float, amount_kzt: float) -> float:
        """Hours until a deposit made at t reaches the exchange."""
        c, calendar = self.config, self.world.calendar
        if self.rng.random() < c.card_share:
            done = t + c.card_latency
        else:
            done = calendar.add_working_hours(t, c.transfer_latency, c.business_hours)
        if amount_kzt > self.edd_threshold_kzt:
            done = calendar.add_working_hours(done, c.edd_delay, c.business_hours)
        return done - t

    def withdrawal_delay(self, t: float) -> float:
        c = self.config
        return self.world.calendar.add_working_hours(t, c.transfer_latency, c.business_hours) - t
