"""Checks across fields when a scenario loads: each problem one line naming the fields and why.

A value can be within its own range and still make no sense beside another: a shock on an
exchange the scenario can never have, say. These checks run after every field validated and the
dated rules applied cleanly (`sim.loader.load_scenario`), so a scenario that loads does what it
says or says why not, before any time is spent.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping

from pydantic import BaseModel

from sim.components.market import read_prices
from sim.errors import ScenarioError
from sim.rules import KeyPath, states
from sim.scenario import Scenario
from sim.shocks import ON_AN_EXCHANGE
from sim.units import Money

MAX_EXACT_KZT = 2**53 / 100
"""Largest tenge amount a float carries exactly to the tiyn (about 9 * 10^13 KZT)."""
TAIL_SIGMAS = 6.0
"""How far into a lognormal's tail a purchase is checked (one draw in a billion goes further)."""


def _licenses_by(found: list[tuple[dt.date, Scenario]], when: dt.date) -> bool:
    """Whether any new exchange can be licensed on or before `when`."""
    for since, state in found:
        r = state.regulator
        if since > when or r.applications_per_year <= 0 or r.approval_share <= 0:
            continue
        if r.review_time / 24 <= (when - since).days:  # a first approval comes in time
            return True
    return False


def check_shocks(
    scenario: Scenario,
    sources: Mapping[KeyPath, str],
    found: list[tuple[dt.date, Scenario]] | None = None,
) -> list[str]:
    """A shock on an exchange the scenario can never have by the shock's date is an error (one
    that might be licensed by then but is not is a warning in the run's record)."""
    from sim.loader import _locate

    if not scenario.shocks:
        return []
    found = found or states(scenario)
    initial = scenario.exchanges.licensed
    problems = []
    for i, shock in enumerate(scenario.shocks):
        if shock.kind not in ON_AN_EXCHANGE:
            continue
        # named exchanges take the next ids as their licences start (exchanges.roster)
        named = sum(1 for lic in scenario.exchanges.roster if lic.licensed_since <= shock.date)
        have_by = initial + named
        if shock.exchange < have_by or _licenses_by(found, shock.date):
            continue
        have = f"exchanges 0-{have_by - 1}" if have_by > 1 else "exchange 0" if have_by else "none"
        problems.append(
            f"shocks.{i}.exchange: exchange {shock.exchange} never exists by {shock.date}; the "
            f"scenario has {have} by then (exchanges.licensed {initial} and the roster's "
            f"{named} licensed by that date) and licenses no new one "
            f"by then (regulator.applications_per_year, approval_share, review_time) "
            f"({_locate(('shocks', str(i), 'exchange'), sources)})"
        )
    return problems


def _where(path: str, sources: Mapping[KeyPath, str]) -> str:
    from sim.loader import _locate

    return _locate(tuple(path.split(".")), sources)


def _when(since: dt.date, scenario: Scenario) -> str:
    return "" if since == scenario.run.start_date else f" from {since}"


def check_calendar(scenario: Scenario, sources: Mapping[KeyPath, str]) -> list[str]:
    """The run ends before the calendar does (9999-12-31)."""
    run = scenario.run
    try:
        run.start_date + dt.timedelta(days=run.days + 1)
    except OverflowError:
        return [
            f"run.start_date, run.days: a run of {run.days} days from {run.start_date} would end "
            f"after {dt.date.max}, the last date the calendar handles; start earlier or run "
            f"fewer days ({_where('run.start_date', sources)})"
        ]
    return []


def check_prices(scenario: Scenario, sources: Mapping[KeyPath, str]) -> list[str]:
    """A replayed price path (`market.btc_model: csv`) is named, reads, and covers the run: read
    when the scenario loads, so `validate` finds what the run would fail on."""
    market = scenario.market
    if market.btc_model != "csv":
        return []
    if market.btc_csv is None:
        where = _where("market.btc_model", sources)
        return [f"market.btc_csv: needed when market.btc_model is csv ({where})"]
    where = _where("market.btc_csv", sources)
    try:
        read_prices(market.btc_csv, scenario.run.days + 1)
    except ScenarioError as error:
        return [f"{problem} ({where})" for problem in error.problems]
    return []


def check_fees(found: list[tuple[dt.date, Scenario]], sources: Mapping[KeyPath, str]) -> list[str]:
    """A buyer never pays more in fees and premiums than the purchase (the first date it fails)."""
    for since, state in found:
        u = state.unlicensed
        if u.fee + u.p2p_premium >= 1:
            return [
                f"unlicensed.fee + unlicensed.p2p_premium{_when(since, found[0][1])}: "
                f"{u.fee:g} + {u.p2p_premium:g} = {u.fee + u.p2p_premium:g}; together they must "
                f"stay below 1 (a buyer going P2P would pay more than the purchase) "
                f"({_where('unlicensed.fee', sources)})"
            ]
    return []


def _money(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Money]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = enumerate(value) if isinstance(value, tuple) else [(None, value)]
        for index, item in items:
            path = f"{prefix}{name}" if index is None else f"{prefix}{name}.{index}"
            if isinstance(item, Money):
                yield path, item
            elif isinstance(item, BaseModel):
                yield from _money(item, f"{path}.")


def check_magnitudes(
    found: list[tuple[dt.date, Scenario]], sources: Mapping[KeyPath, str]
) -> list[str]:
    """Every amount, in tenge, and the largest purchase the incomes make, stay exact in tiyn
    (each problem once, from the first date it arises)."""
    problems: dict[str, str] = {}
    for since, state in found:
        rate, when = state.market.usd_kzt, _when(since, found[0][1])
        for path, money in _money(state):
            if money.kzt(rate) > MAX_EXACT_KZT and path not in problems:
                problems[path] = (
                    f"{path}{when}: {money} is {money.kzt(rate):,.0f} KZT at market.usd_kzt "
                    f"{rate:g}; amounts above {MAX_EXACT_KZT:,.0f} KZT are not exact to the tiyn "
                    f"({_where(path, sources)})"
                )
        p = state.population
        largest = (
            p.income_median_month.kzt(rate)
            * math.exp(TAIL_SIGMAS * p.income_sigma)
            * p.topup_income_share
            * math.exp(TAIL_SIGMAS * 0.5)
        )
        if largest > MAX_EXACT_KZT and "income" not in problems:
            problems["income"] = (
                f"population.income_median_month, income_sigma, topup_income_share{when}: the "
                f"largest purchases would reach {largest:,.3g} KZT, more than the "
                f"{MAX_EXACT_KZT:,.0f} KZT carried exactly to the tiyn; lower the median income "
                f"or its spread ({_where('population.income_median_month', sources)})"
            )
    return list(problems.values())


def check_scenario(scenario: Scenario, sources: Mapping[KeyPath, str]) -> list[str]:
    """Every cross-field problem of a scenario whose fields and dated rules are valid."""
    problems = check_calendar(scenario, sources) + check_prices(scenario, sources)
    found = states(scenario)
    problems += check_fees(found, sources)
    problems += check_magnitudes(found, sources)
    return problems + check_shocks(scenario, sources, found)
