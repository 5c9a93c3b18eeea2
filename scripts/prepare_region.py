"""Set-up for `make run`: every province's boundary cache of the region, and the region's demo,
built once with progress, so that the app never builds them on demand.

Run by scripts/setup.sh --region; each step is skipped when its cache is current.
"""
from __future__ import annotations

import sys
import time

from geo import boundaries
from geo.boundaries import upstream
from geo.figures import demo


def main() -> int:
    try:
        provinces = sorted(upstream.known_provinces())
    except upstream.SourceError as exc:
        print(f"setup: region caches skipped ({exc})", file=sys.stderr)
        return 0
    pending = [p for p in provinces if not boundaries.is_cached(p)]
    names = upstream.province_names()
    start = time.perf_counter()
    for i, province in enumerate(pending, start=1):
        t = time.perf_counter()
        print(f"setup: boundaries {i}/{len(pending)}: {province} {names.get(province, '')} ...",
              end="", flush=True, file=sys.stderr)
        boundaries.ensure_province(province)
        print(f" {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if pending:
        print(f"setup: {len(pending)} province caches built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    print(f"setup: demo figures of the {len(provinces)} provinces ...", end="", flush=True, file=sys.stderr)
    demo.cached_demo_figures(boundaries.load(provinces))
    print(f" {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
