"""`sandbox debrief DIR` and `sandbox scoreboard DIR`: the room's what-ifs, changes and answers."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from sim import compare
from sim.cli import app
from sim.workshop import claim_space
from sim.workshop.debrief import read_room, scoreboard, write_debrief
from sim.workshop.lessons import find_lesson
from tui.exports import keep_for_debrief
from tui.workshop.lesson import save_answers

LESSON = find_lesson("01_kyc_bottleneck")
SHORT = ["run.days=30"]


def room_of_two(workshop: Path) -> None:
    """Aida has four times the analysts, Bek twice; both compare; Aida answers a question."""
    base = LESSON.scenario(SHORT)
    for name, reviewers in (("Aida", 200), ("Bek", 100)):
        space = claim_space(workshop, name)
        reform = LESSON.scenario([*SHORT, f"kyc.reviewers={reviewers}", f"name={name}-whatif"])
        keep_for_debrief(compare(base, reform, 2, 1), space.root / "runs")
        if name == "Aida":
            save_answers(LESSON, ["they wait", "unlicensed", ""], name, space.root / "runs")
        space.release()


def test_the_debrief_has_every_participant_their_changes_answers_and_a_ranking(
    tmp_path: Path,
) -> None:
    room = tmp_path / "room"
    room_of_two(room)
    md, page = write_debrief(room)
    text = md.read_text(encoding="utf-8")
    assert LESSON.title in text and "### Aida" in text and "### Bek" in text
    assert "kyc.reviewers" in text and "unlicensed" in text  # the change and an answer
    assert re.search(r"\| 1 \| Aida \|", text)  # four times the analysts: fewest abandon
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<table>" in html
    assert not re.search(r"""(src|href)=["']https?:""", html)  # self-contained


def test_the_scoreboard_ranks_on_the_goal_and_leaves_out_whoever_breaks_its_limit(
    tmp_path: Path,
) -> None:
    room = tmp_path / "room"
    room_of_two(room)
    board = scoreboard(read_room(room), LESSON.goal)
    assert [(rank, person.name) for rank, person, _ in board] == [(1, "Aida"), (2, "Bek")]
    strict = type(LESSON.goal)(LESSON.goal.kpi, "down", "kyc_wait_mean_h", 0.001)
    assert all(rank is None for rank, _, _ in scoreboard(read_room(room), strict))
    result = CliRunner().invoke(app, ["scoreboard", str(room)])
    assert result.exit_code == 0 and "Aida" in result.output


def test_debrief_of_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["debrief", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and result.output.count("error:") == 1
