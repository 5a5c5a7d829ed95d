"""Unlicensed channels: offshore platforms and P2P desks of very different sizes. No KYC; tenge
leaves the country; fraud; and enforcement that shuts one platform at a time, seizing part of its
users' holdings.

The market has `platforms` slots ranked by size: the platform in rank r draws new users in
proportion to r^-size_exponent (Zipf: a few large exchanges, a long tail of small desks). A shutdown
picks one platform, every platform equally likely (so mostly small ones, as the published
enforcement figures show); it takes that platform's users and nothing else. A successor (a mirror
site, a new desk) takes the slot at once, small, and reaches its predecessor's size after
`replacement_time`, so enforcement never empties the market as a side effect.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.components.population import HOURS_PER_YEAR, PeopleTable, Person
from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.records import Loss, PlatformShut, Purchase, Sale, UnlicensedBatch

if TYPE_CHECKING:
    from sim.world import World

SUCCESSOR_START = 0.1
"""Share of its rank's weight a successor draws until `replacement_time` has passed (ASSUMPTION)."""


class UnlicensedChannel:
    """Platforms in size-ranked slots; a shut platform's slot passes to a successor at once."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = world.scenario.unlicensed
        keyed = world.streams.keyed
        self._pick = keyed("platform_pick")
        self._fraud = keyed("fraud")
        self._shutdown_gap = keyed("shutdown_gap")
        self._victim = keyed("shutdown_victim")
        self.shutdowns = 0
        """Shutdowns so far (the n of the keyed draws of the next one)."""
        self.slots: list[int] = []
        """Platform id in each slot (slot 0 is the largest rank)."""
        self.grown: list[bool] = []
        """Whether the slot's platform has reached its rank's size."""
        self.slot_of: dict[int, int] = {}
        self._names: dict[int, tuple[str, str]] = {}
        self._every: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        """The accounts of platform ids 0, 1, …: `_all_accounts`."""
        self._cumulative: list[float] | None = None
        self._ids = itertools.count()
        self.configure()
        world.env.process(self._enforce())

    def configure(self) -> None:
        """A dated rule may change the number of platforms or their size spread."""
        self.config = c = self.world.scenario.unlicensed
        while len(self.slots) < c.platforms:
            self._fill(len(self.slots), grown=True)
            self.grown.append(True)
        del self.slots[c.platforms :], self.grown[c.platforms :]
        self.slot_of = {p: s for s, p in enumerate(self.slots)}
        self._cumulative = None

    def _fill(self, slot: int, grown: bool) -> int:
        platform = next(self._ids)
        if slot < len(self.slots):
            self.slots[slot], self.grown[slot] = platform, grown
        else:
            self.slots.append(platform)
        self.slot_of[platform] = slot
        self._cumulative = None
        return platform

    def _all_accounts(self, platforms: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The ledger accounts (fees, custody) of platform ids 0, 1, … up to `platforms` at
        least (the same tuples until a higher id comes: `Ledger.post_many` sums by them)."""
        fees, custody = self._every
        if len(fees) < platforms:
            ids = range(max(platforms, 2 * len(fees)))
            fees, custody = zip(*map(self._accounts, ids), strict=True)
            self._every = fees, custody
        return fees, custody

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
    def active(self) -> list[int]:
        return list(self.slots)

    @property
    def available(self) -> bool:
        return bool(self.slots)

    @property
    def annual_shutdown_risk(self) -> float:
        """Chance a year that the platform a person uses is shut."""
        c = self.config
        return min(1.0, c.shutdowns_per_year / c.platforms) if c.platforms else 0.0

    def share(self, slot: int) -> float:
        """The share of new users the platform in this slot draws now."""
        cumulative = self._weights()
        previous = cumulative[slot - 1] if slot else 0.0
        return (cumulative[slot] - previous) / cumulative[-1]

    def _weights(self) -> list[float]:
        if self._cumulative is None:
            exponent = self.config.size_exponent
            weights = (
                (rank + 1) ** -exponent * (1.0 if grown else SUCCESSOR_START)
                for rank, grown in enumerate(self.grown)
            )
            self._cumulative = list(itertools.accumulate(weights))
        return self._cumulative

    def _attach(self, person: Person) -> int:
        """The person joins a platform, chosen in proportion to the platforms' sizes with their
        own k-th pick (`_attach_many` for many people at once, with the same draws)."""
        cumulative, table, row = self._weights(), person.table, person.row
        u = self._pick.u(person.id, table.picks.item(row))
        table.picks[row] += 1
        slot = min(bisect.bisect_right(cumulative, u * cumulative[-1]), len(cumulative) - 1)
        person.platform = platform = self.slots[slot]
        return platform

    def _attach_many(self, rows: np.ndarray, pids: np.ndarray) -> np.ndarray:
        """`_attach` for many people (distinct rows); the platforms they joined."""
        table, cumulative = self.world.population.table, self._weights()
        u = self._pick.uniforms(pids, table.picks[rows])
        table.picks[rows] += 1
        slot = np.searchsorted(cumulative, u * cumulative[-1], side="right")  # as bisect_right
        platforms = np.array(self.slots)[np.minimum(slot, len(cumulative) - 1)]
        table.platform[rows] = platforms
        return platforms

    def buy(
        self, person: Person, amount_kzt: float, premium: float, n: int, t: float | None = None
    ) -> None:
        """The person's n-th purchase, through their platform (joining one first if needed), at
        hour t (default now)."""
        world, c = self.world, self.config
        t = world.env.now if t is None else t
        if not self.slots:
            return
        platform = person.platform if person.platform in self.slot_of else self._attach(person)
        amount = round(amount_kzt * TIYN_PER_KZT)
        if self._fraud.chance(person.id, c.fraud_prob, n):
            self._post(t, person.id, platform, amount, 0, 0, 0, True)
            world.emit(Loss(t, person.id, platform, amount_kzt, "fraud"))
            return
        fee = round(amount * (c.fee + premium))
        outflow = min(amount - fee, round((amount - fee) * c.outflow_share))  # never > paid
        sats = int((amount - fee) / TIYN_PER_KZT / world.market.btc_kzt(t) * SATS_PER_BTC)
        self._post(t, person.id, platform, amount, fee, outflow, sats, False)
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

    def buy_many(
        self,
        rows: np.ndarray,
        pids: np.ndarray,
        ns: np.ndarray,
        times: np.ndarray,
        amounts_kzt: np.ndarray,
        premiums: np.ndarray,
    ) -> None:
        """Many purchases at once (each person's in time order; `rows` their rows in the
        people table, `pids` their ids): what `buy` does for each, bit for bit (the arithmetic
        and the people's platforms and coins in arrays, the records one by one, the ledger
        postings summed per account). Valid only while nothing changes the platforms, the
        rules or the prices in between (`World.settle`): then a person's platform is the same
        at all their purchases, and joining one at the first."""
        world, c, ledger = self.world, self.config, self.world.ledger
        if not self.slots or not len(rows):
            return
        stolen = self._fraud.uniforms(pids, ns) < c.fraud_prob
        amount = np.rint(amounts_kzt * TIYN_PER_KZT)
        fee = np.rint(amount * (c.fee + premiums))
        net = amount - fee
        outflow = np.minimum(net, np.rint(net * c.outflow_share))
        prices = np.asarray(world.market.btc_usd)[
            np.minimum(times // 24, len(world.market.btc_usd) - 1).astype(np.int64)
        ]
        sats = np.trunc(net / TIYN_PER_KZT / (prices * world.market.usd_kzt) * SATS_PER_BTC)
        table, detail = world.population.table, world.detail
        venues = table.platform[rows]
        joining = ~self._open(venues)  # newcomers, and the users of a platform since shut
        if joining.any():  # each joins one at their first purchase here
            newcomers, first = np.unique(rows[joining], return_index=True)
            self._attach_many(newcomers, pids[joining][first])
            venues = table.platform[rows]
        kept = ~stolen
        coins = sats.astype(np.int64)
        np.add.at(table.offshore, rows[kept], coins[kept])
        world.emit(
            UnlicensedBatch(
                float(times.max()),
                int(kept.sum()),
                float(amounts_kzt[kept].sum()),
                float(outflow[kept].sum() / TIYN_PER_KZT),
                float(amounts_kzt[stolen].sum()),
            )
        )
        if detail is not None:  # the same top-ups one by one, for the record
            for pid, platform, t, kzt, paid, out, sat, lost in zip(
                pids.tolist(),
                venues.tolist(),
                times.tolist(),
                amounts_kzt.tolist(),
                (fee / TIYN_PER_KZT).tolist(),
                (outflow / TIYN_PER_KZT).tolist(),
                coins.tolist(),
                stolen.tolist(),
                strict=True,
            ):
                if lost:
                    detail(Loss(t, pid, platform, kzt, "fraud"))
                else:
                    detail(Purchase(t, pid, "unlicensed", platform, kzt, paid, sat, out))
        if ledger.traced:  # every posting is a record: post each as `buy` does
            self._post_each(pids, venues, times, amount, fee, outflow, sats, stolen)
            return
        # the ledger: each account's sum of what `buy` would have posted one by one
        t = float(times.max())
        ledger.post(t, "households", "fraudsters", int(amount[stolen].sum()), "KZT")
        ledger.post(t, "households", "abroad", int(outflow[kept].sum()), "KZT")
        ledger.post(t, "households", "domestic_p2p", int((net - outflow)[kept].sum()), "KZT")
        venues = venues[kept]
        if not len(venues):
            return
        fees, custody = self._all_accounts(int(venues.max()) + 1)
        fees_by = np.bincount(venues, fee[kept], len(fees))  # sums of integers below 2^53: exact
        sats_by = np.bincount(venues, sats[kept], len(fees))
        ledger.post_many(t, "households", fees, fees_by.astype(np.int64), "KZT")
        ledger.post_many(t, "world_market", custody, sats_by.astype(np.int64), "BTC")

    def _post_each(self, *columns: np.ndarray) -> None:
        """The postings of `buy_many`'s purchases one by one, as `buy` makes them."""
        rows = zip(*(c.tolist() for c in columns), strict=True)
        for pid, platform, t, amount, fee, outflow, sats, lost in rows:
            self._post(t, pid, platform, int(amount), int(fee), int(outflow), int(sats), lost)

    def _open(self, platforms: np.ndarray) -> np.ndarray:
        """Whether each platform id is open now (-1, no platform, is not)."""
        ids = np.fromiter(self.slot_of, np.int64, len(self.slot_of))
        known = np.zeros(max(self.slot_of, default=-1) + 2, bool)  # the last place stays False
        known[ids] = True
        opened: np.ndarray = known[np.minimum(platforms, len(known) - 1)]
        return opened

    def _post(
        self,
        t: float,
        pid: int,
        platform: int,
        amount: int,
        fee: int,
        outflow: int,
        sats: int,
        stolen: bool,
    ) -> None:
        """One purchase's postings (minor units): all to fraudsters if `stolen`, else the fee to
        the platform, the outflow abroad, the rest to domestic P2P, and the coins into custody."""
        post = self.world.ledger.post
        if stolen:
            post(t, "households", "fraudsters", amount, "KZT", pid)
            return
        fees, custody = self._accounts(platform)
        post(t, "households", fees, fee, "KZT", pid)
        post(t, "households", "abroad", outflow, "KZT", pid)
        post(t, "households", "domestic_p2p", amount - fee - outflow, "KZT", pid)
        post(t, "world_market", custody, sats, "BTC", pid)

    def sell_all(self, person: Person, t: float | None = None) -> None:
        """Sell on the platform at hour t (default now); tenge comes back through P2P."""
        self.sell_row(person.table, person.row, person.id, self.world.env.now if t is None else t)

    def sell_row(self, table: PeopleTable, row: int, pid: int, t: float) -> None:
        """`sell_all` for the person with this id and row of the people table (no `Person`
        needed: what they hold at the platform is in the table)."""
        world, ledger = self.world, self.world.ledger
        platform, sats = table.platform.item(row), table.offshore.item(row)
        if platform not in self.slot_of or sats == 0:
            return
        table.offshore[row] = 0
        fees, custody = self._accounts(platform)
        proceeds = round(sats / SATS_PER_BTC * world.market.btc_kzt(t) * TIYN_PER_KZT)
        fee = round(proceeds * self.config.fee)
        ledger.post(t, custody, "world_market", sats, "BTC", pid)
        ledger.post(t, "abroad", fees, fee, "KZT", pid)
        ledger.post(t, "abroad", "households", proceeds - fee, "KZT", pid)
        world.emit(
            Sale(
                t,
                pid,
                "unlicensed",
                platform,
                proceeds / TIYN_PER_KZT,
                fee / TIYN_PER_KZT,
                sats,
            )
        )

    # --- enforcement ----------------------------------------------------------------------------

    def _enforce(self) -> Generator[Any, Any, None]:
        env = self.world.env
        while True:
            rate = self.config.shutdowns_per_year / HOURS_PER_YEAR
            if rate <= 0 or not self.slots:
                yield env.timeout(30 * 24.0)  # look again later: a dated rule may start enforcement
                continue
            s = self.shutdowns  # the s-th shutdown's wait and victim are keyed by s
            self.shutdowns += 1
            yield env.timeout(self._shutdown_gap.exponential(s, 1.0 / rate))
            self.world.settle()
            if self.slots:
                self._succeed(self._victim.pick(s, len(self.slots)))

    def sweep(self, count: int, why: str, rng: np.random.Generator) -> int:
        """Shut `count` distinct platforms at once (an enforcement sweep), every platform equally
        likely; a successor takes each slot at once, as after any shutdown."""
        size = min(count, len(self.slots))
        chosen = [int(slot) for slot in rng.choice(len(self.slots), size=size, replace=False)]
        for slot in chosen:
            self._succeed(slot, f"{why}: shut in the sweep")
        return len(chosen)

    def _succeed(self, slot: int, reason: str | None = None) -> None:
        """The slot's platform is shut; a small successor takes the slot and grows into it."""
        self._shut(self.slots[slot], reason)
        self._fill(slot, grown=False)
        self.world.env.process(self._grow(slot, self.slots[slot]))

    def _shut(self, platform: int, reason: str | None = None) -> None:
        """Enforcement shuts the platform: its users lose part of their holdings, the state seizing
        a share of that."""
        world, ledger, t, c = self.world, self.world.ledger, self.world.env.now, self.config
        del self.slot_of[platform]
        table = world.population.table
        users = table.user_rows(platform)
        price = world.market.btc_kzt(t)
        reason = reason or f"{world.why('unlicensed.shutdowns_per_year')}: enforcement shut it"
        world.emit(PlatformShut(t, platform, len(users), reason))
        account = f"unlicensed:{platform}:custody"
        held = table.offshore[users].tolist()
        for pid, offshore in zip(table.pid[users].tolist(), held, strict=True):
            lost = int(offshore * c.loss_on_shutdown)
            seized = int(lost * c.seized_share)
            world.regulator.seize(
                f"platform {platform}", account, seized, seized / SATS_PER_BTC * price
            )
            ledger.post(t, account, "fraudsters", lost - seized, "BTC", pid)
            ledger.post(t, account, "self_custody", offshore - lost, "BTC", pid)
            if lost:
                world.emit(Loss(t, pid, platform, lost / SATS_PER_BTC * price, "shutdown"))
        table.offshore[users], table.platform[users] = 0, -1

    def _grow(self, slot: int, platform: int) -> Generator[Any, Any, None]:
        """The successor reaches its rank's size after the replacement time."""
        yield self.world.env.timeout(self.config.replacement_time)
        self.world.settle()
        if slot < len(self.slots) and self.slots[slot] == platform:
            self.grown[slot] = True
            self._cumulative = None
