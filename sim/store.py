"""The run history: every run, comparison and study recorded in an embedded SQLite store.

One entry is a manifest (kind, scenario and its hash, resolved scenario, seed, version, command,
start, wall time, status) and its KPI rows (one per arm and KPI: a run's `""`, a comparison's
`baseline`, `reform` and `change`, a sweep's `cell N`, a study's `median`, `p05`, `p95`).
Each entry is written in one transaction, in WAL mode, so a killed writer leaves no half entry and
several processes may write at once. The default location is the user's data directory
(platformdirs); `SANDBOX_STORE` or `--store` moves it, and `SANDBOX_STORE=off` turns it off. The
history writes nowhere else: never into a file that is not already a run history (an SQLite
database), whatever a setting names.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("run", "compare", "sweep", "uncertainty", "sensitivity", "robust")
LEVEL_ARMS = ("", "reform", "median")
"""The arms whose rows are an entry's one figure of a KPI, in its unit (`headline`)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    scenario_hash TEXT,
    scenario TEXT,
    seed INTEGER,
    replications INTEGER,
    days INTEGER,
    version TEXT,
    command TEXT,
    started TEXT NOT NULL,
    wall_seconds REAL,
    status TEXT NOT NULL,
    error TEXT,
    out_dir TEXT,
    details TEXT
);
CREATE TABLE IF NOT EXISTS kpis (
    entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    arm TEXT NOT NULL,
    kpi TEXT NOT NULL,
    mean REAL,
    ci_low REAL,
    ci_high REAL,
    PRIMARY KEY (entry_id, arm, kpi)
);
"""


OFF = {"off", "none", "no", "false", "0"}
"""`SANDBOX_STORE` values that turn the run history off."""
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """The run history cannot be used where it was pointed (a one-line reason)."""


def enabled() -> bool:
    """Whether runs are recorded (`SANDBOX_STORE=off` turns the history off)."""
    return os.environ.get("SANDBOX_STORE", "").strip().lower() not in OFF


def default_path() -> Path:
    """`SANDBOX_STORE`, else `history.sqlite` in the user's data directory."""
    if os.environ.get("SANDBOX_STORE", "").strip() and enabled():
        return Path(os.environ["SANDBOX_STORE"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("exchange-sandbox", appauthor=False)) / "history.sqlite"


@dataclass(frozen=True)
class KpiRow:
    arm: str
    kpi: str
    mean: float
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class Entry:
    kind: str
    name: str
    status: str
    started: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    )
    scenario_hash: str | None = None
    scenario: str | None = None
    """The resolved scenario, as YAML."""
    seed: int | None = None
    replications: int | None = None
    days: int | None = None
    version: str | None = None
    command: str | None = None
    wall_seconds: float | None = None
    error: str | None = None
    out_dir: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


_COLUMNS = (
    "kind",
    "name",
    "scenario_hash",
    "scenario",
    "seed",
    "replications",
    "days",
    "version",
    "command",
    "started",
    "wall_seconds",
    "status",
    "error",
    "out_dir",
)


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


class RunStore:
    """The history database at `path` (created on first use)."""

    def __init__(self, path: Path | None = None) -> None:
        self.off = path is None and not enabled()
        """No path given and the history turned off: nothing is read or written."""
        self.path = path or default_path()

    def check(self) -> None:
        """Refuse a path that is something else than a run history (a folder, a user's file)."""
        path = self.path
        if path.is_dir():
            raise StoreError(
                f"{path}: is a folder; the run history is a file, e.g. {path}/h.sqlite"
            )
        if path.exists():
            with path.open("rb") as handle:
                if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                    raise StoreError(
                        f"{path}: not a run history (not an SQLite database); left alone"
                    )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self.off:
            raise StoreError("the run history is off (SANDBOX_STORE=off)")
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            yield db

    def record(self, entry: Entry, kpis: Sequence[KpiRow] = ()) -> int:
        """Add an entry and its KPIs in one transaction; returns its id."""
        values = [getattr(entry, c) for c in _COLUMNS]
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                cursor = db.execute(
                    f"INSERT INTO entries ({', '.join(_COLUMNS)}, details) "
                    f"VALUES ({', '.join('?' * (len(_COLUMNS) + 1))})",
                    [*values, json.dumps(dict(entry.details), default=str)],
                )
                entry_id = int(cursor.lastrowid or 0)
                db.executemany(
                    "INSERT INTO kpis VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (
                            entry_id,
                            k.arm,
                            k.kpi,
                            _number(k.mean),
                            _number(k.ci_low),
                            _number(k.ci_high),
                        )
                        for k in kpis
                    ],
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return entry_id

    def entries(self, limit: int | None = None, kind: str | None = None) -> list[Entry]:
        """Newest first."""
        query = f"SELECT id, details, {', '.join(_COLUMNS)} FROM entries"
        args: list[Any] = []
        if kind:
            query += " WHERE kind = ?"
            args.append(kind)
        query += " ORDER BY id DESC"
        if limit:
            query += " LIMIT ?"
            args.append(limit)
        with self._connect() as db:
            rows = db.execute(query, args).fetchall()
        return [self._entry(row) for row in rows]

    @staticmethod
    def _entry(row: Sequence[Any]) -> Entry:
        fields = dict(zip(_COLUMNS, row[2:], strict=True))
        return Entry(id=row[0], details=json.loads(row[1] or "{}"), **fields)

    def get(self, entry_id: int) -> Entry | None:
        with self._connect() as db:
            row = db.execute(
                f"SELECT id, details, {', '.join(_COLUMNS)} FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
        return self._entry(row) if row else None

    def kpis(self, entry_id: int) -> list[KpiRow]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT arm, kpi, mean, ci_low, ci_high FROM kpis WHERE entry_id = ? "
                "ORDER BY rowid",
                (entry_id,),
            ).fetchall()
        return [KpiRow(a, k, math.nan if m is None else m, lo, hi) for a, k, m, lo, hi in rows]

    def headline(
        self, entry_ids: Sequence[int], names: Sequence[str]
    ) -> dict[int, dict[str, float]]:
        """For several entries, the given KPIs of their one figure each: a run's, a comparison's
        reform, an uncertainty study's median. A sweep (a figure per cell) has none, and nor has
        a study whose rows are not KPI levels (a robust comparison's shares of worlds, a
        sensitivity study's indices), as the TUI's History shows them."""
        if not entry_ids:
            return {}
        marks = ",".join("?" * len(entry_ids))
        with self._connect() as db:
            rows = db.execute(
                f"SELECT entry_id, arm, kpi, mean FROM kpis WHERE entry_id IN ({marks}) "
                f"AND kpi IN ({','.join('?' * len(names))}) ORDER BY rowid",
                [*entry_ids, *names],
            ).fetchall()
        by_entry: dict[int, dict[str, dict[str, float]]] = {}
        for entry_id, arm, kpi, mean in rows:
            if mean is not None:
                by_entry.setdefault(entry_id, {}).setdefault(arm, {})[kpi] = mean
        out = {}
        for entry_id, arms in by_entry.items():
            arm = next((a for a in LEVEL_ARMS if a in arms), None)
            if arm is not None:
                out[entry_id] = arms[arm]
        return out
