"""Participant spaces: one folder per participant under a workshop folder, held while they work.

A space is `DIR/<name>/`, named after the participant (sanitised to a plain folder name). A live
participant holds a lock on their space, so a second browser tab that gives the same name gets
`<name>-2`; after a reload the lock is free again and the participant finds their what-ifs back.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MAX_NAME = 40
"""Longest participant folder name."""
INFO = "participant.json"
"""The file in each space that says whose it is and when they joined."""
LOCK = ".lock"


def participant_name(text: str) -> str:
    """A participant's name as a folder name: letters, digits, '_' and '-', nothing else."""
    name = re.sub(r"[^\w-]+", "-", text.strip(), flags=re.ASCII).strip("-_")[:MAX_NAME]
    return name.strip("-_").lower()


@dataclass
class Space:
    """A participant's folder (their what-ifs, runs and answers), locked while they work in it."""

    root: Path
    name: str
    display: str
    _lock: IO[str] | None = field(default=None, repr=False)

    def release(self) -> None:
        """Let go of the space (the process ending does the same)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def contains(self, path: Path) -> bool:
        """Whether `path` (resolved, symlinks included) lies inside this space."""
        return path.resolve().is_relative_to(self.root.resolve())


def _try_lock(folder: Path) -> IO[str] | None:
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / LOCK, "a", encoding="utf-8")  # noqa: SIM115 - held for the session
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def claim_space(workshop: Path, display: str) -> Space:
    """Participant `display`'s space under `workshop`: theirs, or `<name>-2`… if that is in use."""
    base = participant_name(display)
    if not base:
        raise ValueError("a name needs at least one letter or digit")
    workshop = workshop.resolve()
    for number in range(1, 1000):
        name = base if number == 1 else f"{base}-{number}"
        folder = workshop / name
        if folder.is_symlink():
            continue  # never follow a link out of the workshop folder
        handle = _try_lock(folder)
        if handle is None:
            continue
        joined = dt.datetime.now(dt.UTC).isoformat()
        info = {"name": display.strip(), "joined": joined, "pid": os.getpid()}
        (folder / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        return Space(folder, name, display.strip(), handle)
    raise RuntimeError(f"no free space for {display!r} under {workshop}")


def spaces(workshop: Path) -> list[Space]:
    """Every participant space under `workshop` (unlocked views, for the facilitator, debrief)."""
    found = []
    for info in sorted(workshop.glob(f"*/{INFO}")):
        try:
            display = str(json.loads(info.read_text(encoding="utf-8")).get("name", ""))
        except (OSError, ValueError):
            display = info.parent.name
        found.append(Space(info.parent, info.parent.name, display or info.parent.name))
    return found
