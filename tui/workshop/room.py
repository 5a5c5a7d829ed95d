"""The app's place in a served room: who the participant is, their space, the room's run slots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sim.workshop import RunSlots, Space, claim_space
from sim.workshop.broadcast import ShockFeed
from tui.session import confine

SESSION_ENV = "SANDBOX_SESSION"
"""Environment variable: the served participant's session id (names their default save; set by
`tui.workshop.serve` for each participant's app)."""

FILE_FIELDS = frozenset({"market.btc_csv"})
"""Fields whose value is a path: a served participant may not point them anywhere."""


REPLICATIONS = ".replications"
"""The room's shared replications, under the workshop folder."""


class Room:
    """Outside a workshop: no space and no cap; the owner (default save name) is the session id."""

    def __init__(
        self,
        workshop: Path | None = None,
        max_runs: int | None = None,
        session_id: str = "",
        scenario: Path | None = None,
    ) -> None:
        self.workshop = workshop.resolve() if workshop is not None else None
        self.scenario = scenario.resolve() if scenario is not None else None
        """The room's scenario: what a participant's what-ifs extend."""
        self.slots = RunSlots(self.workshop, max_runs) if self.workshop is not None else None
        self.replications = self.workshop / REPLICATIONS if self.workshop is not None else None
        """Where the room's apps share the baselines' replications (`sim.remembered`): the
        lesson's baseline runs once for the room, not once for each participant."""
        self.space: Space | None = None
        self.owner = session_id
        """Names the participant's default saves, so two participants never pick the same one."""
        self.feed: ShockFeed | None = None
        """The shocks the facilitator fires into the room, from the moment the participant joins."""

    def refuses(self, path: str) -> str | None:
        """Why a participant may not edit this field here (fields naming files), or None."""
        if self.workshop is not None and path in FILE_FIELDS:
            return "names a file: not editable in a workshop (participants read only their space)"
        return None

    @property
    def needs_name(self) -> bool:
        return self.workshop is not None and self.space is None

    def join(self, name: str) -> Space:
        """Claim the participant's space and work inside it from now on (what-ifs, runs)."""
        assert self.workshop is not None
        space = claim_space(self.workshop, name)
        os.chdir(space.root)
        confine([space.root, *([self.scenario] if self.scenario is not None else [])])
        self.space, self.owner = space, space.name
        self.feed = ShockFeed(self.workshop)
        return space

    def new_shocks(self) -> list[dict[str, Any]]:
        """Shocks the facilitator fired into the room since the last look."""
        return self.feed.new() if self.feed is not None else []
