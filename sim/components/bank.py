"""Partner banks, the tenge rail: payments (latency, business hours, caps, blocks, EDD) and the
bank-exchange relationships (onboarding, risk signals, freezes, closures).

Each licensed exchange needs an account at a partner bank to take tenge. AML alerts and reports at
the exchange add to its risk score at the bank (decaying with a half-life); at the bank's risk
appetite the account is frozen, and after a while either unfrozen or closed. A closed exchange has
no fiat access until another bank onboards it, which takes time.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.components.population import HOURS_PER_MONTH, Person
from sim.records import BankAccess

if TYPE_CHECKING:
    from sim.world import World

NO_BANK = -1


@dataclass
class Account:
    """An exchange's standing with the banks."""

    bank: int = NO_BANK
    frozen: bool = False
    score: float = 0.0
    scored_at: float = 0.0
    refused_by: set[int] = field(default_factory=set)
    onboarding: bool = False


class BankRail:
    """Answers, for one payment, whether it goes through and how long it takes; keeps accounts."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.streams.stream("banks")
        self._relations = world.streams.stream("bank_relations")
        self.accounts: dict[int, Account] = {}
        self.day_volume: dict[int, float] = {}
        """Tenge deposited at each exchange today (for the volume-spike signal)."""
        self.average_volume: dict[int, float] = {}
        self.configure()
        world.env.process(self._terminations())

    def configure(self) -> None:
        self.config = c = self.world.scenario.banks
        usd_kzt = self.world.scenario.market.usd_kzt
        self.edd_threshold_kzt = c.edd_threshold.kzt(usd_kzt)
        self.monthly_cap_kzt = (
            c.monthly_cap_per_person.kzt(usd_kzt) if c.monthly_cap_per_person else None
        )

    # --- relationships --------------------------------------------------------------------------

    def _access(self, exchange: int, account: Account, event: str, reason: str) -> None:
        access = account.bank != NO_BANK and not account.frozen
        self.world.emit(
            BankAccess(self.world.env.now, exchange, account.bank, access, event, reason)
        )

    def admit(
        self, exchange: int, integrated: bool, opens_at: float | None = None, why: str = ""
    ) -> None:
        """A newly licensed exchange: integrated with a pilot bank at once, at a given time
        (`opens_at`, hours), or onboarding through the usual lead time."""
        account = self.accounts[exchange] = Account()
        banks = self.config.partner_banks
        if integrated and banks > 0:
            account.bank = exchange % banks
            self._access(
                exchange, account, "opened", why or "pilot integration with a partner bank"
            )
            return
        self._access(
            exchange, account, "none", f"{self.world.why('banks.partner_banks')}: no account yet"
        )
        if opens_at is not None:
            account.onboarding = True
            self.world.env.process(self._open_at(exchange, account, opens_at, why))
            return
        self._start_onboarding(exchange)

    def _open_at(
        self, exchange: int, account: Account, t: float, why: str
    ) -> Generator[Any, Any, None]:
        yield self.world.env.timeout(max(0.0, t - self.world.env.now))
        if self.accounts.get(exchange) is not account or account.bank != NO_BANK:
            return
        banks = self.config.partner_banks
        if banks <= 0:
            account.onboarding = False
            self._start_onboarding(exchange)
            return
        account.bank, account.onboarding = exchange % banks, False
        self._access(exchange, account, "opened", why)

    def leave(self, exchange: int) -> None:
        """The exchange lost its licence; its account closes."""
        account = self.accounts.pop(exchange)
        account.bank = NO_BANK
        self._access(exchange, account, "licence_ended", "the exchange's licence ended")

    def has_fiat(self, exchange: int) -> bool:
        account = self.accounts.get(exchange)
        return account is not None and account.bank != NO_BANK and not account.frozen

    def risk_signal(self, exchange: int, weight: float, why: str) -> None:
        """AML alerts and reports at the exchange raise its risk score at its bank."""
        account = self.accounts.get(exchange)
        if account is None or account.bank == NO_BANK or account.frozen or weight <= 0:
            return
        now = self.world.env.now
        half_life = self.config.risk_half_life
        decay = 0.5 ** ((now - account.scored_at) / half_life) if half_life > 0 else 0.0
        account.score = account.score * decay + weight
        account.scored_at = now
        if account.score >= self.config.risk_appetite:
            account.frozen = True
            reason = (
                f"{self.world.why('banks.risk_appetite')}: risk score "
                f"{account.score:.1f} after {why}"
            )
            self._access(exchange, account, "frozen", reason)
            self.world.env.process(self._after_freeze(exchange, account))

    def close(self, exchange: int, reason: str, event: str = "terminated") -> None:
        """The bank ends the relationship (de-risking, its own reasons, or a shock)."""
        account = self.accounts.get(exchange)
        if account is None or account.bank == NO_BANK:
            return
        account.refused_by.add(account.bank)
        account.bank, account.frozen, account.score = NO_BANK, False, 0.0
        self._access(exchange, account, event, reason)
        self._start_onboarding(exchange)

    def _after_freeze(self, exchange: int, account: Account) -> Generator[Any, Any, None]:
        c = self.config
        yield self.world.env.timeout(c.freeze_time)
        if self.accounts.get(exchange) is not account or not account.frozen:
            return
        if self._relations.random() < c.close_after_freeze:
            account.frozen = False
            why = f"{self.world.why('banks.close_after_freeze')}: closed after the freeze"
            self.close(exchange, why, event="closed_after_freeze")
        else:
            account.frozen, account.score = False, 0.0
            self._access(exchange, account, "unfrozen", "the bank's review cleared the account")

    def _start_onboarding(self, exchange: int) -> None:
        account = self.accounts[exchange]
        if not account.onboarding:
            account.onboarding = True
            self.world.env.process(self._onboard(exchange, account))

    def _onboard(self, exchange: int, account: Account) -> Generator[Any, Any, None]:
        env = self.world.env
        while self.accounts.get(exchange) is account:
            median = self.config.onboarding_time
            yield env.timeout(median * math.exp(0.5 * self._relations.gauss(0.0, 1.0)))
            if self.accounts.get(exchange) is not account:
                return
            willing = [b for b in range(self.config.partner_banks) if b not in account.refused_by]
            if willing:
                account.bank = willing[int(self._relations.random() * len(willing))]
                account.onboarding = False
                reason = f"{self.world.why('banks.onboarding_time')}d: onboarded"
                self._access(exchange, account, "opened", reason)
                return
            account.refused_by.clear()  # a year on, banks that refused may look again
            yield env.timeout(365 * 24.0)

    def _spikes(self) -> None:
        """A day's deposits far above the exchange's recent average are a risk signal too."""
        c = self.config
        for exchange in sorted(self.accounts):
            today = self.day_volume.pop(exchange, 0.0)
            average = self.average_volume.get(exchange)
            if average and today > c.spike_factor * average:
                why = f"{self.world.why('banks.spike_factor')}: a volume spike"
                self.risk_signal(exchange, c.spike_risk, why)
            self.average_volume[exchange] = (
                today if average is None else average + (today - average) / 30.0
            )

    def _terminations(self) -> Generator[Any, Any, None]:
        """Each day: volume spikes, and banks ending relationships at a yearly rate."""
        env = self.world.env
        while True:
            yield env.timeout(24.0)
            self._spikes()
            daily = 1.0 - (1.0 - self.config.termination_per_year) ** (1 / 365)
            for exchange in sorted(self.accounts):
                account = self.accounts[exchange]
                if account.bank != NO_BANK and self._relations.random() < daily:
                    self.close(
                        exchange, f"{self.world.why('banks.termination_per_year')}: bank exited"
                    )

    # --- payments -------------------------------------------------------------------------------

    def licensed_refusal(self, person: Person, exchange: int, amount_kzt: float) -> str | None:
        """Why a payment to a licensed exchange does not go through, or None if it does."""
        c = self.config
        account = self.accounts.get(exchange)
        if account is None or account.bank == NO_BANK:
            return f"{self.world.why('banks.partner_banks')}: the exchange has no bank account"
        if account.frozen:
            return f"{self.world.why('banks.risk_appetite')}: the exchange's account is frozen"
        if self.rng.random() < c.licensed_friction_prob:
            return f"{self.world.why('banks.licensed_friction_prob')}: bank held the payment"
        return None

    def monthly_room(self, person: Person, t: float) -> float:
        """Tenge the person may still send to exchanges this month under the bank cap."""
        if self.monthly_cap_kzt is None:
            return math.inf
        month = int(t // HOURS_PER_MONTH)
        if person.month_key != month:
            person.month_key, person.month_spent = month, 0.0
        return max(0.0, self.monthly_cap_kzt - person.month_spent)

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
