"""KPIs: their stable names, units and meaning, computed from the tally; and their statistics over
replications (mean and a 95% t-interval)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sim.ledger import SATS_PER_BTC, TIYN_PER_KZT
from sim.observe import Tally
from sim.world import World


@dataclass(frozen=True)
class Kpi:
    name: str
    """Stable code name, used in files and JSON."""
    unit: str
    """Code unit: people, KZT, h, days, 0-1, alerts, reports, events, exchanges."""
    meaning: str
    label: str = ""
    """Plain words with the unit, for people: `KYC wait, mean (h)` (see `sim.formatting`)."""


KPIS: tuple[Kpi, ...] = (
    Kpi("applicants", "people", "people who started KYC at a licensed exchange"),
    Kpi("kyc_passed", "people", "applicants who passed KYC"),
    Kpi("kyc_passed_reviewed", "people", "applicants who passed after a manual (full) review"),
    Kpi("kyc_rejected", "people", "applicants rejected by KYC"),
    Kpi("kyc_abandoned", "people", "applicants who gave up before a decision"),
    Kpi("kyc_wait_mean_h", "h", "mean time from application to decision"),
    Kpi("kyc_wait_p95_h", "h", "95th percentile of the time from application to decision"),
    Kpi("kyc_reviewer_utilisation", "0-1", "busy share of the manual-review team's working hours"),
    Kpi("false_reject_rate", "0-1", "legitimate applicants rejected / legitimate decided"),
    Kpi("bad_actors_onboarded", "people", "bad actors who passed KYC"),
    Kpi("licensed_volume_kzt", "KZT", "purchase volume on licensed exchanges"),
    Kpi("unlicensed_volume_kzt", "KZT", "purchase volume on unlicensed channels"),
    Kpi("licensed_share", "0-1", "licensed / (licensed + unlicensed) purchase volume"),
    Kpi("capital_outflow_kzt", "KZT", "tenge that left the country through unlicensed channels"),
    Kpi("fraud_losses_kzt", "KZT", "losses of people on unlicensed channels (fraud, shutdowns)"),
    Kpi(
        "licensed_awareness",
        "0-1",
        "would-be buyers who know and trust a licensed venue, at the end",
    ),
    Kpi("fees_kzt", "KZT", "fees earned by licensed exchanges"),
    Kpi("state_receipts_kzt", "KZT", "all state receipts: fees, mining fees, taxes, seizures"),
    Kpi("receipts_fees_kzt", "KZT", "licence application, authorisation and supervision fees"),
    Kpi("receipts_mining_kzt", "KZT", "digital-mining fee paid by licensed miners"),
    Kpi("receipts_tax_kzt", "KZT", "taxes on exchanges' fee income and on individuals' gains"),
    Kpi("receipts_seized_kzt", "KZT", "assets seized when unlicensed platforms are shut"),
    Kpi("aml_alerts", "alerts", "alerts raised by monitoring rules"),
    Kpi("str_filed", "reports", "suspicious-transaction reports filed"),
    Kpi("aml_precision", "0-1", "alerts on laundering / all alerts"),
    Kpi(
        "laundering_detected_share",
        "0-1",
        "laundering that moved in cases later reported / all laundering that moved",
    ),
    Kpi("laundering_prevented_kzt", "KZT", "laundering stopped before it moved (KYC, bank, exit)"),
    Kpi("laundering_detected_kzt", "KZT", "laundering that moved, in cases later reported"),
    Kpi("laundering_undetected_kzt", "KZT", "laundering that moved, in cases never reported"),
    Kpi("legit_customers_exited", "people", "legitimate customers exited after a false report"),
    Kpi("bank_freezes", "events", "de-risking events: accounts frozen or ended by a bank"),
    Kpi("exchange_days_without_bank", "days", "exchange-days with no fiat access"),
    Kpi("licensed_exchanges", "exchanges", "licensed exchanges at the end"),
    Kpi("platforms_shut", "platforms", "unlicensed platforms shut by enforcement"),
    Kpi("mining_fee_kzt", "KZT", "digital-mining fee paid by licensed miners"),
    Kpi("mining_fee_evaded_kzt", "KZT", "fee grey miners would have paid"),
    Kpi("miner_sales_kzt", "KZT", "miners' sales on licensed exchanges"),
    Kpi("payments_volume_kzt", "KZT", "crypto payments in the payments zone"),
    Kpi("merchant_uptake", "0-1", "share of the zone's merchants accepting crypto at the end"),
    Kpi(
        "ledger_imbalance_kzt",
        "KZT",
        "sum of all postings plus any client money overdrawn; exactly 0 when money is conserved",
    ),
    Kpi("custody_mismatch_btc", "BTC", "exchanges' custody minus their clients' holdings; 0"),
)
_LABELS = {
    "applicants": "KYC applicants (people)",
    "kyc_passed": "KYC passed (people)",
    "kyc_passed_reviewed": "KYC passed after manual review (people)",
    "kyc_rejected": "KYC rejected (people)",
    "kyc_abandoned": "KYC abandoned (people)",
    "kyc_wait_mean_h": "KYC wait, mean (h)",
    "kyc_wait_p95_h": "KYC wait, 95th percentile (h)",
    "kyc_reviewer_utilisation": "KYC reviewers busy (share)",
    "false_reject_rate": "Legitimate applicants rejected (share)",
    "bad_actors_onboarded": "Bad actors onboarded (people)",
    "licensed_volume_kzt": "Licensed volume (KZT)",
    "unlicensed_volume_kzt": "Unlicensed volume (KZT)",
    "licensed_share": "Licensed share of volume (share)",
    "capital_outflow_kzt": "Capital outflow (KZT)",
    "fraud_losses_kzt": "Fraud losses, unlicensed (KZT)",
    "licensed_awareness": "Aware of licensed venues, at the end (share)",
    "fees_kzt": "Exchange fees (KZT)",
    "state_receipts_kzt": "State receipts (KZT)",
    "receipts_fees_kzt": "State receipts: licence and supervision fees (KZT)",
    "receipts_mining_kzt": "State receipts: mining fee (KZT)",
    "receipts_tax_kzt": "State receipts: taxes (KZT)",
    "receipts_seized_kzt": "State receipts: seized assets (KZT)",
    "aml_alerts": "AML alerts (alerts)",
    "str_filed": "Suspicious-transaction reports (reports)",
    "aml_precision": "AML alerts that were true (share)",
    "laundering_detected_share": "Laundered value detected (share)",
    "laundering_prevented_kzt": "Laundering prevented before it moved (KZT)",
    "laundering_detected_kzt": "Laundering moved, case reported (KZT)",
    "laundering_undetected_kzt": "Laundering moved, never reported (KZT)",
    "legit_customers_exited": "Legitimate customers exited (people)",
    "bank_freezes": "Bank freezes and closures (events)",
    "exchange_days_without_bank": "Exchange-days without a bank (days)",
    "licensed_exchanges": "Licensed exchanges at the end (exchanges)",
    "platforms_shut": "Unlicensed platforms shut (platforms)",
    "mining_fee_kzt": "Mining fee paid (KZT)",
    "mining_fee_evaded_kzt": "Mining fee evaded (KZT)",
    "miner_sales_kzt": "Miners' licensed sales (KZT)",
    "payments_volume_kzt": "Crypto payments in the zone (KZT)",
    "merchant_uptake": "Merchants accepting crypto (share)",
    "ledger_imbalance_kzt": "Ledger imbalance (KZT)",
    "custody_mismatch_btc": "Custody minus clients' holdings (BTC)",
}
"""Each KPI in plain words with its unit, for people (UIs, reports); code names stay in files."""
KPIS = tuple(replace(k, label=_LABELS.get(k.name, f"{k.name} ({k.unit})")) for k in KPIS)
KPI_BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}
INVARIANTS = frozenset({"ledger_imbalance_kzt", "custody_mismatch_btc"})
"""KPIs that check the bookkeeping (0 unless there is a bug), never a policy outcome."""


def _weighted_mean(pairs: Sequence[tuple[float, float]]) -> float:
    """Mean of (value, weight) pairs (NaN when empty)."""
    return _ratio(sum(v * w for v, w in pairs), sum(w for _, w in pairs))


def _weighted_p95(pairs: Sequence[tuple[float, float]]) -> float:
    """The smallest value at or above which 5% of the weight lies, of (value, weight) pairs."""
    if not pairs:
        return math.nan
    ordered = sorted(pairs)
    needed, seen = 0.95 * sum(w for _, w in ordered), 0.0
    for value, weight in ordered:
        seen += weight
        if seen >= needed * (1 - 1e-12):
            return value
    return ordered[-1][0]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


RECEIPT_SOURCES: dict[str, tuple[str, ...]] = {
    "receipts_fees_kzt": ("application_fee", "authorisation_fee", "supervision_fee"),
    "receipts_mining_kzt": ("mining_fee",),
    "receipts_tax_kzt": ("tax", "gains_tax"),
    "receipts_seized_kzt": ("seized_assets",),
}
"""Each receipts KPI and the `StateReceipt` sources it sums; together they make state_receipts."""


def receipts(tally: Tally) -> dict[str, float]:
    """State receipts by source group."""
    return {
        name: sum(tally.receipts[s] for s in sources) for name, sources in RECEIPT_SOURCES.items()
    }


def totals(tally: Tally, world: World) -> dict[str, float]:
    """The KPIs that are running totals (cheap: for the daily timeseries)."""
    by_source = receipts(tally)
    return {
        "applicants": tally.applicants,
        "kyc_passed": tally.kyc["passed"],
        "kyc_passed_reviewed": tally.kyc_passed_reviewed,
        "kyc_rejected": tally.kyc["rejected"],
        "kyc_abandoned": tally.kyc["abandoned"],
        "licensed_volume_kzt": tally.volume["licensed"],
        "unlicensed_volume_kzt": tally.volume["unlicensed"],
        "capital_outflow_kzt": tally.outflow,
        "fraud_losses_kzt": tally.fraud,
        "fees_kzt": tally.fees_people + tally.fees_institutional,
        "state_receipts_kzt": sum(by_source.values()),
        **by_source,
        "aml_alerts": tally.alerts,
        "str_filed": tally.strs,
        "bank_freezes": float(tally.bank_events["frozen"] + tally.bank_events["terminated"]),
        "payments_volume_kzt": tally.payments_volume,
        "miner_sales_kzt": tally.miner_sales,
        "platforms_shut": float(tally.platforms_shut),
    }


def compute_kpis(tally: Tally, world: World) -> dict[str, float]:
    """Every KPI at the current simulated time.

    The tally is in real units: people are simulated at 1/k of real life and each stands for k;
    laundering cases and institutions (licences, supervision, mining) are simulated at full size.
    """
    now = world.env.now
    # Busy hours over the hours the team was there to work: its working hours at its size at the
    # time (dated rules resize it), plus the overtime spent finishing cases started before closing.
    available = world.kyc.available_hours(now) + world.kyc.overtime_h
    licensed, unlicensed = tally.volume["licensed"], tally.volume["unlicensed"]
    cases = tally.cases.values()
    detected = sum(c.moved_kzt for c in cases if c.detected_at is not None)
    undetected = sum(c.moved_kzt for c in cases if c.detected_at is None)
    values = {
        **totals(tally, world),
        "kyc_wait_mean_h": _weighted_mean(tally.kyc_waits),
        "kyc_wait_p95_h": _weighted_p95(tally.kyc_waits),
        "kyc_reviewer_utilisation": _ratio(world.kyc.busy_h, available),
        "false_reject_rate": _ratio(tally.legit_rejected, tally.legit_decided),
        "bad_actors_onboarded": tally.bad_onboarded,
        "licensed_share": _ratio(licensed, licensed + unlicensed),
        "aml_precision": _ratio(tally.true_alerts, tally.alerts),
        "laundering_detected_share": _ratio(detected, detected + undetected),
        "laundering_prevented_kzt": sum(c.prevented_kzt for c in cases),
        "laundering_detected_kzt": detected,
        "laundering_undetected_kzt": undetected,
        "legit_customers_exited": tally.legit_exited,
        "exchange_days_without_bank": tally.unbanked.area(now) / 24,
        "licensed_exchanges": len(world.exchanges.active),
        "licensed_awareness": world.channel.awareness,
        "mining_fee_kzt": tally.receipts["mining_fee"],
        "mining_fee_evaded_kzt": tally.fee_evaded,
        "merchant_uptake": tally.merchant_uptake,
        "ledger_imbalance_kzt": (
            world.ledger.imbalance("KZT") + world.ledger.overdrawn(":client_money")
        )
        / TIYN_PER_KZT,
        "custody_mismatch_btc": world.exchanges.custody_mismatch() / SATS_PER_BTC,
    }
    order = [kpi.name for kpi in KPIS]
    return {name: float(values[name]) for name in order}


@dataclass(frozen=True)
class ScorecardRow:
    """Detection of one laundering typology against its ground truth (real cases)."""

    typology: str
    cases: float
    value_kzt: float
    detected_cases: float
    recall: float
    """Value that moved in the typology's reported cases / all the value that moved."""
    precision: float
    """Of all alerts from the rules that fired on this typology, the share that were true."""
    time_to_detection_h: float
    """Mean time from a case's start to its first report (detected cases)."""
    analyst_hours: float
    legit_customers_hit: float
    """Legitimate customers alerted by the same rules."""
    rules: str


