"""The room's cap on concurrent simulations: numbered lock files every participant's app shares.

Each served participant runs their simulations in their own processes; on a 2-core machine twenty of
them at once would starve everyone. A run takes one of `cap` slots (a lock file under the workshop
folder) before its process starts and gives it back when it ends, so extra runs wait their turn.
The operating system releases a slot when its holder dies, so a closed tab never keeps one.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

FOLDER = ".slots"


class Slot:
    """A held slot; `release` (or the end of the process) frees it."""

    def __init__(self, handle: IO[str] | None, number: int) -> None:
        self._handle, self.number = handle, number

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None


class RunSlots:
    """`cap` slots under `workshop/.slots/`; `acquire` waits for one, reporting while it waits."""

    def __init__(self, workshop: Path, cap: int | None = None) -> None:
        self.folder = workshop / FOLDER
        self.folder.mkdir(parents=True, exist_ok=True)
        self.cap = max(1, cap if cap is not None else os.cpu_count() or 1)

    def _take(self, number: int) -> Slot | None:
        handle = open(self.folder / f"slot-{number}.lock", "a", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return Slot(handle, number)

    def try_acquire(self) -> Slot | None:
        """A free slot, or None when all `cap` are taken."""
        for number in range(self.cap):
            slot = self._take(number)
            if slot is not None:
                return slot
        return None

    def busy(self) -> int:
        """How many slots are taken right now (by any participant)."""
        free = [slot for number in range(self.cap) if (slot := self._take(number)) is not None]
        for slot in free:
            slot.release()
        return self.cap - len(free)

    def acquire(
        self,
        waiting: Callable[[int], None] = lambda busy: None,
        cancelled: Callable[[], bool] = lambda: False,
        poll: float = 0.25,
    ) -> Slot | None:
        """Wait for a slot; call `waiting(busy)` once if the room is full; None if cancelled."""
        told = False
        while not cancelled():
            slot = self.try_acquire()
            if slot is not None:
                return slot
            if not told:
                waiting(self.busy())
                told = True
            time.sleep(poll)
        return None
