"""Observation, injected: components emit records; observers receive them in batches.

The world's `emit` only appends to a buffer (the cheapest thing Python can do); at the end of each
simulated slice the engine hands the batch to its observers. `Tally` folds the stream into running
totals (with time-weighted monitors) from which `sim.summary` computes KPIs, live for the TUI and
after the run for the outputs; `Recorder` keeps every record. Nothing in the model's logic reads
what the observers hold.

The totals are in real units: a sampled person's record stands for `scale_factor` real ones, a
record of someone simulated at full size (a laundering case's member, the miners) for one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sim.components.miners import MINERS
from sim.components.population import RECRUITS, real_people
from sim.records import (
    Alert,
    AlertClosed,
    ArrivalsBatch,
    BankAccess,
    CaseStarted,
    CaseStep,
    ChannelSwitched,
    CustomerExited,
    KycDecided,
    LicenceEvent,
    Loss,
    MinerSale,
    MiningDay,
    PaymentsDay,
    PersonArrived,
    PlatformShut,
    Purchase,
    Record,
    ReviewAbandoned,
    ReviewQueued,
    ReviewStarted,
    Sale,
    StateReceipt,
    StrFiled,
    UnlicensedBatch,
)


class Observer(Protocol):
    def observe(self, records: Sequence[Record]) -> None: ...


class Recorder:
    """Keeps every record, for `--trace`, people's timelines and tests."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def observe(self, records: Sequence[Record]) -> None:
        self.records.extend(records)


class TimeWeighted:
    """The time integral of a level that changes in steps (queue length, exchanges unbanked)."""

    def __init__(self) -> None:
        self.level = 0
        self._area = self._t = 0.0

    def step(self, t: float, change: int) -> None:
        self._area += self.level * (t - self._t)
        self._t = t
        self.level += change

    def area(self, now: float) -> float:
        return self._area + self.level * (now - self._t)


@dataclass
class CaseTally:
    """Ground truth and detection of one injected laundering case."""

    typology: str
    started: float
    value_kzt: float
    """The value planned (members x transactions x amount)."""
    detected_at: float | None = None
    moved_kzt: float = 0.0
    """Value of the case's transactions that went through."""
    prevented_kzt: float = 0.0
    """Value of its transactions stopped before they moved (KYC gate, bank, exit)."""


@dataclass
class RuleTally:
    alerts: float = 0.0
    """Real alerts the rule raised."""
    true_alerts: float = 0.0
    legit_people: set[int] = field(default_factory=set)
    """Sampled legitimate people it alerted on (each stands for `scale_factor`)."""


