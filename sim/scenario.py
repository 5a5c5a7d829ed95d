"""The scenario: frozen, strict pydantic models, one section per part of the modelled world.

Every field has a type, a bound, a default and a docstring (the docstring is the help text in the
TUI and the description in `sandbox schema`). Durations are stored in hours, money as `Money`.
Loading from YAML with line-accurate errors lives in `sim.loader`.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sim.units import Duration, Money, MoneyField, Period

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


def _kinds(annotation: Any) -> set[Any]:
    """The plain types a field accepts (`int | None` -> {int, NoneType})."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set(typing.get_args(annotation))
    return {annotation}


class Section(BaseModel):
    """Base for every scenario section: immutable, an unknown key is an error, a count is a whole
    number and a switch is true or false (no `true` for a count, no 2.0 for one, no 1 for true)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, validate_default=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _strict_kinds(cls, value: Any, info: ValidationInfo) -> Any:
        kinds = _kinds(cls.model_fields[info.field_name or ""].annotation)
        if value is None:
            return value
        if bool in kinds and not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_shown(value)}")
        if int in kinds and bool not in kinds and (isinstance(value, bool | float | str)):
            raise ValueError(f"expected a whole number, got {_shown(value)}")
        if float in kinds and isinstance(value, bool):
            raise ValueError(f"expected a number, got {_shown(value)}")
        return value


def _shown(value: Any) -> str:
    text = "true" if value is True else "false" if value is False else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


class WorkingHours(Section):
    """Opening hours of a team or a bank; work outside them waits for the next opening."""

    start_hour: int = Field(9, ge=0, le=23)
    """Hour of the day the day's work starts (0-23)."""
    end_hour: int = Field(18, ge=1, le=24)
    """Hour of the day the day's work ends (1-24), after start_hour."""
    weekdays_only: bool = True
    """Closed on Saturdays and Sundays."""

    @model_validator(mode="after")
    def _end_after_start(self) -> WorkingHours:
        if self.end_hour <= self.start_hour:
            raise ValueError(
                f"end_hour ({self.end_hour}) must be after start_hour ({self.start_hour})"
            )
        return self


class RunSection(Section):
    """How long to simulate and with which random numbers."""

    start_date: dt.date = dt.date(2022, 7, 1)
    """Calendar date of simulated day 0."""
    days: int = Field(365, ge=1, le=3650)
    """Simulated days."""
    seed: int = Field(1, ge=0)
    """Root seed; every random stream derives from it, so the same seed gives the same numbers."""
    replications: int = Field(1, ge=1, le=1000)
    """Independent replications; more than one gives each KPI a 95% confidence interval."""


class MarketSection(Section):
    """The BTC price path and the tenge exchange rate."""

    btc_model: Literal["gbm", "csv"] = "gbm"
    """Price path: geometric Brownian motion, or a replayed daily series from btc_csv."""
    btc_start_usd: float = Field(20_000.0, ge=0.01, le=1e9)
    """BTC price on day 0, USD."""
    btc_drift_per_year: float = Field(0.0, ge=-5.0, le=5.0)
    """GBM drift, per year (0.0 = no trend)."""
    btc_volatility_per_year: float = Field(0.6, ge=0.0, le=5.0)
    """GBM volatility, per year (annualised standard deviation of log returns)."""
    btc_csv: str | None = None
    """CSV with columns date,price_usd (one row per day), relative to the scenario file."""
    usd_kzt: float = Field(470.0, ge=0.01, le=1e6)
    """Tenge per US dollar."""
    currency: Literal["KZT", "TMT"] = "KZT"
    """The regime's own money. Amounts may be written in it; the engine and every *_kzt KPI work
    in tenge-equivalent, so regimes compare in one currency."""
    usd_tmt: float = Field(3.5, gt=0)
    """Manat per US dollar: TMT amounts become dollars at this rate when the scenario loads, then
    tenge-equivalent at usd_kzt."""


