"""The worker that runs the dashboard's Simulation: a child process, and a thread listening to it.

The simulation lives in its own process (`tui.simserver`), so its CPU time and garbage
collections never hold up the UI; a thread worker reads what the process sends (snapshots, state,
answers) and posts it to the app as messages. Commands (pause, step, speed, stop) go the other
way and take effect within one simulated day; the UI shows a stop at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import multiprocessing
import threading
from concurrent.futures import Future
from typing import Any

from textual.worker import get_current_worker

from sim import RunResult, Scenario
from sim.people import PersonRow, Step
from sim.workshop import RunSlots, Slot
from tui.messages import RunState, RunStateChanged, SnapshotPosted
from tui.simserver import SPEEDS, RecentEvents, serve

__all__ = ["SPEEDS", "SimulationRunner", "process_context", "warm_up"]

ACTIVE = frozenset({"starting", "running", "paused"})


def process_context() -> Any:
    """A fork server with the engine preloaded (fast, and safe with threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["sim.engine", "tui.simserver"])
        return context
    return multiprocessing.get_context("spawn")


def warm_up() -> None:
    """Start the fork server (and its resource tracker) now, while stderr is still the real one.

    Textual swaps `sys.stderr` for its print capture while the app runs, and the resource tracker
    cannot be started then; starting early also hides the server's start-up time. The charts'
    process starts here too.
    """
    context = process_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver, resource_tracker

        resource_tracker.ensure_running()
        forkserver.ensure_running()
    from tui.widgets.charts import start_chart_process

    start_chart_process()


class _Run:
    """One run: its process, its pipe, and what the UI knows of it."""

    def __init__(self, run_id: int, scenario: Scenario, paused: bool) -> None:
        self.run_id, self.scenario, self.paused = run_id, scenario, paused
        self.status = "starting"
        self.error: str | None = None
        self.conn, child = multiprocessing.Pipe()
        self.child = child
        self.process: Any = None
        self.lock = threading.Lock()
        self.asks: dict[int, Future[Any]] = {}
        self.wall = 0.0
        self.slot: Slot | None = None
        self.rows: list[Any] = []
        """The run's timeseries so far: each snapshot brings the rows added since the last."""
        self.recent = RecentEvents()
        """The latest events: each snapshot brings those since the last."""
        self.shocks: dict[int, str] = {}
        """Day -> title of the shocks fired so far."""
        self.closed = False
        """Told to quit: its process ends as it should."""
        self.unconfirmed = 0
        """Commands sent (pause, resume, step, stop) that the process has not yet answered with its
        state: until it has, what it sends says where it stood before it heard them."""

    def release(self) -> None:
        """Give the room's slot back (the run no longer uses a core)."""
        if self.slot is not None:
            self.slot.release()
            self.slot = None

    def send(self, *command: Any) -> None:
        with self.lock, contextlib.suppress(OSError, ValueError):  # a process gone hears nothing
            self.conn.send(command)

    def close(self) -> None:
        self.closed = True
        self.release()
        self.send("quit")
        for future in self.asks.values():
            future.cancel()
        if self.process is not None:
            self.process.join(0.5)
            if self.process.is_alive():
                self.process.terminate()


