"""Licensed exchanges: retail caps (AIFC), fees, purchases and sales, all booked in the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.components.population import HOURS_PER_MONTH, Person
from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import Purchase, Sale, Withdrawal

if TYPE_CHECKING:
    from sim.world import World


class Exchanges:
    """The licensed venues. Exchange i books client money at `exchange:i:client_money`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = c = world.scenario.exchanges
        usd_kzt = world.scenario.market.usd_kzt
        self.unverified_cap_kzt = c.unverified_monthly_cap.kzt(usd_kzt)
        self.aggregate_cap_kzt = c.verified_aggregate_cap.kzt(usd_kzt)
        self._pick = world.streams.per_person("exchange")

    @property
    def count(self) -> int:
        return self.config.licensed

    def pick(self, person: Person) -> int:
        return int(self._pick[person.id] * self.config.licensed)

    def cap_room(self, person: Person, t: float) -> tuple[float, str]:
        """Tenge the person may still buy now under the retail caps, and the rule that binds."""
        c = self.config
        if not c.caps_enabled:
            return float("inf"), ""
        population = self.world.population
        if population.proves_income(person.id):
            income_cap = c.verified_income_share_cap * population.income_month(person.id) * 12
            wealth_cap = c.verified_networth_share_cap * population.wealth(person.id)
            cap = min(income_cap, wealth_cap, self.aggregate_cap_kzt)
            rule = (
                "exchanges.verified_income_share_cap"
                if cap == income_cap
                else "exchanges.verified_networth_share_cap"
                if cap == wealth_cap
                else "exchanges.verified_aggregate_cap"
            )
            return max(0.0, cap - person.year_spent), rule
        month = int(t // HOURS_PER_MONTH)
        if person.month_key != month:
            person.month_key, person.month_spent = month, 0.0
        room = max(0.0, self.unverified_cap_kzt - person.month_spent)
        return room, f"exchanges.unverified_monthly_cap={c.unverified_monthly_cap}"

    def buy(self, person: Person, exchange: int, amount_kzt: float) -> None:
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        amount = round(amount_kzt * TIYN_PER_KZT)
        fee = round(amount * self.config.fee)
        sats = int((amount - fee) / TIYN_PER_KZT / world.market.btc_kzt(t) * SATS_PER_BTC)
        account = f"exchange:{exchange}"
        ledger.post(t, "households", f"{account}:client_money", amount, "KZT", person.id)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", fee, "KZT", person.id)
        ledger.post(t, f"{account}:client_money", "world_market", amount - fee, "KZT", person.id)
        ledger.post(t, "world_market", f"{account}:custody", sats, "BTC", person.id)
        person.holdings += sats
        person.month_spent += amount_kzt
        person.year_spent += amount_kzt
        world.emit(
            Purchase(t, person.id, "licensed", exchange, amount_kzt, fee / TIYN_PER_KZT, sats, 0.0)
        )

    def sell_all(self, person: Person, exchange: int) -> float:
        """Sell the person's coins; returns the tenge to withdraw."""
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        sats, person.holdings = person.holdings, 0
        proceeds = round(sats / SATS_PER_BTC * world.market.btc_kzt(t) * TIYN_PER_KZT)
        fee = round(proceeds * self.config.fee)
        account = f"exchange:{exchange}"
        ledger.post(t, f"{account}:custody", "world_market", sats, "BTC", person.id)
        ledger.post(t, "world_market", f"{account}:client_money", proceeds, "KZT", person.id)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", fee, "KZT", person.id)
        world.emit(
            Sale(
                t,
                person.id,
                "licensed",
                exchange,
                proceeds / TIYN_PER_KZT,
                fee / TIYN_PER_KZT,
                sats,
            )
        )
        return (proceeds - fee) / TIYN_PER_KZT

    def withdraw(self, person: Person, exchange: int, amount_kzt: float) -> None:
        world, t = self.world, self.world.env.now
        world.ledger.pay_kzt(
            t, f"exchange:{exchange}:client_money", "households", amount_kzt, person.id
        )
        world.emit(Withdrawal(t, person.id, exchange, amount_kzt))
