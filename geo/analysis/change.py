"""What changed between two periods: the change in coverage rate and the net new enrolments per
area, at any level, computed from two analysis frames of the same boundaries.

Figures are stocks (workers and covered at the end of a month), so the difference of covered
between two periods is *net* new enrolments: people who enrolled minus people who left. The
change in coverage rate is in percentage points, recomputed from each period's own sums (never
a difference of averaged rates). An area with figures in only one of the two periods has no
change ("no data"), never a change of zero.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis import indicators
from geo.core import schema
from geo.core.provenance import Provenance

# A change smaller than this (in percentage points) is "no change" on the map and in "fell".
NO_CHANGE_PP = 0.05
SEGMENT_CHOICES = schema.SEGMENT_CHOICES
_KEEP = ("code", "name", "kind", "province_code", "regency_code", "district_code")


@dataclass(frozen=True)
class Change:
    """The change of one segment at one level between two periods, one row per area.

    ``table`` columns: the area (code, name, parents), ``workers_before/after``,
    ``covered_before/after``, ``rate_before/after`` (%), ``change_pp`` (after - before),
    ``new_enrolled`` (covered after - covered before: net), ``uncovered_before/after`` and
    ``uncovered_change``. NaN where either period has no figures.
    """

    table: pd.DataFrame
    level: str
    segment: str
    before: str
    after: str
    provenance: Provenance

    def fell(self, threshold: float = NO_CHANGE_PP) -> pd.DataFrame:
        """The areas whose coverage rate fell by more than ``threshold`` points, largest fall first."""
        t = self.table
        out = t[t["change_pp"] < -threshold]
        return out.sort_values(["change_pp", "code"], ascending=[True, True])

    def rose(self, threshold: float = NO_CHANGE_PP) -> pd.DataFrame:
        t = self.table
        return t[t["change_pp"] > threshold].sort_values(["change_pp", "code"], ascending=[False, True])

    def summary(self) -> dict:
        """Counts of areas that fell, rose, did not change, and have no change (no data)."""
        c = self.table["change_pp"]
        fell, rose = int((c < -NO_CHANGE_PP).sum()), int((c > NO_CHANGE_PP).sum())
        known = int(c.notna().sum())
        return {"areas": int(len(c)), "compared": known, "fell": fell, "rose": rose,
                "unchanged": known - fell - rose, "no_data": int(c.isna().sum()),
                "new_enrolled": float(np.nansum(self.table["new_enrolled"]))}


def compare(before: pd.DataFrame, after: pd.DataFrame, segment: str = "all") -> pd.DataFrame:
    """The change table of ``segment`` between two frames of the same level (see :class:`Change`).

    The rows are those of ``after`` (the areas of the later boundaries); ``before`` is matched
    by code, so an area missing from it has no change.
    """
    if segment not in SEGMENT_CHOICES:
        raise ValueError(f"unknown segment {segment!r}; choose from {', '.join(SEGMENT_CHOICES)}")
    keep = [c for c in _KEEP if c in after]
    out = pd.DataFrame(after[keep]).reset_index(drop=True)
    wa, ca = indicators.counts(after, segment)
    wb, cb = indicators.counts(before, segment)
    wb = pd.Series(wb.to_numpy(dtype=float), index=before["code"].to_numpy()).reindex(out["code"])
    cb = pd.Series(cb.to_numpy(dtype=float), index=before["code"].to_numpy()).reindex(out["code"])
    out["workers_before"], out["covered_before"] = wb.to_numpy(), cb.to_numpy()
    out["workers_after"], out["covered_after"] = wa.to_numpy(dtype=float), ca.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for side in ("before", "after"):
            w, c = out[f"workers_{side}"], out[f"covered_{side}"]
            out[f"rate_{side}"] = np.where(w > 0, 100.0 * c / w.where(w > 0), np.nan)
            out[f"uncovered_{side}"] = w - c
    out["change_pp"] = out["rate_after"] - out["rate_before"]
    out["new_enrolled"] = out["covered_after"] - out["covered_before"]
    out["uncovered_change"] = out["uncovered_after"] - out["uncovered_before"]
    return out


def change(before, after, level: str, segment: str = "all",
           periods: tuple[str, str] | None = None) -> Change:
    """The change at ``level`` between two :class:`geo.analysis.frames.Coverage` (or dicts of
    frames with ``provenance``). Synthetic when either period is."""
    pb, pa = _provenance(before), _provenance(after)
    p1 = (periods[0] if periods else None) or pb.period or "?"
    p2 = (periods[1] if periods else None) or pa.period or "?"
    table = compare(before[level], after[level], segment)
    source = pa.source if pa.source == pb.source else f"{pb.source} → {pa.source}"
    prov = replace(pa, source=source, synthetic=pb.synthetic or pa.synthetic, period=f"{p1}–{p2}")
    return Change(table=table, level=level, segment=segment, before=p1, after=p2, provenance=prov)


def _provenance(cov) -> Provenance:
    return getattr(cov, "provenance", None) or Provenance()


def by_segment(before: pd.DataFrame, after: pd.DataFrame, segments=schema.SEGMENTS) -> pd.DataFrame:
    """Net new enrolments and the change in coverage rate per segment, over all areas of a level
    (one row per segment present in both periods; sums of areas present in both)."""
    rows = []
    for seg in ("all", *segments):
        t = compare(before, after, seg)
        both = t["workers_before"].notna() & t["workers_after"].notna() & t["covered_before"].notna() \
            & t["covered_after"].notna()
        if not both.any():
            continue
        s = t[both]
        wb, cb, wa, ca = (float(s[c].sum()) for c in ("workers_before", "covered_before", "workers_after",
                                                      "covered_after"))
        rows.append({"segment": seg, "workers_before": wb, "covered_before": cb, "workers_after": wa,
                     "covered_after": ca, "rate_before": 100 * cb / wb if wb else np.nan,
                     "rate_after": 100 * ca / wa if wa else np.nan, "new_enrolled": ca - cb})
    out = pd.DataFrame(rows)
    if len(out):
        out["change_pp"] = out["rate_after"] - out["rate_before"]
    return out


def frame_with_change(frame: gpd.GeoDataFrame, ch: Change) -> gpd.GeoDataFrame:
    """``frame`` (the later period's analysis frame) with the change columns joined by code."""
    cols = [c for c in ch.table if c not in frame or c == "code"]
    return frame.merge(ch.table[cols], on="code", how="left")