class Tally:
    """Running totals of the record stream, in real units (see the module's note).

    `arrivals`, `channels`, the manual-review queue's counts and the legitimate decisions are per
    simulated agent (for shares and the validation against queueing theory).
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        """Real people one simulated person stands for (`real_people`: a person simulated at
        full size stands for one)."""
        self.arrivals = 0
        """Sampled arrivals (each `scale` real people), by their channel in `channels`."""
        self.identities = 0
        """Synthetic identities a laundering case sent to KYC (each one real applicant, licensed
        by choice: `channels` leaves them out)."""
        self.applicants = 0.0
        self.redirected = 0.0
        """Applicants a bank block sent to KYC (unlicensed buyers before), in real people."""
        self.kyc = {"passed": 0.0, "rejected": 0.0, "abandoned": 0.0}
        self.kyc_passed_reviewed = 0.0
        self.legit_decided = self.legit_rejected = 0
        self.bad_onboarded = 0.0
        self.kyc_waits: list[tuple[float, float]] = []
        """(wait, real people it stands for) of everyone decided."""
        self.channels = {"licensed": 0, "unlicensed": 0, "none": 0, "fallback": 0}
        self.volume = {"licensed": 0.0, "unlicensed": 0.0}
        self.outflow = self.fraud = 0.0
        self.fees_people = self.fees_institutional = 0.0
        # the KYC manual-review queue
        self.queued = self.review_started = self.queue_abandoned = 0
        self.queue_wait_sum = 0.0
        self.queue = TimeWeighted()
        # AML
        self.alerts = self.true_alerts = self.strs = 0.0
        self.aml_analyst_h: defaultdict[str, float] = defaultdict(float)
        """Real analyst hours by typology ("legitimate" for alerts on no case)."""
        self.rules: defaultdict[str, RuleTally] = defaultdict(RuleTally)
        self.cases: dict[int, CaseTally] = {}
        self.legit_alerted: set[int] = set()
        self.typology_rules: defaultdict[str, set[str]] = defaultdict(set)
        self.legit_exited = 0.0
        # banks, regulator, miners, payments
        self.bank_events: defaultdict[str, int] = defaultdict(int)
        self.unbanked = TimeWeighted()
        self.access: dict[int, bool] = {}
        self.licence_events: defaultdict[str, int] = defaultdict(int)
        self.receipts: defaultdict[str, float] = defaultdict(float)
        self.platforms_shut = 0
        self.fee_evaded = self.miner_sales = 0.0
        self.payments_volume = 0.0
        self.merchant_uptake = 0.0
        self._handlers: dict[type, Callable[..., None]] = {
            PersonArrived: self._arrived,
            ChannelSwitched: self._switched,
            KycDecided: self._kyc_decided,
            ReviewQueued: self._queued,
            ReviewStarted: self._review_started,
            ReviewAbandoned: self._review_abandoned,
            Purchase: self._purchase,
            Sale: self._sale,
            Loss: self._loss,
            Alert: self._alert,
            AlertClosed: self._alert_closed,
            StrFiled: self._str,
            CustomerExited: self._exited,
            CaseStarted: self._case,
            CaseStep: self._case_step,
            BankAccess: self._bank,
            LicenceEvent: self._licence,
            StateReceipt: self._receipt,
            MiningDay: self._mining,
            MinerSale: self._miner_sale,
            PaymentsDay: self._payments,
            PlatformShut: self._shut,
            UnlicensedBatch: self._unlicensed_batch,
            ArrivalsBatch: self._arrivals_batch,
        }

    def observe(self, records: Sequence[Record]) -> None:
        handlers = self._handlers
        for record in records:
            handler = handlers.get(type(record))
            if handler is not None:
                handler(record)

    # --- people, KYC, trading -------------------------------------------------------------------

    def _arrived(self, r: PersonArrived) -> None:
        if r.person >= RECRUITS:  # a laundering case's synthetic identity: one real applicant
            self.identities += 1
        else:  # a sampled arrival: `scale` real people
            self.arrivals += 1
            self.channels[r.channel] += 1
        if r.exchange >= 0:
            self.applicants += real_people(r.person, self.scale)

    def _arrivals_batch(self, r: ArrivalsBatch) -> None:
        self.arrivals += r.people
        self.channels["unlicensed"] += r.people

    def _switched(self, r: ChannelSwitched) -> None:
        if r.channel == "licensed":  # redirected by a bank block: a licensed applicant after all
            w = real_people(r.person, self.scale)
            self.applicants += w
            self.redirected += w
        else:
            self.channels["fallback"] += 1

    def _kyc_decided(self, r: KycDecided) -> None:
        w = real_people(r.person, self.scale)
        self.kyc[r.outcome] += w
        if r.outcome == "passed" and r.stage == "manual":
            self.kyc_passed_reviewed += w
        if r.outcome == "abandoned":
            return
        self.kyc_waits.append((r.wait_h, w))
        if r.legitimate:
            self.legit_decided += 1
            self.legit_rejected += r.outcome == "rejected"
        elif r.outcome == "passed":
            self.bad_onboarded += w

    def _queued(self, r: ReviewQueued) -> None:
        self.queued += 1
        self.queue.step(r.t, +1)

    def _review_started(self, r: ReviewStarted) -> None:
        self.review_started += 1
        self.queue_wait_sum += r.waited_h
        self.queue.step(r.t, -1)

    def _review_abandoned(self, r: ReviewAbandoned) -> None:
        self.queue_abandoned += 1
        self.queue_wait_sum += r.waited_h
        self.queue.step(r.t, -1)

    def _purchase(self, r: Purchase) -> None:
        w = real_people(r.person, self.scale)
        self.volume[r.channel] += w * r.amount_kzt
        self.outflow += w * r.outflow_kzt
        if r.channel == "licensed":
            self.fees_people += w * r.fee_kzt

    def _unlicensed_batch(self, r: UnlicensedBatch) -> None:
        self.volume["unlicensed"] += self.scale * r.amount_kzt
        self.outflow += self.scale * r.outflow_kzt
        self.fraud += self.scale * r.fraud_kzt

    def _sale(self, r: Sale) -> None:
        if r.channel == "licensed":
            self.fees_people += real_people(r.person, self.scale) * r.fee_kzt

    def _loss(self, r: Loss) -> None:
        self.fraud += real_people(r.person, self.scale) * r.amount_kzt

    def _shut(self, r: PlatformShut) -> None:
        self.platforms_shut += 1

    # --- AML ----------------------------------------------------------------------------------

    def _alert(self, r: Alert) -> None:
        w = real_people(r.person, self.scale)
        self.alerts += w
        rule = self.rules[r.rule]
        rule.alerts += w
        if r.case >= 0:
            self.true_alerts += w
            rule.true_alerts += w
            self.typology_rules[r.typology].add(r.rule)
        elif r.person != MINERS:
            rule.legit_people.add(r.person)
            self.legit_alerted.add(r.person)

    def _alert_closed(self, r: AlertClosed) -> None:
        self.aml_analyst_h[r.typology or "legitimate"] += (
            real_people(r.person, self.scale) * r.analyst_h
        )

    def _str(self, r: StrFiled) -> None:
        self.strs += real_people(r.person, self.scale)
        case = self.cases.get(r.case)
        if case is not None and case.detected_at is None:
            case.detected_at = r.t

    def _exited(self, r: CustomerExited) -> None:
        if r.legitimate:
            self.legit_exited += real_people(r.person, self.scale)

    def _case(self, r: CaseStarted) -> None:
        self.cases[r.case] = CaseTally(r.typology, r.t, r.value_kzt)

    def _case_step(self, r: CaseStep) -> None:
        case = self.cases[r.case]
        if r.moved:
            case.moved_kzt += r.amount_kzt
        else:
            case.prevented_kzt += r.amount_kzt

    # --- banks, regulator, miners, payments ----------------------------------------------------

    def _bank(self, r: BankAccess) -> None:
        self.bank_events[r.event] += 1
        if r.event == "licence_ended":  # the exchange leaves the count of those needing a bank
            if not self.access.pop(r.exchange, True):
                self.unbanked.step(r.t, -1)
            return
        had = self.access.get(r.exchange, True)
        if had != r.access:
            self.unbanked.step(r.t, -1 if r.access else +1)
        self.access[r.exchange] = r.access

    def _licence(self, r: LicenceEvent) -> None:
        self.licence_events[r.event] += 1

    def _receipt(self, r: StateReceipt) -> None:
        self.receipts[r.source] += r.amount_kzt * (self.scale if r.per_agent else 1.0)

    def _mining(self, r: MiningDay) -> None:
        self.fee_evaded += r.fee_evaded_kzt

    def _miner_sale(self, r: MinerSale) -> None:
        self.miner_sales += r.amount_kzt
        self.fees_institutional += r.fee_kzt

    def _payments(self, r: PaymentsDay) -> None:
        self.payments_volume += self.scale * r.volume_kzt  # the simulated people's payments
        self.fees_people += self.scale * r.fee_kzt
        self.merchant_uptake = r.uptake
