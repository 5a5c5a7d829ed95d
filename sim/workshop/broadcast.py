"""Shocks the facilitator fires into the whole room: a log every participant's app watches.

The facilitator's screen appends a line to `DIR/shocks.jsonl`; each participant's app notices new
lines (it reads the file once a second) and fires the shock into the simulation it is running, so
the room feels the same shock at once. Lines written before a participant joined are not fired.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.shocks import DEFAULT_SIZE

FILE = "shocks.jsonl"


def announce(workshop: Path, kind: str, by: str = "the facilitator") -> dict[str, Any]:
    """Fire `kind` into every participant's running simulation; returns the logged line."""
    if kind not in DEFAULT_SIZE:
        raise ScenarioError([f"no shock {kind!r}: one of {', '.join(DEFAULT_SIZE)}"])
    line = {"kind": kind, "by": by, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with open(workshop / FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
    return line


def announced(workshop: Path) -> list[dict[str, Any]]:
    """Every shock fired into the room so far, oldest first (unreadable lines skipped)."""
    try:
        text = (workshop / FILE).read_text(encoding="utf-8")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("kind") in DEFAULT_SIZE:
            found.append(entry)
    return found


class ShockFeed:
    """The room's shocks a participant has not seen yet (none from before they joined)."""

    def __init__(self, workshop: Path) -> None:
        self.workshop = workshop
        self.seen = len(announced(workshop))

    def new(self) -> list[dict[str, Any]]:
        found = announced(self.workshop)
        fresh, self.seen = found[self.seen :], len(found)
        return fresh
