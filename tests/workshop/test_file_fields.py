"""In a served workshop a participant cannot point a field at a file."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim.components.market
from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.workshop.join import JoinScreen


async def test_a_participant_cannot_point_a_field_at_a_file(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []  # a replayed price file is read when a scenario validates: not here
    monkeypatch.setattr(sim.components.market, "read_prices", lambda path, _: read.append(path))
    prices = tiny.parent / "prices.csv"  # beside the scenario: a folder it may read
    prices.write_text("date,price_usd\n2022-07-01,20000\n", encoding="utf-8")
    app = SandboxApp(tiny, blink=False, workshop=tmp_path / "room")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, JoinScreen))
        await pilot.press(*"Mallory", "enter")
        await wait_for(pilot, lambda: app.room.space is not None)
        app.edit("market.btc_csv", "/etc/passwd")
        await wait_for(pilot, lambda: not app.validating)
        assert "not editable in a workshop" in app.session.problems["market.btc_csv"]
        app.edit("market.btc_csv", str(prices))
        app.edit("market.btc_model", "csv")
        await wait_for(pilot, lambda: not app.validating)
        assert "not editable in a workshop" in app.session.problems["market.btc_csv"]
        assert not app.validate_now() and app.session.whatif is None
        app.action_run_start()
        assert app.runner.status == "idle" and read == []  # nothing ran, nothing was read
