"""Target lists: the village table, the budget of a selection, and the fewest villages to a target.

Why a module of its own: outreach teams must justify a budget line by line, so every number
the targeting page shows (people enrolled, premiums, the coverage a regency and the province
would reach) is computed here from the same sums the maps use (``geo.indicators``), never
averaged from rates.

Rules (``../shared/CONTRACT.md``, "Other decisions"):

- Premiums are paid for non-wage segments only: wage earners are enrolled (and paid for) by
  their employers, so enrolling them reaches people but costs the budget nothing.
- Expected uptake ``p`` applies to every uncovered person in the chosen segments of a chosen
  village: a village enrols ``p x uncovered`` people in expectation (a real number; the page
  rounds only for display).
- The coverage a regency or the province reaches is for its whole working population (the
  target, e.g. 73.86 %, is for all workers), recomputed from the summed counts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from geo.analysis import indicators
from geo.core import codes, schema
from geo.core.reference import PREMIUM_JKK_JKM_MONTHLY

DEFAULT_MONTHS = 12


DEFAULT_UPTAKE = 100.0  # % of the uncovered people in the chosen segments who enrol


@dataclass(frozen=True)
class Settings:
    """What a budget and a shortest path are computed with (saved with every target list)."""

    segments: tuple[str, ...] = schema.NON_WAGE
    premium_monthly: float = PREMIUM_JKK_JKM_MONTHLY
    months: int = DEFAULT_MONTHS
    uptake: float = DEFAULT_UPTAKE  # percent, 0 < uptake <= 100
    target: float = schema.DEFAULT_TARGET  # percent of all workers

    def checked(self) -> "Settings":
        """The settings, or a ValueError saying which one is out of range."""
        bad = [s for s in self.segments if s not in schema.SEGMENTS]
        if bad:
            raise ValueError(f"unknown segment(s) {', '.join(map(repr, bad))}; "
                             f"choose from {', '.join(schema.SEGMENTS)}")
        if not self.segments:
            raise ValueError("choose at least one segment")
        if not (0 < float(self.uptake) <= 100):
            raise ValueError(f"uptake must be above 0 and at most 100 %, not {self.uptake}")
        if float(self.premium_monthly) < 0:
            raise ValueError(f"premium must not be negative, not {self.premium_monthly}")
        if int(self.months) != self.months or self.months < 1:
            raise ValueError(f"months must be a whole number of at least 1, not {self.months}")
        if not (0 < float(self.target) <= 100):
            raise ValueError(f"target must be above 0 and at most 100 %, not {self.target}")
        ordered = tuple(s for s in schema.SEGMENTS if s in self.segments)
        return Settings(ordered, float(self.premium_monthly), int(self.months), float(self.uptake),
                        float(self.target))

    @property
    def paid_segments(self) -> tuple[str, ...]:
        return tuple(s for s in self.segments if s in schema.NON_WAGE)

    @property
    def uptake_bp(self) -> int:
        """Uptake in hundredths of a percent (basis points of 100 %), for exact comparisons."""
        return int(round(float(self.uptake) * 100))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["segments"] = list(self.segments)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Settings":
        known = {k: d[k] for k in ("premium_monthly", "months", "uptake", "target") if k in d}
        if "segments" in d:
            known["segments"] = tuple(d["segments"])
        return cls(**known).checked()


def uncovered_by_segment(df: pd.DataFrame, segments: tuple[str, ...]) -> pd.DataFrame:
    """Uncovered people (workers - covered) per segment, one column per segment (NaN = no data)."""
    out = {}
    for s in segments:
        workers, covered = indicators.counts(df, s)
        out[s] = (workers - covered).clip(lower=0)
    return pd.DataFrame(out, index=df.index)


def village_table(frame: pd.DataFrame, settings: Settings, names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per village with figures: where it is, its coverage, and whom a budget would reach.

    ``frame`` is the village analysis frame (or any frame with ``code``, ``name`` and the
    count columns); ``names`` maps district and regency codes to names. Columns: code, name,
    district_code, district, regency_code, regency, workers, covered, coverage_rate (all
    workers, %), uncovered (in the chosen segments), uncovered_paid (in the chosen non-wage
    segments). Villages without figures for the chosen segments have ``uncovered`` NaN: they
    count in their area's totals but cannot be budgeted; villages with no figures at all are
    left out.
    """
    settings = settings.checked()
    names = names or {}
    per = uncovered_by_segment(frame, settings.segments)
    out = pd.DataFrame({"code": frame["code"].astype(str).values}, index=frame.index)
    out["name"] = frame["name"].astype(str).values if "name" in frame else out["code"]
    out["district_code"] = codes.ancestors_at(out["code"], "district")
    out["district"] = out["district_code"].map(lambda c: names.get(c, c))
    out["regency_code"] = codes.ancestors_at(out["code"], "regency")
    out["regency"] = out["regency_code"].map(lambda c: names.get(c, c))
    workers, covered = indicators.counts(frame, "all")
    out["workers"] = workers
    out["covered"] = covered
    out["coverage_rate"] = indicators.indicator(frame, "coverage_rate", "all")
    out["uncovered"] = per.sum(axis=1, min_count=1)
    paid = [s for s in settings.paid_segments]
    out["uncovered_paid"] = per[paid].sum(axis=1, min_count=1).fillna(0) if paid else 0.0
    return out[out["workers"].notna() | out["uncovered"].notna()].reset_index(drop=True)


