"""One root seed, keyed random draws: no global random state, no shared sequential stream.

Every draw is a pure function of (seed, replication, stream name, entity, n): the n-th draw of
that name for that entity (a person, exchange, platform, case, alert or day). Nothing that happens
to one entity shifts another's draws, and a baseline and a reform run on the same seed share them
all (common random numbers): person 417's patience, third top-up and bank route are the same numbers
in every scenario and every run length, whatever else happened before.

* `keyed(name)`: a `Keyed` family of uniforms, `u(entity, n)`, with exponential, lognormal,
  chance and pick helpers, and a vectorised `uniforms(entities)` for bulk filters;
* `per_person(name)`: the same draws, made a block of people at a time (`Column`);
* `generator(name, entity)`: a numpy generator for one entity's vector or discrete draws
  (binomial, Poisson) — costlier, meant for once-a-day draws;
* `numpy(name)`: a generator for a whole-run path drawn once at the start (BTC prices by day).

The uniforms come from splitmix64 (Steele, Lea and Flood 2014) applied to the key, entity and n.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
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
_INF, _log = math.inf, math.log  # module globals: read once per call, not looked up in `math`
_U64_GOLDEN, _U64_STEP, _U64_M1, _U64_M2 = (np.uint64(c) for c in (_GOLDEN, _STEP, _M1, _M2))
_U64_30, _U64_27, _U64_31, _U64_11 = (np.uint64(c) for c in (30, 27, 31, 11))


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

    def uniforms(self, entities: np.ndarray, ns: np.ndarray | None = None) -> np.ndarray:
        """`u(e, n)` for many (entity, n) at once (n = 0 if not given), bit for bit the same
        numbers (uint64 arithmetic wraps modulo 2^64, as the scalar's mask does). In place:
        the arrays are small and many, so allocations weigh."""
        z = entities.astype(np.uint64)
        z *= _U64_GOLDEN
        z += np.uint64(self.key)
        if ns is not None:
            z += ns.astype(np.uint64) * _U64_STEP
        z ^= z >> _U64_30
        z *= _U64_M1
        z ^= z >> _U64_27
        z *= _U64_M2
        z ^= z >> _U64_31
        z >>= _U64_11
        u = z.astype(np.float64)
        u += 0.5
        u *= _TO_UNIT
        return u

    def exponentials(self, entities: np.ndarray, mean: float | np.ndarray) -> np.ndarray:
        """`exponential(e, mean)` for many entities at once (n = 0; a mean each, or one for
        all), bit for bit the same numbers."""
        means = np.broadcast_to(np.asarray(mean, np.float64), entities.shape)
        drawn = -means * exact(math.log, self.uniforms(entities))
        return np.where((means > 0.0) & (means < _INF), drawn, means)

    def lognormals(self, entities: np.ndarray, median: float, sigma: float) -> np.ndarray:
        """`lognormal(e, median, sigma)` for many entities at once (n = 0), bit for bit."""
        return median * exact(math.exp, sigma * normal_quantiles(self.uniforms(entities)))

    def exponential(self, entity: int, mean: float, n: int = 0) -> float:
        """Exponential draw with the given mean (inf when the mean is inf, 0 when it is 0)."""
        if 0.0 < mean < _INF:
            return -mean * _log(self.u(entity, n))
        return mean

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


BLOCK = 2048
"""Entities per block of a `Column`."""
KEPT_BLOCKS = 4
"""Blocks a `Column` keeps: the latest ones (people asked about near their arrival)."""


class Column(Keyed):
    """A keyed family read as one draw per entity, mostly in entity order: a person's attribute
    asked when they arrive, people being numbered as they come. Its first draws (n = 0) are made
    in arrays a block of entities at a time, with the normal quantiles its lognormals need: the
    same numbers as `Keyed`, bit for bit, in about half the time each (0.3-0.7 µs instead of
    0.9-1.4 on the development machine). A block is kept as an array, read one draw at a time
    with `item`: as a list of Python floats it cost more to make and free than its reads saved
    (a baseline year makes about 800 blocks of 2,048, and reads about 70,000 draws one by one).
    Only the latest blocks are kept; an entity before them, or from another numbering (a
    laundering case's recruit), is drawn as `Keyed` draws it."""

    __slots__ = ("_oldest", "_u", "_z")

    def __init__(self, key: int) -> None:
        super().__init__(key)
        self._u: dict[int, np.ndarray] = {}
        self._z: dict[int, np.ndarray] = {}
        """The normal quantiles of a block's uniforms."""
        self._oldest = 0

    def _block(self, entity: int) -> np.ndarray | None:
        """The uniforms of the entity's block, made now if it is not before the kept blocks nor
        more than `KEPT_BLOCKS` past the oldest of them; None if it is."""
        number = entity // BLOCK
        block = self._u.get(number)
        if block is None and self._oldest <= number <= self._oldest + KEPT_BLOCKS:
            start = number * BLOCK
            block = self._u[number] = self.uniforms(np.arange(start, start + BLOCK))
            while len(self._u) > KEPT_BLOCKS:
                self._oldest = min(self._u)
                del self._u[self._oldest]
                self._z.pop(self._oldest, None)
            self._oldest = min(self._u)
        return block

    def u(self, entity: int, n: int = 0) -> float:
        if n == 0:
            block = self._u.get(entity // BLOCK)
            if block is None:
                block = self._block(entity)  # None if not kept: drawn as `Keyed` draws it
            if block is not None:
                u: float = block.item(entity % BLOCK)
                return u
        return Keyed.u(self, entity, n)

    __getitem__ = u

    def _quantiles(self, number: int) -> np.ndarray | None:
        """The normal quantiles of block `number`'s uniforms, made once for both the draws in
        arrays and one at a time (None if the block is not kept: `_block`)."""
        quantiles = self._z.get(number)
        if quantiles is None and (block := self._block(number * BLOCK)) is not None:
            quantiles = self._z[number] = normal_quantiles(block)
        return quantiles

    def lognormal(self, entity: int, median: float, sigma: float, n: int = 0) -> float:
        if n == 0:
            number = entity // BLOCK
            quantiles = self._z.get(number)
            if quantiles is None:
                quantiles = self._quantiles(number)
            if quantiles is not None:
                return median * math.exp(sigma * quantiles.item(entity % BLOCK))
        return Keyed.lognormal(self, entity, median, sigma, n)

    def lognormals(self, entities: np.ndarray, median: float, sigma: float) -> np.ndarray:
        """`Keyed.lognormals`, from the kept blocks' quantiles when the entities all lie in
        them (a day's arrivals)."""
        if not len(entities) or entities.min() < 0:
            return Keyed.lognormals(self, entities, median, sigma)
        first, last = int(entities.min()) // BLOCK, int(entities.max()) // BLOCK
        if last - first >= KEPT_BLOCKS:
            return Keyed.lognormals(self, entities, median, sigma)
        blocks = []
        for number in range(first, last + 1):
            block = self._quantiles(number)
            if block is None:
                return Keyed.lognormals(self, entities, median, sigma)
            blocks.append(block)
        z = np.concatenate(blocks)[entities - first * BLOCK]
        return median * exact(math.exp, sigma * z)


class Streams:
    """The keyed draws of one replication of one seed."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.replication = replication
        self._keyed: dict[str, Keyed] = {}
        self._columns: dict[str, Column] = {}

    def _sequence(self, name: str, *entity: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, _key(name), *entity))

    def keyed(self, name: str) -> Keyed:
        """The family of keyed uniforms with this name."""
        family = self._keyed.get(name)
        if family is None:
            state = self._sequence(f"keyed:{name}").generate_state(1, np.uint64)
            family = self._keyed[name] = Keyed(int(state[0]))
        return family

    def per_person(self, name: str) -> Column:
        """A person's attribute: keyed draws with the person as the entity, made a block of
        people at a time (`Column`): the same numbers as `keyed(name)`."""
        family = self._columns.get(name)
        if family is None:
            family = self._columns[name] = Column(self.keyed(name).key)
        return family

    def generator(self, name: str, entity: int) -> np.random.Generator:
        """A numpy generator for one entity (a day, a case) of this name."""
        return np.random.default_rng(self._sequence(name, entity & _MASK))

    def numpy(self, name: str) -> np.random.Generator:
        """A numpy generator for a whole-run path drawn once at the start (prices by day)."""
        return np.random.default_rng(self._sequence(name))


_CENTRAL = (
    (2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
     4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
     1.3314166789178437745e2, 3.3871328727963666080e0),
    (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
     2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
     4.2313330701600911252e1, 1.0),
)  # fmt: skip
_NEAR = (
    (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
     1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
     4.63033784615654529590e0, 1.42343711074968357734e0),
    (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
     1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
     2.05319162663775882187e0, 1.0),
)  # fmt: skip
_TAIL = (
    (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
     2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
     5.46378491116411436990e0, 6.65790464350110377720e0),
    (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
     7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
     5.99832206555887937690e-1, 1.0),
)  # fmt: skip


def exact(function: Callable[[float], float], values: np.ndarray) -> np.ndarray:
    """`function` (`math.exp`, `math.log`) of each value, as Python computes it one at a time.

    numpy's own exp and log take other routes on processors with AVX-512 and may then differ from
    the C library's in the last bit. A batched path must give the numbers the keyed draws and the
    event-by-event path give, bit for bit, on every machine; the C library's cost here is small
    (about 40 ns a value)."""
    flat = values.ravel().tolist()
    return np.fromiter(map(function, flat), np.float64, len(flat)).reshape(values.shape)


def _horner(coefficients: tuple[float, ...], r: np.ndarray) -> np.ndarray:
    value = coefficients[0] * r + coefficients[1]
    for c in coefficients[2:]:
        value = value * r + c
    return value


def normal_quantiles(u: np.ndarray) -> np.ndarray:
    """The standard normal's inverse CDF of each uniform: Wichura's AS241, with the operations
    in the order of Python's `statistics.NormalDist().inv_cdf` and its logarithm (`exact`), so
    the same numbers bit for bit."""
    q = u - 0.5
    out = np.empty_like(u)
    central = np.abs(q) <= 0.425
    qc = q[central]
    r = 0.180625 - qc * qc
    out[central] = (_horner(_CENTRAL[0], r) * qc) / _horner(_CENTRAL[1], r)
    tails = ~central
    qt = q[tails]
    r = np.sqrt(-exact(math.log, np.where(qt <= 0.0, u[tails], 1.0 - u[tails])))
    near = r <= 5.0
    x = np.empty_like(r)
    rn = r[near] - 1.6
    x[near] = _horner(_NEAR[0], rn) / _horner(_NEAR[1], rn)
    if not near.all():  # the far tail (below about 1e-11) all but never: its calls skipped
        rf = r[~near] - 5.0
        x[~near] = _horner(_TAIL[0], rf) / _horner(_TAIL[1], rf)
    out[tails] = np.where(qt < 0.0, -x, x)
    return out
