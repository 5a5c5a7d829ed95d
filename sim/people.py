"""Synthetic people after (or during) a run: who they are, where they went, and why.

Needs a `Simulation` made with `keep_records=True`; names and IINs are made on demand.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sim.components.channel import UNLICENSED
from sim.components.population import Person
from sim.engine import Simulation
from sim.records import (
    Alert,
    AlertClosed,
    BankAccess,
    CapApplied,
    CaseMember,
    CaseStep,
    ChannelSwitched,
    CryptoTransfer,
    CustomerExited,
    DemandMoved,
    KycAttempt,
    KycDecided,
    LicenceEvent,
    Loss,
    MinerSale,
    PaymentBlocked,
    PersonArrived,
    Purchase,
    Record,
    ReviewAbandoned,
    ReviewQueued,
    ReviewStarted,
    Sale,
    StrFiled,
    Withdrawal,
)


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    iin: str
    resident: bool
    bad_actor: bool
    channel: str
    outcome: str
    """KYC outcome for licensed applicants; for an unlicensed buyer, what they hold now
    (`unlicensed_state`); else "—"."""


@dataclass(frozen=True)
class Step:
    t: float
    date: dt.date
    what: str
    reason: str


def unlicensed_state(person: Person) -> str:
    """An unlicensed buyer now: "holding" coins at their platform, "none held" (they sold, lost
    them or were blocked every time: their timeline says which) or "no top-up" (yet)."""
    if person.offshore:
        return "holding"
    return "none held" if person.topups else "no top-up"


def person_row(simulation: Simulation, pid: int) -> PersonRow:
    population = simulation.world.population
    person = population.people[pid]
    outcome = person.kyc_outcome or (
        unlicensed_state(person) if person.channel == UNLICENSED else "—"
    )
    return PersonRow(
        pid,
        population.name(pid),
        population.iin(pid),
        person.resident,
        person.bad_actor,
        person.channel,
        outcome,
    )


def people_rows(simulation: Simulation, start: int = 0, count: int = 200) -> list[PersonRow]:
    """A page of people in arrival order."""
    people = simulation.world.population.people
    page = itertools.islice(people, start, start + count)
    return [person_row(simulation, pid) for pid in page]


def _kzt(value: float) -> str:
    return f"{value:,.0f} KZT"


def describe(record: Record) -> tuple[str, str]:
    """What a record says happened, and the reason it carries (if any)."""
    match record:
        case PersonArrived():
            where = f"exchange {record.exchange}" if record.exchange >= 0 else record.channel
            return f"arrived; chose {record.channel} ({where})", record.reason
        case ChannelSwitched():
            return f"went {record.channel}", record.reason
        case KycAttempt():
            result = "passed" if record.passed else "failed"
            return f"automated KYC attempt {record.attempt} {result}", ""
        case ReviewQueued():
            return f"queued for manual review (position {record.queue_length})", ""
        case ReviewStarted():
            return f"analyst started the review after {record.waited_h:.1f} h", ""
        case ReviewAbandoned():
            return f"left the review queue after {record.waited_h:.1f} h", ""
        case KycDecided():
            return (
                f"KYC {record.outcome} after {record.wait_h:.1f} h ({record.stage})",
                record.reason,
            )
        case CapApplied():
            return (
                f"cap allowed {_kzt(record.allowed_kzt)} of {_kzt(record.wanted_kzt)}",
                record.reason,
            )
        case PaymentBlocked():
            return f"payment of {_kzt(record.amount_kzt)} blocked ({record.channel})", record.reason
        case DemandMoved():
            return f"bought {_kzt(record.amount_kzt)} {record.channel} instead", record.reason
        case Purchase():
            return (
                f"bought {record.sats / 1e8:.6f} BTC for {_kzt(record.amount_kzt)} "
                f"({record.channel} venue {record.venue})",
                "",
            )
        case Sale():
            return f"sold {record.sats / 1e8:.6f} BTC for {_kzt(record.amount_kzt)}", ""
        case Withdrawal():
            return f"withdrew {_kzt(record.amount_kzt)} to the bank", ""
        case Loss():
            return f"lost {_kzt(record.amount_kzt)} ({record.cause})", ""
        case CryptoTransfer():
            return (
                f"sent {record.sats / 1e8:.6f} BTC ({_kzt(record.amount_kzt)}) to "
                f"{record.destination}",
                "",
            )
        case Alert():
            return (
                f"AML alert {record.alert} ({record.rule}) on {_kzt(record.amount_kzt)} at "
                f"exchange {record.exchange}",
                record.reason,
            )
        case AlertClosed():
            return f"alert {record.alert} reviewed: {record.outcome}", record.reason
        case StrFiled():
            return (
                f"suspicious-transaction report filed (exchange {record.exchange})",
                record.reason,
            )
        case CustomerExited():
            return f"exchange {record.exchange} ended the relationship", record.reason
        case BankAccess():
            bank = f"bank {record.bank}" if record.bank >= 0 else "no bank"
            state = "has fiat access" if record.access else "has no fiat access"
            return (
                f"exchange {record.exchange} account {record.event} ({bank}); {state}",
                record.reason,
            )
        case LicenceEvent():
            return f"licence {record.event} (exchange {record.exchange})", record.reason
        case CaseMember():
            return (
                f"recruited for {record.typology} case {record.case} (ground truth), account "
                f"at exchange {record.exchange}",
                "",
            )
        case CaseStep():
            went = "went through" if record.moved else "was stopped before it moved"
            return (
                f"laundering of {_kzt(record.amount_kzt)} for case {record.case} {went} "
                "(ground truth)",
                "",
            )
        case MinerSale():
            return (
                f"miners sold {record.sats / 1e8:.4f} BTC for {_kzt(record.amount_kzt)} on "
                f"exchange {record.exchange}",
                record.reason,
            )
    return type(record).__name__, ""


def timeline(simulation: Simulation, pid: int) -> list[Step]:
    """Every recorded step of one person, in time order."""
    if simulation.recorder is None:
        raise ValueError("timelines need a Simulation made with keep_records=True")
    calendar = simulation.world.calendar
    steps = []
    for record in simulation.recorder.records + simulation.pending_records():
        if getattr(record, "person", None) == pid:
            what, reason = describe(record)
            steps.append(Step(record.t, calendar.date(record.t), what, reason))
    return steps
