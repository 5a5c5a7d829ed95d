"""Builds the world from a scenario and wires its components; starts the arrival process."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.calendar import Calendar
from sim.components.bank import BankRail
from sim.components.channel import ChannelChoice
from sim.components.exchange import Exchanges
from sim.components.journey import Journeys
from sim.components.kyc import KycGate
from sim.components.market import Market
from sim.components.population import Population
from sim.components.unlicensed import UnlicensedChannel
from sim.ledger import Ledger
from sim.records import Posted, Record
from sim.rng import Streams
from sim.scenario import Scenario


class World:
    """Everything one replication needs: the SimPy environment, streams, ledger and components."""

    def __init__(
        self,
        scenario: Scenario,
        streams: Streams,
        emit: Callable[[Record], None],
        trace_postings: bool = False,
    ) -> None:
        self.scenario = scenario
        self.streams = streams
        self.emit = emit
        self.env = simpy.Environment()
        self.calendar = Calendar(scenario.run.start_date)
        on_posting: Callable[[Posted], None] | None = emit if trace_postings else None
        self.ledger = Ledger(on_posting)
        self.market = Market(scenario.market, scenario.run.days, streams.numpy("market"))
        self.population = Population(
            scenario.population, streams, scenario.market.usd_kzt, scenario.run.start_date
        )
        self.banks = BankRail(self)
        self.exchanges = Exchanges(self)
        self.unlicensed = UnlicensedChannel(self)
        self.kyc = KycGate(self)
        self.channel = ChannelChoice(self)
        self.journeys = Journeys(self)
        self.env.process(self._arrivals())

    def _arrivals(self) -> Generator[Any, Any, None]:
        c = self.scenario.population
        rate_per_hour = c.arrivals_per_day / c.scale_factor / 24
        if rate_per_hour <= 0:
            return
        env, rng, journeys, population = (
            self.env,
            self.streams.stream("arrivals"),
            self.journeys,
            self.population,
        )
        mean_gap = 1.0 / rate_per_hour
        while True:
            yield env.timeout(rng.expovariate(1.0) * mean_gap)
            env.process(journeys.run(population.arrive(env.now)))
