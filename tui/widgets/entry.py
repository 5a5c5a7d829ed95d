"""One run-history entry as the History screen shows it: its KPIs and its manifest, read only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from sim.formatting import DASH, format_change, format_interval, format_value, label
from sim.history import scenario_changes
from sim.report import METHOD
from sim.store import LEVEL_ARMS, Entry, KpiRow, RunStore
from tui.screens.compare import HEADERS, ordered
from tui.widgets.scrolling import DataTable, VerticalScroll
from tui.widgets.tiles import KpiTiles


@dataclass(frozen=True)
class Opened:
    """What the store holds for one entry (or for two, diffed): read in a worker thread."""

    entry: Entry
    rows: list[KpiRow]
    other: Entry | None = None
    other_rows: list[KpiRow] = field(default_factory=list)


def read_entry(path: Path, entry_id: int, other_id: int | None = None) -> Opened | str:
    """The entry (and another, to diff) with its KPIs; a one-line reason when it cannot be read."""
    try:
        store = RunStore(path)
        store.check()
        entry = store.get(entry_id)
        other = store.get(other_id) if other_id is not None else None
        if entry is None or (other_id is not None and other is None):
            return f"entry {entry_id if entry is None else other_id} is no longer in {path}"
        other_rows = store.kpis(other_id) if other_id is not None else []
        return Opened(entry, store.kpis(entry_id), other, other_rows)
    except Exception as error:  # a locked, damaged or foreign file: say so, keep the app
        return f"{path}: cannot read the run history ({error})"


def when(entry: Entry) -> str:
    """`2026-11-29 18:30 UTC` (entries are stamped in UTC)."""
    return entry.started.replace("T", " ")[:16] + " UTC"


def wall(entry: Entry) -> str:
    seconds = entry.wall_seconds
    if seconds is None:
        return DASH
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def by_arm(rows: Sequence[KpiRow]) -> dict[str, dict[str, KpiRow]]:
    arms: dict[str, dict[str, KpiRow]] = {}
    for row in rows:
        arms.setdefault(row.arm, {})[row.kpi] = row
    return arms


def main_arm(rows: Sequence[KpiRow]) -> dict[str, KpiRow]:
    """The arm a single figure stands for: a run's, a comparison's what-if, a study's median."""
    arms = by_arm(rows)
    arm = next((a for a in LEVEL_ARMS if a in arms), next(iter(arms), ""))
    return arms.get(arm, {})


def interval(row: KpiRow, signed: bool = False) -> str:
    ci = (row.ci_low, row.ci_high) if row.ci_low is not None and row.ci_high is not None else None
    return format_interval(row.kpi, ci, signed)


def value(row: KpiRow | None, signed: bool = False) -> str:
    return DASH if row is None or math.isnan(row.mean) else format_value(row.kpi, row.mean, signed)


