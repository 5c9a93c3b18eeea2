"""Small-count disclosure control: one rule for every table, tooltip and export.

Small counts can identify people in a small village; hiding them (default off) is the usual
disclosure-control rule for published tables."""
from __future__ import annotations

import math
from typing import Sequence

import pandas as pd


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def is_small(value, threshold: int) -> bool:
    """True when ``value`` is a count to hide: 0 < value < threshold (0 and missing are shown).

    Small counts can identify people in a small village; hiding them (default off) is the
    usual disclosure-control rule for published tables.
    """
    if not threshold or value is None or is_missing(value):
        return False
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return 0 < v < threshold


def small_label(threshold: int) -> str:
    return f"<{int(threshold)}"


def suppress_small(df: pd.DataFrame, counts: Sequence[str], threshold: int,
                   derived: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """A copy of ``df`` where counts below ``threshold`` (and what is derived from them) are hidden.

    ``derived`` maps a column to the counts it is computed from (a rate from workers and
    covered, a budget from uncovered): it is hidden whenever one of them is, since it would
    give the hidden count away. ``threshold`` 0 or None changes nothing.
    """
    if not threshold:
        return df.copy()
    out = df.copy()
    hidden = pd.DataFrame(False, index=df.index, columns=[c for c in counts if c in df])
    for c in hidden.columns:
        hidden[c] = df[c].map(lambda v: is_small(v, threshold))
    label = small_label(threshold)
    for c in hidden.columns:
        out[c] = out[c].astype(object).where(~hidden[c], label)
    for col, sources in (derived or {}).items():
        if col not in out:
            continue
        mask = pd.Series(False, index=df.index)
        for s in sources:
            if s in hidden:
                mask |= hidden[s]
        out[col] = out[col].astype(object).where(~mask, label)
    return out