class PopulationSection(Section):
    """Who comes to the market: arrivals, the scale factor, and the people's attributes."""

    locale: Literal["kk_KZ", "tk_TM"] = "kk_KZ"
    """Names and identity documents: Kazakh (IIN) or Turkmen."""
    arrivals_per_day: NonNegative = 4384.0
    """Real people per day who decide to buy crypto (Poisson arrivals)."""
    scale_factor: float = Field(25.0, ge=1.0)
    """Real people one simulated agent stands for; counts and volumes are scaled back up."""
    nonresident_share: Share = 0.05
    """Share of arrivals who are non-residents."""
    income_median_month: MoneyField = Money(250_000)
    """Median monthly income."""
    income_sigma: float = Field(0.7, ge=0.0, le=3.0)
    """Log-scale spread of income (lognormal sigma)."""
    wealth_income_years: float = Field(1.5, ge=0.0)
    """Median net worth, in years of income."""
    proof_of_income_share: Share = 0.25
    """Share of licensed clients who prove income, unlocking the verified cap."""
    document_quality_mean: Share = 0.88
    """Mean chance that one automated document/biometric attempt of a legitimate person passes."""
    bad_actor_share: Share = 0.02
    """Share of arrivals who are bad actors (synthetic identities, mules, launderers)."""
    bad_actor_document_quality: Share = 0.6
    """Mean chance that one automated attempt of a bad actor passes."""
    bad_actor_invalid_iin_share: Share = 0.3
    """Share of bad actors whose IIN is fabricated (fails the state database check)."""
    topups_per_month: float = Field(1.5, gt=0.0, le=60.0)
    """Median tenge top-ups (purchases) per active month."""
    topup_income_share: float = Field(0.12, gt=0.0, le=10.0)
    """Median purchase size, as a share of monthly income."""
    active_period_mean: Duration = 120 * 24.0
    """Mean time a person keeps buying (exponential)."""
    sell_share: Share = 0.35
    """Share of buyers who later sell and withdraw tenge."""
    self_custody_share: Share = 0.3
    """Share of licensed buyers who move their coins to a self-hosted wallet when they stop."""
    hold_time_median: Duration = 60 * 24.0
    """Median time between the last purchase and the sale."""
    patience_mean: Duration = 96.0
    """Mean patience in the KYC queue before abandoning (exponential; inf = never abandon)."""


class ChannelSection(Section):
    """How each person picks a licensed exchange or an unlicensed channel (a logit on friction)."""

    mode: Literal["choice", "licensed_only", "unlicensed_only"] = "choice"
    """choice: a logit on expected friction; the other two force everyone into one channel."""
    licensed_awareness: Share = 0.35
    """Share of would-be buyers who know and trust a licensed exchange as an option on day 0; it
    then evolves (word of mouth, venues, campaigns, failures). A dated rule resets it."""
    awareness_per_venue: NonNegative = 0.003
    """Bass innovation: yearly chance an unaware person learns of the licensed option, per licensed
    exchange that takes tenge (the venues' own visibility)."""
    campaign_per_year: NonNegative = 0.0
    """Information campaign: extra yearly chance an unaware person learns of the licensed option."""
    word_of_mouth: NonNegative = 0.1
    """Bass imitation: yearly chance an unaware person learns of the licensed option, per unit share
    of licensed users among recent buyers."""
    trust_drop_on_failure: Share = 0.05
    """Share of awareness and trust lost each time a licensed venue fails (loses its licence or its
    bank account, or has it frozen)."""
    block_redirect_share: Share = 0.1
    """Share of people whose payment to an unlicensed platform is blocked (with no P2P workaround)
    who then weigh the licensed option (taking it with their logit probability)."""
    licensed_bias: float = Field(1.0, ge=-10.0, le=10.0)
    """Utility of legality and safety on a licensed exchange, before friction."""
    weight_kyc_day: NonNegative = 0.4
    """Disutility per expected day of KYC waiting."""
    weight_fee_pct: NonNegative = 0.5
    """Disutility per percentage point of fees and spreads."""
    weight_cap_shortfall: NonNegative = 1.5
    """Disutility per share of the wanted amount that the retail cap would not allow."""
    weight_block: NonNegative = 2.0
    """Disutility per unit probability that the bank blocks the payment."""
    weight_enforcement: NonNegative = 1.0
    """Disutility per unit probability a year that the platform is shut."""
    weight_fraud: NonNegative = 10.0
    """Disutility per unit probability of losing a purchase to fraud."""
    after_abandon_unlicensed: Share = 0.6
    """Share of people who abandon KYC and then buy on an unlicensed channel."""
    after_reject_unlicensed: Share = 0.5
    """Share of people rejected by KYC who then buy on an unlicensed channel."""
    cap_spillover_unlicensed: Share = 0.5
    """Share of demand above a licensed cap that is bought on an unlicensed channel instead."""
    refused_spillover_unlicensed: Share = 0.5
    """Share of licensed purchases refused by a bank (a block, no account, a frozen account) that
    are bought on an unlicensed channel instead."""


