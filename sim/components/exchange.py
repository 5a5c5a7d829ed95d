"""Licensed exchanges: the set licensed now, retail caps (AIFC), fees, and every client movement
(deposit and purchase, sale, withdrawal, crypto transfer), booked in the ledger and shown to AML."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.components.population import HOURS_PER_MONTH, HOURS_PER_YEAR, Person, real_people
from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import CryptoTransfer, Purchase, Sale, Withdrawal

if TYPE_CHECKING:
    from sim.world import World


class CustodyMismatch(RuntimeError):
    """An exchange's custody account no longer equals its clients' holdings: a bookkeeping bug."""


class Exchanges:
    """The licensed venues. Exchange i books client money at `exchange:i:client_money`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.active: list[int] = []
        self.next_id = 0
        self.cost_kzt: dict[int, float] = {}
        """What each person paid for the coin they hold here (the cost basis of a gains tax)."""
        self.fee_income: dict[int, float] = {}
        """Fee income from people's trading, per exchange, in tiyn (what a fee tax is levied on)."""
        self._pick = world.streams.per_person("exchange")
        self._moves = world.streams.keyed("exchange_moves")
        self.configure()
        world.env.process(self._audit())

    def configure(self) -> None:
        self.config = c = self.world.scenario.exchanges
        usd_kzt = self.world.scenario.market.usd_kzt
        self.unverified_cap_kzt = c.unverified_monthly_cap.kzt(usd_kzt)
        self.aggregate_cap_kzt = c.verified_aggregate_cap.kzt(usd_kzt)

    def open(self) -> int:
        """License a new exchange; returns its id."""
        self.world.settle()  # whether any is licensed decides what a blocked buyer may do
        exchange, self.next_id = self.next_id, self.next_id + 1
        self.active.append(exchange)
        self.world.rerouted()
        return exchange

    def close(self, exchange: int) -> None:
        self.world.settle()
        self.active.remove(exchange)
        self.world.rerouted()

    @property
    def count(self) -> int:
        return len(self.active)

    def pick(self, person: Person) -> int:
        return self.active[int(self._pick[person.id] * len(self.active))]

    def current(self, person: Person) -> int:
        """The person's exchange; clients of an exchange that lost its licence move to another,
        or, when none is left, take their coins back to a wallet of their own."""
        if person.exchange < 0:
            return -1  # never a licensed client
        if person.exchange not in self.active:
            self._move(person)
        return person.exchange if self.active else -1

    def _move(self, person: Person) -> None:
        """A client of an exchange that lost its licence moves, and their coins with them (the
        licensed exchanges' custody stays equal to their clients' holdings)."""
        world, t, lost = self.world, self.world.env.now, person.exchange
        sats = person.holdings
        value = sats / SATS_PER_BTC * world.market.btc_kzt(t) if sats else 0.0
        if not self.active:
            if sats:
                world.ledger.post(
                    t, f"exchange:{lost}:custody", "self_custody", sats, "BTC", person.id
                )
                person.holdings = 0
                self.cost_kzt.pop(person.id, None)
                world.emit(
                    CryptoTransfer(t, person.id, lost, "self_hosted", value, sats, person.case)
                )
            return
        # Keyed to the person and the exchange they lose: one move each, whatever else happens.
        new = self.active[self._moves.pick(person.id, len(self.active), lost + 1)]
        if sats:
            target = f"exchange:{new}"
            world.ledger.post(
                t, f"exchange:{lost}:custody", f"{target}:custody", sats, "BTC", person.id
            )
            world.emit(CryptoTransfer(t, person.id, lost, target, value, sats, person.case))
        person.exchange = new  # the clients' book follows the person

    def custodian(self, person: Person, exchange: int) -> int:
        """Where the person's coins are now: a client moved while a payment was on its way
        (their exchange lost its licence) is served by their new exchange."""
        return person.exchange if person.exchange >= 0 else exchange

    def custody_mismatch(self) -> int:
        """Satoshi by which exchanges' custody accounts differ from their clients' holdings."""
        balance, book = self.world.ledger.balance, self.world.population.book
        return sum(
            abs(balance(f"exchange:{e}:custody", "BTC") - book.get(e, 0))
            for e in range(self.next_id)
        )

    def _audit(self) -> Generator[Any, Any, None]:
        """At every day's end, each exchange's custody must equal its clients' holdings."""
        while True:
            yield self.world.env.timeout(24.0)
            if self.custody_mismatch():
                balance, book = self.world.ledger.balance, self.world.population.book
                raise CustodyMismatch(
                    "; ".join(
                        f"exchange {e}: custody {balance(f'exchange:{e}:custody', 'BTC')} sats, "
                        f"its clients hold {book.get(e, 0)}"
                        for e in range(self.next_id)
                        if balance(f"exchange:{e}:custody", "BTC") != book.get(e, 0)
                    )
                )

    def cap_room(self, person: Person, t: float) -> tuple[float, str]:
        """Tenge the person may still buy now under the retail caps, and the rule that binds."""
        c = self.config
        if not c.caps_enabled:
            return math.inf, ""
        population, why = self.world.population, self.world.why
        month = int(t // HOURS_PER_MONTH)
        if person.month_key != month:
            person.month_key, person.month_spent = month, 0.0
        room = max(0.0, self.unverified_cap_kzt - person.month_spent)
        unverified = room, why("exchanges.unverified_monthly_cap")
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
            verified = max(0.0, cap - self.spent_last_year(person, t)), why(rule)
            # Proof unlocks a higher limit; a client whose proven cap is lower keeps the other.
            return max(verified, unverified)
        return unverified

    @staticmethod
    def spent_last_year(person: Person, t: float) -> float:
        """Tenge the person bought in the 12 months before t (the AIFC caps are yearly, rolling)."""
        recent = person.recent
        while recent and recent[0][0] <= t - HOURS_PER_YEAR:
            person.year_spent -= recent.popleft()[1]
        if not recent:
            person.year_spent = 0.0  # no rounding drift once the window is empty
        return person.year_spent

    def record_spend(self, person: Person, t: float, amount_kzt: float) -> None:
        """Count a licensed purchase against the person's monthly and rolling-yearly caps."""
        person.month_spent += amount_kzt
        person.year_spent += amount_kzt
        if person.recent is None:
            person.recent = deque()
        person.recent.append((t, amount_kzt))

    # --- client movements -----------------------------------------------------------------------

    def buy(self, person: Person, exchange: int, amount_kzt: float) -> int:
        """A tenge deposit turned into coin held in custody; returns the satoshi bought."""
        exchange = self.custodian(person, exchange)
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
        self.cost_kzt[person.id] = self.cost_kzt.get(person.id, 0.0) + amount_kzt
        self.fee_income[exchange] = self.fee_income.get(exchange, 0.0) + fee
        volume = world.banks.day_volume  # in real tenge, as the miners' sales are
        real = real_people(person.id, world.scenario.population.scale_factor) * amount_kzt
        volume[exchange] = volume.get(exchange, 0.0) + real
        self.record_spend(person, t, amount_kzt)
        world.emit(
            Purchase(t, person.id, "licensed", exchange, amount_kzt, fee / TIYN_PER_KZT, sats, 0.0)
        )
        world.aml.screen(person, exchange, "deposit", amount_kzt)
        return sats

    def sell(self, person: Person, exchange: int, sats: int | None = None) -> float:
        """Sell the person's coins (all by default); returns the tenge to withdraw."""
        exchange = self.custodian(person, exchange)
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        sats = person.holdings if sats is None else min(sats, person.holdings)
        cost = self.cost_kzt.get(person.id, 0.0)
        basis = cost * sats / person.holdings if person.holdings else 0.0
        self.cost_kzt[person.id] = cost - basis
        person.holdings -= sats
        proceeds = round(sats / SATS_PER_BTC * world.market.btc_kzt(t) * TIYN_PER_KZT)
        fee = round(proceeds * self.config.fee)
        account = f"exchange:{exchange}"
        ledger.post(t, f"{account}:custody", "world_market", sats, "BTC", person.id)
        ledger.post(t, "world_market", f"{account}:client_money", proceeds, "KZT", person.id)
        ledger.post(t, f"{account}:client_money", f"{account}:fees", fee, "KZT", person.id)
        self.fee_income[exchange] = self.fee_income.get(exchange, 0.0) + fee
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
        net = (proceeds - fee) / TIYN_PER_KZT
        return net - world.regulator.tax_gain(person.id, exchange, net - basis)

    def withdraw(self, person: Person, exchange: int, amount_kzt: float) -> None:
        exchange = self.custodian(person, exchange)
        world, t = self.world, self.world.env.now
        world.ledger.pay_kzt(
            t, f"exchange:{exchange}:client_money", "households", amount_kzt, person.id
        )
        world.emit(Withdrawal(t, person.id, exchange, amount_kzt))
        world.aml.screen(person, exchange, "withdrawal", amount_kzt)

    def send_crypto(self, person: Person, exchange: int, destination: str) -> int:
        """Send all the person's coins out: `self_hosted`, `offshore` or `exchange:N`."""
        exchange = self.custodian(person, exchange)
        world, t = self.world, self.world.env.now
        sats, person.holdings = person.holdings, 0
        self.cost_kzt.pop(person.id, None)
        target = f"{destination}:custody" if destination.startswith("exchange:") else destination
        world.ledger.post(t, f"exchange:{exchange}:custody", target, sats, "BTC", person.id)
        value = sats / SATS_PER_BTC * world.market.btc_kzt(t)
        world.emit(CryptoTransfer(t, person.id, exchange, destination, value, sats, person.case))
        world.aml.screen(person, exchange, destination.split(":")[0], value)
        return sats

    def receive_crypto(self, person: Person, exchange: int, sats: int, source: str) -> None:
        """Coins arrive in the person's custody account from outside (`offshore`, `exchange:N`)."""
        exchange = self.custodian(person, exchange)
        world, t = self.world, self.world.env.now
        origin = f"{source}:custody" if source.startswith("exchange:") else source
        world.ledger.post(t, origin, f"exchange:{exchange}:custody", sats, "BTC", person.id)
        person.holdings += sats
        value = sats / SATS_PER_BTC * world.market.btc_kzt(t)
        self.cost_kzt[person.id] = self.cost_kzt.get(person.id, 0.0) + value
        world.aml.screen(
            person, exchange, "crypto_in", sats / SATS_PER_BTC * world.market.btc_kzt(t)
        )
