"""Double-entry bookkeeping: every tenge and satoshi that moves is a posting between two accounts.

Amounts are integers in minor units (tiyn for KZT, satoshi for BTC), so conservation is exact: the
balances of all accounts of one asset always sum to zero. What a bug could break is checked apart:
client-money accounts never go below zero (`overdrawn`), and each exchange's custody equals its
clients' holdings (`Exchanges.custody_mismatch`, audited every simulated day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from sim.records import Posted

TIYN_PER_KZT = 100
SATS_PER_BTC = 100_000_000


class Ledger:
    """Account balances per asset, and (when tracing) every posting as a record."""

    def __init__(self, on_posting: Callable[[Posted], None] | None = None) -> None:
        self._balances: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._pending: dict[tuple[str, str, tuple[str, ...]], np.ndarray] = {}
        """What `post_many` moved and the balances do not show yet, summed by (debit, asset,
        credits): added when a balance it touches is read (`_settle`)."""
        self._pending_accounts: set[tuple[str, str]] = set()
        self.postings = 0
        self._on_posting = on_posting

    @property
    def balances(self) -> defaultdict[tuple[str, str], int]:
        """Every account's balance, by (account, asset)."""
        self._settle()
        return self._balances

    def post(
        self, t: float, debit: str, credit: str, amount: int, asset: str = "KZT", ref: int = -1
    ) -> None:
        """Move `amount` minor units of `asset` from `debit` to `credit`."""
        if amount < 0:
            raise ValueError(f"posting amount must be >= 0, got {amount}")
        if amount == 0:
            return
        balances = self._balances
        balances[debit, asset] -= amount
        balances[credit, asset] += amount
        self.postings += 1
        if self._on_posting is not None:
            self._on_posting(Posted(t, debit, credit, asset, amount, ref))

    def post_many(
        self,
        t: float,
        debit: str,
        credits: Sequence[str],
        amounts: Sequence[int] | np.ndarray,
        asset: str = "KZT",
    ) -> None:
        """`post` from one account to each of many, in order: the same balances and count.
        Without a trace the sums wait until a balance they touch is read: a day's platform
        fees and coins go to a few hundred accounts that nothing reads before the run ends."""
        sums = np.asarray(amounts, np.int64)
        if (sums < 0).any():
            raise ValueError(f"posting amount must be >= 0, got {int(sums.min())}")
        if self._on_posting is not None:
            for credit, amount in zip(credits, sums.tolist(), strict=True):
                self.post(t, debit, credit, amount, asset)
            return
        count = int(np.count_nonzero(sums))
        if not count:
            return
        key = (debit, asset, tuple(credits))
        pending = self._pending.get(key)
        if pending is None:
            if len(key[2]) != len(sums):
                raise ValueError(f"{len(key[2])} accounts for {len(sums)} amounts")
            self._pending[key] = sums.copy()
            self._pending_accounts.update((account, asset) for account in (debit, *key[2]))
        else:
            pending += sums
        self.postings += count

    def _settle(self) -> None:
        """Add what `post_many` moved to the balances."""
        balances = self._balances
        for (debit, asset, credits), sums in self._pending.items():
            total = 0
            for credit, amount in zip(credits, sums.tolist(), strict=True):
                if amount:
                    balances[credit, asset] += amount
                    total += amount
            balances[debit, asset] -= total
        self._pending.clear()
        self._pending_accounts.clear()

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
        if (account, asset) in self._pending_accounts:
            self._settle()
        return self._balances.get((account, asset), 0)

    def overdrawn(self, suffix: str, asset: str = "KZT") -> int:
        """Minor units by which accounts named `...suffix` are below zero: paid out more than
        they ever received (client money never may)."""
        return sum(
            -v for (a, s), v in self.balances.items() if v < 0 and s == asset and a.endswith(suffix)
        )

    def imbalance(self, asset: str = "KZT") -> int:
        """Sum of all balances of one asset: zero unless money was created or destroyed."""
        return sum(v for (_, a), v in self.balances.items() if a == asset)
