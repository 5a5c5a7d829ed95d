"""The KYC gate of the licensed exchanges: automated attempts, the state IIN check, manual review.

Manual review is a queue served by a finite analyst team (optionally in working hours); applicants
whose patience runs out abandon. Decisions have configurable false-reject and false-accept rates.
The team is given in real analysts and sampled like the applicants (`sim.components.team`).

An application is a chain of calls (`Application` carries it from step to step), not a SimPy
process: it costs a timer for each automated attempt and one for its review, which keeps the gate
near a bare queue's cost (`bench/gate_vs_simpy.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from sim.components.population import Person
from sim.components.team import Desk, Team, Ticket, sampled_team
from sim.records import (
    KycAttempt,
    KycDecided,
    ReviewAbandoned,
    ReviewQueued,
    ReviewStarted,
)

if TYPE_CHECKING:
    from sim.scenario import KycSection
    from sim.world import World

PASSED, REJECTED, ABANDONED = "passed", "rejected", "abandoned"
_EMA = 0.02


class Application:
    """One person's application in progress: what each step of the gate hands the next."""

    __slots__ = (
        "busy",
        "config",
        "deadline",
        "hold",
        "overtime",
        "person",
        "quality",
        "queued_at",
        "t0",
        "then",
    )

    def __init__(
        self, person: Person, t0: float, config: KycSection, then: Callable[[Person, str], object]
    ) -> None:
        self.person, self.t0, self.then = person, t0, then
        self.config = config
        """The KYC rules the application is decided under: those in force when it began, and
        again when it joins the manual-review queue."""
        self.quality = 1.0
        """Chance that one automated attempt passes."""
        self.queued_at = self.deadline = math.inf
        self.busy = self.hold = self.overtime = 0.0
        """Its manual review: its real length, the sampled analyst's time for it, and the part
        of that time after closing."""


