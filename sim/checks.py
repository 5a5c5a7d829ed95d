"""Checks across fields when a scenario loads: each problem one line naming the fields and why.

A value can be within its own range and still make no sense beside another: a shock on an
exchange the scenario can never have, say. These checks run after every field validated and the
dated rules applied cleanly (`sim.loader.load_scenario`), so a scenario that loads does what it
says or says why not, before any time is spent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sim.rules import KeyPath, apply_values
from sim.scenario import Scenario
from sim.shocks import ON_AN_EXCHANGE


def _states(scenario: Scenario) -> list[tuple[dt.date, Scenario]]:
    """The scenario as it stands from its start date and after each dated rule, in date order."""
    start = scenario.run.start_date
    current = scenario.model_copy(update={"rules": ()})
    states = [(start, current)]
    for rule in sorted(scenario.rules, key=lambda r: r.date):
        current = apply_values(current, rule.values)
        states.append((max(start, rule.date), current))
    return states


def _licenses_by(states: list[tuple[dt.date, Scenario]], when: dt.date) -> bool:
    """Whether any new exchange can be licensed on or before `when`."""
    for since, state in states:
        r = state.regulator
        if since > when or r.applications_per_year <= 0 or r.approval_share <= 0:
            continue
        if r.review_time / 24 <= (when - since).days:  # a first approval comes in time
            return True
    return False


def check_shocks(scenario: Scenario, sources: Mapping[KeyPath, str]) -> list[str]:
    """A shock on an exchange the scenario can never have by the shock's date is an error (one
    that might be licensed by then but is not is a warning in the run's record)."""
    from sim.loader import _locate

    if not scenario.shocks:
        return []
    states = _states(scenario)
    initial = scenario.exchanges.licensed
    problems = []
    for i, shock in enumerate(scenario.shocks):
        if shock.kind not in ON_AN_EXCHANGE or shock.exchange < initial:
            continue
        if _licenses_by(states, shock.date):
            continue
        have = f"exchanges 0-{initial - 1}" if initial > 1 else "exchange 0" if initial else "none"
        problems.append(
            f"shocks.{i}.exchange: exchange {shock.exchange} never exists by {shock.date}; the "
            f"scenario starts with {have} (exchanges.licensed {initial}) and licenses no new one "
            f"by then (regulator.applications_per_year, approval_share, review_time) "
            f"({_locate(('shocks', str(i), 'exchange'), sources)})"
        )
    return problems


def check_scenario(scenario: Scenario, sources: Mapping[KeyPath, str]) -> list[str]:
    """Every cross-field problem of a scenario whose fields and dated rules are valid."""
    return check_shocks(scenario, sources)
