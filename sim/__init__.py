"""Exchange Sandbox's headless engine: load a scenario, run it, compare it with another.

    from sim import load_scenario, run, compare
    result = run(load_scenario("configs/aifc_pilot_2022.yaml"), replications=5)
    result.kpis["licensed_share"].mean

This package never imports Textual or the TUI; the TUI drives this same engine.
"""

from sim.engine import ReplicationResult, Simulation, Snapshot, run_replication
from sim.experiment import Comparison, RunResult, compare, run
from sim.loader import ScenarioError, load_scenario
from sim.scenario import Scenario
from sim.summary import KPIS, Estimate

__all__ = [
    "KPIS",
    "Comparison",
    "Estimate",
    "ReplicationResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "Snapshot",
    "compare",
    "load_scenario",
    "run",
    "run_replication",
]
