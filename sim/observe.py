"""Observation, injected: components emit records; observers receive them in batches.

The world's `emit` only appends to a buffer (the cheapest thing Python can do); at the end of each
simulated slice the engine hands the batch to its observers. `Tally` folds the stream into running
totals (with a time-weighted queue monitor) from which `sim.summary` computes KPIs, live for the
TUI and after the run for the outputs; `Recorder` keeps every record. Nothing in the model's logic
reads what the observers hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sim.records import (
    ChannelSwitched,
    KycDecided,
    Loss,
    PaymentBlocked,
    PersonArrived,
    Purchase,
    Record,
    ReviewAbandoned,
    ReviewQueued,
    ReviewStarted,
    Sale,
)


class Observer(Protocol):
    def observe(self, records: Sequence[Record]) -> None: ...


class Recorder:
    """Keeps every record, for `--trace`, people's timelines and tests."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def observe(self, records: Sequence[Record]) -> None:
        self.records.extend(records)


class Tally:
    """Running totals of the record stream (unscaled: one count per agent)."""

    def __init__(self) -> None:
        self.arrivals = self.applicants = 0
        self.kyc = {"passed": 0, "rejected": 0, "abandoned": 0}
        self.legit_decided = self.legit_rejected = self.bad_onboarded = 0
        self.kyc_waits: list[float] = []
        self.channels = {"licensed": 0, "unlicensed": 0, "none": 0, "fallback": 0}
        self.volume = {"licensed": 0.0, "unlicensed": 0.0}
        self.outflow = self.fraud = self.fees = 0.0
        self.blocked = {"licensed": 0, "unlicensed": 0}
        # the manual-review queue: counts, waits and a time-weighted length
        self.queued = self.review_started = self.queue_abandoned = 0
        self.queue_wait_sum = self.review_busy_h = 0.0
        self.queue_length = 0
        self._queue_area = self._queue_t = 0.0
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
            PaymentBlocked: self._blocked,
        }

    def observe(self, records: Sequence[Record]) -> None:
        handlers = self._handlers
        for record in records:
            handler = handlers.get(type(record))
            if handler is not None:
                handler(record)

    def queue_area(self, now: float) -> float:
        """Integral of the queue length over time up to `now` (person-hours waiting)."""
        return self._queue_area + self.queue_length * (now - self._queue_t)

    def _queue_step(self, t: float, change: int) -> None:
        self._queue_area += self.queue_length * (t - self._queue_t)
        self._queue_t = t
        self.queue_length += change

    def _arrived(self, r: PersonArrived) -> None:
        self.arrivals += 1
        self.channels[r.channel] += 1
        if r.exchange >= 0:
            self.applicants += 1

    def _switched(self, r: ChannelSwitched) -> None:
        self.channels["fallback"] += 1

    def _kyc_decided(self, r: KycDecided) -> None:
        self.kyc[r.outcome] += 1
        self.review_busy_h += r.review_h
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
        self._queue_step(r.t, +1)

    def _review_started(self, r: ReviewStarted) -> None:
        self.review_started += 1
        self.queue_wait_sum += r.waited_h
        self._queue_step(r.t, -1)

    def _review_abandoned(self, r: ReviewAbandoned) -> None:
        self.queue_abandoned += 1
        self.queue_wait_sum += r.waited_h
        self._queue_step(r.t, -1)

    def _purchase(self, r: Purchase) -> None:
        self.volume[r.channel] += r.amount_kzt
        self.outflow += r.outflow_kzt
        if r.channel == "licensed":
            self.fees += r.fee_kzt

    def _sale(self, r: Sale) -> None:
        if r.channel == "licensed":
            self.fees += r.fee_kzt

    def _loss(self, r: Loss) -> None:
        self.fraud += r.amount_kzt

    def _blocked(self, r: PaymentBlocked) -> None:
        self.blocked[r.channel] += 1
