"""Immutable event records: what components tell the observer. Every record starts with `t` (hours).

Records are NamedTuples: typed, frozen and cheap to make in the simulation's inner loop. Decision
records carry a `reason` naming the rule and parameter value that decided.
"""

from __future__ import annotations

from typing import NamedTuple


class PersonArrived(NamedTuple):
    """A person who wants crypto arrives and picks a channel."""

    t: float
    person: int
    resident: bool
    bad_actor: bool
    channel: str
    """`licensed`, `unlicensed` or `none`."""
    p_licensed: float
    reason: str
    exchange: int
    """The licensed exchange applied to (its KYC starts now), or -1."""


class ChannelSwitched(NamedTuple):
    """A person turned away by KYC goes to an unlicensed channel."""

    t: float
    person: int
    channel: str
    reason: str


class KycAttempt(NamedTuple):
    t: float
    person: int
    attempt: int
    passed: bool


class ReviewQueued(NamedTuple):
    t: float
    person: int
    queue_length: int


class ReviewStarted(NamedTuple):
    t: float
    person: int
    waited_h: float


class ReviewAbandoned(NamedTuple):
    t: float
    person: int
    waited_h: float


class KycDecided(NamedTuple):
    t: float
    person: int
    outcome: str
    """`passed`, `rejected` or `abandoned`."""
    wait_h: float
    review_h: float
    """How long the manual review took (0 when none); the sampled team's analyst may be held
    longer or shorter, at the pace that keeps its capacity (`sim.components.team`)."""
    legitimate: bool
    stage: str
    """Where it was decided: `auto`, `iin`, `manual` or `queue`."""
    reason: str
    overtime_h: float = 0.0
    """The part of the analyst's time on it after closing (a case finished in overtime)."""


class CapApplied(NamedTuple):
    t: float
    person: int
    wanted_kzt: float
    allowed_kzt: float
    reason: str


class PaymentBlocked(NamedTuple):
    t: float
    person: int
    channel: str
    amount_kzt: float
    reason: str


class DemandMoved(NamedTuple):
    """Licensed demand refused (by a cap, a bank, a frozen account) that went unlicensed instead."""

    t: float
    person: int
    channel: str
    """Where the demand went (`unlicensed`)."""
    amount_kzt: float
    reason: str


class Purchase(NamedTuple):
    t: float
    person: int
    channel: str
    venue: int
    amount_kzt: float
    fee_kzt: float
    sats: int
    outflow_kzt: float


class Sale(NamedTuple):
    t: float
    person: int
    channel: str
    venue: int
    amount_kzt: float
    fee_kzt: float
    sats: int


class Withdrawal(NamedTuple):
    t: float
    person: int
    venue: int
    amount_kzt: float


class Loss(NamedTuple):
    t: float
    person: int
    venue: int
    amount_kzt: float
    cause: str
    """`fraud` or `shutdown`."""


class UnlicensedBatch(NamedTuple):
    """Unlicensed top-ups booked together when no one keeps the records (`UnlicensedBuyers`):
    their sums, in tenge, of sampled people (each standing for `scale_factor`). When records are
    kept, each top-up is a `Purchase` or `Loss` instead."""

    t: float
    """The time of the batch's latest top-up."""
    purchases: int
    amount_kzt: float
    outflow_kzt: float
    fraud_kzt: float
    """Paid to fraudsters instead (`Loss`, cause `fraud`)."""


class ArrivalsBatch(NamedTuple):
    """Arrivals who went unlicensed without weighing the licensed option, made together
    (`sim.components.arrivals`): their count, for the tally. When records are kept, each is a
    `PersonArrived` too, for the Recorder."""

    t: float
    """The time of the latest of them."""
    people: int


class PlatformShut(NamedTuple):
    t: float
    platform: int
    users: int
    reason: str


class BankAccess(NamedTuple):
    """An exchange's tenge account changed: opened, frozen, unfrozen or closed."""

    t: float
    exchange: int
    bank: int
    access: bool
    event: str
    reason: str


class LicenceEvent(NamedTuple):
    t: float
    exchange: int
    event: str
    """`applied`, `approved`, `rejected`, `extended`, `expired`."""
    reason: str


