"""`sandbox tui --lesson NAME`: the lesson beside the dashboard, answers saved with the runs."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import TextArea

from sim.workshop.lessons import find_lesson
from tests.tui.conftest import wait_for
from tui.app import SandboxApp
from tui.workshop.lesson import LessonPanel


async def test_the_lesson_sits_beside_the_dashboard_and_answers_are_saved_as_typed(
    tmp_path: Path,
) -> None:
    lesson = find_lesson("01_kyc_bottleneck")
    app = SandboxApp(blink=False, lesson=lesson, start_mode="dashboard")
    async with app.run_test(size=(160, 48)) as pilot:
        assert app.session.base_path == lesson.scenario_path.resolve()  # the lesson's world
        panel = app.screen.query_one(LessonPanel)
        assert panel.display and lesson.questions()[0][:20] in str(
            [str(label.render()) for label in panel.query("Label")]
        )
        area = panel.query_one("#answer-2", TextArea)
        area.focus()
        await pilot.press(*"most go unlicensed")
        saved = Path("runs") / f"lesson-{lesson.name}" / "answers.json"

        def answered() -> bool:
            return saved.is_file() and "unlicensed" in saved.read_text(encoding="utf-8")

        await wait_for(pilot, answered)
        document = json.loads(saved.read_text(encoding="utf-8"))
        assert document["lesson"] == lesson.name
        assert document["answers"][1] == {
            "question": lesson.questions()[1],
            "answer": "most go unlicensed",
        }
        await pilot.press("f2")  # hides the lesson to give the charts room
        assert not panel.display


async def test_answers_already_saved_come_back_when_the_lesson_reopens(tmp_path: Path) -> None:
    from tui.workshop.lesson import save_answers

    lesson = find_lesson("2")
    save_answers(lesson, ["", "", "keep the cap"], "Dana")
    app = SandboxApp(blink=False, lesson=lesson, start_mode="dashboard")
    async with app.run_test(size=(160, 48)):
        area = app.screen.query_one("#answer-3", TextArea)
        assert area.text == "keep the cap"
