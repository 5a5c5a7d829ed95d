"""An analyst team given in real analysts, as the sampled world sees it.

People are simulated at 1/k of real life (`population.scale_factor`), so a team gets 1/k of the
real work from them; the team is sampled the same way, to `real / k` analysts. That is rarely a
whole number, so the sampled world keeps `n = round(real / k)` analysts (at least one) and each
review holds its analyst `pace = n / (real / k)` times the review's real length: the team's
capacity against its work, and so its utilisation, is the real team's at every scale. The person
or alert under review waits only the review's real length. Work simulated at full size (the
miners' sales, one client for all of them) holds an analyst 1/k as long: the sampled team has 1/k
of the real team's hours.

What sampling cannot keep is pooling: n analysts at a given utilisation queue longer than n × k of
them would. At the library's loads (the gates run well under half busy) the difference is below
the noise of a run (`tests/sim/test_scale_invariance.py`); `pooling_note` says when a run's load
makes it matter (the team at least half busy, and by Erlang C keeping 5 points more cases waiting
than the real team would), and the run prints it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from sim.clock import Clock

C = TypeVar("C")
"""A case at a desk: what each of its steps is called with."""


@dataclass(frozen=True)
class Team:
    real: int
    """Real analysts (the scenario's figure)."""
    simulated: int
    """Analysts in the sampled world: 0 when nobody reviews."""
    pace: float
    """Analyst time a review holds, per hour of its real length."""


def sampled_team(real: int, scale: float) -> Team:
    """The sampled world's share of a team of `real` analysts at scale factor `scale`."""
    if real <= 0:
        return Team(real, 0, 1.0)
    exact = real / scale
    simulated = max(1, round(exact))
    return Team(real, simulated, simulated / exact)


class Ticket(Generic[C]):
    """A case's place at a desk."""

    __slots__ = ("case", "granted", "taken", "withdrawn")

    def __init__(self, granted: Callable[[C], None], case: C) -> None:
        self.granted, self.case = granted, case
        """`granted(case)` is called when an analyst takes the case."""
        self.taken = self.withdrawn = False


class Desk(Generic[C]):
    """The cases a team works through in order of arrival, one analyst each.

    A case is a chain of calls, not a SimPy process: one that finds an analyst free is taken at
    once, and its review costs one timer (two when the analyst is held longer or shorter than the
    person waits). Each step is called with the case (a KYC application, an AML alert), so a
    step is a method, not a closure made for it. Whoever takes a case (`take`) ends it with
    `free` when its analyst is no longer needed, or `withdraw`s it while it still waits.
    """

    def __init__(self, env: Clock) -> None:
        self.env = env
        self.analysts = 1
        self.busy = 0
        self._waiting: deque[Ticket[C]] = deque()

    def resize(self, analysts: int) -> None:
        """A dated rule changed the team: new analysts take waiting cases at once; when it
        shrinks, those busy finish their cases first."""
        self.analysts = analysts
        self._serve()

    def take(self, granted: Callable[[C], None], case: C) -> Ticket[C]:
        """Queue a case; `granted(case)` is called when an analyst takes it: at once if one is
        free."""
        ticket = Ticket(granted, case)
        if self._waiting or self.busy >= self.analysts:
            self._waiting.append(ticket)
        else:  # an analyst is free and nobody is before it
            self.busy += 1
            ticket.taken = True
            granted(case)
        return ticket

    def withdraw(self, ticket: Ticket[C]) -> None:
        """The case leaves the queue before an analyst took it (its person gave up)."""
        ticket.withdrawn = True

    def free(self) -> None:
        """An analyst is done with their case and takes the next."""
        self.busy -= 1
        self._serve()

    def review(
        self,
        length: float,
        hold: float,
        case: C,
        decided: Callable[[C], None],
        released: Callable[[C], None] | None = None,
    ) -> None:
        """Review the taken case: `decided(case)` after its real `length` (what the person
        waits), its analyst free after `hold` (the sampled team's time for it), `released(case)`
        then."""
        self.env.after(min(length, hold), self._reviewed, length, hold, case, decided, released)

    def _reviewed(
        self,
        length: float,
        hold: float,
        case: C,
        decided: Callable[[C], None],
        released: Callable[[C], None] | None,
    ) -> None:
        if hold > length:
            decided(case)
            self.env.after(hold - length, self._release, case, released)
            return
        if length > hold:
            self._release(case, released)
            self.env.after(length - hold, decided, case)
            return
        decided(case)
        self._release(case, released)

    def _release(self, case: C, released: Callable[[C], None] | None) -> None:
        if released is not None:
            released(case)
        self.free()

    def _serve(self) -> None:
        waiting = self._waiting
        while waiting and self.busy < self.analysts:
            ticket = waiting.popleft()
            if not ticket.withdrawn:
                self.busy += 1
                ticket.taken = True
                ticket.granted(ticket.case)


def erlang_c(servers: int, load: float) -> float:
    """Probability of waiting in an M/M/c queue with `servers` and offered `load` (Erlangs).

    By the Erlang B recursion, which stays finite for teams of any size.
    """
    if servers <= 0 or load >= servers:
        return 1.0
    blocked = 1.0
    for n in range(1, servers + 1):
        blocked = load * blocked / (n + load * blocked)
    return servers * blocked / (servers - load * (1 - blocked))


POOLING_TOLERANCE = 0.05
"""How much more often a sampled team may keep cases waiting than the real one, unremarked."""
POOLING_LOAD = 0.5
"""Below this utilisation a queue clears within the working day at any team size: no note."""


def pooling_note(name: str, team: Team, utilisation: float) -> str | None:
    """A warning when a sampled team at this utilisation queues markedly more than the real one.

    Erlang C (round the clock, no abandonment) is the yardstick: a gate in working hours queues
    overnight whatever its size, so a lightly loaded one is spared the note (POOLING_LOAD).
    """
    if team.simulated == 0 or team.simulated >= team.real:
        return None
    if not POOLING_LOAD <= utilisation < 1:
        return None
    sampled = erlang_c(team.simulated, utilisation * team.simulated)
    real = erlang_c(team.real, utilisation * team.real)
    if sampled - real <= POOLING_TOLERANCE:
        return None
    return (
        f"{name}: at {utilisation:.0%} busy, {team.simulated} simulated "
        f"analyst{'s' if team.simulated != 1 else ''} keep{'s' if team.simulated == 1 else ''} "
        f"{sampled:.0%} of cases waiting where the real {team.real} would keep {real:.0%}; "
        "waits are overstated at this scale factor: run at a smaller population.scale_factor "
        "to measure them"
    )
