"""The fiscal side: receipts by source add up, and each tax or seizure lever raises its own."""

from __future__ import annotations

import pytest

from sim import compare, load_scenario
from sim.summary import RECEIPT_SOURCES
from tests.conftest import BASELINE

QUICK = ["population.scale_factor=100", "run.days=240", "unlicensed.seized_share=0"]


@pytest.fixture(scope="module")
def taxed():
    base = load_scenario(BASELINE, [*QUICK, "unlicensed.seized_share=0"])
    reform = load_scenario(
        BASELINE,
        [
            *QUICK,
            "regulator.tax_on_gains=0.1",
            "regulator.tax_on_exchange_fees=0.2",
            "unlicensed.seized_share=0.5",
        ],
    )
    return compare(base, reform, replications=2, workers=1)


def test_receipts_by_source_sum_to_state_receipts(taxed) -> None:
    for result in (taxed.baseline, taxed.reform):
        for rep in result.replications:
            parts = sum(rep.kpis[name] for name in RECEIPT_SOURCES)
            assert parts == pytest.approx(rep.kpis["state_receipts_kzt"], rel=1e-9)


@pytest.mark.parametrize("kpi", ["receipts_tax_kzt", "receipts_seized_kzt", "state_receipts_kzt"])
def test_a_tax_or_seizure_lever_raises_its_receipts(taxed, kpi: str) -> None:
    change = taxed.changes[kpi]
    assert change.baseline.mean == 0 or kpi == "state_receipts_kzt"
    assert change.difference.mean > 0


def test_taxes_leave_mining_and_licence_fees_alone(taxed) -> None:
    for kpi in ("receipts_mining_kzt", "receipts_fees_kzt"):
        assert taxed.changes[kpi].difference.mean == 0