class EntryView(VerticalScroll):
    """A recorded run, comparison or study: its KPIs as the Run and Compare screens show them,
    then its manifest. Nothing is re-run."""

    def compose(self) -> ComposeResult:
        yield Static("", id="entry-head")
        yield KpiTiles(id="entry-tiles")
        yield DataTable(id="entry-kpis", cursor_type="none", zebra_stripes=True, show_cursor=False)
        yield Static("", id="entry-manifest")

    def show(self, opened: Opened) -> None:
        entry = opened.entry
        tiles = self.query_one(KpiTiles)
        table = self.query_one("#entry-kpis", DataTable)
        table.clear(columns=True)
        tiles.display = entry.kind == "run" and opened.other is None
        if opened.other is not None:
            head, notes = self._diff(opened, table)
        elif entry.kind == "run":
            kpis = main_arm(opened.rows)
            tiles.show({name: row.mean for name, row in kpis.items()})
            head, notes = self._run(opened, table), []
        elif entry.kind == "compare":
            head, notes = self._comparison(opened, table)
        else:
            head, notes = self._study(opened, table), []
        table.display = table.row_count > 0
        self.query_one("#entry-head", Static).update(head)
        self.query_one("#entry-manifest", Static).update(
            "\n".join([*notes, *([""] if notes else []), *manifest(entry)])
        )
        self.scroll_home(animate=False)

    def _fill(
        self,
        table: DataTable[Text],
        headers: list[str],
        rows: list[list[str]],
        bold: frozenset[int] | set[int] = frozenset(),
    ) -> None:
        """KPIs in plain words with units; columns sized to their content and the room (when the
        last two do not fit side by side, the last goes under the one before, as in Compare)."""
        room = max(40, (self.size.width or self.screen.size.width) - 4)  # padding, scrollbar
        sizes, merged = widths(headers, rows, room)
        if merged:
            headers = [*headers[:-2], f"{headers[-2]}, {headers[-1].replace(' of change', '')}"]
            rows = [[*r[:-2], f"{r[-2]}\n{r[-1]}"] for r in rows]
        for header, width in zip(headers, sizes, strict=True):
            table.add_column(header, width=width)
        for index, row in enumerate(rows):
            style = "bold" if index in bold else ""
            cells = [Text(row[0], style=style)]
            cells += [Text(c, style=style, justify="right") for c in row[1:]]
            table.add_row(*cells, height=None)

    def _run(self, opened: Opened, table: DataTable[Text]) -> str:
        entry = opened.entry
        reps = entry.replications or 1
        kpis = main_arm(opened.rows)
        rows = [[label(n), value(kpis[n]), interval(kpis[n])] for n in ordered(list(kpis))]
        self._fill(table, ["KPI", "mean" if reps > 1 else "value", "95% CI"], rows)
        return title(entry) + f"\n{reps} replication{'s' * (reps != 1)}, nothing re-run"

    def _comparison(self, opened: Opened, table: DataTable[Text]) -> tuple[str, list[str]]:
        entry = opened.entry
        arms = by_arm(opened.rows)
        base, reform, change = (arms.get(a, {}) for a in ("baseline", "reform", "change"))
        stars = entry.details.get("significant")
        rows, bold = [], set()
        for name in ordered(list(change or reform)):
            significant = isinstance(stars, list) and name in stars
            diff, before = change.get(name), base.get(name)
            rows.append(
                [
                    ("★ " if significant else "  ") + label(name),
                    value(before),
                    value(reform.get(name)),
                    format_change(name, diff.mean, before.mean if before else None)
                    if diff
                    else DASH,
                    interval(diff, signed=True) if diff else DASH,
                ]
            )
            if significant:
                bold.add(len(rows) - 1)
        self._fill(table, list(HEADERS), rows, bold)
        reps = entry.replications or 0
        head = title(entry) + (
            f"\nwhat-if {escape(entry.name.split(' vs ')[0])} vs baseline "
            f"{escape(str(entry.details.get('baseline', '')))}, {reps} paired replications"
        )
        notes = [
            f"[dim]★ {METHOD}.[/]"
            if stars is not None
            else "[dim]no ★: recorded before significance was kept[/]"
        ]
        edits = scenario_changes(entry.details.get("baseline_scenario"), entry.scenario)
        if edits is not None:
            notes += ["", "[b]What the what-if changes[/]"]
            notes += [f"  {escape(line)}" for line in edits] or ["  nothing: the same scenario"]
        return head, notes

    def _study(self, opened: Opened, table: DataTable[Text]) -> str:
        entry = opened.entry
        arms = by_arm(opened.rows)
        if entry.kind == "robust" and {"falls", "median change"} <= set(arms):
            rows = []
            for name in ordered(list(arms["falls"])):
                falls = arms["falls"][name].mean
                share = DASH if math.isnan(falls) else f"{100 * falls:.0f}%"
                rows.append([label(name), share, value(arms["median change"].get(name), True)])
            self._fill(table, ["KPI", "falls in (worlds)", "median change"], rows)
        elif {"median", "p05", "p95"} <= set(arms):
            rows = []
            for name in ordered(list(arms["median"])):
                low, high = arms["p05"].get(name), arms["p95"].get(name)
                spread = f"[{value(low)}, {value(high)}]" if low and high else DASH
                rows.append([label(name), value(arms["median"][name]), spread])
            self._fill(table, ["KPI", "median", "90% interval"], rows)
        folder = entry.out_dir or "no folder recorded"
        cells = entry.details.get("cells")
        size = f"{cells} cells, " if cells else ""
        return title(entry) + (
            f"\n{size}{entry.replications or 0} replications each; its results are in "
            f"[b]{escape(folder)}[/]"
        )

    def _diff(self, opened: Opened, table: DataTable[Text]) -> tuple[str, list[str]]:
        first, second = opened.entry, opened.other
        assert second is not None
        ka, kb = main_arm(opened.rows), main_arm(opened.other_rows)
        rows = []
        for name in ordered(list(dict.fromkeys([*ka, *kb]))):
            a, b = ka.get(name), kb.get(name)
            change = b.mean - a.mean if a and b else math.nan
            rows.append(
                [
                    label(name),
                    value(a),
                    value(b),
                    format_change(name, change, a.mean if a else None),
                ]
            )
        self._fill(table, ["KPI", f"#{first.id}", f"#{second.id}", "change"], rows)
        head = (
            f"[b]#{second.id} vs #{first.id}[/]: {escape(second.name)} ({second.kind}) vs "
            f"{escape(first.name)} ({first.kind}); a comparison stands for its what-if, a "
            "study for its median"
        )
        edits = scenario_changes(first.scenario, second.scenario)
        notes = [f"[b]Scenario changes, #{first.id} → #{second.id}[/]"]
        if edits is None:
            notes.append("  not readable (recorded by another version)")
        else:
            notes += [f"  {escape(line)}" for line in edits] or ["  none: the same scenario"]
        return head, notes


