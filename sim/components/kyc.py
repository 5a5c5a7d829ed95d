"""The KYC gate of the licensed exchanges: automated attempts, the state IIN check, manual review.

Manual review is a queue served by a finite analyst team (optionally in working hours); applicants
whose patience runs out abandon. Decisions have configurable false-reject and false-accept rates.
The team is given in real analysts and sampled like the applicants (`sim.components.team`).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.components.population import Person
from sim.components.team import Team, review, sampled_team
from sim.records import (
    KycAttempt,
    KycDecided,
    ReviewAbandoned,
    ReviewQueued,
    ReviewStarted,
)

if TYPE_CHECKING:
    from sim.world import World

PASSED, REJECTED, ABANDONED = "passed", "rejected", "abandoned"
_EMA = 0.02


class KycGate:
    """Decides each application; `apply(person)` is a SimPy process returning the outcome."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.config = c = world.scenario.kyc
        self.env = world.env
        self.reviewers = simpy.Resource(self.env, 1)
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
        self.reviewers._capacity = max(1, self.team.simulated)  # SimPy has no public resize
        self.reviewers._trigger_put(None)
        self.teams.append((self.env.now, self.team.simulated))

    def available_hours(self, now: float) -> float:
        """Analyst-hours the team had in its working hours up to `now`, at its size at the time."""
        calendar, hours = self.world.calendar, self.config.working_hours
        ends = [t for t, _ in self.teams[1:]] + [now]
        return sum(
            size * calendar.open_hours(since, end, hours)
            for (since, size), end in zip(self.teams, ends, strict=True)
        )

    def _decide(
        self,
        person: Person,
        t0: float,
        outcome: str,
        stage: str,
        reason: str,
        review_h: float = 0.0,
        overtime_h: float = 0.0,
    ) -> str:
        now = self.env.now
        wait = now - t0
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
        return outcome

    def review_hours(self, pid: int) -> float:
        c = self.config
        if c.review_time_distribution == "exponential":
            return self._review_time.exponential(pid, c.review_time_mean)
        return self._review_time.lognormal(pid, self._review_median, c.review_time_sigma)

    def apply(self, person: Person) -> Generator[Any, Any, str]:
        env, c, pid, world = self.env, self.config, person.id, self.world
        t0 = env.now
        if c.auto_checks:
            quality = world.population.document_quality(pid)
            for k in range(c.max_attempts):
                yield env.timeout(
                    self._attempt_time[k].lognormal(
                        pid, c.auto_check_time_median, c.auto_check_time_sigma
                    )
                )
                passed = self._attempt_ok[k].chance(pid, quality)
                world.emit(KycAttempt(env.now, pid, k + 1, passed))
                if passed:
                    break
                if k + 1 == c.max_attempts:
                    return self._decide(
                        person,
                        t0,
                        REJECTED,
                        "auto",
                        f"{self.world.why('kyc.max_attempts')}: documents failed "
                        "every automated attempt",
                    )
                if self._retry_quit[k].chance(pid, c.retry_abandon_prob):
                    return self._decide(
                        person,
                        t0,
                        ABANDONED,
                        "auto",
                        f"{self.world.why('kyc.retry_abandon_prob')}: gave up "
                        f"after failed attempt {k + 1}",
                    )
        if c.iin_check and world.population.fabricated_iin(pid):
            return self._decide(
                person,
                t0,
                REJECTED,
                "iin",
                f"{self.world.why('kyc.iin_check')}: identity number not in the state database",
            )
        to_manual = self._manual.chance(pid, c.manual_review_share) or (
            c.nonresidents_to_manual and not person.resident
        )
        if not to_manual:
            if person.bad_actor and not self._decision.chance(pid, c.auto_false_accept_rate):
                return self._decide(
                    person,
                    t0,
                    REJECTED,
                    "auto",
                    f"{self.world.why('kyc.auto_false_accept_rate')}: automated screening caught "
                    "the identity",
                )
            why = self.world.why("kyc.manual_review_share")
            return self._decide(person, t0, PASSED, "auto", f"{why}: passed without manual review")
        return (yield from self._manual_review(person, t0))

    def _manual_review(self, person: Person, t0: float) -> Generator[Any, Any, str]:
        env, c, pid, world = self.env, self.config, person.id, self.world
        queued_at = env.now
        patience = world.population.patience(pid)
        deadline = queued_at + patience
        self.queue_length += 1
        world.emit(ReviewQueued(queued_at, pid, self.queue_length))
        if self.team.simulated == 0:
            yield env.timeout(patience)
            return self._abandon(
                person, t0, queued_at, f"{self.world.why('kyc.reviewers')}: nobody reviews"
            )
        request = self.reviewers.request()
        if math.isinf(patience):
            yield request
        else:
            yield request | env.timeout(patience)
            if not request.triggered:
                request.cancel()
                return self._abandon(person, t0, queued_at, "patience ran out in the review queue")
        opens = world.calendar.next_open(env.now, c.working_hours) if c.working_hours else env.now
        if opens > env.now:
            if opens > deadline:
                yield env.timeout(deadline - env.now)
                self.reviewers.release(request)
                return self._abandon(
                    person, t0, queued_at, "patience ran out before the analysts' day began"
                )
            yield env.timeout(opens - env.now)
        self.queue_length -= 1
        started = env.now
        world.emit(ReviewStarted(started, pid, started - queued_at))
        busy = self.review_hours(pid)  # the review's real length: what the applicant waits
        hold = busy * self.team.pace  # the sampled team's time for it (team.py)
        # A case started before closing is finished in overtime: that time is busy and available.
        overtime = (
            hold - world.calendar.open_hours(started, started + hold, c.working_hours)
            if c.working_hours
            else 0.0
        )
        yield from review(
            env, self.reviewers, request, busy, hold, lambda: self._worked(hold, overtime)
        )
        if person.bad_actor:
            if self._decision.chance(pid, c.manual_false_accept_rate):
                return self._decide(
                    person,
                    t0,
                    PASSED,
                    "manual",
                    f"{self.world.why('kyc.manual_false_accept_rate')}: "
                    "analyst missed the identity fraud",
                    busy,
                    overtime,
                )
            return self._decide(
                person,
                t0,
                REJECTED,
                "manual",
                f"{self.world.why('kyc.manual_false_accept_rate')}: analyst found identity fraud",
                busy,
                overtime,
            )
        if self._decision.chance(pid, c.false_reject_rate):
            return self._decide(
                person,
                t0,
                REJECTED,
                "manual",
                f"{self.world.why('kyc.false_reject_rate')}: analyst rejected "
                "a legitimate applicant",
                busy,
                overtime,
            )
        why = self.world.why("kyc.false_reject_rate")
        return self._decide(
            person, t0, PASSED, "manual", f"{why}: analyst approved", busy, overtime
        )

    def _worked(self, hours: float, overtime: float) -> None:
        """An analyst is free again: count the hours the review took them (on release, so a run's
        utilisation never counts hours after its end)."""
        self.busy_h += hours
        self.overtime_h += overtime

    def _abandon(self, person: Person, t0: float, queued_at: float, reason: str) -> str:
        self.queue_length -= 1
        self.world.emit(ReviewAbandoned(self.env.now, person.id, self.env.now - queued_at))
        return self._decide(person, t0, ABANDONED, "queue", reason)
