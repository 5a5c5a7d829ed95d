"""The yardstick of the speed benchmarks: a bare, textbook SimPy M/M/c queue.

Every speed target of the engine is a ratio to this, measured in the same process on the same
machine, so the figures hold on a slow laptop and a fast server alike. Times are CPU seconds of
the process (`time.process_time`), so a machine shared with other work still gives fair ratios.
"""

from __future__ import annotations

import random
import time

import simpy

CUSTOMERS = 100_000
"""Customers in the reference run (issue 12: 'a bare SimPy M/M/c with 100,000 customers')."""


def bare_mmc(
    customers: int = CUSTOMERS,
    lam: float = 3.0,
    mean_service: float = 1.0,
    servers: int = 4,
    seed: int = 1,
) -> float:
    """Serve `customers` Poisson arrivals (rate `lam`) with `servers` exponential servers; return
    the mean wait in queue."""
    env = simpy.Environment()
    team = simpy.Resource(env, servers)
    rng = random.Random(seed)
    waits: list[float] = []

    def customer() -> simpy.events.ProcessGenerator:
        arrived = env.now
        with team.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1 / mean_service))

    def source() -> simpy.events.ProcessGenerator:
        for _ in range(customers):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer())

    env.process(source())
    env.run()
    return sum(waits) / len(waits)


def bare_mmc_seconds(repeat: int = 3) -> float:
    """Best CPU time of `repeat` reference runs (100,000 customers, rho = 0.75)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        bare_mmc()
        best = min(best, time.process_time() - started)
    return best
