"""A person's journey: pick a channel, pass KYC (licensed), top up and buy a while, maybe sell.

This is the process every arriving agent runs; the gates it passes through are the components.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.components.buyers import ENDED, LONGEST_GAP_H, SIZE_SIGMA, UnlicensedBuyers
from sim.components.channel import LICENSED, NONE, UNLICENSED
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
        self._gap = keyed("topup_gap")
        self._size = keyed("topup_size")
        self._p2p = keyed("p2p_workaround")
        self.book = UnlicensedBuyers(world, self._gap, self._size, self._p2p) if batched else None
        """Books the unlicensed top-ups; None to make each one a SimPy event (the check)."""
        shares = ("channel.cap_spillover_unlicensed", "channel.refused_spillover_unlicensed")
        self._spills = {share: keyed(f"spill:{share}") for share in shares}

    def run(self, person: Person) -> Generator[Any, Any, None]:
        world = self.world
        channel, p, reason = world.channel.choose(person)
        person.channel = channel
        if channel == LICENSED:
            person.exchange = world.exchanges.pick(person)
        world.emit(
            PersonArrived(
                world.env.now,
                person.id,
                person.resident,
                person.bad_actor,
                channel,
                p,
                reason,
                person.exchange,
            )
        )
        if channel == NONE:
            return
        if channel == LICENSED:
            outcome = yield from world.kyc.apply(person)
            if outcome == PASSED:
                active = world.population.active_hours(person.id)
                if active > 0:
                    yield from self._trade(person, active, licensed=True)
                return
            c = world.scenario.channel
            share = (
                c.after_abandon_unlicensed if outcome == ABANDONED else c.after_reject_unlicensed
            )
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
        active = world.population.active_hours(person.id)
        if active > 0:
            yield from self._trade(person, active, licensed=False)

    def _trade(self, person: Person, active: float, licensed: bool) -> Generator[Any, Any, None]:
        """Top up and buy every so often for `active` hours; then perhaps hold and sell."""
        pid, population = person.id, self.world.population
        end = self.world.env.now + active
        gap_mean, median = population.topup_gap_mean(pid), population.topup_median(pid)
        yield from self.trade_on(person, end, gap_mean, median, licensed)

    def trade_on(
        self,
        person: Person,
        end: float,
        gap_mean: float,
        median: float,
        licensed: bool,
        stop: int | None = None,
    ) -> Generator[Any, Any, None]:
        """The top-ups from now until `end`, then perhaps hold and sell. `stop`: a booked top-up
        the bank blocks outright, made first (the book starts this again at such a stop).

        The n-th top-up of a person draws its gap, its size and everything that befalls it (a
        bank block, a spill) from keys (person, n): what happens to one top-up leaves every other
        top-up's draws alone. Unlicensed top-ups are booked in batches by `UnlicensedBuyers`
        (same numbers): the person's process ends when the book takes them over, and the book
        starts it again at a stop (here) or to sell (`sell_booked`)."""
        env, world, pid = self.world.env, self.world, person.id
        population, gaps, sizes, book = world.population, self._gap, self._size, self.book
        while True:
            if stop is not None:
                n, stop = stop, None
            elif book is not None and not licensed:
                if book.trade(person, end, gap_mean, median) == ENDED:
                    yield from self.sell_booked(person)  # no top-up left: as after the last
                return  # the book has the person now
            else:
                n = person.topups
                gap = gaps.exponential(pid, gap_mean, n)
                if env.now + gap > end or gap > LONGEST_GAP_H:
                    break
                yield env.timeout(gap)
            person.topups = n + 1
            want = sizes.lognormal(pid, median, SIZE_SIGMA, n)
            if person.exited:
                break  # the exchange ended the relationship after a report
            if licensed:
                yield from self._buy_licensed(person, want, n)
            elif self._buy_unlicensed(person, want, n):
                licensed = yield from self._redirected(person)
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

    def sell_booked(self, person: Person) -> Generator[Any, Any, None]:
        """After a booked buyer's last top-up: perhaps hold and sell. Their top-ups not booked
        yet are booked first (`UnlicensedBuyers.catch_up`); they hold nothing at a licensed
        exchange, and an empty holding sells nothing."""
        world, population = self.world, self.world.population
        if self.book is not None and population.sells(person.id):
            yield world.env.timeout(population.hold_hours(person.id))
            self.book.catch_up(person)
            world.unlicensed.sell_all(person)

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

    def _redirected(self, person: Person) -> Generator[Any, Any, bool]:
        """A blocked unlicensed buyer may try a licensed exchange; True if they pass its KYC."""
        world = self.world
        switch, reason = world.channel.reconsider(person)
        if not switch:
            return False
        person.exchange = world.exchanges.pick(person)
        world.emit(ChannelSwitched(world.env.now, person.id, LICENSED, reason))
        outcome = yield from world.kyc.apply(person)
        if outcome != PASSED:
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
                reason = (
                    f"{self.world.why('banks.unlicensed_block_prob')}"
                    ": bank blocked the payment to an unlicensed platform"
                )
                world.emit(PaymentBlocked(world.env.now, person.id, UNLICENSED, want, reason))
                return True
            premium = un.p2p_premium
        world.unlicensed.buy(person, want, premium, n)
        return False
