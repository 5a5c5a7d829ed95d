"""Builds the world from a scenario, wires its components, and applies dated rules to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from sim.calendar import Calendar
from sim.clock import Clock
from sim.components.aml import AmlMonitor
from sim.components.arrivals import Arrivals
from sim.components.bank import BankRail
from sim.components.buyers import UnlicensedBuyers
from sim.components.channel import ChannelChoice
from sim.components.exchange import Exchanges
from sim.components.journey import Journeys
from sim.components.kyc import KycGate
from sim.components.laundering import Laundering
from sim.components.market import Market
from sim.components.miners import Miners
from sim.components.payments import PaymentsZone
from sim.components.population import Population
from sim.components.regulator import Regulator
from sim.components.unlicensed import UnlicensedChannel
from sim.fields import FIELD_BY_PATH, display_value, value_at
from sim.ledger import Ledger
from sim.records import Posted, Record
from sim.rng import Streams
from sim.scenario import DatedRule, Scenario


class Component(Protocol):
    def configure(self) -> None:
        """Read the component's scenario section again (after a dated rule)."""


class World:
    """Everything one replication needs: the SimPy environment, streams, ledger and components."""

    def __init__(
        self,
        scenario: Scenario,
        streams: Streams,
        emit: Callable[[Record], None],
        trace_postings: bool = False,
        batched: bool = True,
        detail: Callable[[Record], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.streams = streams
        self.emit = emit
        self.detail = detail
        """Where the booked unlicensed top-ups (`Purchase`, `Loss`, `PaymentBlocked`) and the
        quiet arrivals (`PersonArrived`) go one by one when someone keeps the records; the tally
        counts their sums instead (`UnlicensedBatch`, `ArrivalsBatch`, through `emit`), so its
        totals are the same either way."""
        self.env = Clock()
        self.calendar = Calendar(scenario.run.start_date)
        self.since: dict[str, dt.date] = {}
        """Effective date of every value changed by a dated rule (others: the start date)."""
        self._why: dict[str, str] = {}
        self.set_by: dict[str, str] = {}
        """Who set a value during the run, when someone did (a role-play team and its round)."""
        self.warnings: list[str] = []
        """Things the scenario asked for that could not happen (e.g. a shock on an exchange not
        licensed by its date); they go into the run's record."""
        on_posting: Callable[[Posted], None] | None = emit if trace_postings else None
        self.book: UnlicensedBuyers | None = None
        """Books the unlicensed top-ups in batches (None until built, or event by event)."""
        self.ledger = Ledger(on_posting)
        self.market = Market(scenario.market, scenario.run.days, streams.numpy("market"))
        self.population = Population(self)
        self.banks = BankRail(self)
        self.exchanges = Exchanges(self)
        self.aml = AmlMonitor(self)
        self.unlicensed = UnlicensedChannel(self)
        self.kyc = KycGate(self)
        self.channel = ChannelChoice(self)
        self.journeys = Journeys(self, batched)
        self.book = self.journeys.book
        self.arrivals = Arrivals(self, batched)
        self.regulator = Regulator(self)
        self.laundering = Laundering(self)
        self.miners = Miners(self)
        self.payments = PaymentsZone(self)
        self.components: tuple[Component, ...] = (
            self.population,
            self.banks,
            self.exchanges,
            self.aml,
            self.unlicensed,
            self.kyc,
            self.channel,
            self.regulator,
            self.laundering,
            self.miners,
            self.payments,
        )
        self.arrivals.start()

    def why(self, path: str) -> str:
        """The reason trail's reference to a parameter: its value and since when it holds."""
        text = self._why.get(path)
        if text is None:
            value = display_value(FIELD_BY_PATH[path], value_at(self.scenario, path))
            since = self.since.get(path, self.scenario.run.start_date).isoformat()
            by = self.set_by.get(path)
            since += f", set by {by}" if by else ""
            text = self._why[path] = f"{path}={value} (since {since})"
        return text

    def apply(self, scenario: Scenario, rule: DatedRule, by: str | None = None) -> None:
        """A dated rule takes effect: every component reads its section again. `by` names who
        set it (a role-play team), for the reason trail, which dates a value from when it last
        changed: a rule that sets a value to what it already is (a what-if that replaces a
        schedule keeps the schedule's dates) leaves its date and author as they were."""
        self.settle()
        before, self.scenario = self.scenario, scenario
        for path in rule.values:
            if value_at(before, path) == value_at(scenario, path):
                continue
            self.since[path] = rule.date
            if by:
                self.set_by[path] = by
            else:
                self.set_by.pop(path, None)
        self._why.clear()
        for component in self.components:
            component.configure()
        self.rerouted()

    def rerouted(self) -> None:
        """Something that decides an unlicensed top-up's route may have changed (a rule, the
        licensed exchanges): the booked top-ups' stops are found again if it did."""
        if self.book is not None:
            self.book.configure()

    def settle(self) -> None:
        """Book the unlicensed top-ups due before now: anything about to read or change what
        they touch (platforms, rules, prices, the day's totals) calls this first."""
        if self.book is not None:
            self.arrivals.settle(self.env.now)  # who came before now: the book plans them
            self.book.settle(self.env.now)
