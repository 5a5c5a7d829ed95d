"""The unit of work of every study: one replication of one cell, and how a cell's scenario is built.

A job carries its whole scenario (a frozen pydantic model), so any worker, local or on another
machine, runs it without reading files. It returns only the KPIs: results stay small to ship.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.engine import run_replication
from sim.loader import KeyPath, apply_override, finish, load_data, parse_override
from sim.scenario import Scenario
from sim.size import DEFAULT_MAX_AGENTS


@dataclass(frozen=True)
class Job:
    cell: int
    replication: int
    scenario: Scenario


@dataclass(frozen=True)
class JobResult:
    cell: int
    replication: int
    status: str
    """`ok` or `failed`."""
    error: str | None
    kpis: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0


def run_job(job: Job) -> JobResult:
    """Run one replication of one cell; a model failure is a result, never an exception."""
    started = time.perf_counter()
    try:
        result = run_replication(job.scenario, job.replication)
    except Exception as exc:  # a worker must always answer
        return JobResult(
            job.cell,
            job.replication,
            "failed",
            f"{type(exc).__name__}: {exc}",
            wall_seconds=time.perf_counter() - started,
        )
    return JobResult(
        job.cell,
        job.replication,
        result.status,
        result.error,
        dict(result.kpis) if result.status == "ok" else {},
        time.perf_counter() - started,
    )


def value_text(value: Any) -> str:
    """A value as `--set` reads it."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


class ScenarioBuilder:
    """Reads a scenario file once; builds validated variants of it from path -> value cells.

    `max_agents` bounds each cell's size (`sim.size`): a study refuses, before it runs anything,
    a cell too big for it."""

    def __init__(
        self, path: str | Path, overrides: Sequence[str] = (), max_agents: int = DEFAULT_MAX_AGENTS
    ) -> None:
        self.path = Path(path)
        self.max_agents = max_agents
        self._data, self._sources = load_data(self.path, overrides)
        self.base = self._finish(self._data, self._sources)

    @staticmethod
    def _finish(data: dict[str, Any], sources: Mapping[KeyPath, str]) -> Scenario:
        return finish(data, sources)

    def build(self, values: Mapping[str, Any]) -> Scenario:
        """The base scenario with each path set to its value (typed and validated like `--set`)."""
        data = copy.deepcopy(self._data)
        sources = dict(self._sources)
        for path, value in values.items():
            text = f"{path}={value_text(value)}"
            key_path, parsed = parse_override(text)
            data = apply_override(data, key_path, parsed)
            sources[key_path] = f"--vary {text}"
        return self._finish(data, sources)
