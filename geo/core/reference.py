"""Published real figures (coverage rates, working population, farm holdings, ...) with sources.

Why a module of its own: the demo dataset is synthetic, but it is calibrated to a handful of
real, public figures, and the app shows those real figures beside the demo so nobody takes
an invented number for a published one. Real figures live only here, each with the date it
refers to (``as_of``) and its source; ``geo/reference_figures.csv`` is a committed copy of
``../shared/reference/bali_published_figures.csv`` with its columns unchanged.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.core import codes

REFERENCE_CSV = Path(__file__).with_name("reference_figures.csv")
COLUMNS: tuple[str, ...] = ("region_code", "region_name", "indicator", "value", "unit", "as_of",
                            "source", "note")

JKK_MIN_MONTHLY = 10_000
"""JKK (work-accident) premium for a non-wage worker, Rp per month, at least.

PP 44/2015 as amended: 1 % of the declared monthly income, whose lowest bracket is
Rp1,000,000 (``../shared/reference/README.md``)."""

JKM_MONTHLY = 6_800
"""JKM (death) premium for a non-wage worker, Rp per month (PP 44/2015 as amended)."""

PREMIUM_JKK_JKM_MONTHLY = 16_800
"""The JKK + JKM package for one non-wage (BPU) worker, Rp per month, at least.

PP 44/2015 (as amended): JKK 1 % of the lowest declared income bracket of Rp1,000,000 =
Rp10,000, plus JKM Rp6,800 = Rp16,800 a month (Rp201,600 a year). This is what regency and
provincial budgets pay for vulnerable workers; JHT (old-age savings) is optional for BPU."""

PREMIUM_JKK_JKM_YEARLY = 12 * PREMIUM_JKK_JKM_MONTHLY


@lru_cache(maxsize=1)
def _all() -> pd.DataFrame:
    """Every published figure, codes as text (``51.10`` must not become ``51.1``)."""
    df = pd.read_csv(REFERENCE_CSV, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{REFERENCE_CSV.name}: missing columns {', '.join(missing)}")
    bad = [i + 2 for i, c in enumerate(df["region_code"]) if codes.normalise(c) != c]
    if bad:
        raise ValueError(f"{REFERENCE_CSV.name}: region_code is not a dotted code on rows {bad}")
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    df["as_of"] = pd.to_datetime(df["as_of"], format="%Y-%m-%d").dt.date
    return df


def published(province: str = "51") -> pd.DataFrame:
    """The published figures of ``province`` and its areas (empty for a province without any).

    Columns as in the CSV: region_code, region_name, indicator, value (float), unit, as_of
    (a date), source, note.
    """
    df = _all()
    return df[df["region_code"].map(codes.province_of) == province].reset_index(drop=True).copy()


def value(indicator: str, region_code: str, as_of: str | None = None) -> float | None:
    """One published value (the latest when ``as_of`` is not given), or None if unpublished."""
    df = _all()
    rows = df[(df["indicator"] == indicator) & (df["region_code"] == region_code)]
    if as_of is not None:
        rows = rows[rows["as_of"].astype(str) == as_of]
    if rows.empty:
        return None
    return float(rows.sort_values("as_of")["value"].iloc[-1])


def by_region(indicator: str, province: str = "51", level: str = "regency",
              as_of: str | None = None) -> dict[str, float]:
    """``{region_code: value}`` of one indicator at one level (the latest per region)."""
    df = published(province)
    df = df[(df["indicator"] == indicator)
            & (df["region_code"].map(codes.level_of) == level)]
    if as_of is not None:
        df = df[df["as_of"].astype(str) == as_of]
    df = df.sort_values("as_of").drop_duplicates("region_code", keep="last")
    return dict(zip(df["region_code"], df["value"]))


def beside_regency_view(province: str = "51") -> pd.DataFrame:
    """The published coverage rates to show beside the (synthetic) regency view.

    One row per published ``coverage_rate`` of the province and its regencies, every date
    kept (the province has March and December 2025), province first, then by code and date.
    Columns: region_code, region_name, level, value (%), as_of, source, note.
    """
    df = published(province)
    df = df[df["indicator"] == "coverage_rate"].copy()
    df["level"] = df["region_code"].map(codes.level_of)
    df = df[df["level"].isin(["province", "regency"])]
    df = df.sort_values(["region_code", "as_of"], key=lambda s: s.astype(str))
    return df[["region_code", "region_name", "level", "value", "as_of", "source", "note"]] \
        .reset_index(drop=True)
