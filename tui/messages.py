"""Messages the workers post to the app, each named for what already happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from sim import Comparison, Snapshot


@dataclass(frozen=True)
class RunState:
    """Where a dashboard run stands: a plain value, safe to pass between threads."""

    run_id: int
    status: str
    """idle, starting, running, paused, finished, stopped or failed."""
    scenario_name: str
    seed: int
    speed: str
    error: str | None = None


class SnapshotPosted(Message):
    """The simulation reached the end of a slice; a newer snapshot replaces an unread older one."""

    def __init__(
        self,
        state: RunState,
        snapshot: Snapshot,
        recent: tuple[Any, ...],
        shocks: dict[int, str] | None = None,
    ) -> None:
        super().__init__()
        self.state = state
        self.snapshot = snapshot
        self.recent = recent
        """The latest records of each kind, in time order, for the event log."""
        self.shocks = shocks or {}
        """Day -> title of the shocks fired in the run so far."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotPosted) and message.state.run_id == self.state.run_id


class RunStateChanged(Message):
    """The run started, paused, resumed, finished, was stopped or failed."""

    def __init__(self, state: RunState) -> None:
        super().__init__()
        self.state = state


class ComparisonProgressed(Message):
    """Some replications of a comparison are done; newer progress replaces older unread progress."""

    def __init__(self, job_id: int, fraction: float, note: str) -> None:
        super().__init__()
        self.job_id = job_id
        self.fraction = fraction
        self.note = note

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ComparisonProgressed) and message.job_id == self.job_id


class ComparisonFinished(Message):
    """Every replication of a comparison is done (or it failed, or was stopped)."""

    def __init__(
        self, job_id: int, comparison: Comparison | None, error: str | None, stopped: bool = False
    ) -> None:
        super().__init__()
        self.job_id = job_id
        self.comparison = comparison
        self.error = error
        self.stopped = stopped


class SessionChanged(Message):
    """A scenario was opened, or the what-if's edits were validated: screens re-read the session."""

    def __init__(self, opened: bool = False) -> None:
        super().__init__()
        self.opened = opened


class BaselineAhead(Message):
    """Another of the baseline's replications ran ahead of the next comparison (`ready` of them
    are remembered now), or the run-ahead ended (`running` False; `error` if it broke off)."""

    def __init__(self, job_id: int, ready: int, running: bool, error: str | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.ready = ready
        self.running = running
        self.error = error
