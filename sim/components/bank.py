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

import numpy as np

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
    freezes: int = 0
    """Freezes so far (the n of the keyed draw that decides the next one's end)."""
    onboardings: int = 0
    """Onboarding attempts so far (the n of their keyed draws)."""


class BankRail:
    """Answers, for one payment, whether it goes through and how long it takes; keeps accounts."""

    def __init__(self, world: World) -> None:
        self.world = world
        keyed = world.streams.keyed
        self._friction = keyed("bank_friction")
        self._route = keyed("deposit_route")
        self._block = keyed("unlicensed_block")
        self._close = keyed("close_after_freeze")
        self._onboard_time = keyed("onboarding_time")
        self._onboard_bank = keyed("onboarding_bank")
        self._exit = keyed("bank_exit")
        self.accounts: dict[int, Account] = {}
        self.day_volume: dict[int, float] = {}
        """Real tenge deposited at each exchange today (for the volume-spike signal): a sampled
        client's deposit counts for the `scale_factor` people they stand for, a laundering
        case's member's and the miners' sales as they are (`real_people`), so that each weighs
        in the day's volume as in real life at any scale factor."""
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
        account.freezes += 1
        if self._close.chance(exchange, c.close_after_freeze, account.freezes):
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
            median, n = self.config.onboarding_time, account.onboardings
            account.onboardings += 1
            yield env.timeout(self._onboard_time.lognormal(exchange, median, 0.5, n))
            if self.accounts.get(exchange) is not account:
                return
            willing = [b for b in range(self.config.partner_banks) if b not in account.refused_by]
            if willing:
                account.bank = willing[self._onboard_bank.pick(exchange, len(willing), n)]
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
        env, day = self.world.env, 0
        while True:
            yield env.timeout(24.0)
            day += 1
            self._spikes()
            daily = 1.0 - (1.0 - self.config.termination_per_year) ** (1 / 365)
            for exchange in sorted(self.accounts):
                account = self.accounts[exchange]
                if account.bank != NO_BANK and self._exit.chance(exchange, daily, day):
                    self.close(
                        exchange, f"{self.world.why('banks.termination_per_year')}: bank exited"
                    )

    # --- payments -------------------------------------------------------------------------------

    def licensed_refusal(
        self, person: Person, exchange: int, amount_kzt: float, n: int
    ) -> str | None:
        """Why the person's n-th payment to a licensed exchange does not go through, or None."""
        c = self.config
        account = self.accounts.get(exchange)
        if account is None or account.bank == NO_BANK:
            return f"{self.world.why('banks.partner_banks')}: the exchange has no bank account"
        if account.frozen:
            return f"{self.world.why('banks.risk_appetite')}: the exchange's account is frozen"
        if self._friction.chance(person.id, c.licensed_friction_prob, n):
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

    def blocks_unlicensed(self, pid: int, n: int) -> bool:
        """Whether the bank blocks person pid's n-th payment to an unlicensed platform."""
        return self._block.chance(pid, self.config.unlicensed_block_prob, n)

    def blocks_unlicensed_many(self, pids: np.ndarray, ns: np.ndarray) -> np.ndarray:
        """`blocks_unlicensed` for many (person, n) at once."""
        return self._block.uniforms(pids, ns) < self.config.unlicensed_block_prob

    def deposit_delay(self, t: float, amount_kzt: float, pid: int, n: int) -> float:
        """Hours until person pid's n-th deposit, made at t, reaches the exchange."""
        c, calendar = self.config, self.world.calendar
        if self._route.chance(pid, c.card_share, n):
            done = t + c.card_latency
        else:
            done = calendar.add_working_hours(t, c.transfer_latency, c.business_hours)
        if amount_kzt > self.edd_threshold_kzt:
            done = calendar.add_working_hours(done, c.edd_delay, c.business_hours)
        return done - t

    def withdrawal_delay(self, t: float) -> float:
        c = self.config
        return self.world.calendar.add_working_hours(t, c.transfer_latency, c.business_hours) - t
