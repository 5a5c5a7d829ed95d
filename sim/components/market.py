"""The market: a daily BTC price path (geometric Brownian motion or a replayed CSV) and USD/KZT."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError, clip
from sim.files import MAX_DATA_BYTES, read_text
from sim.rng import exact
from sim.scenario import MarketSection


def read_prices(path: str, days: int) -> list[float]:
    """Daily prices from a CSV with columns date,price_usd; errors quote no more than a cell."""
    text = read_text(Path(path), MAX_DATA_BYTES, "price file")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    if "price_usd" not in (rows.fieldnames or []):
        raise ScenarioError([f"market.btc_csv: {path} needs columns date,price_usd"])
    prices = []
    for line, row in enumerate(rows, start=2):
        cell = row.get("price_usd") or ""
        try:
            price = float(cell)
        except ValueError:
            price = math.nan
        if not math.isfinite(price) or price <= 0:
            raise ScenarioError(
                [
                    f"market.btc_csv: {path} line {line}: price_usd must be a number > 0, "
                    f"got {clip(repr(cell))}"
                ]
            )
        prices.append(price)
    if len(prices) < days:
        raise ScenarioError(
            [f"market.btc_csv: {path} has {len(prices)} days of prices, the run needs {days}"]
        )
    return prices[:days]


class Market:
    """Prices by simulated day; a price holds for the whole day. The path's exponentials are the C
    library's (`sim.rng.exact`), so a seed gives the same prices on every processor."""

    def __init__(self, config: MarketSection, days: int, rng: np.random.Generator) -> None:
        self.usd_kzt = config.usd_kzt
        if config.btc_model == "csv":
            if config.btc_csv is None:
                raise ScenarioError(["market.btc_csv: needed when market.btc_model is csv"])
            self.btc_usd = read_prices(config.btc_csv, days + 1)
        else:
            dt = 1 / 365
            sigma = config.btc_volatility_per_year
            steps = rng.normal(
                (config.btc_drift_per_year - sigma**2 / 2) * dt, sigma * math.sqrt(dt), days
            )
            logs = np.concatenate(([0.0], np.cumsum(steps)))
            self.btc_usd = (config.btc_start_usd * exact(math.exp, logs)).tolist()

    def crash(self, day: int, fall: float) -> None:
        """Prices from `day` on are `fall` (a share) lower (a shock)."""
        keep = max(0.0, 1.0 - fall)
        self.btc_usd[day:] = [price * keep for price in self.btc_usd[day:]]

    def btc_kzt(self, t: float) -> float:
        """Tenge per BTC at simulated hour t."""
        day = min(int(t // 24), len(self.btc_usd) - 1)
        return self.btc_usd[day] * self.usd_kzt
