"""The "changes vs baseline" panel: every edited value, with its baseline and any problem."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from sim.fields import FIELD_BY_PATH
from tui.fieldtext import field_label, section_title


class ChangesPanel(Static):
    """Lists the edits; invalid ones in the error colour with their message."""

    def show(
        self,
        edits: Mapping[str, str],
        baseline: Mapping[str, str],
        problems: Mapping[str, str],
        described: Mapping[str, str] | None = None,
    ) -> None:
        """`described`: each valid change in words (`0.3 → 0.9 from 2023-01-01`)."""
        described = described or {}
        lines = []
        if not edits and not problems.get(""):
            lines.append(
                Content.styled("No changes yet: edit a value to make a what-if.", "$text-muted")
            )
        for path, value in edits.items():
            spec = FIELD_BY_PATH[path]
            line = Content(f"{section_title(spec.section)} › {field_label(spec)}: ")
            if path in described and path not in problems:
                old, _, new = described[path].partition(" → ")
                line += Content.styled(f"{old} → ", "$text-muted") + Content.styled(new, "bold")
                lines.append(line)
                continue
            line += Content.styled(f"{baseline[path]} → ", "$text-muted")
            if path in problems:
                line += Content.styled(value or "(empty)", "bold $text-error")
                line += Content.styled(f"  ✗ {problems[path]}", "$text-error")
            else:
                line += Content.styled(value, "bold")
            lines.append(line)
        if problems.get(""):
            lines.append(Content.styled(f"✗ {problems['']}", "$text-error"))
        self.update(Content("\n").join(lines))
