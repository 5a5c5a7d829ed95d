"""Fixtures for the TUI tests: a tiny scenario, a scratch working folder, and a polling helper."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sim import load_scenario
from sim.loader import dump_yaml
from tests.conftest import BANKED

REPO = Path(__file__).resolve().parents[2]
BASELINE = REPO / "configs" / "aifc_pilot_2022.yaml"
TINY = ["run.days=20", "population.scale_factor=200"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a scratch folder, so what-ifs and exports land in it (whatifs/, runs/)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tiny(workdir: Path) -> Path:
    """A complete, stand-alone 20-day scenario at a coarse scale: runs in well under a second."""
    scenario = load_scenario(BASELINE, [*TINY, "name=tiny"])
    path = workdir / "tiny.yaml"
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    return path


@pytest.fixture
def banked_tiny(workdir: Path) -> Path:
    """The tiny scenario with tenge trading from day 0 (the baseline's starts on 28 Sept 2022,
    day 89), so a 20-day dashboard shows licensed volume, the KYC queue and bank access."""
    scenario = load_scenario(BASELINE, [*TINY, *BANKED, "name=tiny"])
    path = workdir / "tiny.yaml"
    path.write_text(dump_yaml(scenario), encoding="utf-8")
    return path


async def wait_for(pilot: object, condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    await asyncio.sleep(0)


def record_calls(obj: object, method: str, calls: list[object], name: object = None) -> None:
    """Let `obj.method` work as before, appending `name` (or its arguments) to `calls` each time."""
    original = getattr(obj, method)

    def recorded(*args: object, **kwargs: object) -> object:
        calls.append(args if name is None else name)
        return original(*args, **kwargs)

    setattr(obj, method, recorded)
