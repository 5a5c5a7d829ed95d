"""Unlicensed channels: offshore platforms and P2P. No KYC; tenge leaves the country; fraud; and
enforcement that shuts platforms, costing their users part of their holdings."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.components.population import Person
from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import Loss, PlatformShut, Purchase, Sale

if TYPE_CHECKING:
    from sim.world import World

HOURS_PER_YEAR = 8760.0


class UnlicensedChannel:
    """A fixed number of platform slots; a shut platform's slot reopens under a new id later."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = c = world.scenario.unlicensed
        self.target = c.platforms
        self.rng = world.streams.stream("unlicensed")
        self._enforcement = world.streams.stream("enforcement")
        self.active: list[int] = list(range(c.platforms))
        self.next_id = c.platforms
        self.users: dict[int, set[Person]] = {p: set() for p in self.active}
        self._names: dict[int, tuple[str, str]] = {}
        world.env.process(self._enforce())

    def configure(self) -> None:
        """A dated rule may change the number of platforms: open new slots or let them lapse."""
        self.config = c = self.world.scenario.unlicensed
        while len(self.active) < c.platforms:
            self._open()
        self.target = c.platforms

    def _open(self) -> None:
        platform, self.next_id = self.next_id, self.next_id + 1
        self.active.append(platform)
        self.users[platform] = set()

    def _accounts(self, platform: int) -> tuple[str, str]:
        """The platform's ledger accounts (fees, custody), named once."""
        names = self._names.get(platform)
        if names is None:
            names = self._names[platform] = (
                f"unlicensed:{platform}:fees",
                f"unlicensed:{platform}:custody",
            )
        return names

    @property
    def available(self) -> bool:
        return bool(self.active)

    @property
    def annual_shutdown_risk(self) -> float:
        c = self.config
        return min(1.0, c.shutdowns_per_year / c.platforms) if c.platforms else 0.0

    def buy(self, person: Person, amount_kzt: float, premium: float) -> None:
        """Buy through the person's platform (picking one first if needed)."""
        world, ledger, c, t = self.world, self.world.ledger, self.config, self.world.env.now
        if not self.active:
            return
        if person.platform not in self.users:
            person.platform = self.active[int(self.rng.random() * len(self.active))]
            self.users[person.platform].add(person)
        platform = person.platform
        amount = round(amount_kzt * TIYN_PER_KZT)
        if self.rng.random() < c.fraud_prob:
            ledger.post(t, "households", "fraudsters", amount, "KZT", person.id)
            world.emit(Loss(t, person.id, platform, amount_kzt, "fraud"))
            return
        fee = round(amount * (c.fee + premium))
        outflow = round((amount - fee) * c.outflow_share)
        fees, custody = self._accounts(platform)
        ledger.post(t, "households", fees, fee, "KZT", person.id)
        ledger.post(t, "households", "abroad", outflow, "KZT", person.id)
        ledger.post(t, "households", "domestic_p2p", amount - fee - outflow, "KZT", person.id)
        sats = int((amount - fee) / TIYN_PER_KZT / world.market.btc_kzt(t) * SATS_PER_BTC)
        ledger.post(t, "world_market", custody, sats, "BTC", person.id)
        person.offshore += sats
        world.emit(
            Purchase(
                t,
                person.id,
                "unlicensed",
                platform,
                amount_kzt,
                fee / TIYN_PER_KZT,
                sats,
                outflow / TIYN_PER_KZT,
            )
        )

    def sell_all(self, person: Person) -> None:
        """Sell on the platform; tenge comes back through P2P."""
        world, ledger, t = self.world, self.world.ledger, self.world.env.now
        if person.platform not in self.users or person.offshore == 0:
            return
        sats, person.offshore = person.offshore, 0
        account = f"unlicensed:{person.platform}"
        proceeds = round(sats / SATS_PER_BTC * world.market.btc_kzt(t) * TIYN_PER_KZT)
        fee = round(proceeds * self.config.fee)
        ledger.post(t, f"{account}:custody", "world_market", sats, "BTC", person.id)
        ledger.post(t, "abroad", f"{account}:fees", fee, "KZT", person.id)
        ledger.post(t, "abroad", "households", proceeds - fee, "KZT", person.id)
        world.emit(
            Sale(
                t,
                person.id,
                "unlicensed",
                person.platform,
                proceeds / TIYN_PER_KZT,
                fee / TIYN_PER_KZT,
                sats,
            )
        )

    def _enforce(self) -> Generator[Any, Any, None]:
        env = self.world.env
        while True:
            rate = self.config.shutdowns_per_year / HOURS_PER_YEAR
            if rate <= 0:
                yield env.timeout(30 * 24.0)  # look again later: a dated rule may start enforcement
                continue
            yield env.timeout(self._enforcement.expovariate(rate))
            if self.active:
                victim = self.active.pop(int(self._enforcement.random() * len(self.active)))
                self._shut(victim)
                env.process(self._replace())

    def _shut(self, platform: int) -> None:
        world, ledger, t, c = self.world, self.world.ledger, self.world.env.now, self.config
        users = self.users.pop(platform)
        price = world.market.btc_kzt(t)
        reason = f"{self.world.why('unlicensed.shutdowns_per_year')}: enforcement shut it"
        world.emit(PlatformShut(t, platform, len(users), reason))
        account = f"unlicensed:{platform}:custody"
        for person in sorted(users, key=lambda p: p.id):
            lost = int(person.offshore * c.loss_on_shutdown)
            seized = int(lost * c.seized_share)
            world.regulator.seize(
                f"platform {platform}", account, seized, seized / SATS_PER_BTC * price
            )
            ledger.post(t, account, "fraudsters", lost - seized, "BTC", person.id)
            ledger.post(t, account, "self_custody", person.offshore - lost, "BTC", person.id)
            person.offshore, person.platform = 0, -1
            if lost:
                world.emit(Loss(t, person.id, platform, lost / SATS_PER_BTC * price, "shutdown"))

    def _replace(self) -> Generator[Any, Any, None]:
        yield self.world.env.timeout(self.config.replacement_time)
        if len(self.active) < self.target:
            self._open()