def filter_table(table: pd.DataFrame, regency: str | None = None, district: str | None = None,
                 min_uncovered: float = 0, only_codes: set[str] | None = None,
                 sort_by: str = "uncovered", ascending: bool = False) -> pd.DataFrame:
    """The villages that pass the filters, sorted (ties always broken by code, so stable)."""
    keep = pd.Series(True, index=table.index)
    if regency:
        keep &= table["regency_code"] == regency
    if district:
        keep &= table["district_code"] == district
    if min_uncovered:
        keep &= table["uncovered"] >= float(min_uncovered)
    if only_codes is not None:
        keep &= table["code"].isin(set(only_codes))
    out = table[keep]
    if sort_by not in out:
        raise ValueError(f"cannot sort by {sort_by!r}; choose from {', '.join(out.columns)}")
    by = [sort_by] if sort_by == "code" else [sort_by, "code"]
    return out.sort_values(by, ascending=[ascending] + [True] * (len(by) - 1), kind="mergesort") \
        .reset_index(drop=True)


@dataclass
class Budget:
    """What enrolling the selected villages costs and reaches (expected values)."""

    villages: int
    uncovered: float  # people without protection in the chosen segments
    enrolled: float  # expected people enrolled, whole: uptake x uncovered rounded once
    enrolled_paid: float  # of whom in non-wage segments (their premiums are budgeted)
    budget: float  # Rp for ``months`` months: enrolled_paid x premium x months
    monthly: float  # Rp per month
    by_segment: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    missing: list[str] = field(default_factory=list)  # selected codes without figures


def whole_people(expected: pd.Series) -> pd.Series:
    """Expected people as whole people, rounded once: each value becomes its floor or its
    ceiling, and the total is the expected total rounded half up (largest remainder: the
    values with the largest fractions get the people left over; ties by position). NaN stays
    NaN and counts as nothing."""
    values = pd.to_numeric(expected, errors="coerce").astype(float)
    present = values.dropna().clip(lower=0)
    out = pd.Series(np.nan, index=values.index, dtype=float)
    if present.empty:
        return out
    floor = np.floor(present.to_numpy() + 1e-9)
    total = int(np.floor(present.sum() + 0.5 + 1e-9))
    left = int(total - floor.sum())
    frac = present.to_numpy() - floor
    order = np.lexsort((np.arange(len(frac)), -frac))  # largest fraction first, then position
    floor[order[:max(0, left)]] += 1
    out.loc[present.index] = floor
    return out


def expected_enrolments(frame: pd.DataFrame, selected: list[str], settings: Settings) -> pd.DataFrame:
    """Whole people expected to enrol, per selected village (index: code, in the order given)
    and chosen segment: uptake x uncovered, rounded once per segment by :func:`whole_people`
    so that each segment's villages add up to the segment's rounded total. NaN = no data."""
    settings = settings.checked()
    p = settings.uptake / 100.0
    order = [c for c in dict.fromkeys(selected)]
    chosen = frame[frame["code"].isin(set(order))].drop_duplicates("code").set_index("code")
    chosen = chosen.loc[[c for c in order if c in chosen.index]]
    per = uncovered_by_segment(chosen, settings.segments)
    return pd.DataFrame({s: whole_people(p * per[s]) for s in settings.segments}, index=per.index)