class RuleApplied(NamedTuple):
    t: float
    values: str
    note: str


class ShockFired(NamedTuple):
    """A named shock took effect (from the scenario file, or fired live by a facilitator)."""

    t: float
    kind: str
    title: str
    detail: str
    reason: str


class StateReceipt(NamedTuple):
    t: float
    source: str
    """`application_fee`, `authorisation_fee`, `supervision_fee` (fees), `mining_fee`, `tax` (on
    exchanges' fee income), `gains_tax` (on individuals' gains), `seized_assets`; see
    `sim.summary.RECEIPT_SOURCES`."""
    payer: str
    amount_kzt: float
    per_agent: bool = False
    """Drawn from simulated people's flows (scaled up in KPIs), not an institution's."""


class CaseStarted(NamedTuple):
    """Ground truth: an injected laundering case begins."""

    t: float
    case: int
    typology: str
    members: int
    value_kzt: float


class CaseStep(NamedTuple):
    """Ground truth: one planned laundering transaction of a case, and whether its value moved
    (False: stopped before it moved, at the KYC gate, by the bank or after an exit)."""

    t: float
    person: int
    case: int
    amount_kzt: float
    moved: bool


class CaseMember(NamedTuple):
    """Ground truth: a bad actor recruited for a laundering case, with an account at an exchange."""

    t: float
    person: int
    case: int
    typology: str
    exchange: int


class CryptoTransfer(NamedTuple):
    t: float
    person: int
    exchange: int
    destination: str
    """`self_hosted`, `offshore` or `exchange:N`."""
    amount_kzt: float
    sats: int
    case: int


class Alert(NamedTuple):
    t: float
    alert: int
    person: int
    exchange: int
    rule: str
    amount_kzt: float
    case: int
    """Ground truth: the laundering case behind the transaction, -1 if legitimate."""
    typology: str
    reason: str


class AlertClosed(NamedTuple):
    t: float
    alert: int
    person: int
    case: int
    typology: str
    outcome: str
    """`str` (reported) or `closed`."""
    analyst_h: float
    reason: str


class StrFiled(NamedTuple):
    t: float
    person: int
    exchange: int
    case: int
    typology: str
    reason: str


class CustomerExited(NamedTuple):
    t: float
    person: int
    exchange: int
    legitimate: bool
    reason: str


class MiningDay(NamedTuple):
    t: float
    availability: float
    licensed_btc: float
    licensed_kwh: float
    fee_kzt: float
    grey_btc: float
    fee_evaded_kzt: float
    reason: str


class MinerSale(NamedTuple):
    t: float
    exchange: int
    sats: int
    amount_kzt: float
    fee_kzt: float
    reason: str


class PaymentsDay(NamedTuple):
    t: float
    payments: int
    volume_kzt: float
    converted_kzt: float
    fee_kzt: float
    merchants_accepting: int
    uptake: float


class Posted(NamedTuple):
    """One double-entry posting (kept only when tracing)."""

    t: float
    debit: str
    credit: str
    asset: str
    amount: int
    ref: int


Record = (
    ShockFired
    | PersonArrived
    | ChannelSwitched
    | KycAttempt
    | ReviewQueued
    | ReviewStarted
    | ReviewAbandoned
    | KycDecided
    | CapApplied
    | PaymentBlocked
    | DemandMoved
    | Purchase
    | Sale
    | Withdrawal
    | Loss
    | PlatformShut
    | UnlicensedBatch
    | ArrivalsBatch
    | BankAccess
    | LicenceEvent
    | RuleApplied
    | StateReceipt
    | CaseStarted
    | CaseStep
    | CaseMember
    | CryptoTransfer
    | Alert
    | AlertClosed
    | StrFiled
    | CustomerExited
    | MiningDay
    | MinerSale
    | PaymentsDay
    | Posted
)

SUMS: frozenset[type] = frozenset({UnlicensedBatch, ArrivalsBatch})
"""Records the tally counts in place of many (made together): never the Recorder's, which gets
the many one by one when it keeps records."""
