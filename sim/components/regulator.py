"""The regulator: dated rule changes, the licensing pipeline and licence expiry, fees and receipts.

Dated rules (`scenario.rules`) are applied at 00:00 of their date: the world's scenario is replaced
by the changed one and every component reads its section again. Licences run `licence_term` from
`exchanges.licensed_since` (unnamed initial exchanges) or their approval, or their own term from
their own date (`exchanges.roster`), and are extended or end.
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.ledger import TIYN_PER_KZT
from sim.records import LicenceEvent, RuleApplied, StateReceipt
from sim.rules import apply_values
from sim.scenario import DatedRule, Licence, Shock
from sim.shocks import fire

if TYPE_CHECKING:
    from sim.world import World

HOURS_PER_MONTH = 730.0


class Regulator:
    def __init__(self, world: World) -> None:
        self.world = world
        keyed = world.streams.keyed
        self._application_gap = keyed("application_gap")
        self._approval = keyed("approval")
        self._extension = keyed("extension")
        self.configure()
        env, scenario = world.env, world.scenario
        start = scenario.run.start_date
        for rule in sorted(scenario.rules, key=lambda r: r.date):
            env.process(self._apply_at((rule.date - start).days * 24.0, rule))
        since = (scenario.exchanges.licensed_since - start).days * 24.0
        for i in range(scenario.exchanges.licensed):
            exchange = world.exchanges.open()
            world.banks.admit(exchange, integrated=i < scenario.exchanges.integrated)
            env.process(self._licence_life(exchange, since))
        for licence in scenario.exchanges.roster:
            env.process(self._enter(licence))
        for shock in scenario.shocks:
            env.process(self._shock_at((shock.date - start).days * 24.0, shock))
        env.process(self._applications())
        env.process(self._monthly_fees())

    def configure(self) -> None:
        self.config = self.world.scenario.regulator

    # --- dated rules -----------------------------------------------------------------------------

    def _apply_at(self, t: float, rule: DatedRule) -> Generator[Any, Any, None]:
        yield self.world.env.timeout(max(0.0, t))
        self.world.apply(apply_values(self.world.scenario, rule.values), rule)
        values = json.dumps(rule.values, default=str, ensure_ascii=False)
        self.world.emit(RuleApplied(self.world.env.now, values, rule.note))

    def _shock_at(self, t: float, shock: Shock) -> Generator[Any, Any, None]:
        yield self.world.env.timeout(max(0.0, t))
        fire(self.world, shock)

    # --- licensing -------------------------------------------------------------------------------

    def receive(
        self, source: str, payer: str, account: str, kzt: float, per_agent: bool = False
    ) -> None:
        """A payment to the state, booked and recorded."""
        world = self.world
        tiyn = round(kzt * TIYN_PER_KZT)
        if tiyn <= 0:
            return
        world.ledger.post(world.env.now, account, "state", tiyn)
        world.emit(StateReceipt(world.env.now, source, payer, tiyn / TIYN_PER_KZT, per_agent))

    def seize(self, payer: str, account: str, sats: int, value_kzt: float) -> None:
        """Coin confiscated from a shut platform: booked to the state, recorded at its value."""
        world = self.world
        if sats <= 0:
            return
        world.ledger.post(world.env.now, account, "state", sats, "BTC")
        world.emit(StateReceipt(world.env.now, "seized_assets", payer, value_kzt, True))

    def tax_gain(self, person: int, exchange: int, gain_kzt: float) -> float:
        """Withhold the tax on an individual's realised gain at a licensed sale; returns it."""
        tax = self.config.tax_on_gains * max(0.0, gain_kzt)
        account = f"exchange:{exchange}:client_money"
        self.receive("gains_tax", f"person {person}", account, tax, per_agent=True)
        return round(tax * TIYN_PER_KZT) / TIYN_PER_KZT if tax > 0 else 0.0

    def _applications(self) -> Generator[Any, Any, None]:
        env, a = self.world.env, 0
        while True:
            rate = self.config.applications_per_year / (365 * 24.0)
            if rate <= 0:
                yield env.timeout(30 * 24.0)
                continue
            yield env.timeout(self._application_gap.exponential(a, 1.0 / rate))
            env.process(self._review(a))
            a += 1

    def _review(self, application: int) -> Generator[Any, Any, None]:
        world, c, usd_kzt = self.world, self.config, self.world.scenario.market.usd_kzt
        self.receive("application_fee", "applicant", "applicants", c.application_fee.kzt(usd_kzt))
        world.emit(LicenceEvent(world.env.now, -1, "applied", "a firm applied for a licence"))
        yield world.env.timeout(c.review_time)
        if not self._approval.chance(application, c.approval_share):
            world.emit(
                LicenceEvent(
                    world.env.now, -1, "rejected", f"{self.world.why('regulator.approval_share')}"
                )
            )
            return
        exchange = world.exchanges.open()
        world.emit(
            LicenceEvent(
                world.env.now,
                exchange,
                "approved",
                f"{self.world.why('regulator.review_time')}: approved",
            )
        )
        self.receive(
            "authorisation_fee",
            f"exchange {exchange}",
            f"exchange:{exchange}:fees",
            c.authorisation_fee.kzt(usd_kzt),
        )
        world.banks.admit(exchange, integrated=False)
        world.env.process(self._licence_life(exchange, world.env.now))

    def _enter(self, licence: Licence) -> Generator[Any, Any, None]:
        """A named exchange enters on its licence date; its bank account opens on its own date."""
        world, start = self.world, self.world.scenario.run.start_date
        since = (licence.licensed_since - start).days * 24.0
        if since > 0:
            yield world.env.timeout(since)
        exchange = world.exchanges.open()
        world.emit(
            LicenceEvent(
                world.env.now,
                exchange,
                "licensed",
                f"{licence.name}: licensed since {licence.licensed_since} "
                f"({'full licence' if math.isinf(licence.term) else 'sandbox licence'})",
            )
        )
        bank = None if licence.bank_since is None else (licence.bank_since - start).days * 24.0
        world.banks.admit(
            exchange,
            integrated=bank is not None and bank <= world.env.now,
            opens_at=bank,
            why=f"{licence.name}: bank account from {licence.bank_since}",
        )
        yield from self._licence_life(exchange, since, licence.term)

    def _licence_life(
        self, exchange: int, since: float, term: float | None = None
    ) -> Generator[Any, Any, None]:
        env = self.world.env
        expiry, terms = since, 0
        own_term = term
        while True:
            term = self.config.licence_term if own_term is None else own_term
            if math.isinf(term):
                return
            expiry += term
            if expiry > env.now:
                yield env.timeout(expiry - env.now)
            share = self.config.extension_share
            terms += 1
            if self._extension.chance(exchange, share, terms):
                self.world.emit(
                    LicenceEvent(
                        env.now,
                        exchange,
                        "extended",
                        f"{self.world.why('regulator.extension_share')}: extended",
                    )
                )
                continue
            self.world.emit(
                LicenceEvent(
                    env.now,
                    exchange,
                    "expired",
                    f"{self.world.why('regulator.licence_term')}: not extended",
                )
            )
            self.world.exchanges.close(exchange)
            self.world.banks.leave(exchange)
            return

    def _monthly_fees(self) -> Generator[Any, Any, None]:
        """Supervision fees, and the tax on exchanges' fee income from people, each month."""
        world = self.world
        taxed: dict[int, float] = {}
        while True:
            yield world.env.timeout(HOURS_PER_MONTH)
            c, usd_kzt = self.config, world.scenario.market.usd_kzt
            for exchange in list(world.exchanges.active):
                account, payer = f"exchange:{exchange}:fees", f"exchange {exchange}"
                supervision = c.supervision_fee_per_year.kzt(usd_kzt) / 12
                self.receive("supervision_fee", payer, account, supervision)
                income = world.exchanges.fee_income.get(exchange, 0.0)
                base = (income - taxed.get(exchange, 0.0)) / TIYN_PER_KZT
                self.receive("tax", payer, account, c.tax_on_exchange_fees * base, per_agent=True)
                taxed[exchange] = income
