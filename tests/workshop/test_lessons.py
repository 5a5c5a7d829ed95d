"""Workshop lessons: each is a valid short scenario with a text, and its changes move the KPIs the
way its text tells the facilitator they will."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import compare
from sim.loader import ScenarioError
from sim.workshop.lessons import find_lesson, lessons, parse_lesson

LESSONS = lessons()


def test_there_are_at_least_five_lessons_each_with_goal_change_questions_and_answer() -> None:
    assert len(LESSONS) >= 5
    for lesson in LESSONS:
        assert lesson.scenario_path.is_file()
        for heading in ("**Goal.**", "**What to change.**", "**Expected direction"):
            assert heading in lesson.text, (lesson.name, heading)
        assert 2 <= len(lesson.questions()) <= 3, lesson.name
        assert lesson.scenario().run.days <= 180  # short: a room runs it in seconds


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_each_lesson_change_moves_the_kpis_the_way_its_text_expects(lesson: object) -> None:
    from sim.workshop.lessons import Lesson

    assert isinstance(lesson, Lesson)
    base = lesson.scenario()  # the lesson as the room runs it (a shorter run can differ)
    for variant in lesson.variants:
        comparison = compare(base, lesson.scenario(variant.overrides()), 2, 1)
        for kpi, direction in variant.expect.items():
            change = comparison.changes[kpi].difference.mean
            assert (change > 0) if direction == "up" else (change < 0), (variant.name, kpi, change)


def test_a_lesson_is_found_by_file_name_short_name_or_number() -> None:
    first = LESSONS[0]
    short = first.name.split("_", 1)[1]
    assert find_lesson(first.name) == find_lesson(short) == find_lesson("1") == first
    with pytest.raises(ScenarioError, match="no lesson 'nope'"):
        find_lesson("nope")


def _lesson(folder: Path, front: str) -> Path:
    (folder / "01_x.yaml").write_text("name: x\nrun: {days: 10}\n", encoding="utf-8")
    path = folder / "01_x.md"
    path.write_text(f"---\ntitle: x\n{front}goal: {{kpi: capital_outflow_kzt}}\n---\nx\n")
    return path


def test_a_lesson_with_an_unknown_kpi_or_an_impossible_change_is_refused(tmp_path: Path) -> None:
    unknown_kpi = "variants:\n  - {name: v, set: {kyc.reviewers: 3}, expect: {outflow: down}}\n"
    with pytest.raises(ScenarioError, match="unknown KPI 'outflow'"):
        parse_lesson(_lesson(tmp_path, unknown_kpi))
    bad_path = "variants:\n  - {name: v, set: {kyc.reviewrs: 3}, expect: {}}\n"
    with pytest.raises(ScenarioError, match=r"kyc\.reviewrs"):
        parse_lesson(_lesson(tmp_path, bad_path))
