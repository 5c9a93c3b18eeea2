"""Did outreach reach its targets? The change in a saved target list's villages since the list
was saved, beside the change in comparable villages that were not on it.

- **Baseline**: the period of the figures the list was made from (saved with the list), when
  the history holds it; for lists saved without it, the latest period *before the month the
  list was saved* (a list saved on
  15 February 2026 is compared from the January 2026 figures: February's figures, taken at the
  end of the month, already hold two weeks of the outreach). When no period is that early,
  the earliest period is the baseline and ``baseline_after_saved`` says so.
- **Comparable villages**: for every targeted village, the ``MATCHES`` villages *not on the
  list*, in the *same regency*, whose baseline coverage rate is nearest to it, within
  ``CALIPER_PP`` points (nearest-neighbour matching with replacement, ties by code). Same
  regency: the same regency programme, budget and office; similar baseline coverage: villages
  equally far from saturation. A targeted village with no match within the caliper is left
  out of the comparison and counted in ``unmatched``.
- **Compared**: each group's pooled change in coverage rate (from summed counts: the change of
  the group as a whole, so large villages weigh what they weigh) and its net new enrolments
  per 1,000 workers; the difference (targeted - comparable) is the list's apparent effect.
  This is a comparison, not a proof: lists are made for reasons that may also move coverage.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.analysis import change as chg

MATCHES = 3
CALIPER_PP = 5.0


@dataclass(frozen=True)
class Group:
    villages: int
    workers_before: float
    covered_before: float
    workers_after: float
    covered_after: float

    @property
    def rate_before(self) -> float:
        return 100 * self.covered_before / self.workers_before if self.workers_before else float("nan")

    @property
    def rate_after(self) -> float:
        return 100 * self.covered_after / self.workers_after if self.workers_after else float("nan")

    @property
    def change_pp(self) -> float:
        return self.rate_after - self.rate_before

    @property
    def new_enrolled(self) -> float:
        return self.covered_after - self.covered_before

    @property
    def per_1000(self) -> float:
        return 1000 * self.new_enrolled / self.workers_before if self.workers_before else float("nan")

    def to_json(self) -> dict:
        return {"villages": self.villages, "rate_before": _r(self.rate_before), "rate_after": _r(self.rate_after),
                "change_pp": _r(self.change_pp), "new_enrolled": int(self.new_enrolled),
                "new_enrolled_per_1000_workers": _r(self.per_1000)}


def _r(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 4)


@dataclass
class Effect:
    """The targeted villages against their comparable villages, between two periods."""

    before: str
    after: str
    saved_at: str
    segment: str
    targeted: Group
    comparable: Group
    pairs: pd.DataFrame  # code (targeted), match (comparable), regency_code, rate_before of both
    villages: pd.DataFrame = field(default_factory=pd.DataFrame)  # every listed village's change (code, ...)
    unmatched: list[str] = field(default_factory=list)  # targeted, no comparable village within the caliper
    no_data: list[str] = field(default_factory=list)  # targeted, without figures in both periods
    baseline_after_saved: bool = False

    @property
    def difference_pp(self) -> float:
        return self.targeted.change_pp - self.comparable.change_pp

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after, "saved_at": self.saved_at, "segment": self.segment,
                "targeted": self.targeted.to_json(), "comparable": self.comparable.to_json(),
                "difference_pp": _r(self.difference_pp), "unmatched": self.unmatched, "no_data": self.no_data,
                "baseline_after_saved": self.baseline_after_saved, "matches": MATCHES, "caliper_pp": CALIPER_PP}


def baseline_period(saved_at: str, periods, made_from: str | None = None) -> tuple[str | None, bool]:
    """The period the list was made from (``made_from``, saved with the list) when the history
    holds it; else the latest period before the month of ``saved_at`` (ISO time); else the
    earliest period with True (the baseline is not before the list)."""
    ps = sorted(periods)
    if not ps:
        return None, False
    if made_from in ps:
        return made_from, False
    month = str(saved_at)[:7]
    earlier = [p for p in ps if p < month]
    return (earlier[-1], False) if earlier else (ps[0], True)


def _group(t: pd.DataFrame, weights: pd.Series | None = None) -> Group:
    return Group(villages=int(len(t)), workers_before=float(t["workers_before"].sum()),
                 covered_before=float(t["covered_before"].sum()), workers_after=float(t["workers_after"].sum()),
                 covered_after=float(t["covered_after"].sum()))


def effect(before: pd.DataFrame, after: pd.DataFrame, codes, saved_at: str, periods: tuple[str, str],
           segment: str = "all", baseline_after_saved: bool = False, matches: int = MATCHES,
           caliper: float = CALIPER_PP) -> Effect:
    """The effect of a list of village ``codes`` between the village frames ``before`` and ``after``."""
    t = chg.compare(before, after, segment)
    ok = t["change_pp"].notna() & (t["workers_before"] > 0) & (t["workers_after"] > 0)
    listed = set(map(str, codes))
    on = t["code"].isin(listed)
    targeted = t[on & ok]
    pool = t[~on & ok]
    rows, unmatched = [], []
    for r in targeted.sort_values("code").itertuples():
        cand = pool[pool["regency_code"] == r.regency_code] if "regency_code" in pool else pool
        gap = (cand["rate_before"] - r.rate_before).abs()
        cand = cand.assign(gap=gap)[gap <= caliper].sort_values(["gap", "code"]).head(matches)
        if cand.empty:
            unmatched.append(r.code)
            continue
        for m in cand.itertuples():
            rows.append({"code": r.code, "match": m.code, "regency_code": getattr(r, "regency_code", None),
                         "rate_before": r.rate_before, "match_rate_before": m.rate_before})
    pairs = pd.DataFrame(rows, columns=["code", "match", "regency_code", "rate_before", "match_rate_before"])
    matched_targets = targeted[targeted["code"].isin(set(pairs["code"]))]
    comparable = pool[pool["code"].isin(set(pairs["match"]))]
    no_data = sorted(listed & set(t.loc[~ok, "code"]) | (listed - set(t["code"])))
    return Effect(before=periods[0], after=periods[1], saved_at=saved_at, segment=segment,
                  targeted=_group(matched_targets), comparable=_group(comparable), pairs=pairs,
                  villages=t[on][["code", "rate_before", "rate_after", "change_pp", "new_enrolled"]]
                  .reset_index(drop=True),
                  unmatched=unmatched, no_data=no_data, baseline_after_saved=baseline_after_saved)
