"""The payments zone (CryptoCity): merchants adopt crypto acceptance by Bass diffusion; residents
spend crypto from wallets they top up with crypto-linked cards; merchants receive the coin and
convert most of it to tenge through a licensed exchange and its bank. Counted per day in aggregate
(one agent per payment would swamp the model)."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import PaymentsDay

if TYPE_CHECKING:
    from sim.world import World


WALLETS = "zone:residents_wallets"
"""Residents' crypto wallets (the coin they spend), one aggregate account."""
MERCHANTS = "merchants"


class PaymentsZone:
    def __init__(self, world: World) -> None:
        self.world = world
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
            rng = world.streams.generator("payments", int(t // 24))  # the day's own draws
            share = self.adopters / c.merchants
            hazard = (c.innovation_per_month + c.imitation_per_month * share) / 30.0
            self.adopters += int(rng.binomial(c.merchants - self.adopters, min(1.0, hazard)))
            uptake = self.adopters / c.merchants
            venues = [e for e in world.exchanges.active if world.banks.has_fiat(e)]
            if not world.scenario.banks.crypto_card or not venues:
                world.emit(PaymentsDay(t, 0, 0.0, 0.0, 0.0, self.adopters, uptake))
                continue
            # Simulated at the population's scale, like everything people do.
            residents = c.residents / world.scenario.population.scale_factor
            expected = residents * c.payments_per_resident_month / 30.0 * uptake
            count = int(rng.poisson(expected))
            if count == 0:
                world.emit(PaymentsDay(t, 0, 0.0, 0.0, 0.0, self.adopters, uptake))
                continue
            median = c.payment_median.kzt(world.scenario.market.usd_kzt)
            sigma = 0.8
            volume = (
                count
                * median
                * math.exp(sigma**2 / 2)
                * math.exp(rng.normal(0.0, sigma / math.sqrt(count)))
            )
            exchange = venues[min(len(venues) - 1, int(rng.random() * len(venues)))]
            converted, fee = self._settle(exchange, volume)
            world.emit(PaymentsDay(t, count, volume, converted, fee, self.adopters, uptake))

    def _settle(self, exchange: int, volume_kzt: float) -> tuple[float, float]:
        """Residents spend crypto; merchants receive it and sell most of it for tenge at once.

        Three legs, all through the licensed exchange and its bank: residents top their crypto
        wallets up by card (tenge in, coin bought), pay merchants in coin, and merchants sell
        `merchant_conversion_share` of what they received for tenge, keeping the rest in coin.
        """
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        account, fee_rate = f"exchange:{exchange}", world.scenario.exchanges.fee
        sats_per_tiyn = SATS_PER_BTC / (world.market.btc_kzt(t) * TIYN_PER_KZT)
        # 1. Top-up: residents buy the coin they spend (the crypto card draws on their bank).
        amount = round(volume_kzt * TIYN_PER_KZT)
        buy_fee = round(amount * fee_rate)
        ledger.post(t, "households", f"{account}:client_money", amount)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", buy_fee)
        ledger.post(t, f"{account}:client_money", "world_market", amount - buy_fee)
        paid = int((amount - buy_fee) * sats_per_tiyn)
        ledger.post(t, "world_market", WALLETS, paid, "BTC")
        # 2. Payment: coin moves from residents' wallets to merchants.
        ledger.post(t, WALLETS, MERCHANTS, paid, "BTC")
        # 3. Conversion: merchants sell most of it on the exchange and are paid out in tenge.
        sold = int(paid * self.config.merchant_conversion_share)
        proceeds = round(sold / sats_per_tiyn)
        sell_fee = round(proceeds * fee_rate)
        ledger.post(t, MERCHANTS, f"{account}:custody", sold, "BTC")
        ledger.post(t, f"{account}:custody", "world_market", sold, "BTC")
        ledger.post(t, "world_market", f"{account}:client_money", proceeds)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", sell_fee)
        ledger.post(t, f"{account}:client_money", MERCHANTS, proceeds - sell_fee)
        fee = buy_fee + sell_fee
        world.exchanges.fee_income[exchange] = world.exchanges.fee_income.get(exchange, 0.0) + fee
        return (proceeds - sell_fee) / TIYN_PER_KZT, fee / TIYN_PER_KZT
