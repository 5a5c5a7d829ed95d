"""Lesson mode: the lesson's text beside the dashboard, and the participant's answers, as typed.

Answers are kept in `runs/lesson-NN_name/answers.json` (and a readable `answers.md`) in the working
folder, which in a served workshop is the participant's own space: with their runs, where the
debrief finds them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label, Markdown, TextArea

from sim.workshop.lessons import Lesson
from tui.commands import Command
from tui.widgets.scrolling import VerticalScroll
from tui.widgets.text_input import TextBox

if TYPE_CHECKING:
    from tui.app import SandboxApp

ANSWERS = "answers.json"
LESSON_BINDINGS = [
    Binding("f2", "app.toggle_lesson", "Lesson", id="lesson.toggle"),
]
LESSON_COMMANDS = (
    Command(
        "lesson: show or hide",
        "The lesson's text and your answers, beside the Run dashboard (key f2)",
        "toggle_lesson",
    ),
)


def answers_folder(lesson: Lesson, root: Path = Path("runs")) -> Path:
    return root / f"lesson-{lesson.name}"


def load_answers(lesson: Lesson, root: Path = Path("runs")) -> list[str]:
    """The answers saved so far (one per question; empty strings where none)."""
    path = answers_folder(lesson, root) / ANSWERS
    questions = lesson.questions()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        by_question = {a["question"]: a["answer"] for a in saved.get("answers", [])}
    except (OSError, ValueError, KeyError, TypeError):
        by_question = {}
    return [str(by_question.get(q, "")) for q in questions]


def save_answers(
    lesson: Lesson, answers: list[str], participant: str = "", root: Path = Path("runs")
) -> Path:
    """Write answers.json and answers.md for the lesson; returns the JSON file."""
    folder = answers_folder(lesson, root)
    folder.mkdir(parents=True, exist_ok=True)
    questions = lesson.questions()
    pairs = [{"question": q, "answer": a} for q, a in zip(questions, answers, strict=False)]
    document = {
        "lesson": lesson.name,
        "title": lesson.title,
        "participant": participant,
        "saved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "answers": pairs,
    }
    path = folder / ANSWERS
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    temporary.replace(path)
    lines = [f"# {lesson.title}: answers of {participant or 'this session'}", ""]
    for number, pair in enumerate(pairs, 1):
        lines += [f"{number}. {pair['question']}", "", f"   {pair['answer'] or '(no answer)'}", ""]
    (folder / "answers.md").write_text("\n".join(lines), encoding="utf-8")
    return path


class LessonPanel(VerticalScroll):
    """The lesson's text, then a box per question; what is typed is saved a moment later."""

    DEFAULT_CSS = """
    LessonPanel {
        dock: right; width: 44%; max-width: 72; min-width: 30; height: 1fr;
        border-left: solid $primary; padding: 0 1; background: $surface;
    }
    LessonPanel Markdown { margin: 0; padding: 0; }
    LessonPanel .lesson-question { margin-top: 1; text-style: bold; }
    LessonPanel TextArea { height: 5; }
    """

    def __init__(self, lesson: Lesson, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self._pending: Any = None

    @property
    def workbench(self) -> SandboxApp:
        return cast("SandboxApp", self.app)

    def compose(self) -> ComposeResult:
        yield Markdown(self.lesson.text)
        answers = self.workbench.lesson_answers
        for number, question in enumerate(self.lesson.questions(), 1):
            yield Label(f"{number}. {question}", classes="lesson-question")
            yield TextBox(answers[number - 1], id=f"answer-{number}", soft_wrap=True)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        area = event.text_area
        if area.id and area.id.startswith("answer-"):
            number = int(area.id.split("-")[1])
            self.workbench.lesson_answers[number - 1] = area.text
            if self._pending is not None:
                self._pending.stop()
            self._pending = self.set_timer(0.8, self.workbench.save_lesson_answers)

    def on_unmount(self) -> None:
        if self._pending is not None:
            self.workbench.save_lesson_answers()
