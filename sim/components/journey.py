"""A person's journey: pick a channel, pass KYC (licensed), top up and buy a while, maybe sell.

Every arriving agent starts here (`start`); the gates it passes through are the components. What
takes time runs as a SimPy process: a licensed buyer's top-ups, and in the event-by-event
reference path every top-up (KYC is a chain of calls of its own: `KycGate.apply`). The
unlicensed majority needs none: their top-ups are booked a day at a time (`UnlicensedBuyers`),
which calls back here at a top-up the bank blocks outright (`stop`) and when they have none left
(`sell_later`).
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from sim.components.buyers import (
    ENDED,
    LONGEST_GAP_H,
    SIZE_SIGMA,
    UnlicensedBuyers,
    block_reason,
)
from sim.components.channel import LICENSED, UNLICENSED
from sim.components.kyc import ABANDONED, PASSED
from sim.components.population import Person
from sim.fields import value_at
from sim.records import CapApplied, ChannelSwitched, DemandMoved, PaymentBlocked, PersonArrived

if TYPE_CHECKING:
    from sim.world import World


class Journeys:
    def __init__(self, world: World, batched: bool = True) -> None:
        self.world = world
        keyed = world.streams.keyed
        self._gap = world.streams.per_person("topup_gap")  # the first gap: a block at a time
        self._size = keyed("topup_size")
        self._p2p = keyed("p2p_workaround")
        self.book = UnlicensedBuyers(world, self._gap, self._size, self._p2p) if batched else None
        """Books the unlicensed top-ups; None to make each one a SimPy event (the check)."""
        shares = ("channel.cap_spillover_unlicensed", "channel.refused_spillover_unlicensed")
        self._spills = {share: keyed(f"spill:{share}") for share in shares}

    def start(self, person: Person) -> None:
        """The person has arrived: they pick a channel and begin."""
        world = self.world
        channel, p, reason = world.channel.choose(person)
        person.channel = channel
        exchange = -1  # a newcomer's (`Person.exchange`), unless they go licensed
        if channel == LICENSED:
            person.exchange = exchange = world.exchanges.pick(person)
        world.emit(
            PersonArrived(
                world.env.now,
                person.id,
                person.resident,
                person.bad_actor,
                channel,
                p,
                reason,
                exchange,
            )
        )
        if channel == LICENSED:
            world.kyc.apply(person, self._decided)
        elif channel == UNLICENSED:
            self._trade_unlicensed(person)

    def _decided(self, person: Person, outcome: str) -> None:
        """KYC at the person's licensed exchange is decided: trade there, or perhaps unlicensed."""
        world = self.world
        if outcome == PASSED:
            active = world.population.active_hours(person.id)
            if active > 0:
                terms = self._terms(person, active)
                world.env.process(self.trade_on(person, *terms, licensed=True))
            return
        person.exchange = -1  # nobody's client: the exchange they applied to is in the records
        c = world.scenario.channel
        share = c.after_abandon_unlicensed if outcome == ABANDONED else c.after_reject_unlicensed
        if not (world.unlicensed.available and world.channel.fallback.chance(person.id, share)):
            return
        person.channel = UNLICENSED
        which = "abandon" if outcome == ABANDONED else "reject"
        world.emit(
            ChannelSwitched(
                world.env.now,
                person.id,
                UNLICENSED,
                f"{world.why(f'channel.after_{which}_unlicensed')}: KYC {outcome}",
            )
        )
        self._trade_unlicensed(person)

    def _trade_unlicensed(self, person: Person) -> None:
        """Top up unlicensed for the person's active period: booked, or a process of its own."""
        active = self.world.population.active_hours(person.id)
        if active <= 0:
            return
        terms = self._terms(person, active)
        if self.book is not None:
            self.book_on(person, *terms)
        else:
            self.world.env.process(self.trade_on(person, *terms, licensed=False))

    def _terms(self, person: Person, active: float) -> tuple[float, float, float]:
        """(when the person stops buying, their mean hours between top-ups, their median top-up)."""
        population = self.world.population
        end = self.world.env.now + active
        return end, population.topup_gap_mean(person.id), population.topup_median(person.id)

    def trade_on(
        self, person: Person, end: float, gap_mean: float, median: float, licensed: bool
    ) -> Generator[Any, Any, None]:
        """The top-ups from now until `end`, one event each, then perhaps hold and sell; an
        unlicensed buyer's are handed to the book when there is one.

        The n-th top-up of a person draws its gap, its size and everything that befalls it (a
        bank block, a spill) from keys (person, n): what happens to one top-up leaves every other
        top-up's draws alone, and the book draws the same numbers."""
        env, world, pid = self.world.env, self.world, person.id
        population, gaps = world.population, self._gap
        while True:
            if not licensed and self.book is not None:
                self.book_on(person, end, gap_mean, median)
                return
            n = person.topups
            gap = gaps.exponential(pid, gap_mean, n)
            if env.now + gap > end or gap > LONGEST_GAP_H:
                break
            yield env.timeout(gap)
            want = self._next_top_up(person, median, n)
            if person.exited:
                break  # the exchange ended the relationship after a report
            if licensed:
                yield from self._buy_licensed(person, want, n)
            elif self._buy_unlicensed(person, want, n):
                switch, reason = world.channel.reconsider(person)
                if switch:
                    licensed = yield from self._try_licensed(person, reason)
        exchange = world.exchanges.current(person)
        if licensed and person.holdings and exchange >= 0 and population.self_custodies(pid):
            world.exchanges.send_crypto(person, exchange, "self_hosted")
        if (person.holdings or person.offshore) and population.sells(pid):
            yield env.timeout(population.hold_hours(pid))
            world.unlicensed.sell_all(person)
            exchange = world.exchanges.current(person)
            if person.holdings and exchange >= 0 and world.banks.has_fiat(exchange):
                proceeds = world.exchanges.sell(person, exchange)
                yield env.timeout(world.banks.withdrawal_delay(env.now))
                world.exchanges.withdraw(person, exchange, proceeds)

    def _next_top_up(self, person: Person, median: float, n: int) -> float:
        """Top-up n is now: count it; the tenge the person wants to put in."""
        person.topups = n + 1
        return self._size.lognormal(person.id, median, SIZE_SIGMA, n)

    # --- the booked unlicensed buyers (`UnlicensedBuyers` calls these) ---------------------------

    def book_on(self, person: Person, end: float, gap_mean: float, median: float) -> None:
        """Hand the person's unlicensed top-ups until `end` to the book; after the last (or if
        none is left), perhaps hold and sell."""
        assert self.book is not None
        if self.book.trade(person, end, gap_mean, median) == ENDED:
            self.sell_later(person)

    def stop(self, person: Person, end: float, gap_mean: float, median: float, n: int) -> None:
        """Booked top-up n is now and the bank blocks it outright: the person, who has never
        weighed a licensed exchange, may do so now (KYC takes a process); else the book goes on.
        An unlicensed buyer has no licensed exchange to end their relationship (`exited`)."""
        want = self._next_top_up(person, median, n)
        self._buy_unlicensed(person, want, n)  # blocked: the book found it so with these rules
        switch, reason = self.world.channel.reconsider(person)
        if switch:
            self.world.env.process(self._switched(person, reason, end, gap_mean, median))
        else:
            self.book_on(person, end, gap_mean, median)

    def _switched(
        self, person: Person, reason: str, end: float, gap_mean: float, median: float
    ) -> Generator[Any, Any, None]:
        licensed = yield from self._try_licensed(person, reason)
        yield from self.trade_on(person, end, gap_mean, median, licensed)

    def sell_later(self, person: Person) -> None:
        """A booked buyer has no top-up left (the book sets the sale of those who had some,
        `UnlicensedBuyers._sell`): if they hold anything (all their top-ups are booked by
        now) and sell, hold, then sell, as `trade_on` does after the last."""
        world, population = self.world, self.world.population
        if (person.holdings or person.offshore) and population.sells(person.id):
            env = world.env
            wake = env.at(env.now + population.hold_hours(person.id))
            wake.callbacks.append(partial(self._sell_booked, person))

    def _sell_booked(self, person: Person, _: simpy.Event) -> None:
        self.world.unlicensed.sell_all(person)

    def _buy_licensed(self, person: Person, want: float, n: int) -> Generator[Any, Any, None]:
        world, env = self.world, self.world.env
        room, rule = world.exchanges.cap_room(person, env.now)
        bank_room = world.banks.monthly_room(person, env.now)
        if bank_room < room:
            room, rule = bank_room, world.why("banks.monthly_cap_per_person")
        amount = min(want, room)
        if amount < want:
            world.emit(CapApplied(env.now, person.id, want, amount, rule))
            self._spill(person, want - amount, "channel.cap_spillover_unlicensed", rule, n)
        if amount <= 0:
            return
        exchange = world.exchanges.current(person)
        refusal = (
            world.banks.licensed_refusal(person, exchange, amount, n)
            if exchange >= 0
            else "no licensed exchange is left"
        )
        if refusal:
            world.emit(PaymentBlocked(env.now, person.id, LICENSED, amount, refusal))
            self._spill(person, amount, "channel.refused_spillover_unlicensed", refusal, n)
            return
        yield env.timeout(world.banks.deposit_delay(env.now, amount, person.id, n))
        world.exchanges.buy(person, exchange, amount)

    def _spill(self, person: Person, amount: float, share: str, cause: str, n: int) -> None:
        """Part of the licensed demand a cap or a bank refused is bought unlicensed instead."""
        world = self.world
        if not world.unlicensed.available:
            return
        if not self._spills[share].chance(person.id, value_at(world.scenario, share), n):
            return
        reason = f"{world.why(share)}: {cause}"
        world.emit(DemandMoved(world.env.now, person.id, UNLICENSED, amount, reason))
        self._buy_unlicensed(person, amount, n)

    def _try_licensed(self, person: Person, reason: str) -> Generator[Any, Any, bool]:
        """A blocked unlicensed buyer tries a licensed exchange; True if they pass its KYC."""
        world = self.world
        person.exchange = world.exchanges.pick(person)
        world.emit(ChannelSwitched(world.env.now, person.id, LICENSED, reason))
        outcome = yield world.kyc.decision(person)
        if outcome != PASSED:
            person.exchange = -1  # as `_decided`
            return False
        person.channel = LICENSED
        return True

    def _buy_unlicensed(self, person: Person, want: float, n: int) -> bool:
        """Buy unlicensed; True if the bank blocked the payment outright."""
        world, un = self.world, self.world.scenario.unlicensed
        if not world.unlicensed.available:
            return False
        premium = 0.0
        if world.banks.blocks_unlicensed(person.id, n):
            if not self._p2p.chance(person.id, un.p2p_workaround_share, n):
                reason = block_reason(world)
                world.emit(PaymentBlocked(world.env.now, person.id, UNLICENSED, want, reason))
                return True
            premium = un.p2p_premium
        world.unlicensed.buy(person, want, premium, n)
        return False
