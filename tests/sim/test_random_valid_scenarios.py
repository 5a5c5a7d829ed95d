"""Random valid scenarios run to the end and keep the invariants.

Hypothesis draws scenarios with values anywhere in each field's schema range (dated rules,
shocks and laundering typologies included), keeps those that load (a scenario the loader
refuses is not valid) and fit the size budget, runs each for 30 days at a coarse scale and checks,
after every run: it ended ok (a valid scenario never fails inside the engine), money balances in
tenge and in bitcoin, shares and utilisation lie in [0, 1], counts are whole and never negative,
and nothing is NaN except a KPI that is undefined for the run (a ratio or a wait with nothing to
measure). `make test` runs a few examples, always the same ones (derandomized, so the suite is
repeatable); a campaign draws new ones:
`SANDBOX_FUZZ_EXAMPLES=300 .venv/bin/pytest -m fuzz -n 0 tests/sim/test_random_valid_scenarios.py`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from sim.engine import WATCHDOG_ENV, Simulation
from sim.fields import FIELDS, FieldSpec, describe_changes
from sim.loader import ScenarioError, apply_override, finish, load_data, load_scenario
from sim.rules import fixed_at_start
from sim.size import check_size
from sim.summary import KPI_BY_NAME
from tests.conftest import BASELINE

pytestmark = pytest.mark.fuzz

CAMPAIGN = "SANDBOX_FUZZ_EXAMPLES" in os.environ
EXAMPLES = max(3, int(os.environ.get("SANDBOX_FUZZ_EXAMPLES", "40")) // 5)
DAYS = 30
START = dt.date(2022, 7, 1)
MAX_AGENTS = 5_000
"""A coarse scale: at most this many agents (and 100 transactions each) a run."""
WATCHDOG_S = "60"
"""A simulated day that takes longer fails the run (a hang found, not a test that never ends)."""
UNDEFINED_ALLOWED = {"0-1", "h"}
"""Units of KPIs that may be undefined (NaN) for a run: ratios and waits."""
NOT_DRAWN = {"population.scale_factor", "market.btc_model", "population.locale"}
ELIGIBLE = [
    spec
    for spec in FIELDS
    if spec.kind != "text" and not spec.path.startswith("run.") and spec.path not in NOT_DRAWN
]
MUTABLE = [spec for spec in ELIGIBLE if fixed_at_start(spec.path) is None]


def value_of(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Any value within the field's schema range (bounds included), or null where allowed."""
    low = spec.minimum if spec.minimum is not None else 0.0
    if spec.kind == "bool":
        values: st.SearchStrategy[Any] = st.booleans()
    elif spec.kind == "choice":
        values = st.sampled_from(spec.choices)
    elif spec.kind == "int":
        high = spec.maximum if spec.maximum is not None else low + 1000
        values = st.integers(int(low), int(high))
    elif spec.kind in {"float", "share"}:
        high = spec.maximum if spec.maximum is not None else max(low, 1.0) * 1e4
        values = st.floats(low, high, allow_nan=False)
    elif spec.kind == "duration":
        values = st.one_of(st.floats(0, 24 * 800.0), st.just("inf"))
    elif spec.kind == "money":
        values = st.floats(0, 1e10).map(lambda x: f"{x:.2f} KZT")
    elif spec.kind == "date":
        values = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(dt.date.isoformat)
    else:
        raise AssertionError(f"no strategy for {spec.kind}")
    return st.one_of(st.none(), values) if spec.nullable else values


@st.composite
def valid_scenarios(draw: st.DrawFn) -> Any:
    data, sources = load_data(BASELINE)
    changes: dict[str, Any] = {
        "run.days": DAYS,
        "run.start_date": START.isoformat(),
        "run.seed": draw(st.integers(0, 2**31)),
        "population.scale_factor": draw(st.sampled_from([300.0, 1000.0, 5000.0])),
    }
    for spec in draw(st.lists(st.sampled_from(ELIGIBLE), max_size=12, unique=True)):
        changes[spec.path] = draw(value_of(spec))
    for key, value in changes.items():
        data = apply_override(data, tuple(key.split(".")), value)
    rules = []
    for _ in range(draw(st.integers(0, 2))):
        spec = draw(st.sampled_from(MUTABLE))
        when = START + dt.timedelta(days=draw(st.integers(1, DAYS - 1)))
        rules.append({"date": when.isoformat(), "values": {spec.path: draw(value_of(spec))}})
    data["rules"] = rules
    data["shocks"] = [
        {
            "date": (START + dt.timedelta(days=draw(st.integers(0, DAYS)))).isoformat(),
            "kind": "bank_exit",
            "exchange": draw(st.integers(0, 8)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    data["aml"] = {
        **data.get("aml", {}),
        "typologies": [
            {
                "kind": draw(st.sampled_from(["structuring", "mule_fan_in", "round_trip"])),
                "cases": draw(st.integers(0, 5000)),
                "members": draw(st.integers(1, 10)),
                "transactions": draw(st.integers(1, 30)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ],
    }
    try:
        scenario = finish(data, sources)
    except ScenarioError:
        reject()  # the loader refuses it: not a valid scenario
    if check_size(scenario, MAX_AGENTS):
        reject()  # refused before running, with what to change
    return scenario


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not CAMPAIGN,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(valid_scenarios())
def test_a_random_valid_scenario_runs_to_the_end_and_keeps_the_invariants(scenario: Any) -> None:
    note("\n".join(describe_changes(load_scenario(BASELINE), scenario)))
    simulation = Simulation(scenario)
    previous = os.environ.get(WATCHDOG_ENV)
    os.environ[WATCHDOG_ENV] = WATCHDOG_S
    try:
        simulation.run()
    finally:
        if previous is None:
            del os.environ[WATCHDOG_ENV]
        else:
            os.environ[WATCHDOG_ENV] = previous
    result = simulation.result()
    assert result.status == "ok", result.error
    assert len(result.rows) == DAYS
    kpis = result.kpis
    assert kpis["ledger_imbalance_kzt"] == 0.0
    assert simulation.world.ledger.imbalance("BTC") == 0
    assert kpis["custody_mismatch_btc"] == 0.0  # also audited at every day's end
    for name, value in kpis.items():
        unit = KPI_BY_NAME[name].unit
        if math.isnan(value):
            assert unit in UNDEFINED_ALLOWED, f"{name} is NaN"
            continue
        assert math.isfinite(value) and value >= 0, f"{name} = {value}"
        if unit == "0-1":
            assert value <= 1, f"{name} = {value}"
        if unit in {"people", "alerts", "reports", "events", "exchanges", "platforms"}:
            assert value == round(value), f"{name} = {value} is not whole"
    for row in result.rows:
        assert row["kyc_queue_length"] >= 0 and row["licensed_exchanges"] >= 0
