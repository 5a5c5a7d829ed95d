"""Role-play: one shared world, advanced in rounds, where each team holds one institution's levers.

The world is one `Simulation` held at a day boundary between rounds. Teams join as the regulator,
a partner bank or an exchange; each may change only its role's levers, each a scenario field a
dated rule may change mid-run. A move takes effect at once, on the day the world is paused at, the
way a dated rule does (`RuleApplied` in the event log and the reason trail), and joins the run's
scenario as a `rules:` entry. The facilitator fires named shocks the same way. Every move and
shock is logged with its round and team; `replay` plays a log again on the same scenario and seed
and reaches the same numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.engine import Simulation
from sim.errors import ScenarioError, clip
from sim.formatting import format_value, label
from sim.loader import dump_yaml, load_scenario, parse_override
from sim.records import RuleApplied, ShockFired
from sim.rules import apply_values
from sim.scenario import DatedRule, Scenario
from sim.shocks import DEFAULT_SIZE, TITLES

ROUND_DAYS = 30
"""Simulated days per round: a month."""
MOVES = "moves.json"
"""The room's log of moves and shocks (with the scenario and seed, enough to replay the session)."""
SCENARIO = "scenario.yaml"
"""The world's starting scenario, as resolved, beside the moves log."""
FACILITATOR = "facilitator"


@dataclass(frozen=True)
class Lever:
    """A scenario field one role may change between rounds."""

    path: str
    title: str


@dataclass(frozen=True)
class Role:
    name: str
    title: str
    summary: str
    """What it decides, in a few words."""
    levers: tuple[Lever, ...]
    kpis: tuple[str, ...]
    """What the institution watches: its view of the world."""

    def lever(self, path: str) -> Lever | None:
        return next((lever for lever in self.levers if lever.path == path), None)


ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            "regulator",
            "the regulator",
            "retail caps, licensing, enforcement",
            (
                Lever("exchanges.caps_enabled", "retail caps on (true/false)"),
                Lever("exchanges.unverified_monthly_cap", "cap for unverified customers a month"),
                Lever("regulator.approval_share", "licence applications approved (share)"),
                Lever("regulator.review_time", "time to decide a licence application"),
                Lever("unlicensed.shutdowns_per_year", "unlicensed platforms shut a year"),
            ),
            (
                "capital_outflow_kzt",
                "licensed_share",
                "licensed_exchanges",
                "platforms_shut",
                "fraud_losses_kzt",
                "state_receipts_kzt",
            ),
        ),
        Role(
            "bank",
            "a partner bank",
            "risk appetite, blocking payments to unlicensed platforms",
            (
                Lever("banks.risk_appetite", "risk score at which it freezes an exchange"),
                Lever("banks.unlicensed_block_prob", "payments to unlicensed platforms blocked"),
                Lever("banks.termination_per_year", "accounts it ends a year without cause"),
            ),
            (
                "bank_freezes",
                "exchange_days_without_bank",
                "licensed_volume_kzt",
                "unlicensed_volume_kzt",
                "str_filed",
                "capital_outflow_kzt",
            ),
        ),
        Role(
            "exchange",
            "an exchange",
            "KYC staffing, fees",
            (
                Lever("kyc.reviewers", "KYC reviewers (staff)"),
                Lever("kyc.review_time_mean", "time per manual KYC review"),
                Lever("exchanges.fee", "trading fee (share)"),
            ),
            (
                "applicants",
                "kyc_passed",
                "kyc_abandoned",
                "kyc_wait_mean_h",
                "fees_kzt",
                "licensed_volume_kzt",
            ),
        ),
    )
}
WORLD_KPIS = (
    "capital_outflow_kzt",
    "licensed_share",
    "kyc_wait_mean_h",
    "kyc_abandoned",
    "exchange_days_without_bank",
    "fraud_losses_kzt",
    "fees_kzt",
    "state_receipts_kzt",
)
"""What the facilitator's screen shows of the whole world."""


@dataclass
class Entry:
    """One move (a team changed a lever) or shock (the facilitator fired one), as logged."""

    round: int
    day: int
    date: str
    team: str
    role: str
    kind: str
    """`move` or `shock`."""
    path: str = ""
    value: Any = None
    before: Any = None
    shock: str = ""

    def describe(self) -> str:
        if self.kind == "shock":
            title = TITLES.get(self.shock, self.shock)
            return f"round {self.round}: {self.team} fired a shock: {title}"
        change = f"{self.path} {self.before} → {self.value}"
        return f"round {self.round}: {self.team} ({self.role}) set {change}"


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _errors(error: ValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in item['loc'])}: {clip(item['msg'], 120)}"
        for item in error.errors()
    ]