class KycSection(Section):
    """The licensed exchanges' onboarding gate: automated checks, state database, manual review."""

    auto_checks: bool = True
    """Run the automated document and biometric checks (off only in validation worlds)."""
    auto_check_time_median: Duration = 5 / 60
    """Median duration of one automated attempt."""
    auto_check_time_sigma: float = Field(0.8, ge=0.0, le=3.0)
    """Log-scale spread of the automated attempt duration."""
    max_attempts: int = Field(3, ge=1, le=10)
    """Automated attempts before the application is rejected."""
    retry_abandon_prob: Share = 0.15
    """Chance a person gives up after a failed automated attempt."""
    iin_check: bool = True
    """Check the IIN against the state database (fabricated IINs fail)."""
    manual_review_share: Share = 0.15
    """Share of applications passing the automated stage that go to manual review."""
    nonresidents_to_manual: bool = True
    """Send every non-resident to manual review (their IIN is issued in person)."""
    reviewers: int = Field(50, ge=0, le=100_000)
    """Manual-review analysts: real ones (the sampled world keeps 1 per `scale_factor`)."""
    review_time_mean: Duration = 0.75
    """Mean analyst handling time per case."""
    review_time_distribution: Literal["exponential", "lognormal"] = "lognormal"
    """Shape of the handling time."""
    review_time_sigma: float = Field(0.6, ge=0.0, le=3.0)
    """Log-scale spread of a lognormal handling time."""
    working_hours: WorkingHours | None = WorkingHours()
    """Analysts' working hours; null = around the clock."""
    false_reject_rate: Share = 0.03
    """Chance a manual review rejects a legitimate applicant."""
    manual_false_accept_rate: Share = 0.15
    """Chance a manual review accepts a bad actor."""
    auto_false_accept_rate: Share = 0.8
    """Chance the automated stage alone accepts a bad actor whose documents passed."""


class BanksSection(Section):
    """Partner banks: the tenge rail between people and licensed exchanges."""

    partner_banks: int = Field(3, ge=0, le=100)
    """Banks that hold licensed exchanges' tenge accounts (0 = no fiat access at all)."""
    card_share: Share = 0.7
    """Share of deposits made by card (near-instant) rather than bank transfer."""
    card_latency: Duration = 1 / 60
    """Time for a card deposit to reach the exchange."""
    transfer_latency: Duration = 3.0
    """Time for a bank transfer or a withdrawal, counted in business hours."""
    business_hours: WorkingHours = WorkingHours()
    """When bank transfers move."""
    monthly_cap_per_person: MoneyField | None = None
    """Per-person monthly limit on tenge sent to exchanges (null = none)."""
    edd_threshold: MoneyField = Money(1_000, "USD")
    """Payments above this get enhanced due diligence (a delay)."""
    edd_delay: Duration = 24.0
    """Extra business hours an enhanced-due-diligence payment waits."""
    licensed_friction_prob: Share = 0.05
    """Chance a payment to a licensed exchange is blocked anyway (false positive)."""
    unlicensed_block_prob: Share = 0.3
    """Chance a payment to an unlicensed platform is blocked."""
    crypto_card: bool = False
    """Cards linked to licensed crypto wallets (the NBK crypto-card scheme); needed for payments."""
    onboarding_time: Duration = 60 * 24.0
    """Median time for a bank to onboard an exchange that has none (lognormal)."""
    risk_appetite: NonNegative = 25.0
    """Risk score at which a bank freezes an exchange's account."""
    alert_risk: NonNegative = 0.008
    """Risk score each real AML alert at the exchange adds."""
    str_risk: NonNegative = 0.08
    """Risk score each real suspicious-transaction report at the exchange adds."""
    spike_factor: float = Field(3.0, ge=1.0)
    """A day's deposits above this multiple of the exchange's 30-day average are a volume spike."""
    spike_risk: NonNegative = 1.0
    """Risk score a volume spike adds."""
    risk_half_life: Duration = 90 * 24.0
    """Time for an exchange's risk score at its bank to halve."""
    freeze_time: Duration = 14 * 24.0
    """How long a frozen account stays frozen before the bank decides."""
    close_after_freeze: Share = 0.5
    """Chance the bank closes the account after a freeze (else it unfreezes)."""
    termination_per_year: Share = 0.05
    """Yearly chance a bank ends a relationship for reasons of its own."""