class KycGate:
    """Decides each application: `apply(person, then)` calls `then(person, outcome)` when it is
    done; `decision(person)` is the same as an event, for a process to wait on."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = c = world.scenario.kyc
        self.env = world.env
        self.desk: Desk[Application] = Desk(self.env)
        self.team = Team(0, 0, 1.0)
        self.queue_length = 0
        self.busy_h = self.overtime_h = 0.0
        """The team's hours on reviews finished so far, and the part of them after closing."""
        self.teams: list[tuple[float, int]] = []
        """(since when, simulated analysts): the team over time, for its available hours."""
        col = world.streams.per_person
        self._attempt_ok = [col(f"auto_attempt_{k}") for k in range(c.max_attempts)]
        self._attempt_time = [col(f"auto_attempt_time_{k}") for k in range(c.max_attempts)]
        self._retry_quit = [col(f"retry_abandon_{k}") for k in range(c.max_attempts)]
        self._manual = col("manual_review")
        self._review_time = col("review_time")
        self._decision = col("kyc_decision")
        self.configure()
        self.expected_wait_h = c.auto_check_time_median + c.manual_review_share * 24.0
        """What people expect KYC to take: a moving average of recent decisions."""

    def configure(self) -> None:
        """Read the KYC section (again); a dated rule may resize the analyst team."""
        self.config = c = self.world.scenario.kyc
        self._review_median = c.review_time_mean / math.exp(c.review_time_sigma**2 / 2)
        self.team = sampled_team(c.reviewers, self.world.scenario.population.scale_factor)
        self.desk.resize(max(1, self.team.simulated))
        self.teams.append((self.env.now, self.team.simulated))

    def available_hours(self, now: float) -> float:
        """Analyst-hours the team had in its working hours up to `now`, at its size at the time."""
        calendar, hours = self.world.calendar, self.config.working_hours
        ends = [t for t, _ in self.teams[1:]] + [now]
        return sum(
            size * calendar.open_hours(since, end, hours)
            for (since, size), end in zip(self.teams, ends, strict=True)
        )

    def review_hours(self, pid: int) -> float:
        c = self.config
        if c.review_time_distribution == "exponential":
            return self._review_time.exponential(pid, c.review_time_mean)
        return self._review_time.lognormal(pid, self._review_median, c.review_time_sigma)

    def apply(self, person: Person, then: Callable[[Person, str], object]) -> None:
        """Start the person's application; `then(person, outcome)` is called when it is
        decided."""
        application = Application(person, self.env.now, self.config, then)
        if application.config.auto_checks:
            application.quality = self.world.population.document_quality(person)
            self._attempt(application, 0)
        else:
            self._screen(application)

    def decision(self, person: Person) -> simpy.Event:
        """The person's application as an event a process can wait for; its value is the
        outcome."""
        decided = self.env.event()
        self.apply(person, lambda _, outcome: decided.succeed(outcome))
        return decided

    # --- the automated checks ---------------------------------------------------------------------

    def _attempt(self, application: Application, k: int) -> None:
        c, pid = application.config, application.person.id
        median, sigma = c.auto_check_time_median, c.auto_check_time_sigma
        self.env.after(
            self._attempt_time[k].lognormal(pid, median, sigma), self._attempted, application, k
        )

    def _attempted(self, application: Application, k: int) -> None:
        c, pid, why = application.config, application.person.id, self.world.why
        passed = self._attempt_ok[k].chance(pid, application.quality)
        self.world.emit(KycAttempt(self.env.now, pid, k + 1, passed))
        if passed:
            self._screen(application)
        elif k + 1 == c.max_attempts:
            self._decide(
                application,
                REJECTED,
                "auto",
                f"{why('kyc.max_attempts')}: documents failed every automated attempt",
            )
        elif self._retry_quit[k].chance(pid, c.retry_abandon_prob):
            self._decide(
                application,
                ABANDONED,
                "auto",
                f"{why('kyc.retry_abandon_prob')}: gave up after failed attempt {k + 1}",
            )
        else:
            self._attempt(application, k + 1)

    def _screen(self, application: Application) -> None:
        """The state IIN check, then manual review or an automated decision."""
        c, person, why = application.config, application.person, self.world.why
        pid = person.id
        if c.iin_check and self.world.population.fabricated_iin(person):
            self._decide(
                application,
                REJECTED,
                "iin",
                f"{why('kyc.iin_check')}: identity number not in the state database",
            )
            return
        to_manual = self._manual.chance(pid, c.manual_review_share) or (
            c.nonresidents_to_manual and not person.resident
        )
        if to_manual:
            self._queue(application)
        elif person.bad_actor and not self._decision.chance(pid, c.auto_false_accept_rate):
            self._decide(
                application,
                REJECTED,
                "auto",
                f"{why('kyc.auto_false_accept_rate')}: automated screening caught the identity",
            )
        else:
            self._decide(
                application,
                PASSED,
                "auto",
                f"{why('kyc.manual_review_share')}: passed without manual review",
            )

    # --- manual review: a queue at the analysts' desk ---------------------------------------------

    def _queue(self, application: Application) -> None:
        env, world, pid = self.env, self.world, application.person.id
        application.config = self.config  # the rules in force when the case joins the queue
        application.queued_at = now = env.now
        patience = world.population.patience(pid)
        application.deadline = now + patience
        self.queue_length += 1
        world.emit(ReviewQueued(now, pid, self.queue_length))
        if self.team.simulated == 0:
            if not math.isinf(patience):
                reason = f"{world.why('kyc.reviewers')}: nobody reviews"
                env.after(patience, self._abandon, application, reason)
            return
        ticket = self.desk.take(self._taken, application)
        if not ticket.taken and not math.isinf(patience):
            env.after(patience, self._gave_up, application, ticket)

    def _gave_up(self, application: Application, ticket: Ticket[Application]) -> None:
        if not ticket.taken:
            self.desk.withdraw(ticket)
            self._abandon(application, "patience ran out in the review queue")

    def _taken(self, application: Application) -> None:
        """An analyst took the case: the review starts when the analysts' day has begun."""
        env, hours = self.env, application.config.working_hours
        opens = self.world.calendar.next_open(env.now, hours) if hours else env.now
        if opens <= env.now:
            self._review(application)
        elif opens > application.deadline:
            env.after(application.deadline - env.now, self._closed_out, application)
        else:
            env.after(opens - env.now, self._review, application)

    def _closed_out(self, application: Application) -> None:
        self._abandon(application, "patience ran out before the analysts' day began")
        self.desk.free()

    def _review(self, application: Application) -> None:
        env, world, c = self.env, self.world, application.config
        self.queue_length -= 1
        started = env.now
        world.emit(ReviewStarted(started, application.person.id, started - application.queued_at))
        busy = self.review_hours(application.person.id)  # its real length: what the person waits
        hold = busy * self.team.pace  # the sampled team's time for it (team.py)
        # A case started before closing is finished in overtime: that time is busy and available.
        if c.working_hours:
            application.overtime = hold - world.calendar.open_hours(
                started, started + hold, c.working_hours
            )
        application.busy, application.hold = busy, hold
        self.desk.review(busy, hold, application, self._reviewed, self._worked)

    def _reviewed(self, application: Application) -> None:
        c, person, why = application.config, application.person, self.world.why
        pid = person.id
        if person.bad_actor:
            missed = self._decision.chance(pid, c.manual_false_accept_rate)
            outcome = PASSED if missed else REJECTED
            found = "missed the identity fraud" if missed else "found identity fraud"
            reason = f"{why('kyc.manual_false_accept_rate')}: analyst {found}"
        elif self._decision.chance(pid, c.false_reject_rate):
            outcome = REJECTED
            reason = f"{why('kyc.false_reject_rate')}: analyst rejected a legitimate applicant"
        else:
            outcome, reason = PASSED, f"{why('kyc.false_reject_rate')}: analyst approved"
        self._decide(application, outcome, "manual", reason, application.busy, application.overtime)

    def _worked(self, application: Application) -> None:
        """An analyst is free again: count the hours the review took them (on release, so a run's
        utilisation never counts hours after its end)."""
        self.busy_h += application.hold
        self.overtime_h += application.overtime

    def _abandon(self, application: Application, reason: str) -> None:
        self.queue_length -= 1
        now = self.env.now
        waited = now - application.queued_at
        self.world.emit(ReviewAbandoned(now, application.person.id, waited))
        self._decide(application, ABANDONED, "queue", reason)

    def _decide(
        self,
        application: Application,
        outcome: str,
        stage: str,
        reason: str,
        review_h: float = 0.0,
        overtime_h: float = 0.0,
    ) -> None:
        now, person = self.env.now, application.person
        wait = now - application.t0
        person.kyc_outcome = outcome
        # Everyone's wait counts, those who gave up too: they are who a long queue turns away.
        self.expected_wait_h += _EMA * (wait - self.expected_wait_h)
        self.world.emit(
            KycDecided(
                now,
                person.id,
                outcome,
                wait,
                review_h,
                not person.bad_actor,
                stage,
                reason,
                overtime_h,
            )
        )
        application.then(person, outcome)
