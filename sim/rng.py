"""One root seed, keyed random draws: no global random state, no shared sequential stream.

Every draw is a pure function of (seed, replication, stream name, entity, n): the n-th draw of
that name for that entity (a person, exchange, platform, case, alert or day). Nothing that happens
to one entity shifts another's draws, and a baseline and a reform run on the same seed share them
all (common random numbers): person 417's patience, third top-up and bank route are the same numbers
in every scenario and every run length, whatever else happened before.

* `keyed(name)`: a `Keyed` family of uniforms, `u(entity, n)`, with exponential, lognormal,
  chance and pick helpers, and a vectorised `uniforms(entities)` for bulk filters;
* `generator(name, entity)`: a numpy generator for one entity's vector or discrete draws
  (binomial, Poisson) — costlier, meant for once-a-day draws;
* `numpy(name)`: a generator for a whole-run path drawn once at the start (BTC prices by day).

The uniforms come from splitmix64 (Steele, Lea and Flood 2014) applied to the key, entity and n.
"""

from __future__ import annotations

import math
import zlib
from statistics import NormalDist

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_STEP = 0xD1B54A32D192ED03
"""Odd constants: an entity's number and its event's number are spread apart by these before the
mix, so (entity, n) and (entity', n') meet only if (e - e') x GOLDEN = (n' - n) x STEP mod 2^64."""
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_TO_UNIT = 2.0**-53
_INV_CDF = NormalDist().inv_cdf


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


class Keyed:
    """Uniforms in (0, 1) keyed by (entity, n): the same number whatever else was drawn."""

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key & _MASK

    def u(self, entity: int, n: int = 0) -> float:
        """The n-th uniform of this entity: splitmix64's output mix of the key, the entity and n."""
        z = (self.key + entity * _GOLDEN + n * _STEP) & _MASK
        z = ((z ^ (z >> 30)) * _M1) & _MASK
        z = ((z ^ (z >> 27)) * _M2) & _MASK
        return (((z ^ (z >> 31)) >> 11) + 0.5) * _TO_UNIT

    __getitem__ = u

    def uniforms(self, entities: np.ndarray) -> np.ndarray:
        """`u(e)` for many entities at once (n = 0), bit for bit the same numbers."""
        z = entities.astype(np.uint64) * np.uint64(_GOLDEN) + np.uint64(self.key)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
        z ^= z >> np.uint64(31)
        return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT

    def exponential(self, entity: int, mean: float, n: int = 0) -> float:
        """Exponential draw with the given mean (inf when the mean is inf, 0 when it is 0)."""
        if mean == 0.0 or mean == math.inf:
            return mean
        return -mean * math.log(self.u(entity, n))

    def lognormal(self, entity: int, median: float, sigma: float, n: int = 0) -> float:
        """Lognormal draw with the given median and log-scale sigma."""
        return median * math.exp(sigma * _INV_CDF(self.u(entity, n)))

    def chance(self, entity: int, probability: float, n: int = 0) -> bool:
        """u(entity, n) < probability. A uniform lies strictly inside (0, 1), so a probability of
        0 or 1 decides without drawing (a pure function of its key: skipping it changes nothing)."""
        if probability <= 0.0:
            return False
        if probability >= 1.0:
            return True
        return self.u(entity, n) < probability

    def pick(self, entity: int, count: int, n: int = 0) -> int:
        """An index in range(count), uniformly."""
        return min(count - 1, int(self.u(entity, n) * count))


class Streams:
    """The keyed draws of one replication of one seed."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.replication = replication
        self._keyed: dict[str, Keyed] = {}

    def _sequence(self, name: str, *entity: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, _key(name), *entity))

    def keyed(self, name: str) -> Keyed:
        """The family of keyed uniforms with this name."""
        family = self._keyed.get(name)
        if family is None:
            state = self._sequence(f"keyed:{name}").generate_state(1, np.uint64)
            family = self._keyed[name] = Keyed(int(state[0]))
        return family

    per_person = keyed
    """Per-person attributes are keyed draws with the person as the entity."""

    def generator(self, name: str, entity: int) -> np.random.Generator:
        """A numpy generator for one entity (a day, a case) of this name."""
        return np.random.default_rng(self._sequence(name, entity & _MASK))

    def numpy(self, name: str) -> np.random.Generator:
        """A numpy generator for a whole-run path drawn once at the start (prices by day)."""
        return np.random.default_rng(self._sequence(name))