def scorecard(tally: Tally, world: World) -> list[ScorecardRow]:
    """One row per injected typology, plus a row for what legitimate customers cost."""
    k = world.scenario.population.scale_factor
    rows = []
    for typology in sorted({c.typology for c in tally.cases.values()}):
        cases = [c for c in tally.cases.values() if c.typology == typology]
        found = [c for c in cases if c.detected_at is not None]
        rules = tally.typology_rules.get(typology, set())
        alerts = sum(tally.rules[r].alerts for r in rules)
        true = sum(tally.rules[r].true_alerts for r in rules)
        legit = set().union(*(tally.rules[r].legit_people for r in rules)) if rules else set()
        value = sum(c.value_kzt for c in cases)
        moved = sum(c.moved_kzt for c in cases)
        delays = [c.detected_at - c.started for c in found if c.detected_at is not None]
        rows.append(
            ScorecardRow(
                typology,
                len(cases),
                value,
                len(found),
                _ratio(sum(c.moved_kzt for c in found), moved),
                _ratio(true, alerts),
                _ratio(sum(delays), len(delays)),
                tally.aml_analyst_h.get(typology, 0.0),
                k * len(legit),
                ",".join(sorted(rules)),
            )
        )
    if tally.alerts:
        rows.append(
            ScorecardRow(
                "legitimate",
                0,
                0,
                0,
                math.nan,
                math.nan,
                math.nan,
                tally.aml_analyst_h.get("legitimate", 0.0),
                k * len(tally.legit_alerted),
                ",".join(sorted(r for r, t in tally.rules.items() if t.legit_people)),
            )
        )
    return rows


