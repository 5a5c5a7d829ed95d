"""AML monitoring: rules on every licensed-exchange movement, an analyst queue, and reports.

The bank side watches the tenge legs (amount, structuring, velocity); the exchange watches the
crypto legs and round trips (rapid in-out, self-hosted wallets above the travel-rule threshold,
offshore transfers). An alert joins the analysts' queue; a true case is recognised with
`detection_prob`, a legitimate one is reported by mistake with `false_str_prob`; a report reaches
the financial monitoring agency after `str_filing_delay`, and the exchange may exit the customer.
Every transaction carries its person's ground truth (`Person.case`), so detection is scored.

Counts are real: a sampled person's alert stands for `scale_factor` real ones (and weighs as much
in the bank's risk score), one of those simulated at full size (a laundering case's member, the
miners) for one; the analyst team is given in real analysts and sampled like the people
(`sim.components.team`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.components.population import RECRUITS, Person, real_people
from sim.components.team import Desk, Team, sampled_team
from sim.records import Alert, AlertClosed, CustomerExited, StrFiled

if TYPE_CHECKING:
    from sim.scenario import AmlSection
    from sim.world import World

DEPOSIT, WITHDRAWAL, SELF_HOSTED, OFFSHORE = "deposit", "withdrawal", "self_hosted", "offshore"
CRYPTO_IN = "crypto_in"
INFLOWS = (DEPOSIT, CRYPTO_IN)


@dataclass(slots=True)
class Case:
    """An alert on its way through the analysts' desk."""

    alert: Alert
    person: Person
    n: int
    """The person's n-th alert: the review's draws are keyed (person, n)."""
    config: AmlSection
    """The AML rules in force when the alert was raised: it is reviewed under them."""
    busy: float = 0.0
    """How long its review takes, once it has begun."""


