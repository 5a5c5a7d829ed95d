"""The engine is headless: nothing under sim/ but the command line (sim.cli*) imports Rich, and
nothing imports Textual or the TUI."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

PROBE = """
import importlib, pkgutil, sys, sim
for module in pkgutil.walk_packages(sim.__path__, "sim."):
    if module.name != "sim.__main__" and not module.name.startswith("sim.cli"):
        importlib.import_module(module.name)
print(",".join(sorted(m for m in ("textual", "rich", "tui") if m in sys.modules)))
"""


def test_importing_every_engine_module_loads_no_ui_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "", f"sim pulled in: {done.stdout.strip()}"


def test_the_command_line_loads_no_textual_until_the_tui_is_asked_for() -> None:
    probe = "import sys, sim.cli; print('textual' in sys.modules or 'tui' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


def test_the_command_line_starts_without_scipy_which_only_statistics_need() -> None:
    """scipy.stats costs half a second to import: every `sandbox` command would wait for it."""
    probe = "import sys, sim.cli; print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