@dataclass
class RolePlay:
    """The shared world, its teams, the round being decided and the log of what everyone did."""

    scenario: Scenario
    round_days: int = ROUND_DAYS
    teams: dict[str, str] = field(default_factory=dict)
    """Team name -> role name."""
    ready: set[str] = field(default_factory=set)
    entries: list[Entry] = field(default_factory=list)
    history: list[tuple[int, str, dict[str, float]]] = field(default_factory=list)
    """(round, date it ended, every KPI then), one per round played."""

    def __post_init__(self) -> None:
        if self.round_days < 1:
            raise ScenarioError([f"round_days: must be at least 1, got {self.round_days}"])
        self.sim = Simulation(self.scenario, keep_records=True)

    # --- the clock -----------------------------------------------------------------------------

    @property
    def round(self) -> int:
        """The round being decided now (1 before the first month is simulated)."""
        return math.ceil(self.sim.day / self.round_days) + 1

    @property
    def rounds(self) -> int:
        return math.ceil(self.sim.days / self.round_days)

    @property
    def done(self) -> bool:
        return self.sim.done

    @property
    def date(self) -> dt.date:
        return self.scenario.run.start_date + dt.timedelta(days=self.sim.day)

    def advance(self) -> None:
        """Simulate the round (a month), then pause for the next decisions."""
        if not self.done:
            played = self.round
            self.sim.advance(self.round_days)
            self.history.append((played, self.date.isoformat(), self.sim.kpis()))
        self.ready.clear()

    def all_ready(self) -> bool:
        """Every team that joined says it is ready (and at least one did)."""
        return bool(self.teams) and set(self.teams) <= self.ready

    # --- teams and their moves -----------------------------------------------------------------

    def join(self, team: str, role: str) -> None:
        team = team.strip()
        if not team:
            raise ScenarioError(["a team needs a name"])
        if team.lower() == FACILITATOR:
            raise ScenarioError([f"{team!r} is the facilitator's name in the log: pick another"])
        if role not in ROLES:
            raise ScenarioError([f"no role {role!r}: one of {', '.join(ROLES)}"])
        if self.teams.get(team, role) != role:
            raise ScenarioError([f"team {team!r} already plays {self.teams[team]}"])
        self.teams[team] = role

    def leave(self, team: str) -> None:
        """The team's screen closed: the world no longer waits for it (joining again is fine)."""
        self.teams.pop(team, None)
        self.ready.discard(team)

    def set_ready(self, team: str, ready: bool = True) -> None:
        if team not in self.teams:
            raise ScenarioError([f"no team {team!r} has joined"])
        if ready:
            self.ready.add(team)
        else:
            self.ready.discard(team)

    def value(self, path: str) -> Any:
        """A lever's value in the world now, as a scenario file writes it."""
        return _get(self.sim.world.scenario.model_dump(mode="json"), path)

    def move(self, team: str, path: str, value: Any) -> Entry:
        """The team sets one of its role's levers; it takes effect now. Bad input: ScenarioError."""
        role = self.teams.get(team)
        if role is None:
            raise ScenarioError([f"no team {team!r} has joined"])
        if ROLES[role].lever(path) is None:
            raise ScenarioError([f"{path}: not a lever of {ROLES[role].title}"])
        if self.done:
            raise ScenarioError(["the world has reached its last day: no more moves"])
        if isinstance(value, str):  # typed on a screen: read as YAML, as --set does
            value = parse_override(f"{path}={value}")[1]
        entry = Entry(self.round, self.sim.day, self.date.isoformat(), team, role, "move", path)
        entry.before, entry.value = self.value(path), value
        self._apply(entry)
        self.entries.append(entry)
        return entry

    def fire_shock(self, kind: str, by: str = FACILITATOR) -> Entry:
        if kind not in DEFAULT_SIZE:
            raise ScenarioError([f"no shock {kind!r}: one of {', '.join(DEFAULT_SIZE)}"])
        if self.done:
            raise ScenarioError(["the world has reached its last day: no more shocks"])
        entry = Entry(self.round, self.sim.day, self.date.isoformat(), by, FACILITATOR, "shock")
        entry.shock = kind
        self._apply(entry)
        self.entries.append(entry)
        return entry

    def _apply(self, entry: Entry) -> None:
        """Make the logged entry happen in the world (the same way when a log is replayed)."""
        world = self.sim.world
        if entry.kind == "shock":
            self.sim.fire_shock(entry.shock, f"fired live by {entry.team} in round {entry.round}")
            return
        by = f"{entry.team} ({ROLES[entry.role].title}) in round {entry.round}"
        note = f"round {entry.round}: {entry.team} ({ROLES[entry.role].title}) moved"
        values = {entry.path: entry.value}
        try:
            changed = apply_values(world.scenario, values)
        except ValidationError as error:
            raise ScenarioError(_errors(error)) from None
        rule = DatedRule(date=self.date, values=values, note=note)
        world.apply(changed, rule, by)
        world.emit(RuleApplied(world.env.now, json.dumps(values, default=str), note))
        self.sim.scenario = self.sim.scenario.model_copy(
            update={"rules": (*self.sim.scenario.rules, rule)}
        )
        entry.value = self.value(entry.path)  # as validated: "500 USD", 4, true

    # --- what each screen shows ----------------------------------------------------------------

    def kpis(self, names: tuple[str, ...] = WORLD_KPIS) -> list[tuple[str, str]]:
        """(label, value as shown) of these KPIs so far."""
        values = self.sim.kpis()
        return [(label(k), format_value(k, values.get(k))) for k in names]

    def events(self, count: int = 12) -> list[str]:
        """The latest rule changes and shocks in the world's event log, newest last."""
        recorder = self.sim.recorder
        found: list[str] = []
        records = [*(recorder.records if recorder is not None else []), *self.sim.pending_records()]
        for record in records:
            if isinstance(record, RuleApplied):
                date = self.scenario.run.start_date + dt.timedelta(days=int(record.t // 24))
                found.append(f"{date}: {record.note}: {record.values}")
            elif isinstance(record, ShockFired):
                date = self.scenario.run.start_date + dt.timedelta(days=int(record.t // 24))
                found.append(f"{date}: {record.title}: {record.detail} ({record.reason})")
        return found[-count:]

    def view(self, team: str | None = None) -> dict[str, Any]:
        """What a team (its role's KPIs and levers) or the facilitator (None: everything) sees."""
        role = ROLES.get(self.teams.get(team, "")) if team else None
        names = role.kpis if role is not None else WORLD_KPIS
        levers = (
            [] if role is None else [(v.path, v.title, self.value(v.path)) for v in role.levers]
        )
        return {
            "scenario": self.scenario.name,
            "round": min(self.round, self.rounds),
            "rounds": self.rounds,
            "day": self.sim.day,
            "days": self.sim.days,
            "date": self.date.isoformat(),
            "done": self.done,
            "team": team,
            "role": role.name if role else FACILITATOR,
            "role_title": role.title if role else "the facilitator",
            "teams": [(t, r, t in self.ready) for t, r in sorted(self.teams.items())],
            "levers": levers,
            "kpis": self.kpis(names),
            "moves": [e.describe() for e in self.entries][-12:],
            "events": self.events(),
        }

    # --- the log -------------------------------------------------------------------------------

    def log(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "seed": self.scenario.run.seed,
            "round_days": self.round_days,
            "rounds_played": len(self.history),
            "teams": self.teams,
            "entries": [asdict(e) for e in self.entries],
        }

    def save(self, folder: Path) -> Path:
        """Write the moves log (and, once, the starting scenario) into the room folder."""
        folder.mkdir(parents=True, exist_ok=True)
        start = folder / SCENARIO
        if not start.exists():
            start.write_text(dump_yaml(self.scenario), encoding="utf-8")
        path = folder / MOVES
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.log(), indent=2, default=str) + "\n", "utf-8")
        temporary.replace(path)
        return path


def replay(scenario: Scenario, log: dict[str, Any]) -> RolePlay:
    """Play a session's log again: the same moves and shocks on the same days, round by round."""
    play = RolePlay(scenario, int(log.get("round_days", ROUND_DAYS)))
    play.teams = dict(log.get("teams", {}))
    entries = [Entry(**e) for e in log.get("entries", [])]
    played = int(log.get("rounds_played", 0))
    for number in range(played + 1):  # the moves of each round, then the month they shape
        for entry in [e for e in entries if e.day == play.sim.day]:
            play._apply(entry)
            play.entries.append(entry)
        if number < played:
            play.advance()
    return play


def replay_folder(folder: Path) -> RolePlay:
    """Replay a room folder: its `scenario.yaml` and `moves.json`."""
    try:
        log = json.loads((folder / MOVES).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ScenarioError([f"{folder / MOVES}: cannot read the moves log ({error})"]) from None
    return replay(load_scenario(folder / SCENARIO), log)
