"""Observation, injected: components emit records; observers receive them in batches.

The world's `emit` only appends to a buffer (the cheapest thing Python can do); at the end of each
simulated slice the engine hands the batch to its observers. `Tally` folds the stream into running
totals (with time-weighted monitors) from which `sim.summary` computes KPIs, live for the TUI and
after the run for the outputs; `Recorder` keeps every record. Nothing in the model's logic reads
what the observers hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sim.components.miners import MINERS
from sim.records import (
    Alert,
    AlertClosed,
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
    alerts: int = 0
    true_alerts: int = 0
    institutional: int = 0
    """Alerts on the miners' sales: simulated at full size, not one per `scale_factor` people."""
    legit_people: set[int] = field(default_factory=set)


class Tally:
    """Running totals of the record stream (unscaled: one count per agent)."""

    def __init__(self) -> None:
        self.arrivals = self.applicants = 0
        self.kyc = {"passed": 0, "rejected": 0, "abandoned": 0}
        self.kyc_passed_reviewed = 0
        self.legit_decided = self.legit_rejected = self.bad_onboarded = 0
        self.kyc_waits: list[float] = []
        self.channels = {"licensed": 0, "unlicensed": 0, "none": 0, "fallback": 0}
        self.volume = {"licensed": 0.0, "unlicensed": 0.0}
        self.outflow = self.fraud = 0.0
        self.fees_people = self.fees_institutional = 0.0
        # the KYC manual-review queue
        self.queued = self.review_started = self.queue_abandoned = 0
        self.queue_wait_sum = 0.0
        self.queue = TimeWeighted()
        # AML
        self.alerts = self.true_alerts = self.strs = 0
        self.institutional_alerts = 0
        """Of `alerts`, those on the miners' sales (full size: never scaled up)."""
        self.aml_analyst_h: defaultdict[str, float] = defaultdict(float)
        """Analyst hours on people's alerts by typology (one agent's: scaled up by k)."""
        self.aml_analyst_h_institutional = 0.0
        """Analyst hours on the miners' alerts (full size: never scaled up)."""
        self.rules: defaultdict[str, RuleTally] = defaultdict(RuleTally)
        self.cases: dict[int, CaseTally] = {}
        self.legit_alerted: set[int] = set()
        self.typology_rules: defaultdict[str, set[str]] = defaultdict(set)
        self.legit_exited = 0
        # banks, regulator, miners, payments
        self.bank_events: defaultdict[str, int] = defaultdict(int)
        self.unbanked = TimeWeighted()
        self.access: dict[int, bool] = {}
        self.licence_events: defaultdict[str, int] = defaultdict(int)
        self.receipts: defaultdict[str, float] = defaultdict(float)
        self.receipts_per_agent: defaultdict[str, float] = defaultdict(float)
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
        }

    def observe(self, records: Sequence[Record]) -> None:
        handlers = self._handlers
        for record in records:
            handler = handlers.get(type(record))
            if handler is not None:
                handler(record)

    # --- people, KYC, trading -------------------------------------------------------------------

    def _arrived(self, r: PersonArrived) -> None:
        self.arrivals += 1
        self.channels[r.channel] += 1
        if r.exchange >= 0:
            self.applicants += 1

    def _switched(self, r: ChannelSwitched) -> None:
        if r.channel == "licensed":  # redirected by a bank block: a licensed applicant after all
            self.applicants += 1
        else:
            self.channels["fallback"] += 1

    def _kyc_decided(self, r: KycDecided) -> None:
        self.kyc[r.outcome] += 1
        self.kyc_passed_reviewed += r.outcome == "passed" and r.stage == "manual"
        if r.outcome == "abandoned":
            return
        self.kyc_waits.append(r.wait_h)
        if r.legitimate:
            self.legit_decided += 1
            self.legit_rejected += r.outcome == "rejected"
        elif r.outcome == "passed":
            self.bad_onboarded += 1

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
        self.volume[r.channel] += r.amount_kzt
        self.outflow += r.outflow_kzt
        if r.channel == "licensed":
            self.fees_people += r.fee_kzt

    def _sale(self, r: Sale) -> None:
        if r.channel == "licensed":
            self.fees_people += r.fee_kzt

    def _loss(self, r: Loss) -> None:
        self.fraud += r.amount_kzt

    def _shut(self, r: PlatformShut) -> None:
        self.platforms_shut += 1

    # --- AML ----------------------------------------------------------------------------------

    def _alert(self, r: Alert) -> None:
        self.alerts += 1
        rule = self.rules[r.rule]
        rule.alerts += 1
        if r.case >= 0:
            self.true_alerts += 1
            rule.true_alerts += 1
            self.typology_rules[r.typology].add(r.rule)
        elif r.person == MINERS:
            self.institutional_alerts += 1
            rule.institutional += 1
        else:
            rule.legit_people.add(r.person)
            self.legit_alerted.add(r.person)

    def _alert_closed(self, r: AlertClosed) -> None:
        if r.person == MINERS:  # full size: its hours are real hours already
            self.aml_analyst_h_institutional += r.analyst_h
        else:
            self.aml_analyst_h[r.typology or "legitimate"] += r.analyst_h

    def _str(self, r: StrFiled) -> None:
        self.strs += 1
        case = self.cases.get(r.case)
        if case is not None and case.detected_at is None:
            case.detected_at = r.t

    def _exited(self, r: CustomerExited) -> None:
        self.legit_exited += r.legitimate

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
        if r.per_agent:
            self.receipts_per_agent[r.source] += r.amount_kzt
        else:
            self.receipts[r.source] += r.amount_kzt

    def _mining(self, r: MiningDay) -> None:
        self.fee_evaded += r.fee_evaded_kzt

    def _miner_sale(self, r: MinerSale) -> None:
        self.miner_sales += r.amount_kzt
        self.fees_institutional += r.fee_kzt

    def _payments(self, r: PaymentsDay) -> None:
        self.payments_volume += r.volume_kzt
        self.fees_people += r.fee_kzt
        self.merchant_uptake = r.uptake