def queue_diagnostics(tally: Tally, world: World) -> dict[str, float]:
    """Manual-review queue statistics (per agent, unscaled) used by validation against theory."""
    now = world.env.now
    left = tally.review_started + tally.queue_abandoned
    return {
        "queue_arrivals": float(tally.queued),
        "queue_arrival_rate_h": _ratio(tally.queued, now),
        "queue_wait_mean_h": _ratio(tally.queue_wait_sum, left),
        "queue_abandon_share": _ratio(tally.queue_abandoned, left),
        "queue_length_mean": _ratio(tally.queue.area(now), now),
        "review_started": float(tally.review_started),
    }


@dataclass(frozen=True)
class Estimate:
    """A KPI over replications: the mean and its 95% t-interval (None for one replication)."""

    mean: float
    ci95: tuple[float, float] | None

    def agrees_with(self, other: Estimate, slack: float = 0.05) -> bool:
        """Whether two estimates of one KPI agree within their CIs plus `slack` of the larger mean.

        The metamorphic check of a sampling knob (issue 7 §1): the same world measured two ways.
        Undefined (NaN) agrees only with undefined.
        """
        if math.isnan(self.mean) or math.isnan(other.mean):
            return math.isnan(self.mean) and math.isnan(other.mean)
        half = sum((e.ci95[1] - e.ci95[0]) / 2 for e in (self, other) if e.ci95 is not None)
        return abs(self.mean - other.mean) <= half + slack * max(abs(self.mean), abs(other.mean))


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 95% t-interval, ignoring replications where the KPI is undefined (NaN)."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return Estimate(math.nan, None)
    n = len(finite)
    mean = sum(finite) / n
    if n < 2:
        return Estimate(mean, None)
    from scipy import stats  # imported here: it costs a second at start-up

    sd = math.sqrt(sum((v - mean) ** 2 for v in finite) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return Estimate(mean, (mean - half, mean + half))


def estimates(per_replication: Sequence[Mapping[str, float]]) -> dict[str, Estimate]:
    names = per_replication[0].keys() if per_replication else ()
    return {name: estimate([rep[name] for rep in per_replication]) for name in names}


def format_value(value: float, unit: str, signed: bool = False) -> str:
    """A value in a code unit; kept for older callers: use `sim.formatting.format_value`."""
    from sim.formatting import format_quantity

    return format_quantity(value, unit, signed)


def format_interval(ci: tuple[float, float] | None, unit: str, signed: bool = False) -> str:
    """A 95% interval; kept for older callers: use `sim.formatting.format_interval`."""
    from sim.formatting import format_quantity

    if ci is None:
        return "—"
    return f"[{format_quantity(ci[0], unit, signed)}, {format_quantity(ci[1], unit, signed)}]"
