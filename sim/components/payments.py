"""The payments zone (CryptoCity): merchants adopt crypto acceptance by Bass diffusion; residents
pay with crypto-linked cards; merchants convert most receipts to tenge through a licensed exchange
and its bank. Counted per day in aggregate (one agent per payment would swamp the model)."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import PaymentsDay

if TYPE_CHECKING:
    from sim.world import World


class PaymentsZone:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.streams.stream("payments")
        self.numpy = world.streams.numpy("payments_counts")
        self.configure()
        self.adopters = round(self.config.merchants * self.config.initial_uptake)
        if self.config.enabled:
            world.env.process(self._days())

    def configure(self) -> None:
        self.config = self.world.scenario.payments

    def _days(self) -> Generator[Any, Any, None]:
        world = self.world
        while True:
            yield world.env.timeout(24.0)
            c, t = self.config, world.env.now
            if not c.enabled or c.merchants == 0:
                continue
            share = self.adopters / c.merchants
            hazard = (c.innovation_per_month + c.imitation_per_month * share) / 30.0
            self.adopters += int(self.numpy.binomial(c.merchants - self.adopters, min(1.0, hazard)))
            uptake = self.adopters / c.merchants
            venues = [e for e in world.exchanges.active if world.banks.has_fiat(e)]
            if not world.scenario.banks.crypto_card or not venues:
                world.emit(PaymentsDay(t, 0, 0.0, 0.0, 0.0, self.adopters, uptake))
                continue
            # Simulated at the population's scale, like everything people do.
            residents = c.residents / world.scenario.population.scale_factor
            expected = residents * c.payments_per_resident_month / 30.0 * uptake
            count = int(self.numpy.poisson(expected))
            if count == 0:
                world.emit(PaymentsDay(t, 0, 0.0, 0.0, 0.0, self.adopters, uptake))
                continue
            median = c.payment_median.kzt(world.scenario.market.usd_kzt)
            sigma = 0.8
            volume = (
                count
                * median
                * math.exp(sigma**2 / 2)
                * math.exp(self.rng.gauss(0.0, sigma / math.sqrt(count)))
            )
            exchange = venues[int(self.rng.random() * len(venues))]
            converted, fee = self._settle(exchange, volume)
            world.emit(PaymentsDay(t, count, volume, converted, fee, self.adopters, uptake))

    def _settle(self, exchange: int, volume_kzt: float) -> tuple[float, float]:
        """Residents' card tenge buys coin that merchants receive; most is sold back at once."""
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        account = f"exchange:{exchange}"
        amount = round(volume_kzt * TIYN_PER_KZT)
        fee = round(amount * world.scenario.exchanges.fee)
        kept = round((amount - fee) * (1.0 - self.config.merchant_conversion_share))
        sats = int(kept / TIYN_PER_KZT / world.market.btc_kzt(t) * SATS_PER_BTC)
        ledger.post(t, "households", f"{account}:client_money", amount)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", fee)
        ledger.post(t, f"{account}:client_money", "merchants", amount - fee - kept)
        ledger.post(t, f"{account}:client_money", "world_market", kept)
        ledger.post(t, "world_market", "merchants", sats, "BTC")
        world.exchanges.fee_income[exchange] = world.exchanges.fee_income.get(exchange, 0.0) + fee
        return (amount - fee - kept) / TIYN_PER_KZT, fee / TIYN_PER_KZT
