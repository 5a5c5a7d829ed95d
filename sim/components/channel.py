"""Channel choice: each person who wants crypto picks a licensed exchange or an unlicensed channel.

A binary logit on the friction the person expects: KYC waiting (the recent average, so long queues
feed back into demand), fees, how much of the wanted amount the retail cap would refuse, bank
blocks, enforcement and fraud. People unaware of the licensed option go unlicensed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.components.population import HOURS_PER_MONTH, Person

if TYPE_CHECKING:
    from sim.world import World

LICENSED, UNLICENSED, NONE = "licensed", "unlicensed", "none"


class ChannelChoice:
    def __init__(self, world: World) -> None:
        self.world = world
        self.configure()
        self._aware = world.streams.per_person("aware")
        self._draw = world.streams.per_person("channel")
        self.fallback = world.streams.per_person("fallback")

    def configure(self) -> None:
        self.config = self.world.scenario.channel

    def choose(self, person: Person) -> tuple[str, float, str]:
        """(channel, probability of licensed, reason)."""
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
        if not self._aware.chance(person.id, c.licensed_awareness):
            return (
                UNLICENSED,
                0.0,
                (
                    f"{self.world.why('channel.licensed_awareness')}: did not know a licensed "
                    "exchange was an option"
                ),
            )
        gap = self.utility_gap(person)
        p = 1.0 / (1.0 + math.exp(-gap))
        channel = LICENSED if self._draw[person.id] < p else UNLICENSED
        return (
            channel,
            p,
            (
                f"{world.why('channel.licensed_bias')}, logit on friction: P(licensed)={p:.2f} "
                "with expected KYC "
                f"{world.kyc.expected_wait_h:.1f} h"
            ),
        )

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
