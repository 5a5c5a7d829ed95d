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

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import simpy


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


def review(
    env: simpy.Environment,
    analysts: simpy.Resource,
    request: simpy.Resource.request,  # type: ignore[valid-type]
    length: float,
    hold: float,
    released: Callable[[], None] = lambda: None,
) -> Generator[Any, Any, None]:
    """Return after the review's real `length`; its analyst stays taken for `hold` hours.

    `released` is called when the analyst is free again.
    """
    yield env.timeout(min(length, hold))
    if hold > length:
        env.process(_release_after(env, analysts, request, hold - length, released))
        return
    analysts.release(request)
    released()
    if length > hold:
        yield env.timeout(length - hold)


def _release_after(
    env: simpy.Environment,
    analysts: simpy.Resource,
    request: simpy.Resource.request,  # type: ignore[valid-type]
    delay: float,
    released: Callable[[], None],
) -> Generator[Any, Any, None]:
    yield env.timeout(delay)
    analysts.release(request)
    released()


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
