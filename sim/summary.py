"""KPIs: their stable names, units and meaning, computed from the tally; and their statistics over
replications (mean and a 95% t-interval)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scipy import stats

from sim.ledger import TIYN_PER_KZT
from sim.observe import Tally
from sim.world import World


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    meaning: str
    scaled: bool = False
    """A count or volume of agents, multiplied by the scale factor to stand for real people."""


KPIS: tuple[Kpi, ...] = (
    Kpi("applicants", "people", "people who started KYC at a licensed exchange", True),
    Kpi("kyc_passed", "people", "applicants who passed KYC", True),
    Kpi("kyc_rejected", "people", "applicants rejected by KYC", True),
    Kpi("kyc_abandoned", "people", "applicants who gave up before a decision", True),
    Kpi("kyc_wait_mean_h", "h", "mean time from application to decision"),
    Kpi("kyc_wait_p95_h", "h", "95th percentile of the time from application to decision"),
    Kpi("kyc_reviewer_utilisation", "0-1", "busy share of the manual-review team's working hours"),
    Kpi("false_reject_rate", "0-1", "legitimate applicants rejected / legitimate decided"),
    Kpi("bad_actors_onboarded", "people", "bad actors who passed KYC", True),
    Kpi("licensed_volume_kzt", "KZT", "purchase volume on licensed exchanges", True),
    Kpi("unlicensed_volume_kzt", "KZT", "purchase volume on unlicensed channels", True),
    Kpi("licensed_share", "0-1", "licensed / (licensed + unlicensed) purchase volume"),
    Kpi(
        "capital_outflow_kzt",
        "KZT",
        "tenge that left the country through unlicensed channels",
        True,
    ),
    Kpi(
        "fraud_losses_kzt",
        "KZT",
        "losses of people on unlicensed channels (fraud, shutdowns)",
        True,
    ),
    Kpi("fees_kzt", "KZT", "fees earned by licensed exchanges", True),
    Kpi("ledger_imbalance_kzt", "KZT", "sum of all postings; exactly 0 when money is conserved"),
)
KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}


def _p95(values: Sequence[float]) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def compute_kpis(tally: Tally, world: World) -> dict[str, float]:
    """Every KPI at the current simulated time, scaled up to real people."""
    k = world.scenario.population.scale_factor
    now = world.env.now
    team = world.scenario.kyc
    available = team.reviewers * world.calendar.open_hours(0.0, now, team.working_hours)
    licensed, unlicensed = tally.volume["licensed"], tally.volume["unlicensed"]
    values = {
        "applicants": tally.applicants,
        "kyc_passed": tally.kyc["passed"],
        "kyc_rejected": tally.kyc["rejected"],
        "kyc_abandoned": tally.kyc["abandoned"],
        "kyc_wait_mean_h": _ratio(sum(tally.kyc_waits), len(tally.kyc_waits)),
        "kyc_wait_p95_h": _p95(tally.kyc_waits),
        "kyc_reviewer_utilisation": _ratio(tally.review_busy_h, available),
        "false_reject_rate": _ratio(tally.legit_rejected, tally.legit_decided),
        "bad_actors_onboarded": tally.bad_onboarded,
        "licensed_volume_kzt": licensed,
        "unlicensed_volume_kzt": unlicensed,
        "licensed_share": _ratio(licensed, licensed + unlicensed),
        "capital_outflow_kzt": tally.outflow,
        "fraud_losses_kzt": tally.fraud,
        "fees_kzt": tally.fees,
        "ledger_imbalance_kzt": world.ledger.imbalance("KZT") / TIYN_PER_KZT,
    }
    return {
        name: float(v) * k if KPI_BY_NAME[name].scaled else float(v) for name, v in values.items()
    }


def queue_diagnostics(tally: Tally, world: World) -> dict[str, float]:
    """Manual-review queue statistics (per agent, unscaled) used by validation against theory."""
    now = world.env.now
    left = tally.review_started + tally.queue_abandoned
    return {
        "queue_arrivals": float(tally.queued),
        "queue_arrival_rate_h": _ratio(tally.queued, now),
        "queue_wait_mean_h": _ratio(tally.queue_wait_sum, left),
        "queue_abandon_share": _ratio(tally.queue_abandoned, left),
        "queue_length_mean": _ratio(tally.queue_area(now), now),
        "review_started": float(tally.review_started),
    }


@dataclass(frozen=True)
class Estimate:
    """A KPI over replications: the mean and its 95% t-interval (None for one replication)."""

    mean: float
    ci95: tuple[float, float] | None

    @property
    def half_width(self) -> float:
        return (self.ci95[1] - self.ci95[0]) / 2 if self.ci95 else math.nan


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95% t-interval, ignoring replications where the KPI is undefined (NaN)."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return Estimate(math.nan, None)
    n = len(finite)
    mean = sum(finite) / n
    if n < 2:
        return Estimate(mean, None)
    sd = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, (mean - half, mean + half))


def estimates(per_replication: Sequence[Mapping[str, float]]) -> dict[str, Estimate]:
    names = per_replication[0].keys() if per_replication else ()
    return {name: estimate([rep[name] for rep in per_replication]) for name in names}


def format_value(value: float, unit: str, signed: bool = False) -> str:
    """A KPI value as people read it: 79.0 bn KZT, 12,345 people, 0.235, 14.8 h."""
    if value is None or math.isnan(value):
        return "—"
    sign = "+" if signed and value > 0 else ""
    if unit == "KZT":
        magnitude = abs(value)
        for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if magnitude >= size:
                return f"{sign}{value / size:,.2f} {suffix}"
        return f"{sign}{value:,.0f}"
    if unit == "people":
        return f"{sign}{value:,.0f}"
    if unit == "0-1":
        return f"{sign}{value:.3f}"
    return f"{sign}{value:,.2f}"


def format_interval(ci: tuple[float, float] | None, unit: str, signed: bool = False) -> str:
    """A 95% interval as `lo … hi`, or a dash when there is none (one replication)."""
    if ci is None:
        return "—"
    return f"{format_value(ci[0], unit, signed)} … {format_value(ci[1], unit, signed)}"
