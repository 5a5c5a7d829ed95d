"""One root seed, named child streams: no global random state anywhere in the engine.

Every stream is keyed by (seed, replication, name), so adding a draw to one component never shifts
another's, and a baseline and a reform run with the same seed share their streams (common random
numbers). Two kinds of stream:

* `stream(name)`: a private `random.Random` for a component's sequential draws (top-ups);
* `per_person(name)`: an indexed column of uniforms, one per person, so that person 17's
  patience or review time is the same number in every scenario run on the same seed, whatever
  else happened before.
"""

from __future__ import annotations

import math
import random
import zlib
from array import array
from statistics import NormalDist

import numpy as np

_CHUNK = 8192
_STD_NORMAL = NormalDist()


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


class PersonColumn:
    """Uniforms in (0, 1) indexed by person id, generated lazily in vectorised chunks."""

    __slots__ = ("_generator", "_values")

    def __init__(self, generator: np.random.Generator) -> None:
        self._generator = generator
        self._values = array("d")

    def __getitem__(self, index: int) -> float:
        try:
            return self._values[index]
        except IndexError:
            while index >= len(self._values):
                # 1 - U lies in (0, 1], so inverse transforms never see 0.
                self._values.frombytes((1.0 - self._generator.random(_CHUNK)).tobytes())
            return self._values[index]

    def exponential(self, index: int, mean: float) -> float:
        """Exponential draw with the given mean (inf when the mean is inf, 0 when it is 0)."""
        if mean == 0.0 or mean == math.inf:
            return mean
        return mean * -math.log(self[index])

    def lognormal(self, index: int, median: float, sigma: float) -> float:
        """Lognormal draw with the given median and log-scale sigma."""
        u = min(self[index], 1.0 - 1e-12)
        return median * math.exp(sigma * _STD_NORMAL.inv_cdf(u))

    def chance(self, index: int, probability: float) -> bool:
        return self[index] < probability


_GOLDEN = 0.6180339887498949


def nth_uniform(u: float, n: int) -> float:
    """The n-th uniform of an entity whose own uniform is u: a Weyl sequence, keyed to the entity
    and the event's number, so one person's n-th event draws the same number in every scenario."""
    return (u + n * _GOLDEN) % 1.0


class Streams:
    """The named random streams of one replication of one seed."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.replication = replication
        self._columns: dict[str, PersonColumn] = {}

    def _sequence(self, name: str) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication, _key(name)))

    def stream(self, name: str) -> random.Random:
        """A fresh generator for a component's own sequential draws."""
        state = self._sequence(name).generate_state(4, np.uint64)
        return random.Random(int.from_bytes(state.tobytes(), "little"))

    def numpy(self, name: str) -> np.random.Generator:
        """A numpy generator for vectorised draws (population attributes, price paths)."""
        return np.random.default_rng(self._sequence(name))

    def per_person(self, name: str) -> PersonColumn:
        """The column of per-person uniforms with this name (created on first use)."""
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = PersonColumn(self.numpy(f"person:{name}"))
        return column
