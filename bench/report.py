"""What the benchmarks share: timing (medians), process memory, and printing the figures."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path


def emit(figures: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures))
        return
    width = max((len(k) for k in figures), default=0)
    for key, value in figures.items():
        print(f"{key:{width}s}  {value}")


def rss_mb(pid: int) -> float | None:
    """Resident memory of process ``pid`` in MB (None once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def median_time(fn, repeat: int) -> tuple[float, object]:
    """(median seconds of ``repeat`` calls of ``fn``, the last call's result)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out
