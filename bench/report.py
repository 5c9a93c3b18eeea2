"""How the benchmarks print their figures: one JSON object, or one aligned line per figure."""
from __future__ import annotations

import json
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