class Licence(Section):
    """One licensed exchange with its own dates: when its licence starts, how long it runs, and
    when its partner-bank account opens (tenge trading)."""

    name: str = Field(min_length=1)
    """Who it is (shown in the reason trail)."""
    licensed_since: dt.date
    """When its licence starts; an exchange licensed after the run starts enters on that day."""
    term: Duration = 730 * 24.0
    """Licence term: 730d for a FinTech Lab sandbox licence, inf for a full licence."""
    bank_since: dt.date | None = None
    """When its partner-bank account opens (no tenge before); null = it onboards with a bank
    through banks.onboarding_time once licensed."""


class ExchangesSection(Section):
    """Licensed exchanges: how many, their fees, and the AIFC retail caps."""

    licensed: int = Field(3, ge=0, le=200)
    """Unnamed licensed exchanges serving residents from the start (each needs a partner bank for
    tenge), besides the named ones in `roster`."""
    fee: Share = 0.001
    """Trading fee per purchase or sale."""
    caps_enabled: bool = True
    """Apply the AIFC retail caps."""
    unverified_monthly_cap: MoneyField = Money(1_000, "USD")
    """Monthly purchase cap for clients without proof of income."""
    verified_income_share_cap: Share = 0.10
    """Cap for clients with proof: this share of annual income..."""
    verified_networth_share_cap: Share = 0.05
    """...or this share of net worth, whichever is lower..."""
    verified_aggregate_cap: MoneyField = Money(100_000, "USD")
    """...and never more than this in any rolling 12 months (older purchases drop out)."""
    integrated: int = Field(3, ge=0, le=200)
    """How many of the initial exchanges start with a partner-bank account (the rest onboard)."""
    licensed_since: dt.date = dt.date(2022, 3, 1)
    """When the initial exchanges' licences started (their expiry counts from here)."""
    roster: tuple[Licence, ...] = ()
    """Named exchanges with their own licence dates, terms and bank dates, besides the `licensed`
    unnamed ones (which get their ids first)."""


class UnlicensedSection(Section):
    """Offshore platforms, P2P and OTC: no KYC, money leaves the country, fraud, enforcement."""

    platforms: int = Field(300, ge=0, le=10_000)
    """Unlicensed platforms and P2P desks active at a time (0 = no unlicensed channel)."""
    size_exponent: float = Field(1.0, ge=0.0, le=3.0)
    """Zipf exponent of platform sizes: rank r draws new users in proportion to r^-exponent
    (0 = all the same size; 1 = a few large exchanges and a long tail of small desks)."""
    fee: Share = 0.001
    """Trading fee."""
    p2p_premium: Share = 0.02
    """Extra spread paid when the bank blocks the payment and the person goes P2P."""
    p2p_workaround_share: Share = 0.7
    """Share of blocked payments that still go through P2P (card-to-card, cash)."""
    fraud_prob: Share = 0.01
    """Chance a purchase is lost to fraud."""
    shutdowns_per_year: float = Field(12.0, ge=0.0, le=10_000.0)
    """Platforms shut by enforcement per year; each shutdown picks one platform, any size alike.
    At most 10,000 (27 a day; Kazakhstan blocked about 1,000 unlicensed exchanges in 2023, shut
    36 in 2024 and 130 in 2025: facts §1 and §3): each shutdown is simulated one by one,
    whatever the scale factor, and a billion a year took a minute a simulated day."""
    replacement_time: Duration = 30 * 24.0
    """Time a successor (mirror site, new desk) needs to grow to the size of the platform it
    replaces; until then it draws a tenth of the new users its rank would."""
    loss_on_shutdown: Share = 0.3
    """Share of their holdings the users of a shut platform lose."""
    seized_share: Share = 0.0
    """Share of what users lose at a shutdown that the state seizes (a state receipt); the rest
    goes to the platform's operators."""
    outflow_share: Share = 1.0
    """Share of the tenge paid that leaves the country."""


