"""Double-entry bookkeeping: every tenge and satoshi that moves is a posting between two accounts.

Amounts are integers in minor units (tiyn for KZT, satoshi for BTC), so conservation is exact: the
balances of all accounts of one asset always sum to zero. What a bug could break is checked apart:
client-money accounts never go below zero (`overdrawn`), and each exchange's custody equals its
clients' holdings (`Exchanges.custody_mismatch`, audited every simulated day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sim.records import Posted

TIYN_PER_KZT = 100
SATS_PER_BTC = 100_000_000


class Ledger:
    """Account balances per asset, and (when tracing) every posting as a record."""

    def __init__(self, on_posting: Callable[[Posted], None] | None = None) -> None:
        self.balances: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.postings = 0
        self._on_posting = on_posting

    def post(
        self, t: float, debit: str, credit: str, amount: int, asset: str = "KZT", ref: int = -1
    ) -> None:
        """Move `amount` minor units of `asset` from `debit` to `credit`."""
        if amount < 0:
            raise ValueError(f"posting amount must be >= 0, got {amount}")
        if amount == 0:
            return
        balances = self.balances
        balances[debit, asset] -= amount
        balances[credit, asset] += amount
        self.postings += 1
        if self._on_posting is not None:
            self._on_posting(Posted(t, debit, credit, asset, amount, ref))

    def post_many(
        self, t: float, debit: str, credits: list[str], amounts: list[int], asset: str = "KZT"
    ) -> None:
        """`post` from one account to each of many, in order: the same balances and count."""
        if self._on_posting is not None or any(amount < 0 for amount in amounts):
            for credit, amount in zip(credits, amounts, strict=True):
                self.post(t, debit, credit, amount, asset)
            return
        balances, total, count = self.balances, 0, 0
        for credit, amount in zip(credits, amounts, strict=True):
            if amount:
                balances[credit, asset] += amount
                total += amount
                count += 1
        if count:
            balances[debit, asset] -= total
            self.postings += count

    @property
    def traced(self) -> bool:
        """Whether every posting is handed on as a record (then nothing may be summed first)."""
        return self._on_posting is not None

    def pay_kzt(self, t: float, debit: str, credit: str, kzt: float, ref: int = -1) -> int:
        """Post a tenge amount (rounded to the tiyn); returns the tiyn posted."""
        tiyn = round(kzt * TIYN_PER_KZT)
        self.post(t, debit, credit, tiyn, "KZT", ref)
        return tiyn

    def balance(self, account: str, asset: str = "KZT") -> int:
        return self.balances.get((account, asset), 0)

    def overdrawn(self, suffix: str, asset: str = "KZT") -> int:
        """Minor units by which accounts named `...suffix` are below zero: paid out more than
        they ever received (client money never may)."""
        return sum(
            -v for (a, s), v in self.balances.items() if v < 0 and s == asset and a.endswith(suffix)
        )

    def imbalance(self, asset: str = "KZT") -> int:
        """Sum of all balances of one asset: zero unless money was created or destroyed."""
        return sum(v for (_, a), v in self.balances.items() if a == asset)
