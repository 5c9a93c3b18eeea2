"""Timings of issue 15's change maps and clusters of change on the Bali demo history
(medians of a few runs, warm): ``python bench/progress_bench.py [--json]``."""
from __future__ import annotations

import argparse
import json
import statistics
import time


def timed(fn, repeats: int = 3):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from geo import boundaries
    from geo.analysis import change, frames, trends
    from geo.figures import demo_history
    from geo.outputs import changemap
    b = boundaries.load("51")
    h, s_hist = timed(lambda: demo_history.demo_history(b, end="2026-11"), 1)
    cov, s_frames = timed(lambda: {p: frames.coverage(b.full, h.for_period(p)) for p in h.periods}, 1)
    first, last = cov[h.periods[0]], cov[h.latest]
    ch, s_change = timed(lambda: change.change(first, last, "village"))
    html, s_html = timed(lambda: changemap.change_html(ch, b, "id"))
    _, s_png = timed(lambda: changemap.change_png(ch, b, "id"), 1)
    d, s_diff = timed(lambda: trends.differential_moran(first["village"], last["village"], "rate"))
    series = [(p, c["village"]) for p, c in cov.items()]
    ef, s_em_f = timed(lambda: trends.emerging_hot_spots(series, b.full["village"], "fisher"))
    ev, s_em_v = timed(lambda: trends.emerging_hot_spots(series, b.full["village"], "vulnerable"))
    out = {"periods": len(h.periods), "demo_history_s": round(s_hist, 3), "frames_all_periods_s": round(s_frames, 3),
           "change_village_s": round(s_change, 4), "change_map_html_bytes": len(html.encode()),
           "change_map_html_s": round(s_html, 3), "change_map_png_s": round(s_png, 3),
           "differential_moran_s": round(s_diff, 3), "differential_counts": d.counts(),
           "emerging_fisher_s": round(s_em_f, 3), "emerging_fisher_areas": len(ef.table),
           "emerging_fisher_counts": {k: v for k, v in ef.counts().items() if v},
           "emerging_vulnerable_s": round(s_em_v, 3),
           "emerging_vulnerable_counts": {k: v for k, v in ev.counts().items() if v},
           "fell": ch.summary()["fell"]}
    print(json.dumps(out, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
