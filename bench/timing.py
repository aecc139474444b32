"""What every benchmark here reports: the median of warm runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], runs: int) -> float:
    return medians_ms(fn, runs)[0]


def medians_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (all its threads), in ms. CPU time shows threads that
    spin without helping, and moves less than wall time on a shared, noisy VM."""
    fn()  # warm: first call pays for lazy loads and onnxruntime's first-run allocations
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)
