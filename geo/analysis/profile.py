"""One area's profile: every segment's figures and where the area stands in its regency."""
from __future__ import annotations

import pandas as pd

from geo.analysis import indicators
from geo.core import schema


def segment_table(row: pd.DataFrame, target: float = schema.DEFAULT_TARGET) -> pd.DataFrame:
    """Per segment (rows): workers, covered, uncovered, coverage rate, people to the target.

    ``row`` is a one-row frame (an area of an analysis frame); segments without figures
    are left out rather than shown as zeros.
    """
    out = []
    for segment in schema.SEGMENT_CHOICES:
        workers, covered = indicators.counts(row, segment)
        if workers.isna().all():
            continue
        out.append({
            "segment": segment,
            "workers": workers.iloc[0],
            "covered": covered.iloc[0],
            "uncovered": indicators.indicator(row, "uncovered", segment, target).iloc[0],
            "coverage_rate": indicators.indicator(row, "coverage_rate", segment, target).iloc[0],
            "to_target": indicators.indicator(row, "to_target", segment, target).iloc[0],
        })
    return pd.DataFrame(out)


def rank_in_parent(frame: pd.DataFrame, code: str, parent_col: str = "regency_code",
                   segment: str = "all", target: float = schema.DEFAULT_TARGET) -> tuple[int, int] | None:
    """Rank of ``code``'s coverage rate among its siblings (1 = lowest), and how many have data."""
    this = frame[frame["code"] == code]
    if this.empty:
        return None
    siblings = frame[frame[parent_col] == this[parent_col].iloc[0]]
    rates = indicators.indicator(siblings, "coverage_rate", segment, target)
    rates.index = siblings["code"].values
    rates = rates.dropna()
    if code not in rates.index:
        return None
    ranks = rates.rank(method="min")
    return int(ranks[code]), int(len(rates))
