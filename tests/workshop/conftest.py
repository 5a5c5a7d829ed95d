"""Fixtures for the workshop tests: the TUI tests' tiny scenario and scratch folder."""

import pytest

from tests.tui.conftest import tiny, workdir

__all__ = ["tiny", "workdir"]


@pytest.fixture(autouse=True)
def _room_reads_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Joining a room confines what scenarios this process may read (`tui.session.confine`): give
    each test its own list, so no test leaves the next one confined to a deleted space."""
    from tui import session

    monkeypatch.setattr(session, "ROOM_READS", [])
