"""Simulated time (hours from day 0) against the calendar: dates and working hours."""

from __future__ import annotations

import datetime as dt
import math

from sim.scenario import WorkingHours


class Calendar:
    """Converts simulated hours to dates and answers working-hours questions."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self._weekday0 = start.weekday()

    def date(self, t: float) -> dt.date:
        return self.start + dt.timedelta(days=int(t // 24))

    def is_workday(self, day: int, hours: WorkingHours) -> bool:
        return not hours.weekdays_only or (self._weekday0 + day) % 7 < 5

    def next_open(self, t: float, hours: WorkingHours | None) -> float:
        """The earliest time >= t at which work under these hours can happen."""
        if hours is None or math.isinf(t):
            return t
        day = int(t // 24)
        for d in range(day, day + 8):
            if not self.is_workday(d, hours):
                continue
            opens, closes = d * 24 + hours.start_hour, d * 24 + hours.end_hour
            if t < closes:
                return max(t, opens)
        raise AssertionError("working hours with no open day in a week")

    def add_working_hours(self, t: float, duration: float, hours: WorkingHours | None) -> float:
        """The time when `duration` hours of work, started at t, are done under these hours."""
        if hours is None:
            return t + duration
        t = self.next_open(t, hours)
        while True:
            closes = (t // 24) * 24 + hours.end_hour
            if t + duration <= closes:
                return t + duration
            duration -= closes - t
            t = self.next_open(closes, hours)

    def open_hours(self, start: float, end: float, hours: WorkingHours | None) -> float:
        """Working hours between two times."""
        if hours is None:
            return max(0.0, end - start)
        total = 0.0
        for d in range(int(start // 24), math.ceil(end / 24) + 1):
            if self.is_workday(d, hours):
                lo, hi = d * 24 + hours.start_hour, d * 24 + hours.end_hour
                total += max(0.0, min(hi, end) - max(lo, start))
        return total
