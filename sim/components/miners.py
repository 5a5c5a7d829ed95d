"""Miners: licensed operations produce coin from their capacity and the grid's daily surplus, pay
the per-kWh digital-mining fee, and must sell a share of output on licensed exchanges; grey miners
produce outside the rules (no fee, sold abroad)."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.components.population import PeopleTable, Person
from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import MinerSale, MiningDay, PaymentBlocked

if TYPE_CHECKING:
    from sim.world import World

KWH_PER_MW_DAY = 24_000.0
MINERS = (1 << 41) + 1
"""The person id the licensed miners' sales carry in AML records (apart from everyone else's)."""


def progressive_fee(power_price: float) -> float:
    """KZT per kWh from 2023: 1 at a power price of 24 KZT or more, rising to 25 at 10 or less."""
    if power_price >= 24.0:
        return 1.0
    if power_price <= 10.0:
        return 25.0
    return 1.0 + (24.0 - power_price) / 14.0 * 24.0


class Miners:
    def __init__(self, world: World) -> None:
        self.world = world
        self._grid = world.streams.keyed("grid")
        self._venue = world.streams.keyed("miner_venue")
        self.client = Person(MINERS, 0.0, True, False, -1, None, PeopleTable())
        """The licensed miners as one client of the exchanges (their AML history and alerts)."""
        self.unsold_sats = 0
        """Coin owed to licensed exchanges under the sale rule, sold every `sale_every`."""
        self.configure()
        if self.config.licensed > 0 or self.config.grey_mw > 0:
            world.env.process(self._days())
            world.env.process(self._sales())

    def configure(self) -> None:
        self.config = self.world.scenario.miners

    def fee_per_kwh(self) -> tuple[float, str]:
        c = self.config
        if c.fee_schedule == "flat":
            return c.fee_flat_kzt_per_kwh, self.world.why("miners.fee_flat_kzt_per_kwh")
        fee = progressive_fee(c.power_price_kzt_per_kwh)
        return (
            fee,
            f"{self.world.why('miners.fee_schedule')} at {c.power_price_kzt_per_kwh:g} KZT/kWh",
        )

    def _days(self) -> Generator[Any, Any, None]:
        world, ledger = self.world, self.world.ledger
        while True:
            yield world.env.timeout(24.0)
            c, t = self.config, world.env.now
            day = int(t // 24)
            availability = c.grid_availability_min + self._grid.u(day) * max(
                0.0, c.grid_availability_max - c.grid_availability_min
            )
            running_mw = c.licensed * c.capacity_mw * availability
            kwh = running_mw * KWH_PER_MW_DAY
            btc = running_mw * c.btc_per_mw_day
            rate, why = self.fee_per_kwh()
            fee = round(kwh * rate * TIYN_PER_KZT)
            ledger.post(t, "coinbase", "miners", int(btc * SATS_PER_BTC), "BTC")
            world.regulator.receive("mining_fee", "licensed miners", "miners", fee / TIYN_PER_KZT)
            grey_btc = c.grey_mw * availability * c.btc_per_mw_day
            ledger.post(t, "coinbase", "grey_miners", int(grey_btc * SATS_PER_BTC), "BTC")
            ledger.post(t, "grey_miners", "offshore", int(grey_btc * SATS_PER_BTC), "BTC")
            evaded = c.grey_mw * availability * KWH_PER_MW_DAY * rate
            world.emit(
                MiningDay(t, availability, btc, kwh, fee / TIYN_PER_KZT, grey_btc, evaded, why)
            )
            abroad = int(btc * SATS_PER_BTC * c.foreign_pool_share)  # paid out by foreign pools
            ledger.post(t, "miners", "offshore", abroad, "BTC")
            self.unsold_sats += int((btc * SATS_PER_BTC - abroad) * c.sale_share)

    def _sales(self) -> Generator[Any, Any, None]:
        world, ledger = self.world, self.world.ledger
        while True:
            yield world.env.timeout(self.config.sale_every)
            sats, t = self.unsold_sats, world.env.now
            if sats <= 0:
                continue
            venues = [e for e in world.exchanges.active if world.banks.has_fiat(e)]
            why = world.why("miners.sale_share")
            if not venues:
                value = sats / SATS_PER_BTC * world.market.btc_kzt(t)
                world.emit(
                    PaymentBlocked(
                        t, -1, "miners", value, f"{why}: no licensed exchange has a bank account"
                    )
                )
                continue
            exchange = venues[self._venue.pick(int(t // 24), len(venues))]
            proceeds = round(sats / SATS_PER_BTC * world.market.btc_kzt(t) * TIYN_PER_KZT)
            fee = round(proceeds * world.scenario.exchanges.fee)
            account = f"exchange:{exchange}"
            ledger.post(t, "miners", f"{account}:custody", sats, "BTC")
            ledger.post(t, f"{account}:custody", "world_market", sats, "BTC")
            ledger.post(t, "world_market", f"{account}:client_money", proceeds)
            ledger.post(t, f"{account}:client_money", f"{account}:fees", fee)
            ledger.post(t, f"{account}:client_money", "miners", proceeds - fee)
            self.unsold_sats = 0
            world.emit(
                MinerSale(t, exchange, sats, proceeds / TIYN_PER_KZT, fee / TIYN_PER_KZT, why)
            )
            # The venue screens the sale like any client's (coins in, tenge out to the miners'
            # bank), and its bank sees the tenge in the exchange's daily volume.
            value = proceeds / TIYN_PER_KZT
            volume = world.banks.day_volume
            volume[exchange] = volume.get(exchange, 0.0) + value
            world.aml.screen(self.client, exchange, "crypto_in", value)
            world.aml.screen(self.client, exchange, "withdrawal", (proceeds - fee) / TIYN_PER_KZT)