def budget(frame: pd.DataFrame, selected: list[str], settings: Settings) -> Budget:
    """The budget for ``selected`` village codes in ``frame`` (the village analysis frame).

    Per segment: uncovered = workers - covered; enrolled = uptake x uncovered in whole people
    (:func:`expected_enrolments`, rounded once); the premium is paid for non-wage segments
    only. Budget = enrolled (non-wage, whole people) x premium x months.
    """
    settings = settings.checked()
    chosen = frame[frame["code"].isin(set(selected))]
    per = uncovered_by_segment(chosen, settings.segments)
    has = per.notna().any(axis=1)
    present = set(chosen.loc[has, "code"])
    missing = [c for c in dict.fromkeys(selected) if c not in present]
    whole = expected_enrolments(frame, selected, settings)
    rows = []
    for s in settings.segments:
        unc = float(per[s].sum(min_count=1)) if per[s].notna().any() else 0.0
        paid = s in schema.NON_WAGE
        enrolled = float(whole[s].sum()) if s in whole else 0.0
        rows.append({"segment": s, "uncovered": unc, "enrolled": enrolled, "paid": paid,
                     "budget": enrolled * settings.premium_monthly * settings.months if paid else 0.0})
    by_segment = pd.DataFrame(rows, columns=["segment", "uncovered", "enrolled", "paid", "budget"])
    unc = float(by_segment["uncovered"].sum())
    enrolled = float(by_segment["enrolled"].sum())
    enrolled_paid = float(by_segment.loc[by_segment["paid"], "enrolled"].sum())
    monthly = enrolled_paid * settings.premium_monthly
    return Budget(villages=len(present), uncovered=unc, enrolled=enrolled, enrolled_paid=enrolled_paid,
                  budget=monthly * settings.months, monthly=monthly, by_segment=by_segment, missing=missing)


def after_enrolment(frame: pd.DataFrame, selected: list[str], settings: Settings) -> pd.DataFrame:
    """The village counts as they would be after the selection enrols (expected, so fractional).

    Each chosen segment's covered grows by uptake x its uncovered, and ``covered`` (all
    workers) grows by the same amount; workers do not change.
    """
    settings = settings.checked()
    p = settings.uptake / 100.0
    cols = [c for c in schema.COUNT_COLUMNS if c in frame]
    out = frame[["code"] + cols].copy()
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    mask = out["code"].isin(set(selected)).to_numpy()
    added = pd.Series(0.0, index=out.index)
    per = uncovered_by_segment(out, settings.segments)
    for s in settings.segments:
        gain = (p * per[s]).where(pd.Series(mask, index=out.index), 0.0).fillna(0.0)
        col = f"covered_{s}"
        if col in out:
            out[col] = out[col] + gain
        added = added + gain
    if "covered" in out:
        out["covered"] = out["covered"] + added.where(out["covered"].notna())
    return out