def widths(headers: list[str], rows: list[list[str]], room: int) -> tuple[list[int], bool]:
    """Column widths that fit `room` cells: numbers at their widest, the KPI's words in what is
    left (wrapping); `True` when the last two columns must share one (the second under the first).
    """
    count = len(headers)
    sized = [max([len(headers[i])] + [len(r[i]) for r in rows]) for i in range(1, count)]
    longest = max([len(r[0]) for r in rows] + [3])
    left = room - sum(w + 2 for w in sized) - 2
    if left >= min(longest, 28) or count < 4:
        return [max(10, min(longest, left)), *sized], False
    last = max(sized[-2], sized[-1])
    sized = [*sized[:-2], last]
    return [max(12, room - sum(w + 2 for w in sized) - 2), *sized], True


def title(entry: Entry) -> str:
    status = "✓ ok" if entry.status == "ok" else f"[$text-error]✗ {escape(entry.status)}[/]"
    return (
        f"[b]#{entry.id} {entry.kind}: {escape(entry.name)}[/]  {status} · {when(entry)} · "
        f"{wall(entry)}"
    )


def manifest(entry: Entry) -> list[str]:
    """The manifest, one `label: value` a line (what reproduces the entry)."""
    lines = ["[b]Manifest[/]"]
    for name, text in (
        ("scenario", entry.name),
        ("error", entry.error),
        ("seed", entry.seed),
        ("replications", entry.replications),
        ("days", entry.days),
        ("started", when(entry)),
        ("wall time", wall(entry)),
        ("command", entry.command),
        ("version", entry.version),
        ("scenario hash", entry.scenario_hash),
        ("output folder", entry.out_dir),
    ):
        if text not in (None, ""):
            lines.append(f"  [$text-muted]{name}:[/] {escape(str(text))}")
    return lines
