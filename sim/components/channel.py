"""Channel choice: each person who wants crypto picks a licensed exchange or an unlicensed channel.

A binary logit on the friction the person expects: KYC waiting (the recent average, so long queues
feed back into demand), fees, how much of the wanted amount the retail cap would refuse, bank
blocks, enforcement and fraud. People unaware of the licensed option go unlicensed.

Awareness (and trust) evolves a day at a time, Bass-style: unaware people learn of the licensed
option from each venue that takes tenge, from an information campaign, and by word of mouth from
licensed users; it drops when a venue fails. A bank that blocks a payment to an unlicensed platform
makes the person weigh the licensed option.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.components.population import HOURS_PER_MONTH, Person

if TYPE_CHECKING:
    from sim.world import World

LICENSED, UNLICENSED, NONE = "licensed", "unlicensed", "none"


def _logistic(gap: float) -> float:
    """1 / (1 + e^-gap), with the gap clipped so extreme weights give 0 or 1, not an overflow."""
    return 1.0 / (1.0 + math.exp(-min(max(gap, -700.0), 700.0)))


class ChannelChoice:
    def __init__(self, world: World) -> None:
        self.world = world
        self.awareness = self._awareness_set = world.scenario.channel.licensed_awareness
        """Share of would-be buyers who know and trust the licensed option, now."""
        self.users_share: float | None = None
        """Licensed share of recent buyers (a 30-day moving average): what word of mouth carries."""
        self._chosen = [0, 0]
        self._serving: set[int] | None = None
        self._unaware: tuple[tuple[str, float], str] = (("", math.nan), "")
        self.configure()
        self._aware = world.streams.per_person("aware")
        self._draw = world.streams.per_person("channel")
        self.fallback = world.streams.per_person("fallback")
        self._redirect = world.streams.per_person("redirect")
        world.env.process(self._days())

    def configure(self) -> None:
        self.config = c = self.world.scenario.channel
        if c.licensed_awareness != self._awareness_set:  # a dated rule sets awareness anew
            self.awareness = self._awareness_set = c.licensed_awareness

    def _days(self) -> Generator[Any, Any, None]:
        while True:
            yield self.world.env.timeout(24.0)
            self.update_awareness()

    def update_awareness(self) -> None:
        """One day of Bass diffusion of awareness, less the trust lost to failed venues."""
        world, c = self.world, self.config
        serving = {e for e in world.exchanges.active if world.banks.has_fiat(e)}
        failed = len(self._serving - serving) if self._serving is not None else 0
        self._serving = serving
        licensed, chosen = self._chosen
        self._chosen = [0, 0]
        if chosen:
            share = licensed / chosen
            previous = self.users_share
            self.users_share = share if previous is None else previous + (share - previous) / 30
        hazard = (
            c.awareness_per_venue * len(serving)
            + c.campaign_per_year
            + c.word_of_mouth * (self.users_share or 0.0)
        ) / 365
        self.awareness += (1.0 - self.awareness) * min(1.0, hazard)
        self.awareness *= (1.0 - c.trust_drop_on_failure) ** failed

    def reconsider(self, person: Person) -> tuple[bool, str]:
        """After a bank blocked their unlicensed payment: does the person try a licensed venue?"""
        world, c = self.world, self.config
        if person.reconsidered or not self.blocks_weigh():
            return False, ""
        person.reconsidered = True
        p = _logistic(self.utility_gap(person))
        if not self._redirect.chance(person.id, c.block_redirect_share * p):
            return False, ""
        return True, (
            f"{world.why('channel.block_redirect_share')}: the bank blocked a payment to an "
            f"unlicensed platform; weighed the licensed option, P(licensed)={p:.2f}"
        )

    def blocks_weigh(self) -> bool:
        """Whether a bank's block now makes a buyer who has not yet done so weigh the licensed
        option: the mode lets them choose, and an exchange is licensed."""
        return self.config.mode == "choice" and self.world.exchanges.count > 0

    def may_redirect(self, person: Person) -> bool:
        """Whether a bank's block could still send this person to a licensed exchange's KYC
        (`reconsider`): they have not weighed it yet, the mode lets them, an exchange is licensed,
        and their own draw is below `block_redirect_share`. `reconsider` sends them with
        probability share × P(licensed) on that draw, so a draw at or above the share never does,
        whatever P(licensed) is then."""
        return self.may_redirect_row(person.id, person.row)

    def may_redirect_row(self, pid: int, row: int) -> bool:
        """`may_redirect` for the person with this id and row in the people table."""
        return (
            not self.world.population.table.reconsidered.item(row)
            and self.blocks_weigh()
            and self._redirect.u(pid) < self.config.block_redirect_share
        )

    def may_redirect_rows(self, pids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """`may_redirect_row` for many people at once (their draws in one array)."""
        may: np.ndarray = self.may_redirect_newcomers(pids)
        may &= ~self.world.population.table.reconsidered[rows]
        return may

    def may_redirect_newcomers(self, pids: np.ndarray) -> np.ndarray:
        """`may_redirect` for arrivals not in the people table yet (none has weighed the
        licensed option)."""
        if not self.blocks_weigh():
            return np.zeros(len(pids), bool)
        may: np.ndarray = self._redirect.uniforms(pids) < self.config.block_redirect_share
        return may

    def weighed(self, person: Person) -> None:
        """A bank blocked the person's payment when `may_redirect` said no block could send them to
        KYC: they weigh the licensed option and stay, as in `reconsider` (so a share raised
        later does not make them weigh it again)."""
        if self.blocks_weigh():
            person.reconsidered = True

    def weighed_rows(self, rows: np.ndarray) -> None:
        """`weighed` for the people in these rows of the people table."""
        if self.blocks_weigh():
            self.world.population.table.reconsidered[rows] = True

    def choose(self, person: Person) -> tuple[str, float, str]:
        """(channel, probability of licensed, reason)."""
        choice = self._choose(person)
        assert choice is not None  # a person always chooses
        self._chosen[0] += choice[0] == LICENSED
        self._chosen[1] += choice[0] != NONE
        return choice

    def counted(self, unlicensed: int) -> None:
        """`unlicensed` people chose the unlicensed channel without `choose` (`unaware`)."""
        self._chosen[1] += unlicensed

    def unaware(self, pids: np.ndarray) -> tuple[np.ndarray, str]:
        """Which of these arrivals go unlicensed without weighing the licensed option, under the
        rules, exchanges and awareness now (unaware of it, or none is licensed), and the reason
        `choose` gives them. Their choice reads nothing that moves within a day (the others weigh
        the KYC queue as they arrive): the day's arrivals are told apart in arrays
        (`sim.components.arrivals`)."""
        only = self.only()
        if only is not None:
            return np.full(len(pids), only[0] == UNLICENSED), only[2]
        aware = self._aware.uniforms(pids) < self.awareness  # `chance`, in arrays
        return ~aware, self._unaware_reason()

    def only(self) -> tuple[str, float, str] | None:
        """The choice everyone makes now, when the mode or the channels open leave one; None
        when each weighs them."""
        return self._choose(None)

    def _choose(self, person: Person | None) -> tuple[str, float, str] | None:
        """`person`'s choice; with no person, `only` (one tree for both: an arrival's choice
        makes no call more than it needs, the queueing validation worlds' every one)."""
        world, c = self.world, self.config
        licensed_open = world.exchanges.count > 0
        unlicensed_open = world.unlicensed.available
        if c.mode == "licensed_only" or (licensed_open and not unlicensed_open):
            return (
                (LICENSED, 1.0, "only licensed exchanges are open")
                if licensed_open
                else (NONE, 0.0, "exchanges.licensed=0: no channel open")
            )
        if c.mode == "unlicensed_only" or not licensed_open:
            if not unlicensed_open:
                return NONE, 0.0, "unlicensed.platforms=0: no channel open"
            return UNLICENSED, 0.0, "exchanges.licensed=0: no licensed exchange"
        if person is None:
            return None
        if not self._aware.chance(person.id, self.awareness):
            return UNLICENSED, 0.0, self._unaware_reason()
        gap = self.utility_gap(person)
        p = _logistic(gap)
        channel = LICENSED if self._draw.chance(person.id, p) else UNLICENSED
        return (
            channel,
            p,
            (
                f"{world.why('channel.licensed_bias')}, logit on friction: P(licensed)={p:.2f} "
                "with expected KYC "
                f"{world.kyc.expected_wait_h:.1f} h"
            ),
        )

    def _unaware_reason(self) -> str:
        """Why most arrivals buy unlicensed (made once for each awareness and rule in force)."""
        why = self.world.why("channel.licensed_awareness")
        if self._unaware[0] != (why, self.awareness):
            text = (
                f"{why}, now {self.awareness:.3f}: did not know a licensed exchange was an option"
            )
            self._unaware = ((why, self.awareness), text)
        return self._unaware[1]

    def utility_gap(self, person: Person) -> float:
        """Utility of licensed minus unlicensed for this person, now."""
        world, c = self.world, self.config
        banks, ex, un = world.scenario.banks, world.scenario.exchanges, world.scenario.unlicensed
        monthly_want = (
            world.population.topup_median(person.id)
            * HOURS_PER_MONTH
            / world.population.topup_gap_mean(person.id)
        )
        cap = world.exchanges.unverified_cap_kzt if ex.caps_enabled else math.inf
        shortfall = max(0.0, monthly_want - cap) / monthly_want if monthly_want > 0 else 0.0
        no_bank = 0.0 if any(world.banks.has_fiat(e) for e in world.exchanges.active) else 1.0
        licensed = (
            c.licensed_bias
            - c.weight_kyc_day * world.kyc.expected_wait_h / 24
            - c.weight_fee_pct * ex.fee * 100
            - c.weight_cap_shortfall * shortfall
            - c.weight_block * max(no_bank, banks.licensed_friction_prob)
        )
        block = banks.unlicensed_block_prob
        unlicensed = (
            -c.weight_fee_pct * (un.fee + block * un.p2p_premium) * 100
            - c.weight_block * block * (1 - un.p2p_workaround_share)
            - c.weight_enforcement * world.unlicensed.annual_shutdown_risk * un.loss_on_shutdown
            - c.weight_fraud * un.fraud_prob
        )
        return licensed - unlicensed
