"""Schedules typed as text in an editor field: read as dated rules, shown back in words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim import Simulation, load_scenario
from sim.errors import ScenarioError
from sim.fields import (
    FIELD_BY_PATH,
    changes,
    describe_change,
    field_value,
    parse_schedule,
    validate_edits,
    whatif_yaml,
)

BASELINE = Path(__file__).resolve().parents[2] / "configs" / "aifc_pilot_2022.yaml"
BLOCK = "banks.unlicensed_block_prob"


def test_schedule_text_reads_dates_years_and_months() -> None:
    assert parse_schedule("0.3, from 2023-01-01: 0.9") == ("0.3", [(dt.date(2023, 1, 1), "0.9")])
    assert parse_schedule("from 2023: 0.9; from 2024-4: 1") == (
        None,
        [(dt.date(2023, 1, 1), "0.9"), (dt.date(2024, 4, 1), "1")],
    )
    assert parse_schedule("0.9") is None
    assert parse_schedule("{2022-07-01: 0.3}") is None  # a YAML mapping: read as YAML
    with pytest.raises(ValueError, match="not a date"):
        parse_schedule("from 2023-02-30: 0.9")


def test_a_typed_schedule_gives_the_same_scenario_as_the_file_form() -> None:
    # the baseline blocks 0.3 from its start and 0.5 from the 2023-04-01 cooperation rules
    typed, problems = validate_edits(BASELINE, {BLOCK: "from 2023-04: 0.9"})
    mapping, _ = validate_edits(BASELINE, {BLOCK: "{2022-07-01: 0.3, 2023-04-01: 0.9}"})
    assert not problems and typed is not None and mapping is not None
    assert field_value(typed, BLOCK) == field_value(mapping, BLOCK)
    base = load_scenario(BASELINE)
    old, new = changes(base, typed)[BLOCK]
    assert describe_change(FIELD_BY_PATH[BLOCK], old, new) == (
        "0.3 → 0.9 from 2023-04-01 (baseline: 0.5 from 2023-04-01)"
    )


def test_a_schedule_replaces_the_baselines_schedule_of_that_field(tmp_path: Path) -> None:
    edits = {"miners.sale_share": "0, from 2024-01-01: 0.6"}
    scenario, problems = validate_edits(BASELINE, edits)
    assert not problems and scenario is not None
    value = field_value(scenario, "miners.sale_share")
    assert value.steps == ((dt.date(2024, 1, 1), 0.6),)  # the baseline's 0.75 from 2025 is gone
    target = tmp_path / "w.yaml"
    target.write_text(whatif_yaml(BASELINE, target, edits, "w"), encoding="utf-8")
    assert field_value(load_scenario(target), "miners.sale_share") == value


def test_one_value_in_place_of_a_schedule_holds_in_the_reason_trail_from_the_start(
    tmp_path: Path,
) -> None:
    # the what-if keeps the baseline's dates (0.9 at each), so its rule on 2023-04-01 sets 0.9
    # again: the trail must not date the value from then, as if it had been otherwise before
    target = tmp_path / "w.yaml"
    target.write_text(whatif_yaml(BASELINE, target, {BLOCK: "0.9"}, "w"), encoding="utf-8")
    whys = {}
    for name, path in (("what-if", target), ("baseline", BASELINE)):
        simulation = Simulation(load_scenario(path, ["run.days=300"]))  # past 2023-04-01
        simulation.run()
        whys[name] = simulation.world.why(BLOCK)
    assert whys == {
        "what-if": f"{BLOCK}=0.9 (since 2022-07-01)",
        "baseline": f"{BLOCK}=0.5 (since 2023-04-01)",  # a change keeps its date
    }


def test_a_bad_value_in_a_schedule_names_its_date() -> None:
    _, problems = validate_edits(BASELINE, {BLOCK: "from 2023-04: 1.5"})
    assert "2023-04-01" in problems[BLOCK] and "<= 1" in problems[BLOCK]


@pytest.mark.parametrize(
    "edits",
    [
        {"unlicensed.fee": "0.99", "unlicensed.p2p_premium": "0.02"},  # fees
        {"run.start_date": "9999-12-01", "run.days": "60"},  # the calendar
        {"market.btc_model": "csv"},  # a replayed price path with no file
        {"banks.edd_threshold": "900000000000 USD", "market.usd_kzt": "1000"},  # magnitudes
    ],
    ids=["fees", "calendar", "prices", "magnitudes"],
)
def test_the_editor_refuses_what_loading_the_file_refuses(edits: dict[str, str]) -> None:
    # the TUI's what-if once passed these (the engine then failed on them: a negative posting,
    # a date past the calendar, no price file): the checks across fields run for it too
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, [f"{path}={text}" for path, text in edits.items()])
    scenario, problems = validate_edits(BASELINE, edits)
    assert scenario is None and len(problems) == 1
    ((owner, message),) = problems.items()
    assert owner in edits and caught.value.problems[0].startswith(message)
