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
    """Analyst time spent on the case (0 when no manual review)."""
    legitimate: bool
    stage: str
    """Where it was decided: `auto`, `iin`, `manual` or `queue`."""
    reason: str


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


class PlatformShut(NamedTuple):
    t: float
    platform: int
    users: int
    reason: str


class Posted(NamedTuple):
    """One double-entry posting (kept only when tracing)."""

    t: float
    debit: str
    credit: str
    asset: str
    amount: int
    ref: int


Record = (
    PersonArrived
    | ChannelSwitched
    | KycAttempt
    | ReviewQueued
    | ReviewStarted
    | ReviewAbandoned
    | KycDecided
    | CapApplied
    | PaymentBlocked
    | Purchase
    | Sale
    | Withdrawal
    | Loss
    | PlatformShut
    | Posted
)
