"""Rates per CPU second of this process, the way ``timeit`` reports them: best and median batch."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def batch_rates(work: Callable[[], int], seconds: float, batches: int = 7) -> tuple[float, float, float]:
    """Run ``work`` (returns how many items it did) in ``batches`` batches of ``seconds / batches``
    of wall time each: (best batch, median batch) in items per CPU second, and the wall-clock rate.

    The best batch is the figure least disturbed by other work on the machine (cache and core
    sharing, garbage collection falling in one batch); the median shows the spread.
    """
    rates, items, wall = [], 0, time.perf_counter()
    while len(rates) < batches:
        count, cpu, started = 0, time.process_time(), time.perf_counter()
        while time.perf_counter() - started < seconds / batches or count == 0:
            count += work()
        rates.append(count / (time.process_time() - cpu))
        items += count
    return max(rates), statistics.median(rates), items / (time.perf_counter() - wall)
