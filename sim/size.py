"""How big a run will be before it starts: agents, laundering-case members, events and memory.

A scenario can be valid and still far too big for the machine (every typology count at its
maximum, a scale factor of 1 over ten years). `estimate(scenario)` sizes one replication from the
scenario alone, on the generous side; `check_size` refuses one past `max_agents` (the CLI's
`--max-agents`) with what to change. Figures per agent were measured on the baseline (about
1.5 kB each, on top of about 80 MB for the program).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.rules import states as dated_states
from sim.scenario import Scenario

DEFAULT_MAX_AGENTS = 2_000_000
"""Agents one replication may simulate unless raised (about 3 GB, minutes per replication)."""
EVENTS_PER_AGENT = 100
"""Events budget: this many transactions per allowed agent."""
KB_PER_AGENT = 1.5
BASE_MB = 80.0
HOURS_PER_MONTH = 730.0
SIZING = (
    "population.arrivals_per_day",
    "population.active_period_mean",
    "population.topups_per_month",
    "aml.typologies",
)
"""The values a run's size depends on: only dated rules that change one of them are replayed."""


@dataclass(frozen=True)
class Size:
    """One replication's size, estimated from the scenario (rounded up)."""

    people: int
    """Simulated people arriving over the run (real arrivals / scale factor)."""
    members: int
    """Simulated members of injected laundering cases."""
    events: int
    """Purchases, sales and laundering transactions, roughly."""

    @property
    def agents(self) -> int:
        return self.people + self.members

    @property
    def memory_mb(self) -> float:
        return BASE_MB + self.agents * KB_PER_AGENT / 1024


def estimate(scenario: Scenario) -> Size:
    """The size of one replication, taking each value at its largest over the dated rules."""
    days, scale = scenario.run.days, scenario.population.scale_factor
    sizing = tuple(
        rule
        for rule in scenario.rules
        if any(path == q or path.startswith(f"{q}.") for path in rule.values for q in SIZING)
    )  # replaying every rule validates a scenario per rule: a sweep sizes hundreds of cells
    states = [state for _, state in dated_states(scenario.model_copy(update={"rules": sizing}))]
    arrivals = max(s.population.arrivals_per_day for s in states)
    people = math.ceil(arrivals * days / scale)
    purchases = 0.0
    for s in states:
        p = s.population
        active_months = min(p.active_period_mean, days * 24.0) / HOURS_PER_MONTH
        purchases = max(purchases, p.topups_per_month * active_months + 2)
    members = transactions = 0.0
    for s in states:  # laundering cases are simulated at full size: cases a year x the run's years
        cases = [(math.ceil(t.cases * days / 365), t) for t in s.aml.typologies]
        members = max(members, sum(n * t.members for n, t in cases))
        transactions = max(transactions, sum(n * t.members * t.transactions for n, t in cases))
    events = people * purchases + transactions
    return Size(people, int(members), math.ceil(events))


def check_size(
    scenario: Scenario, max_agents: int = DEFAULT_MAX_AGENTS, option: str | None = "--max-agents"
) -> list[str]:
    """Why a replication would be too big for `max_agents` (empty when it fits), and what to
    change. `option` names the command-line option that raises the limit (None where there is
    none, as in the TUI)."""
    size = estimate(scenario)
    scale = scenario.population.scale_factor
    limit = f"{option} {max_agents:,}" if option else f"the limit of {max_agents:,} agents"
    problems = []
    if size.agents > max_agents:
        room = max_agents - size.members  # the cases are full size: the scale factor cannot help
        wanted = math.ceil(scale * size.people / room) if room > 0 else 0
        raise_scale = f"raise population.scale_factor to {wanted:,} or more, " if wanted else ""
        problems.append(
            f"the run would simulate about {size.agents:,} agents a replication ({size.people:,} "
            f"people, {size.members:,} laundering-case members; about "
            f"{size.memory_mb / 1024:,.1f} GB), more than {limit}: {raise_scale}run fewer days"
            + (
                f", lower aml.typologies counts, or pass {option} {size.agents:,}"
                if option
                else " or lower aml.typologies counts"
            )
        )
    budget = EVENTS_PER_AGENT * max_agents
    if size.events > budget:
        problems.append(
            f"the run would make about {size.events:,} transactions a replication, more than "
            f"{budget:,} ({EVENTS_PER_AGENT} per agent of {limit}): lower "
            f"population.topups_per_month or active_period_mean, aml.typologies transactions, "
            f"raise population.scale_factor" + (f", or pass a larger {option}" if option else "")
        )
    return problems