def _sums(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Workers and covered (all workers) summed per ancestor at ``level``; NaN where no part has data."""
    cols = {c: pd.to_numeric(frame[c], errors="coerce").astype(float) if c in frame
            else pd.Series(np.nan, index=frame.index) for c in ("workers", "covered")}
    key = codes.ancestors_at(frame["code"].astype(str), level)
    return pd.DataFrame(cols).groupby(key.values).sum(min_count=1)


def reached_rates(frame: pd.DataFrame, selected: list[str], settings: Settings,
                  names: dict[str, str] | None = None) -> pd.DataFrame:
    """Coverage now and after the selection enrols, for the province(s) and every regency it touches.

    Recomputed from the summed counts with ``geo.indicators`` (never an average of rates).
    Columns: code, name, level, workers, covered, rate_before, enrolled, rate_after,
    target, to_target_before, to_target_after, reaches_target.
    """
    settings = settings.checked()
    names = names or {}
    after = after_enrolment(frame, selected, settings)
    touched = set(codes.ancestors_at(pd.Series(list(selected), dtype=object), "regency").dropna())
    rows = []
    for level in ("province", "regency"):
        b, a = (_sums(df, level) for df in (frame, after))
        keep = sorted(b.index) if level == "province" else sorted(c for c in b.index if c in touched)
        b, a = b.loc[keep], a.reindex(keep)
        rate_b = indicators.indicator(b, "coverage_rate")
        rate_a = indicators.indicator(a, "coverage_rate")
        need_b = indicators.indicator(b, "to_target", target=settings.target)
        for code in keep:
            workers, covered_b, covered_a = b.at[code, "workers"], b.at[code, "covered"], a.at[code, "covered"]
            need_a = (max(0.0, settings.target / 100.0 * workers - covered_a)
                      if not (np.isnan(workers) or np.isnan(covered_a)) else np.nan)
            r_a = float(rate_a[code])
            rows.append({"code": code, "name": names.get(code, code), "level": level,
                         "workers": workers, "covered": covered_b, "rate_before": float(rate_b[code]),
                         "enrolled": covered_a - covered_b, "rate_after": r_a,
                         "target": settings.target, "to_target_before": float(need_b[code]),
                         "to_target_after": need_a,
                         "reaches_target": bool(r_a >= settings.target - 1e-9) if not np.isnan(r_a) else False})
    return pd.DataFrame(rows, columns=["code", "name", "level", "workers", "covered", "rate_before",
                                       "enrolled", "rate_after", "target", "to_target_before",
                                       "to_target_after", "reaches_target"])


@dataclass
class Path:
    """The fewest whole villages whose enrolment brings an area to the target."""

    scope: str  # the province or regency code
    codes: list[str]
    need: int  # people to enrol to reach the target (whole population of the scope)
    reachable: bool  # False: even every candidate village is not enough
    enrolled: float  # expected people enrolled by ``codes``
    rate_before: float
    rate_after: float
    candidates: int  # villages in the scope with someone to enrol


def fewest_villages(table: pd.DataFrame, settings: Settings, scope: str) -> Path:
    """The fewest whole villages of ``scope`` (a province or regency code) that reach the target.

    Villages are taken by largest number of uncovered people in the chosen segments first,
    ties by code, until ``covered + uptake x sum(uncovered) >= target x workers`` (the expected
    coverage rate of the scope's whole working population reaches the target).

    Why this greedy order is optimal for "fewest whole villages": let N = target x workers -
    covered be what the scope still lacks and u_v a village's uncovered count. Enrolling village v adds c_v = p x u_v
    people, where p is the uptake, the same for every village; the villages' contributions
    simply add up and do not interact. For any k, the largest total that k villages can add
    is the sum of the k largest c_v (exchange argument: swapping a chosen village for an
    unchosen one with a larger c_v never lowers the total). Since p >= 0, the order of c_v
    is the order of u_v, so the k villages with the most uncovered people add the most. Hence
    if *any* set of k villages reaches N, the first k in this order reach it too, and the
    first prefix that reaches N is as short as any solution can be. The comparison is done in
    integers (uptake in hundredths of a percent) so that floating-point rounding cannot add
    or drop a village. Ties by code make the answer reproducible; among equally short lists
    it is not necessarily the cheapest one when wage earners are among the chosen segments
    (they cost the budget nothing).

    ``table`` is :func:`village_table`'s output for the whole province (all villages with
    figures, unfiltered), so that the scope's workers and covered are its full sums.
    """
    settings = settings.checked()
    level = codes.level_of(scope)
    inside = table[codes.ancestors_at(table["code"], level) == scope]
    workers = inside["workers"].sum(min_count=1)
    covered = inside["covered"].sum(min_count=1)
    if pd.isna(workers) or pd.isna(covered) or workers <= 0:
        return Path(scope, [], 0, False, 0.0, np.nan, np.nan, 0)
    need = int(indicators.people_to_target(pd.Series([workers]), pd.Series([covered]), settings.target).iloc[0])
    cand = inside[inside["uncovered"] > 0].sort_values(["uncovered", "code"], ascending=[False, True],
                                                       kind="mergesort")
    q, t = settings.uptake_bp, int(round(settings.target * 100))
    w, c = int(round(workers)), int(round(covered))
    chosen: list[str] = []
    total = 0  # sum of uncovered of the chosen villages (integers: counts of people)
    # (c + q/10000 x total) / w >= t/10000, multiplied out so it stays in integers
    reached = 10_000 * c >= t * w
    for code, unc in zip(cand["code"], cand["uncovered"]):
        if reached:
            break
        chosen.append(code)
        total += int(round(unc))
        reached = 10_000 * c + q * total >= t * w
    enrolled = q * total / 10_000
    rate_before = 100.0 * covered / workers
    rate_after = 100.0 * (covered + enrolled) / workers
    return Path(scope, chosen, need, reached, enrolled, rate_before, rate_after, len(cand))


SORTS = ("uncovered", "coverage_rate", "workers", "name", "code")
