"""Injected laundering typologies (in the spirit of AMLSim's alert patterns): the ground truth.

Each `aml.typologies` entry starts its cases at random times (real cases a year, times the run's
share of a year, rounded at random); each case recruits `members` bad actors whose every
transaction carries the case id. Cases are simulated at full size, every real one, not sampled 1
in `scale_factor` like people: they are few, and each is a pattern the monitoring must find.
Members are onboarded mule accounts except for `synthetic_identity`, whose members must pass the
KYC gate first. Amounts are not capped: launderers use verified, high-limit accounts.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.components.kyc import PASSED
from sim.components.population import Person
from sim.ledger import SATS_PER_BTC
from sim.records import CaseMember, CaseStarted, CaseStep, PaymentBlocked, PersonArrived
from sim.scenario import Typology

if TYPE_CHECKING:
    from sim.world import World


class Laundering:
    def __init__(self, world: World) -> None:
        self.world = world
        keyed = world.streams.keyed
        self._count = keyed("case_count")
        self._start = keyed("case_start")
        self._venue = keyed("case_venue")
        self._gap = keyed("case_gap")
        self._jitter = keyed("case_jitter")
        self._target = keyed("case_target")
        self.cases = 0
        days = world.scenario.run.days
        horizon = days * 24.0
        for i, typology in enumerate(world.scenario.aml.typologies):
            # `cases` is real cases a year: the run has cases x days / 365 of them.
            share = typology.cases * days / 365
            simulated = int(share) + self._count.chance(i, share - int(share))
            for j in range(simulated):
                start = self._start.u(i, j) * max(0.0, horizon - typology.period)
                world.env.process(self._case(typology, start))

    def configure(self) -> None:
        """Typologies are fixed at the start of the run."""

    def surge(self, typology: Typology, rng: np.random.Generator) -> int:
        """Start `typology.cases` more real cases now, spread over its period (a shock)."""
        simulated = typology.cases
        for _ in range(simulated):
            self.world.env.process(self._case(typology, rng.random() * typology.period))
        return simulated

    def _case(self, typology: Typology, start: float) -> Generator[Any, Any, None]:
        world, env = self.world, self.world.env
        yield env.timeout(start)
        case, self.cases = self.cases, self.cases + 1
        world.aml.typology_of[case] = typology.kind
        amount = typology.amount.kzt(world.scenario.market.usd_kzt)
        if typology.kind == "structuring":
            amount = min(amount, 0.97 * world.aml.amount_kzt)
        value = amount * typology.members * typology.transactions
        if not world.exchanges.active:
            return  # no licensed venue: the case never enters what monitoring could see
        world.emit(CaseStarted(env.now, case, typology.kind, typology.members, value))
        members = []
        banked = [e for e in world.exchanges.active if world.banks.has_fiat(e)]
        venues = banked or world.exchanges.active  # launderers go where they can cash out
        for _ in range(typology.members):
            person = world.population.recruit(env.now, case)
            person.channel = "licensed"
            person.exchange = venues[self._venue.pick(person.id, len(venues))]
            members.append(person)
            world.emit(CaseMember(env.now, person.id, case, typology.kind, person.exchange))
            if typology.kind == "synthetic_identity":  # the only members who apply through KYC
                why = f"ground truth: {typology.kind} case {case}"
                world.emit(
                    PersonArrived(
                        env.now, person.id, True, True, "licensed", 1.0, why, person.exchange
                    )
                )
        pattern = getattr(self, f"_{typology.kind}")
        for person in members:
            env.process(pattern(person, typology, amount))

    # --- patterns: each is one member's part of a case ---------------------------------------

    def _wait(self, person: Person, typology: Typology, j: int) -> float:
        """Time before the member's j-th transaction."""
        return self._gap.u(person.id, j) * typology.period / typology.transactions

    def _deposit(self, person: Person, amount: float, j: int) -> Generator[Any, Any, bool]:
        world = self.world
        exchange = world.exchanges.current(person)
        refusal = (
            world.banks.licensed_refusal(person, exchange, amount, j) if exchange >= 0 else "-"
        )
        if refusal or person.exited:
            reason = "exchange exited the customer" if person.exited else refusal or ""
            world.emit(PaymentBlocked(world.env.now, person.id, "licensed", amount, reason))
            world.emit(CaseStep(world.env.now, person.id, person.case, amount, False))
            return False
        yield world.env.timeout(world.banks.deposit_delay(world.env.now, amount, person.id, j))
        world.exchanges.buy(person, exchange, amount)
        world.emit(CaseStep(world.env.now, person.id, person.case, amount, True))
        return True

    def _cash_out(self, person: Person) -> Generator[Any, Any, None]:
        world = self.world
        if person.holdings and not person.exited:
            exchange = person.exchange  # the proceeds are paid out where the coins were sold
            proceeds = world.exchanges.sell(person, exchange)
            yield world.env.timeout(world.banks.withdrawal_delay(world.env.now))
            world.exchanges.withdraw(person, exchange, proceeds)

    def _structuring(self, person: Person, t: Typology, amount: float) -> Generator[Any, Any, None]:
        for j in range(t.transactions):
            yield self.world.env.timeout(self._wait(person, t, j))
            jitter = 0.9 + 0.1 * self._jitter.u(person.id, j)
            yield from self._deposit(person, amount * jitter, j)
        if person.holdings and not person.exited:
            self.world.exchanges.send_crypto(person, person.exchange, "self_hosted")

    def _mule_fan_in(self, person: Person, t: Typology, amount: float) -> Generator[Any, Any, None]:
        for j in range(t.transactions):
            yield self.world.env.timeout(self._wait(person, t, j))
            yield from self._deposit(person, amount, j)
        if person.holdings and not person.exited:
            self.world.exchanges.send_crypto(person, person.exchange, "offshore")

    def _mule_fan_out(
        self, person: Person, t: Typology, amount: float
    ) -> Generator[Any, Any, None]:
        world = self.world
        for j in range(t.transactions):
            yield world.env.timeout(self._wait(person, t, j))
            exchange = world.exchanges.current(person)
            if exchange < 0 or person.exited or not world.banks.has_fiat(exchange):
                world.emit(CaseStep(world.env.now, person.id, person.case, amount, False))
                continue
            sats = int(amount / world.market.btc_kzt(world.env.now) * SATS_PER_BTC)
            world.exchanges.receive_crypto(person, exchange, sats, "offshore")
            world.emit(CaseStep(world.env.now, person.id, person.case, amount, True))
            yield from self._cash_out(person)

    def _round_trip(self, person: Person, t: Typology, amount: float) -> Generator[Any, Any, None]:
        for j in range(t.transactions):
            yield self.world.env.timeout(self._wait(person, t, j))
            if (yield from self._deposit(person, amount, j)):
                yield self.world.env.timeout(1.0 + 5.0 * self._jitter.u(person.id, j))
                yield from self._cash_out(person)

    def _synthetic_identity(
        self, person: Person, t: Typology, amount: float
    ) -> Generator[Any, Any, None]:
        outcome = yield self.world.kyc.decision(person)
        if outcome == PASSED:
            yield from self._round_trip(person, t, amount)
        else:  # the KYC gate stopped every transaction the identity was made for
            person.exchange = -1  # nobody's client (`Journeys._decided`)
            value = amount * t.transactions
            self.world.emit(CaseStep(self.world.env.now, person.id, person.case, value, False))

    def _exchange_hops(
        self, person: Person, t: Typology, amount: float
    ) -> Generator[Any, Any, None]:
        world = self.world
        for j in range(t.transactions):
            yield world.env.timeout(self._wait(person, t, j))
            if not (yield from self._deposit(person, amount, j)):
                continue
            others = [e for e in world.exchanges.active if e != person.exchange]
            if not others:
                continue
            target = others[self._target.pick(person.id, len(others), j)]
            # The transfer books the coins into the target's custody; the member follows them.
            sats = world.exchanges.send_crypto(person, person.exchange, f"exchange:{target}")
            person.exchange, person.holdings = target, person.holdings + sats
            yield from self._cash_out(person)

    def _offshore_layering(
        self, person: Person, t: Typology, amount: float
    ) -> Generator[Any, Any, None]:
        for j in range(t.transactions):
            yield self.world.env.timeout(self._wait(person, t, j))
            if (yield from self._deposit(person, amount, j)):
                self.world.exchanges.send_crypto(person, person.exchange, "offshore")
