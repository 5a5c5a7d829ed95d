"""Finished replications remembered by scenario and number, so that none is run twice.

Replication k of a scenario is a function of the scenario's every value, of k and of the engine's
code: the engine draws every number from (seed, k) and keeps nothing from one run to the next (the
determinism tests). So a remembered replication is, bit for bit, what running it again would give.

A `Remembered` keeps the latest replications in memory: the TUI's session, where the next what-if
against the same baseline runs only its own side (`sim.experiment.compare`). Given a folder, it
also keeps the replications it is asked to share there, as JSON, for every process that uses the
same folder: a workshop room, where the lesson's baseline then runs once for the whole room. The
files sit in a subfolder named after the engine's code (`engine_fingerprint`), so an upgraded
engine never reads what an older one wrote.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from functools import cache
from pathlib import Path

import numpy
import simpy

from sim.engine import ReplicationResult
from sim.summary import ScorecardRow

Key = tuple[str, int]
"""(the scenario's `config_hash`, the replication's number)."""


@cache
def engine_fingerprint() -> str:
    """A digest of the engine's source and of the libraries its numbers depend on."""
    digest = hashlib.sha256(f"numpy {numpy.__version__} simpy {simpy.__version__}".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def to_json(result: ReplicationResult) -> str:
    """The replication as JSON, records left out (floats written exactly, NaN as NaN)."""
    return json.dumps(dataclasses.asdict(dataclasses.replace(result, records=None)))


def from_json(text: str) -> ReplicationResult:
    data = json.loads(text)
    data["scorecard"] = [ScorecardRow(**row) for row in data["scorecard"]]
    return ReplicationResult(**data)


class Remembered:
    """Replications by (scenario hash, number): the `limit` most recently used in memory, and
    those kept with `share=True` in `folder` too, if there is one. Only finished replications are
    kept. Safe to share between threads (a stopped comparison may still be finishing while the
    next one starts) and, through the folder, between processes."""

    def __init__(self, limit: int = 64, folder: Path | None = None) -> None:
        self.limit = limit
        self.folder = folder / engine_fingerprint() if folder is not None else None
        self._kept: OrderedDict[Key, ReplicationResult] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def recall(self, key: Key) -> ReplicationResult | None:
        with self._lock:
            result = self._kept.get(key)
            if result is not None:
                self._kept.move_to_end(key)
                return result
        result = self._read(key)
        if result is not None:
            self._remember(key, result)
        return result

    def keep(self, key: Key, result: ReplicationResult, share: bool = False) -> None:
        if result.status != "ok":
            return
        self._remember(key, result)
        if share and self.folder is not None:
            self._write(key, result)

    def _remember(self, key: Key, result: ReplicationResult) -> None:
        with self._lock:
            self._kept[key] = result
            self._kept.move_to_end(key)
            while len(self._kept) > self.limit:
                self._kept.popitem(last=False)

    def _file(self, key: Key) -> Path:
        assert self.folder is not None
        digest, number = key
        return self.folder / f"{digest}-{number}.json"

    def _read(self, key: Key) -> ReplicationResult | None:
        """The shared replication, or None if there is none or it cannot be read whole (a file
        being written is never seen half-written: it is renamed into place)."""
        if self.folder is None:
            return None
        try:
            return from_json(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _write(self, key: Key, result: ReplicationResult) -> None:
        """Write the replication beside the others, atomically; a folder that cannot be written
        only means the others run it too."""
        assert self.folder is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(to_json(result))
            os.replace(temporary, self._file(key))
        except OSError:
            Path(temporary).unlink(missing_ok=True)