class SimulationRunner:
    """Runs one Simulation at a time for `app`, which receives its messages."""

    def __init__(self, app: Any, slots: RunSlots | None = None) -> None:
        self._app = app
        self._slots = slots
        self.speed_index = len(SPEEDS) - 1
        self._run: _Run | None = None
        self._ids = itertools.count(1)
        self._asks = itertools.count(1)

    # --- commands (UI thread) ------------------------------------------------------------------

    def start(self, scenario: Scenario, paused: bool = False) -> int:
        """Run `scenario` from day 0 (or hold it at day 0 when `paused`), replacing any run."""
        self.close()
        run = self._run = _Run(next(self._ids), scenario, paused)
        self._app.run_worker(
            lambda: self._listen(run),
            name=f"simulation {run.run_id}",
            group="simulation",
            thread=True,
            exit_on_error=False,
        )
        self._post_state()
        return run.run_id

    def pause(self) -> None:
        self._command("pause", status="paused", paused=True)

    def resume(self) -> None:
        self._command("resume", status="running", paused=False)

    def step(self, days: int = 1) -> None:
        """Advance `days` more days, then stay paused."""
        self._command("step", days, paused=True)

    def stop(self) -> None:
        """Stop the run: the UI shows it stopped at once; the process within one day."""
        self._command("stop", status="stopped")

    def fire_shock(self, kind: str, note: str) -> bool:
        """Fire a named shock into the running simulation; False when nothing is running."""
        run = self._run
        if run is None or run.status not in ACTIVE:
            return False
        run.send("shock", kind, note)
        return True

    def change_speed(self, delta: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + delta))
        if self._run is not None:
            self._run.send("speed", self.speed_index)
        self._post_state()

    def close(self) -> None:
        """End the current run's process (when a new run starts, or the app closes)."""
        if self._run is not None:
            self._run.close()

    def _command(
        self, *command: Any, status: str | None = None, paused: bool | None = None
    ) -> None:
        run = self._run
        if run is None or run.status not in ACTIVE:
            return
        with run.lock:
            run.unconfirmed += 1
        run.send(*command)
        if paused is not None:
            run.paused = paused
        if status is not None and run.status != "starting":
            run.status = status
        self._post_state()

    # --- questions (from worker threads; they wait for the answer) -----------------------------

    def ask(self, question: str, *args: Any, timeout: float = 60.0) -> Any:
        """Ask the simulation something; None when there is no run."""
        run = self._run
        if run is None or run.status == "idle":
            return None
        future: Future[Any] = Future()
        ask = next(self._asks)
        run.asks[ask] = future
        run.send("query", ask, question, *args)
        return future.result(timeout)

    def people(
        self, start: int, count: int, words: list[str]
    ) -> tuple[int, list[PersonRow]] | None:
        return self.ask("people", start, count, words)  # type: ignore[no-any-return]

    def timeline(self, pid: int) -> list[Step] | None:
        return self.ask("timeline", pid)  # type: ignore[no-any-return]

    def result(self) -> RunResult | None:
        return self.ask("result")  # type: ignore[no-any-return]

    # --- state ---------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self._run.status if self._run is not None else "idle"

    @property
    def paused(self) -> bool:
        return self._run is not None and self._run.paused

    @property
    def scenario(self) -> Scenario | None:
        return self._run.scenario if self._run is not None else None

    @property
    def has_run(self) -> bool:
        """A simulation exists that can answer questions (even if it failed or stopped)."""
        return self._run is not None and self._run.status not in {"starting", "failed"}

    @property
    def speed(self) -> str:
        return SPEEDS[self.speed_index][0]

    def state(self) -> RunState:
        run = self._run
        if run is None:
            return RunState(0, "idle", "", 0, self.speed)
        seed = run.scenario.run.seed
        return RunState(run.run_id, run.status, run.scenario.name, seed, self.speed, run.error)

    def _post_state(self) -> None:
        self._app.post_message(RunStateChanged(self.state()))

    # --- the worker ----------------------------------------------------------------------------

    def _listen(self, run: _Run) -> None:
        """Start the process and relay what it sends until it ends or the app closes."""
        worker = get_current_worker()
        if self._slots is not None:
            run.slot = self._slots.acquire(
                waiting=lambda busy: self._app.call_from_thread(
                    self._app.notify,
                    f"All {busy} simulation slots of the room are busy: "
                    "your run starts as soon as one is free.",
                    title="Queued",
                ),
                cancelled=lambda: worker.is_cancelled or run is not self._run,
            )
            if run.slot is None:
                return
        try:
            run.process = process_context().Process(
                target=serve,
                args=(run.child, run.scenario, run.paused, self.speed_index),
                daemon=True,
                name=f"simulation {run.run_id}",
            )
            run.process.start()
        except Exception as error:  # e.g. no processes allowed: say so, keep the app
            self._relay(run, ("state", "failed", f"cannot start the simulation: {error}"))
            return
        run.child.close()
        while not worker.is_cancelled:
            try:
                if not run.conn.poll(0.2):
                    if not run.process.is_alive():
                        break
                    continue
                message = run.conn.recv()
            except (EOFError, OSError):
                break
            self._relay(run, message)
        if run.status in ACTIVE and run is self._run and not (worker.is_cancelled or run.closed):
            self._relay(run, ("state", "failed", "the simulation process ended unexpectedly"))

    def _relay(self, run: _Run, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "reply":
            _, ask, value, error = message
            future = run.asks.pop(ask, None)
            if future is not None and not future.done():
                if error:
                    future.set_exception(RuntimeError(error))
                else:
                    future.set_result(value)
            return
        if run is not self._run:
            return
        if message[1] in {"finished", "failed", "stopped"}:
            run.release()
        # A snapshot or state sent before the process heard the user's last command (a pause, say)
        # must not undo what the UI already shows: a space pressed just after would be ignored.
        if kind == "snapshot":
            _, status, snapshot, new, run.wall = message
            run.rows += snapshot.rows
            snapshot = dataclasses.replace(snapshot, rows=tuple(run.rows))
            run.recent.add(new)
            for record in new:
                if type(record).__name__ == "ShockFired":
                    run.shocks[int(record.t // 24)] = record.title
            current = not run.unconfirmed
            if (current and run.status != "stopped") or status == "finished":
                run.status = status
            recent = run.recent.records()
            self._app.post_message(SnapshotPosted(self.state(), snapshot, recent, dict(run.shocks)))
        elif kind == "state":
            _, status, error = message
            with run.lock:
                run.unconfirmed = max(0, run.unconfirmed - 1)
                current = not run.unconfirmed
            if status in {"failed", "finished"} or (current and run.status != "stopped"):
                run.status, run.error = status, error
            self._post_state()
