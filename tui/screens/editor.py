"""Editor: the scenario's parameters by part of the world, with units, help and baseline values."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Horizontal, Vertical
from textual.widget import AwaitMount
from textual.widgets import Button, ContentSwitcher, Input, Label, Static
from textual.widgets.option_list import Option

from sim.fields import FIELD_BY_PATH, FieldSpec, describe_change
from tui.fieldtext import field_label, section_title, sections
from tui.screens.base import WorkbenchScreen
from tui.screens.schedule import ScheduleScreen
from tui.widgets.changes import ChangesPanel
from tui.widgets.field import FieldEditor, FieldHeader, column_widths
from tui.widgets.scrolling import OptionList, VerticalScroll


def fit_parts(parts: list[str], width: int, separator: str = " · ") -> str:
    """The parts, in order, that fit in `width` cells when joined (the first always)."""
    text = parts[0]
    for part in parts[1:]:
        if len(text) + len(separator) + len(part) > width:
            break
        text += separator + part
    return text


class EditorScreen(WorkbenchScreen):
    """Change levers; see every change against the baseline; run, compare or save the what-if."""

    MODE = "editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "app.run_restart", "Run", id="editor.run", show=False),
        Binding("ctrl+g", "app.compare", "Compare", id="editor.compare", show=False),
        Binding("ctrl+s", "app.save_as", "Save as…", id="editor.save_as", show=False),
        Binding("ctrl+f", "find_field", "Find", id="editor.find", priority=True),
        Binding("slash", "find_field", "Find", id="editor.find_slash", show=False),
        Binding("ctrl+d", "dated_values", "Dates", id="editor.dated_values", priority=True),
        Binding("ctrl+o", "baseline_value", "Baseline", id="editor.baseline_value"),
        Binding("escape", "sections", "Sections", id="editor.sections"),
        Binding("down", "next_field", "Next field", id="editor.next", show=False, priority=True),
        Binding(
            "up",
            "previous_field",
            "Previous field",
            id="editor.previous",
            show=False,
            priority=True,
        ),
    ]

    pending_field: str | None = None
    """A field to focus once the find palette has closed."""

    def compose_body(self) -> ComposeResult:
        self.built_for = self.workbench.session
        groups = sections()
        yield Static("", id="editor-title")
        with Horizontal(id="editor-body"):
            with Horizontal(id="editor-main"):
                yield OptionList(
                    *[Option(section_title(name), id=name) for name, _ in groups], id="sections"
                )
                with ContentSwitcher(id="forms", initial=f"form-{groups[0][0]}"):
                    for name, specs in groups:
                        with VerticalScroll(id=f"form-{name}", classes="form"):
                            yield FieldHeader()
                            if name == groups[0][0]:
                                yield from (self._field(spec) for spec in specs)
            with Vertical(id="changes-box"):
                yield Label("Changes vs baseline", id="changes-title")
                yield ChangesPanel(id="changes")
                with Horizontal(id="editor-buttons"):
                    yield Button("Run ^r", id="run", variant="primary", compact=True)
                    yield Button("Compare ^g", id="compare", variant="success", compact=True)
                    yield Button("Save ^s", id="save", compact=True)

    def _field(self, spec: FieldSpec) -> FieldEditor:
        session = self.workbench.session
        editor = FieldEditor(spec, session.text(spec.path), session.baseline_text(spec.path))
        editor.problem = session.problems.get(spec.path)
        editor.scale = self._scale()
        return editor

    async def _rebuild_fields(self) -> None:
        await self.query(FieldEditor).remove()
        current = self.query_one(ContentSwitcher).current
        if current and (mounting := self._show_section(current.removeprefix("form-"))):
            await mounting

    def _show_section(self, name: str) -> AwaitMount | None:
        """Switch the form to a section, mounting its fields the first time (fewer widgets)."""
        form = self.query_one(f"#form-{name}", VerticalScroll)
        self.query_one(ContentSwitcher).current = f"form-{name}"
        if form.query(FieldEditor):
            self.call_after_refresh(self.fit_columns)
            return None
        specs = dict(sections())[name]
        mounting = form.mount_all([self._field(spec) for spec in specs])
        self.call_after_refresh(self.fit_columns)
        return mounting

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sections", OptionList).highlighted = 0

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_columns)
        self.call_after_refresh(self._title)

    def _title(self) -> None:
        """The scenario's name (and, once something changed, the what-if's) over what to do.

        Each line holds what fits of its parts, whole: nothing is cut mid-word.
        """
        session = self.workbench.session
        width = max(20, self.size.width - 2)
        count = len(session.edits)
        if session.is_whatif:
            name = f"{session.default_name()}: what-if on {session.baseline.name}"
            parts = [name, f"{count} change{'s' * (count != 1)}"]
            kind = "what-if"
        else:
            parts, kind = [session.baseline.name, "no changes yet"], "scenario"
        headline = fit_parts([*parts, f"baseline: {session.baseline.description}"], width)
        where = str(session.saved_to or session.base_path)
        hints = fit_parts(
            [
                f"editing a {kind}: change any value",
                "✗ marks a value to fix",
                "↑↓ move between fields, esc the sections",
                where,
            ],
            width,
        )
        lines = [f"[b]{escape(headline)}[/]"]
        if self.wide:
            lines.append(f"[$text-muted]{escape(hints)}[/]")
        self.query_one("#editor-title", Static).update("\n".join(lines))

    def fit_columns(self) -> None:
        """Size the current section's columns to their content and the room there is."""
        current = self.query_one(ContentSwitcher).current
        if not current:
            return
        form = self.query_one(f"#{current}", VerticalScroll)
        editors = list(form.query(FieldEditor))
        room = form.size.width - 3  # padding and the scrollbar
        if room < 20 or not all(e.children for e in editors):
            self.set_timer(0.05, self.fit_columns)  # not laid out yet
            return
        widths, show_base, summary = column_widths(editors, room, self.has_class("-tall"))
        form.set_class(not show_base, "-no-base")
        form.set_class(not summary, "-no-summary")
        for editor in editors:
            editor.fit(widths, summary)
        form.query_one(FieldHeader).fit(widths)

    # --- reacting to the session ---------------------------------------------------------------

    def session_changed(self, opened: bool) -> None:
        session = self.workbench.session
        self._title()
        problems = session.problems
        if opened and self.built_for is not session:  # another scenario: rebuild the fields
            self.built_for = session
            self.call_later(self._rebuild_fields)
        scale = self._scale()
        for editor in self.query(FieldEditor):
            editor.set_problem(problems.get(editor.spec.path))
            editor.set_scale(scale)
        changed = session.changed()
        described = {p: describe_change(FIELD_BY_PATH[p], *changed[p]) for p in changed}
        self.query_one(ChangesPanel).show(
            session.edits,
            {p: session.baseline_text(p) for p in session.edits},
            problems,
            described,
        )
        self._label_sections()
        blocked = bool(problems)
        self.query_one("#run", Button).disabled = blocked
        self.query_one("#compare", Button).disabled = blocked or not session.is_whatif
        self.query_one("#save", Button).disabled = blocked or not session.is_whatif
        self.refresh_bindings()

    def _scale(self) -> float:
        """The what-if's population.scale_factor (the baseline's while it does not validate)."""
        session = self.workbench.session
        scenario = session.whatif if session.valid else session.baseline
        return float((scenario or session.baseline).population.scale_factor)

    def _label_sections(self) -> None:
        session = self.workbench.session
        options = self.query_one("#sections", OptionList)
        for index, (name, specs) in enumerate(sections()):
            paths = {spec.path for spec in specs}
            bad = len(paths & set(session.problems))
            changed = len(paths & set(session.edits))
            mark = f" ✗{bad}" if bad else (f" •{changed}" if changed else "")
            options.replace_option_prompt_at_index(index, section_title(name) + mark)

    # --- interaction ---------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._show_section(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.focus_first_field()

    def focus_first_field(self) -> None:
        current = self.query_one(ContentSwitcher).current
        if current:
            fields = self.query_one(f"#{current}").query(Input)
            if fields:
                fields.first().focus()

    def on_field_editor_edited(self, event: FieldEditor.Edited) -> None:
        self.workbench.edit(event.path, event.text)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        action = {"run": "run_restart", "compare": "compare", "save": "save_as"}.get(
            event.button.id or ""
        )
        if action:
            await self.app.run_action(action)

    def action_sections(self) -> None:
        self.query_one("#sections", OptionList).focus()

    def action_baseline_value(self) -> None:
        """Put the baseline value back in the focused field."""
        focused = self.focused
        editor = (
            next((a for a in focused.ancestors if isinstance(a, FieldEditor)), None)
            if focused
            else None
        )
        if editor is None:
            return
        editor.set_text(editor.baseline)
        self.workbench.edit(editor.spec.path, editor.baseline)

    def _focused_editor(self) -> FieldEditor | None:
        focused = self.focused
        if focused is None:
            return None
        return next((a for a in focused.ancestors if isinstance(a, FieldEditor)), None)

    def action_find_field(self) -> None:
        """Find a parameter by name (fuzzy, as in the command palette) and go to its field."""
        commands = [
            SimpleCommand(
                f"{section_title(name)} › {field_label(spec)}",
                lambda path=spec.path: self._go_to(path),
                spec.doc,
            )
            for name, specs in sections()
            for spec in specs
        ]
        self.app.search_commands(commands, placeholder="Find a parameter (e.g. reviewers)…")

    def _go_to(self, path: str) -> None:
        """Focus a field once the palette has closed (closing it gives focus back)."""
        self.pending_field = path
        self.call_after_refresh(self._focus_pending)

    def _focus_pending(self) -> None:
        path, self.pending_field = self.pending_field, None
        if path is not None and self.app.screen is self:
            self.run_worker(self.focus_field(path), group="find", exclusive=True)
        elif path is not None:
            self.pending_field = path  # still under the palette: on_screen_resume does it

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.pending_field is not None:
            self.call_after_refresh(self._focus_pending)

    async def focus_field(self, path: str) -> None:
        """Show a field's section and put the cursor in it, its text selected (typing replaces)."""
        editor = await self.show_field(path)
        field = editor.query_one(Input)
        field.focus()
        editor.scroll_visible()

    def action_dated_values(self) -> None:
        """Edit the focused field as dated values, in a small dialog over it."""
        editor = self._focused_editor()
        if editor is None:
            return

        def done(text: str | None) -> None:
            if text is not None and editor.is_mounted:
                editor.set_text(text)
                self.workbench.edit(editor.spec.path, text)
                editor.query_one(Input).focus()

        self.app.push_screen(ScheduleScreen(editor.spec, editor.text, editor.baseline), done)

    def action_next_field(self) -> None:
        self.focus_next(Input)

    def action_previous_field(self) -> None:
        self.focus_previous(Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"next_field", "previous_field"}:
            return isinstance(self.focused, Input) and self.focused.has_class("field-input")
        if action == "dated_values":
            return self._focused_editor() is not None
        if action == "baseline_value":
            focused = self.focused
            return isinstance(focused, Input) and any(
                isinstance(a, FieldEditor) and a.has_class("-changed") for a in focused.ancestors
            )
        return True

    async def show_field(self, path: str) -> FieldEditor:
        """Bring a field's section into view and return its editor (used by tests)."""
        section = FIELD_BY_PATH[path].section
        options = self.query_one("#sections", OptionList)
        options.highlighted = next(i for i, (name, _) in enumerate(sections()) if name == section)
        mounting = self._show_section(section)
        if mounting is not None:
            await mounting
        return self.query_one(f"#field-{path.replace('.', '--')}", FieldEditor)
