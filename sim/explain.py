"""The reason trail of a finished run: one person's or one exchange's story, from its events.csv."""

from __future__ import annotations

import csv
import datetime as dt
import json
import typing
from collections.abc import Iterator
from pathlib import Path

from sim.loader import ScenarioError, load_scenario
from sim.outputs import EVENTS, RESOLVED
from sim.people import describe
from sim.records import Purchase, Record

RECORD_TYPES: dict[str, type] = {cls.__name__: cls for cls in typing.get_args(Record)}
EXCHANGE_EVENTS = ("BankAccess", "LicenceEvent", "Alert", "StrFiled", "CustomerExited", "MinerSale")


def _records(run_dir: Path, replication: int) -> Iterator[Record]:
    path = run_dir / EVENTS
    if not path.is_file():
        raise ScenarioError([f"{run_dir}: no {EVENTS}; run with --trace to record every event"])
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if int(row["replication"]) != replication or row["kind"] == "Posted":
                continue
            fields = json.loads(row["fields"])
            fields["t"] = float(row["t_h"])
            if row["person"] != "":
                fields["person"] = int(row["person"])
            yield RECORD_TYPES[row["kind"]](**fields)


def _start(run_dir: Path) -> dt.date:
    resolved = run_dir / RESOLVED
    if not resolved.is_file():
        raise ScenarioError([f"{run_dir}: no {RESOLVED}; is this a run directory?"])
    return load_scenario(resolved).run.start_date


def _line(start: dt.date, record: Record) -> str:
    what, reason = describe(record)
    when = dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=record.t)
    text = f"{when:%Y-%m-%d %H:%M}  {what}"
    return f"{text}\n{'':18}because {reason}" if reason else text


def explain_person(run_dir: Path, person: int, replication: int = 0) -> list[str]:
    start = _start(run_dir)
    lines = [
        _line(start, r)
        for r in _records(run_dir, replication)
        if getattr(r, "person", None) == person
    ]
    if not lines:
        raise ScenarioError([f"person {person} does not appear in replication {replication}"])
    return lines


def explain_exchange(run_dir: Path, exchange: int, replication: int = 0) -> list[str]:
    start = _start(run_dir)
    lines, bought, volume = [], 0, 0.0
    for record in _records(run_dir, replication):
        if isinstance(record, Purchase):
            if record.channel == "licensed" and record.venue == exchange:
                bought, volume = bought + 1, volume + record.amount_kzt
        elif (
            type(record).__name__ in EXCHANGE_EVENTS
            and getattr(record, "exchange", None) == exchange
        ):
            lines.append(_line(start, record))
    if not lines and not bought:
        raise ScenarioError([f"exchange {exchange} does not appear in replication {replication}"])
    lines.append(f"{bought:,} purchases by simulated clients, {volume:,.0f} KZT (unscaled)")
    return lines