class AmlRulesSection(Section):
    """Which monitoring rules run (switch one off to see what it catches)."""

    amount: bool = True
    """A single transaction at or above aml.amount_threshold."""
    structuring: bool = True
    """Several transactions just below the amount threshold within a window."""
    velocity: bool = True
    """Many deposits within a short window."""
    rapid_in_out: bool = True
    """A withdrawal soon after a deposit of similar size."""
    self_hosted: bool = True
    """Crypto sent to a self-hosted wallet at or above the travel-rule threshold."""
    offshore: bool = True
    """Crypto or tenge sent offshore at or above the offshore threshold."""


class Typology(Section):
    """Injected laundering cases of one kind: the ground truth that detection is scored against."""

    kind: Literal[
        "structuring",
        "mule_fan_in",
        "mule_fan_out",
        "synthetic_identity",
        "round_trip",
        "exchange_hops",
        "offshore_layering",
    ]
    """The laundering pattern."""
    cases: int = Field(100, ge=0, le=10_000_000)
    """Real cases a year, all simulated (not sampled): a run of D days has cases x D / 365."""
    members: int = Field(1, ge=1, le=200)
    """People per case (mules, synthetic identities)."""
    amount: MoneyField = Money(2_000_000)
    """Tenge per member per transaction."""
    transactions: int = Field(4, ge=1, le=500)
    """Transactions per member."""
    period: Duration = 30 * 24.0
    """How long one case lasts."""


class AmlSection(Section):
    """Transaction monitoring at licensed exchanges and their banks, and the analysts behind it."""

    enabled: bool = True
    """Run transaction monitoring at all."""
    rules: AmlRulesSection = AmlRulesSection()
    amount_threshold: MoneyField = Money(5_000_000)
    """Amount rule threshold; structuring looks just below it."""
    structuring_band: Share = 0.8
    """Transactions in [band x threshold, threshold) count towards structuring."""
    structuring_count: int = Field(3, ge=2, le=100)
    """Near-threshold transactions in the window that raise a structuring alert."""
    structuring_window: Duration = 30 * 24.0
    """Window of the structuring rule."""
    velocity_count: int = Field(6, ge=2, le=1000)
    """Deposits in the window that raise a velocity alert."""
    velocity_window: Duration = 7 * 24.0
    """Window of the velocity rule."""
    rapid_window: Duration = 48.0
    """A withdrawal within this time of a deposit of at least half its size is rapid in-out."""
    travel_rule_threshold: MoneyField = Money(1_000, "USD")
    """Crypto transfers at or above this need travel-rule data; self-hosted ones raise alerts."""
    offshore_threshold: MoneyField = Money(5_000_000)
    """Offshore transfers at or above this raise alerts."""
    analysts: int = Field(50, ge=0, le=100_000)
    """Alert-review analysts: real ones (the sampled world keeps 1 per `scale_factor`)."""
    review_time_mean: Duration = 20 / 60
    """Mean analyst time per alert (exponential)."""
    working_hours: WorkingHours | None = WorkingHours()
    """Analysts' working hours; null = around the clock."""
    detection_prob: Share = 0.85
    """Chance an analyst recognises a true laundering alert."""
    false_str_prob: Share = 0.02
    """Chance an analyst files a report on a legitimate customer's alert."""
    str_filing_delay: Duration = 24.0
    """Time from the analyst's decision to the report reaching the financial monitoring agency."""
    exit_after_str: Share = 1.0
    """Chance the exchange ends the relationship with a reported customer."""
    typologies: tuple[Typology, ...] = ()
    """Laundering cases injected into the run, with their ground truth."""


