"""The editor: every parameter is there; bad input is explained at the field and blocks a run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ruamel.yaml import YAML
from textual import events
from textual.widgets import Button, Input, OptionList

from sim.fields import FIELDS, field_value
from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.fieldtext import IDENTITY, sections
from tui.screens.editor import EditorScreen
from tui.widgets.changes import ChangesPanel
from tui.widgets.field import FieldEditor


async def type_into(app: SandboxApp, pilot: object, path: str, text: str) -> FieldEditor:
    screen = app.screen
    assert isinstance(screen, EditorScreen)
    editor = await screen.show_field(path)
    field = editor.query_one(Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: not app.validating)
    await pilot.pause()  # type: ignore[attr-defined]
    return editor


def test_every_parameter_has_a_place_in_the_editor() -> None:
    placed = {spec.path for _, specs in sections() for spec in specs}
    assert placed == {spec.path for spec in FIELDS if spec.path not in IDENTITY | {"rules"}}


async def test_invalid_value_shows_message_at_field_and_disables_run(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await type_into(app, pilot, "kyc.reviewers", "-3")
        assert "must be >= 0" in editor.problem
        assert editor.has_class("-invalid")
        assert app.screen.query_one("#run", Button).disabled
        assert app.check_action("run_restart", ()) is None  # shown, but disabled
        await pilot.press("ctrl+r")
        assert app.runner.status == "idle"
        sections_list = app.screen.query_one("#sections", OptionList)
        kyc = next(i for i, (name, _) in enumerate(sections()) if name == "kyc")
        assert "✗" in str(sections_list.get_option_at_index(kyc).prompt)


async def test_nothing_typed_is_lost_when_moving_between_sections(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "lots")
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        await screen.show_field("banks.partner_banks")
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "lots"
        assert app.session.edits == {"kyc.reviewers": "lots"}


async def test_fixing_the_value_enables_run_and_lists_the_change(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "-3")
        await type_into(app, pilot, "kyc.reviewers", "5")
        assert not app.screen.query_one("#run", Button).disabled
        assert app.session.changed() == {"kyc.reviewers": (50, 5)}
        panel = str(app.screen.query_one(ChangesPanel).render())
        assert "reviewers" in panel and "50 → 5" in panel


async def test_saved_whatif_extends_baseline_with_only_changes_and_reloads(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "5")
        await type_into(app, pilot, "population.patience_mean", "2d")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        app.screen.query_one("#save-name", Input).value = ""
        await pilot.press(*"more reviewers", "enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        path = workdir / "whatifs" / "more-reviewers.yaml"
        assert app.session.saved_to == Path("whatifs/more-reviewers.yaml")
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert (workdir / "whatifs" / data["extends"]).resolve() == tiny.resolve()
        assert data["kyc"] == {"reviewers": 5}
        assert data["population"] == {"patience_mean": "2d"}
        assert set(data) == {"extends", "name", "description", "kyc", "population"}

        app.session.reset()
        assert app.open_scenario(path)
        await pilot.pause()
        assert app.session.base_path.resolve() == tiny.resolve()
        assert app.session.edits == {"kyc.reviewers": "5", "population.patience_mean": "2d"}
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "5"


async def test_opening_another_scenario_shows_its_values_as_the_baseline(
    tiny: Path, workdir: Path
) -> None:
    other = workdir / "other.yaml"
    other.write_text(tiny.read_text().replace("reviewers: 50", "reviewers: 7"), encoding="utf-8")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        await screen.show_field("kyc.reviewers")
        assert app.open_scenario(other)
        await pilot.pause(0.3)
        editor = await screen.show_field("kyc.reviewers")
        assert editor.query_one(Input).value == "7"
        assert editor.baseline == "7"


async def test_run_button_runs_the_whatif_on_the_dashboard(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "4")
        await pilot.click("#run")
        await wait_for(pilot, lambda: app.run_state.status == "finished")
        assert app.current_mode == "dashboard"
        assert app.runner.scenario is not None and app.runner.scenario.kyc.reviewers == 4


async def test_a_schedule_is_entered_in_a_field_and_listed_in_words(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        # the baseline blocks 0.3, then 0.5 from 2023-04-01: the typed schedule replaces both
        await type_into(app, pilot, "banks.unlicensed_block_prob", "0.3, from 2023-01-01: 0.9")
        assert app.session.valid
        value = field_value(app.session.whatif, "banks.unlicensed_block_prob")
        assert (value.start, value.steps) == (0.3, ((dt.date(2023, 1, 1), 0.9),))
        panel = str(app.screen.query_one(ChangesPanel).render())
        assert "0.3 → 0.9 from 2023-01-01 (baseline: 0.5 from 2023-04-01)" in panel
        assert "{" not in panel and "DatedRule" not in panel


async def test_a_short_schedule_keeps_the_baseline_start_and_reads_a_year_as_its_first_day(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "banks.unlicensed_block_prob", "from 2023: 0.9")
        assert app.session.valid
        assert app.session.whatif.banks.unlicensed_block_prob == 0.3
        editor = await type_into(app, pilot, "banks.unlicensed_block_prob", "from 2023-13: 0.9")
        assert "not a date" in (editor.problem or "")


async def test_saved_whatif_with_a_schedule_holds_only_that_change(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "banks.unlicensed_block_prob", "from 2023-01-01: 0.9")
        path = app.session.save("block more")
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        assert set(data) == {"extends", "name", "description", "banks"}  # no copied `rules:`
        assert "miners" not in data
        app.session.reset()
        assert app.open_scenario(path)
        assert app.session.edits == {"banks.unlicensed_block_prob": "0.3, from 2023-01-01: 0.9"}
        assert set(app.session.changed()) == {"banks.unlicensed_block_prob"}


async def test_focus_leaves_the_field_after_saving_so_digits_switch_screens(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await type_into(app, pilot, "kyc.reviewers", "4")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        await pilot.pause(0.2)
        assert not isinstance(app.focused, Input)
        await pilot.press("4")
        await pilot.pause()
        assert app.current_mode == "compare"
        assert editor.query_one(Input).value == "4"  # the digit did not go into the field


async def test_digits_typed_in_a_field_stay_in_the_field(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await type_into(app, pilot, "kyc.reviewers", "14")
        assert app.current_mode == "editor"
        assert editor.query_one(Input).value == "14"


async def test_save_key_works_on_every_screen_once_there_is_a_whatif(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.screen.query("#save-name")  # nothing to save yet: the key does nothing
        await pilot.press("2")
        await type_into(app, pilot, "kyc.reviewers", "4")
        for key in ("escape", "3", "ctrl+s"):
            await pilot.press(key)
        await wait_for(pilot, lambda: app.screen.query("#save-name"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.saved_to is not None)
        assert (workdir / app.session.saved_to).exists()


async def test_find_goes_to_a_parameter_by_name_with_its_value_selected(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+f", *"reviewers")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.focused, "id", "") == "in-kyc--reviewers")
        await pilot.press("4")  # the text was selected: typing replaces it
        await wait_for(pilot, lambda: app.session.valid and app.session.edits)
        assert app.session.edits == {"kyc.reviewers": "4"}


async def test_dated_values_editor_writes_a_schedule_into_the_field(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        editor = await screen.show_field("banks.unlicensed_block_prob")
        editor.query_one(Input).focus()
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: app.screen.query("#schedule-start"))
        # the baseline's own step (0.5 from 2023-04-01) is a row; focus is on the blank row's date
        await pilot.press(*"2024-01-01", "tab", *"0.9")
        await pilot.pause()
        assert app.screen.query("DatedRow").last().values() == ("", "")  # a blank row was added
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.valid and app.session.edits)
        assert editor.query_one(Input).value == "0.3, from 2023-04-01: 0.5, from 2024-01-01: 0.9"
        panel = str(screen.query_one(ChangesPanel).render())
        assert "0.3 → 0.5 from 2023-04-01, 0.9 from 2024-01-01" in panel


async def _save_as(app: SandboxApp, pilot: object, name: str) -> None:
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: app.screen.query("#save-name"))
    app.screen.query_one("#save-name", Input).value = name
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def test_a_save_that_fails_is_a_message_on_screen_and_the_app_goes_on(
    tiny: Path, workdir: Path
) -> None:
    (workdir / "whatifs").write_text("a file where the what-if folder should be")
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "5")
        await _save_as(app, pilot, "more reviewers")
        await wait_for(pilot, lambda: any(n.title == "Not saved" for n in app._notifications))
        assert app.session.saved_to is None and app.is_running
        (workdir / "whatifs").unlink()
        await _save_as(app, pilot, "more reviewers")  # the same app, once the folder can be made
        await wait_for(pilot, lambda: app.session.saved_to is not None)


async def test_a_very_long_whatif_name_saves_under_a_short_file_name(
    tiny: Path, workdir: Path
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(app, pilot, "kyc.reviewers", "5")
        await _save_as(app, pilot, "a " * 400)
        await wait_for(pilot, lambda: app.session.saved_to is not None)
    saved = workdir / app.session.saved_to
    assert saved.exists() and len(saved.name) <= 85 and saved.parent == workdir / "whatifs"


async def test_title_shows_the_scenarios_own_name_until_something_changes(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        title = str(app.screen.query_one("#editor-title").render())
        assert title.startswith("tiny · no changes yet") and "whatif" not in title
        await type_into(app, pilot, "kyc.reviewers", "4")
        title = str(app.screen.query_one("#editor-title").render())
        assert title.startswith("tiny-whatif: what-if on tiny · 1 change")


async def test_a_team_is_typed_in_real_analysts_and_its_help_says_how_it_is_sampled(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)  # tiny: one simulated person stands for 200
    async with app.run_test(size=(120, 40)) as pilot:
        editor = await type_into(app, pilot, "kyc.reviewers", "400")
        panel = str(app.screen.query_one(ChangesPanel).render())
        assert "KYC › reviewers: " in panel and "→ 400" in panel
        help_text = editor.help_text()
        assert "Manual-review analysts: real ones" in help_text
        assert "People are simulated 1 in 200" in help_text
        assert "400 here work as 2 simulated KYC analysts" in help_text


async def test_an_empty_optional_value_reads_not_set_and_typing_not_set_empties_it(
    tiny: Path,
) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        editor = await screen.show_field("banks.monthly_cap_per_person")
        assert editor.query_one(Input).value == "not set" and editor.baseline == "not set"
        await type_into(app, pilot, "banks.monthly_cap_per_person", "1000 USD")
        assert app.session.valid
        panel = str(app.screen.query_one(ChangesPanel).render())
        assert "not set → 1_000 USD" in panel and "null" not in panel
        for words in ("not set", "none"):
            await type_into(app, pilot, "banks.monthly_cap_per_person", words)
            assert app.session.valid and app.session.changed() == {}


async def test_the_baseline_column_shows_whole_values_at_120x40(tiny: Path) -> None:
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, EditorScreen)
        for path in ("population.nonresident_share", "population.income_median_month"):
            editor = await screen.show_field(path)
            await pilot.pause(0.2)
            base = editor.query_one(".field-base")
            assert base.display and base.region.width > 0
            assert not editor.parent.has_class("-no-base")  # type: ignore[union-attr]
            text = str(base.render())
            assert text.strip() == editor.baseline and base.size.width >= len(editor.baseline)


async def test_keys_typed_in_a_burst_land_in_the_order_they_came(tiny: Path) -> None:
    """Three backspaces and "0.6" over "0.5", coming at once as a terminal passes on a fast
    typist's keys (or tmux, or a browser, a burst of them): the field reads 0.6. Textual runs the
    input's backspace only once the key has gone up to the app, so the characters went in first
    and the deletions after, and the field read 0.5 again."""
    app = SandboxApp(tiny, blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await type_into(app, pilot, "banks.unlicensed_block_prob", "0.5")
        field = editor.query_one(Input)
        assert field.has_focus and field.value == "0.5"
        driver = app._driver
        assert driver is not None
        for key, character in [
            *[("backspace", None)] * 3,
            ("0", "0"),
            ("full_stop", "."),
            ("6", "6"),
        ]:
            event = events.Key(key, character)
            event.set_sender(app)
            driver.send_message(event)  # as the driver does for keys read together: no wait
        await wait_for(
            pilot, lambda: app.session.edits.get("banks.unlicensed_block_prob") == "0.6", 10
        )
        await wait_for(pilot, lambda: not app.validating)
        assert field.value == "0.6"
