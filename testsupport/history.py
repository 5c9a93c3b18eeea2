"""A several-period history built from the calibrated demo, for tests of the progress page,
change maps and clusters of change (the library's own demo history is ``geo.figures.demo_history``)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from geo.figures.history import month_range
from geo.figures.model import Figures


def monthly(first: Figures, periods: list[str], growth: float = 0.012, seed: int = 0,
            behind: tuple[str, ...] = ("51.06",)) -> Figures:
    """``first`` (the earliest period) grown month by month: every segment's covered up by about
    ``growth`` of its uncovered per month (± noise), regencies in ``behind`` by a tenth of that;
    one several-period Figures, labelled as ``first`` is."""
    rng = np.random.default_rng(seed)
    d = first.data.copy()
    segs = [c[len("covered_"):] for c in d if c.startswith("covered_")]
    slow = d["code"].astype(str).str[:5].isin(behind).to_numpy()
    parts = []
    for i, p in enumerate(periods):
        if i:
            for s in segs:
                w = d[f"workers_{s}"].astype(float).to_numpy()
                c = d[f"covered_{s}"].astype(float).to_numpy()
                g = growth * np.where(slow, 0.1, 1.0) * rng.uniform(0.0, 2.0, len(d))
                d[f"covered_{s}"] = pd.array(np.minimum(w, np.round(c + g * (w - c))).astype(int), dtype="Int64")
            d["covered"] = d[[f"covered_{s}" for s in segs]].sum(axis=1).astype("Int64")
        parts.append(d.assign(period=p))
    long = pd.concat(parts, ignore_index=True)
    cols = ["code", "period", *[c for c in long if c not in ("code", "period")]]
    return Figures.from_long(long[cols], first.level, first.source, synthetic=first.synthetic)


def demo_months(bset, start: str = "2025-12", end: str = "2026-06", **kw) -> Figures:
    from geo.figures import demo
    first = dataclasses.replace(demo.demo_figures(bset), period=start)
    return monthly(first, month_range(start, end), **kw)