class MinersSection(Section):
    """Licensed (and grey) miners: output, the per-kWh fee, the obligation to sell locally."""

    licensed: int = Field(0, ge=0, le=10_000)
    """Licensed mining operations (0 = no mining in the model)."""
    capacity_mw: NonNegative = 15.0
    """Power capacity of one licensed operation, MW."""
    grey_mw: NonNegative = 0.0
    """Capacity of grey miners outside the rules, MW (they pay no fee and sell abroad)."""
    btc_per_mw_day: NonNegative = 0.08
    """Coin mined per MW of running capacity per day."""
    grid_availability_min: Share = 0.3
    """Lowest daily share of capacity the grid lets run (uniform between min and max)."""
    grid_availability_max: Share = 1.0
    """Highest daily share of capacity the grid lets run."""
    power_price_kzt_per_kwh: NonNegative = 20.0
    """Price the licensed miners pay for power; sets the progressive fee."""
    fee_schedule: Literal["flat", "progressive"] = "flat"
    """flat: fee_flat_kzt_per_kwh; progressive: 1 KZT at a power price of 24 KZT or more,
    rising linearly to 25 KZT at 10 KZT or less."""
    fee_flat_kzt_per_kwh: NonNegative = 1.0
    """The flat digital-mining fee."""
    sale_share: Share = 0.0
    """Share of output miners must sell on licensed exchanges."""
    foreign_pool_share: Share = 0.0
    """Share of licensed output mined through foreign pools: paid out abroad, outside the sale
    rule."""
    sale_every: Period = 7 * 24.0
    """How often miners sell."""


class PaymentsSection(Section):
    """A payments zone (CryptoCity) where merchants accept crypto and convert to tenge."""

    enabled: bool = False
    """Run the payments zone."""
    residents: NonNegative = 100_000.0
    """Real people living or shopping in the zone."""
    merchants: int = Field(2_000, ge=0, le=10_000_000)
    """Merchants in the zone."""
    initial_uptake: Share = 0.02
    """Share of merchants accepting crypto on day 0."""
    innovation_per_month: Share = 0.01
    """Bass diffusion: monthly chance a merchant adopts on its own."""
    imitation_per_month: Share = 0.25
    """Bass diffusion: monthly adoption pull per unit share of adopters."""
    payments_per_resident_month: NonNegative = 2.0
    """Crypto payments a resident makes a month where every merchant accepts crypto."""
    payment_median: MoneyField = Money(15_000)
    """Median payment."""
    merchant_conversion_share: Share = 0.9
    """Share of crypto receipts merchants convert to tenge at once."""


class RegulatorSection(Section):
    """Licensing of exchanges, sandbox licence expiry, fees and state receipts."""

    applications_per_year: float = Field(2.0, ge=0.0, le=1_000.0)
    """New exchange licence applications a year. At most 1,000 (Kazakhstan had "over 10"
    licensed exchanges by 2025: facts §1): each is simulated, whatever the scale factor, and a
    billion a year stalled a run."""
    review_time: Duration = 120 * 24.0
    """Time to decide an application."""
    approval_share: Share = 0.6
    """Share of applications approved."""
    licence_term: Period = 730 * 24.0
    """Licence validity (a sandbox licence runs 2 years); inf = never expires."""
    extension_share: Share = 0.8
    """Share of expiring licences that are extended."""
    application_fee: MoneyField = Money(2_000, "USD")
    """Fee per application."""
    authorisation_fee: MoneyField = Money(10_000, "USD")
    """Fee on approval."""
    supervision_fee_per_year: MoneyField = Money(7_000, "USD")
    """Yearly supervision fee per licensed exchange (charged monthly)."""
    tax_on_exchange_fees: Share = 0.0
    """Tax on licensed exchanges' fee income from people's trading (a share of it, paid monthly)."""
    tax_on_gains: Share = 0.0
    """Tax on individuals' realised gains when they sell on a licensed exchange (withheld at sale;
    unlicensed trading pays none)."""