class AmlMonitor:
    def __init__(self, world: World) -> None:
        self.world = world
        self.history: dict[int, list[tuple[float, str, float]]] = {}
        self.alerts = 0
        self.typology_of: dict[int, str] = {}
        """Ground truth: the typology of each injected case."""
        keyed = world.streams.keyed
        self._review_time = keyed("aml_review_time")
        self._report = keyed("aml_report")
        self._exit = keyed("aml_exit")
        self.desk: Desk[Case] = Desk(world.env)
        self.team = Team(0, 0, 1.0)
        self.configure()

    def configure(self) -> None:
        self.config = c = self.world.scenario.aml
        usd_kzt = self.world.scenario.market.usd_kzt
        self.amount_kzt = c.amount_threshold.kzt(usd_kzt)
        self.travel_kzt = c.travel_rule_threshold.kzt(usd_kzt)
        self.offshore_kzt = c.offshore_threshold.kzt(usd_kzt)
        self.team = sampled_team(c.analysts, self.world.scenario.population.scale_factor)
        self.desk.resize(max(1, self.team.simulated))  # a dated rule may change the team

    def real(self, person: Person) -> float:
        """Real alerts (or reports) one of this person's stands for."""
        return real_people(person.id, self.world.scenario.population.scale_factor)

    def screen(self, person: Person, exchange: int, kind: str, amount_kzt: float) -> None:
        """Run the rules on one movement; raise an alert for each rule that fires."""
        c = self.config
        if not c.enabled:
            return
        now, rules, why = self.world.env.now, c.rules, self.world.why
        events = self.history.setdefault(person.id, [])
        horizon = now - max(c.structuring_window, c.velocity_window, c.rapid_window)
        if events and events[0][0] < horizon:
            events[:] = [e for e in events if e[0] >= horizon]
        events.append((now, kind, amount_kzt))
        fired: list[tuple[str, str]] = []
        if kind in (DEPOSIT, WITHDRAWAL) and rules.amount and amount_kzt >= self.amount_kzt:
            fired.append(("amount", f"bank: {why('aml.amount_threshold')}"))
        if kind == DEPOSIT:
            low = c.structuring_band * self.amount_kzt
            near = [
                e
                for e in events
                if e[1] == DEPOSIT
                and low <= e[2] < self.amount_kzt
                and e[0] >= now - c.structuring_window
            ]
            if (
                rules.structuring
                and low <= amount_kzt < self.amount_kzt
                and (len(near) >= c.structuring_count)
            ):
                fired.append(
                    (
                        "structuring",
                        f"bank: {why('aml.structuring_count')} deposits just below the "
                        "amount threshold",
                    )
                )
            deposits = sum(1 for e in events if e[1] == DEPOSIT and e[0] >= now - c.velocity_window)
            if rules.velocity and deposits == c.velocity_count:
                fired.append(
                    (
                        "velocity",
                        f"bank: {why('aml.velocity_count')} deposits within "
                        f"{why('aml.velocity_window')}",
                    )
                )
        elif (
            kind == WITHDRAWAL
            and rules.rapid_in_out
            and any(
                e[1] in INFLOWS and e[2] >= 0.5 * amount_kzt and e[0] >= now - c.rapid_window
                for e in events
            )
        ):
            fired.append(("rapid_in_out", f"exchange: {why('aml.rapid_window')}"))
        elif kind == SELF_HOSTED and rules.self_hosted and amount_kzt >= self.travel_kzt:
            fired.append(
                (
                    "self_hosted",
                    f"exchange: {why('aml.travel_rule_threshold')} to a self-hosted wallet",
                )
            )
        elif kind == OFFSHORE and rules.offshore:
            if amount_kzt >= self.offshore_kzt:
                fired.append(("offshore", f"exchange: {why('aml.offshore_threshold')}"))
            elif amount_kzt >= self.travel_kzt:
                reason = f"exchange: {why('aml.travel_rule_threshold')}, unverified offshore VASP"
                fired.append(("offshore", reason))
        for rule, reason in fired:
            self._raise(person, exchange, rule, amount_kzt, reason)

    def _raise(self, person: Person, exchange: int, rule: str, amount: float, reason: str) -> None:
        world = self.world
        self.alerts += 1
        typology = self.typology_of.get(person.case, "")
        alert = Alert(
            world.env.now,
            self.alerts,
            person.id,
            exchange,
            rule,
            amount,
            person.case,
            typology,
            reason,
        )
        world.emit(alert)
        risk = world.scenario.banks.alert_risk * self.real(person)
        world.banks.risk_signal(exchange, risk, f"AML alert ({rule})")
        person.alerts += 1
        self._review_alert(alert, person, person.alerts)

    def _review_alert(self, alert: Alert, person: Person, n: int) -> None:
        """Queue the person's n-th alert for an analyst: its draws are keyed (person, n)."""
        if self.team.simulated == 0:
            return  # nobody reviews: the alert stays open
        case = Case(alert, person, n, self.config)
        self.desk.take(self._taken, case)

    def _taken(self, case: Case) -> None:
        """An analyst took the alert: the review starts when the analysts' day has begun."""
        env = self.world.env
        opens = self.world.calendar.next_open(env.now, case.config.working_hours)
        if opens > env.now:
            env.after(opens - env.now, self._review, case)
        else:
            self._review(case)

    def _review(self, case: Case) -> None:
        person, world = case.person, self.world
        busy = case.busy = self._review_time.exponential(
            person.id, case.config.review_time_mean, case.n
        )
        # The sampled team's time for it: a full-size alert takes 1/k of a sampled review.
        hold = busy * self.team.pace
        if person.id >= RECRUITS:  # simulated at full size
            hold /= world.scenario.population.scale_factor
        self.desk.review(busy, hold, case, self._reviewed)

    def _reviewed(self, case: Case) -> None:
        c, person, alert, world = case.config, case.person, case.alert, self.world
        true_case = person.case >= 0
        draw = self._report.u(person.id, case.n)
        report = draw < c.detection_prob if true_case else draw < c.false_str_prob
        if true_case:
            why = f"{world.why('aml.detection_prob')}: " + (
                "analyst recognised the pattern" if report else "analyst missed it"
            )
        else:
            why = f"{world.why('aml.false_str_prob')}: " + (
                "reported a legitimate customer" if report else "closed as legitimate"
            )
        world.emit(
            AlertClosed(
                world.env.now,
                alert.alert,
                person.id,
                person.case,
                alert.typology,
                "str" if report else "closed",
                case.busy,
                why,
            )
        )
        if report:
            world.env.after(c.str_filing_delay, self._file, case)

    def _file(self, case: Case) -> None:
        """The report reaches the financial monitoring agency; the exchange may exit the client."""
        c, person, alert, world = case.config, case.person, case.alert, self.world
        now = world.env.now
        world.emit(
            StrFiled(
                now,
                person.id,
                alert.exchange,
                person.case,
                alert.typology,
                f"after alert {alert.alert} ({alert.rule})",
            )
        )
        risk = world.scenario.banks.str_risk * self.real(person)
        world.banks.risk_signal(alert.exchange, risk, "a report")
        if not person.exited and self._exit.chance(person.id, c.exit_after_str, case.n):
            person.exited = True
            world.emit(
                CustomerExited(
                    now,
                    person.id,
                    alert.exchange,
                    person.case < 0,
                    f"{world.why('aml.exit_after_str')}",
                )
            )