ShockKind = Literal[
    "bank_exit",
    "exchange_hack",
    "structuring_surge",
    "sanctions_update",
    "enforcement_sweep",
    "btc_crash",
]


class Shock(Section):
    """A dated event imposed on the world (a stress), named as a facilitator would fire it.

    bank_exit: the partner bank closes the exchange's account (it waits for another bank).
    exchange_hack: the exchange is hacked: its bank closes the account and trust in licensed venues
    falls (`channel.licensed_bias` lowered by `size`, default 1.0).
    structuring_surge: `size` (default 50) real structuring cases start over the next 30 days.
    sanctions_update: screening against a new list sends `size` (default 0.2) more of applicants to
    manual KYC review.
    enforcement_sweep: `size` (default 5) unlicensed platforms are shut at once.
    btc_crash: the BTC price falls by `size` (default 0.6, i.e. -60%) from that day on.
    """

    date: dt.date
    """When it happens (at 00:00)."""
    kind: ShockKind
    """Which shock (see above)."""
    exchange: int = Field(0, ge=0)
    """The exchange hit by bank_exit and exchange_hack (by id; the first ones are 0, 1, ...)."""
    size: float | None = Field(None, ge=0)
    """How big, in the kind's own unit (see above); the kind's default when not given."""
    note: str = ""
    """Why, or who fired it (shown in the reason trail)."""


class DatedRule(Section):
    """New values that take effect on a date (a rule change mid-run)."""

    date: dt.date
    """When the values take effect (at 00:00)."""
    values: dict[str, object]
    """Dotted path -> new value, as in --set."""
    note: str = ""
    """Why: the rule or decision this models."""


def _manat_to_dollars(value: object, usd_tmt: float) -> object:
    """The value with every TMT amount inside it turned into USD at `usd_tmt` (to the cent, so the
    resolved scenario reads back as exactly the same amounts)."""
    if isinstance(value, Money):
        if value.currency != "TMT":
            return value
        return Money(round(value.amount / usd_tmt * 100) / 100, "USD")
    if isinstance(value, tuple):
        return tuple(_manat_to_dollars(v, usd_tmt) for v in value)
    if isinstance(value, BaseModel):
        updates = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _manat_to_dollars(old, usd_tmt)
            if new is not old:
                updates[name] = new
        return value.model_copy(update=updates) if updates else value
    return value


class Scenario(Section):
    """A complete, validated description of one world and one run."""

    name: str = "unnamed"
    """Short name shown in tables."""
    description: str = ""
    """One or two sentences: what this scenario is for."""
    targets: str | None = None
    """Target file of published figures this scenario is checked against (`sandbox targets`),
    relative to the scenario file, e.g. targets/kz.yaml; null = none."""
    run: RunSection = RunSection()
    market: MarketSection = MarketSection()
    population: PopulationSection = PopulationSection()
    channel: ChannelSection = ChannelSection()
    kyc: KycSection = KycSection()
    banks: BanksSection = BanksSection()
    exchanges: ExchangesSection = ExchangesSection()
    unlicensed: UnlicensedSection = UnlicensedSection()
    aml: AmlSection = AmlSection()
    miners: MinersSection = MinersSection()
    payments: PaymentsSection = PaymentsSection()
    regulator: RegulatorSection = RegulatorSection()
    rules: tuple[DatedRule, ...] = ()
    """Dated rule changes applied mid-run (a value may also be written as a date schedule)."""
    shocks: tuple[Shock, ...] = ()
    """Dated events imposed on the world (stresses)."""

    @model_validator(mode="after")
    def _in_dollars(self) -> Scenario:
        converted = _manat_to_dollars(self, self.market.usd_tmt)
        assert isinstance(converted, Scenario)
        return converted
