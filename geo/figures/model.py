"""The figures stage's hand-off: figures joined to the boundaries, one row per area code and period."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from geo.core.provenance import Provenance


@dataclass
class Figures:
    """Figures joined to the boundaries: one row per area code at one level, for one period.

    ``data`` has ``code`` and any of ``COUNT_COLUMNS`` (nullable integers): the figures of
    ``period`` (``YYYY-MM``), so every single-period analysis reads ``data`` as it always did.
    A file of several periods (issue 15) also keeps ``by_period``: the long frame of every
    period (``code``, ``period``, counts; key (code, period)); ``data`` is then the latest
    period's rows (the default view) and :meth:`for_period` gives any other one.
    ``synthetic`` marks the demo dataset; outputs read it (with the source) from :attr:`provenance`.
    """

    data: pd.DataFrame
    level: str
    source: str
    synthetic: bool = False
    period: str | None = None
    notes: list[str] = field(default_factory=list)
    dataset: str | None = None  # the saved dataset's name, when opened from the store
    by_period: pd.DataFrame | None = None  # every period, long (None: only ``period``)

    @property
    def provenance(self) -> Provenance:
        """Where these figures come from, as every output states it."""
        codes = self.data["code"].astype(str) if "code" in self.data else pd.Series(dtype=str)
        provinces = tuple(sorted(set(codes.str[:2]))) if len(codes) else ()
        return Provenance(source=str(self.source), synthetic=bool(self.synthetic), period=self.period,
                          provinces=provinces, dataset=self.dataset)

    @property
    def periods(self) -> tuple[str, ...]:
        """The periods these figures hold, oldest first (``()`` when none is known)."""
        if self.by_period is not None and len(self.by_period):
            return tuple(sorted({str(p) for p in self.by_period["period"].dropna()}))
        return (self.period,) if self.period else ()

    @property
    def latest(self) -> str | None:
        """The latest period (the default one every view shows)."""
        return self.periods[-1] if self.periods else None

    @property
    def multi_period(self) -> bool:
        return len(self.periods) > 1

    def for_period(self, period: str) -> "Figures":
        """The single-period Figures of ``period`` (as a one-period file would have given);
        KeyError when these figures do not hold it."""
        if self.by_period is None or not len(self.by_period):
            if period != self.period:
                raise KeyError(period)
            return dataclasses.replace(self, by_period=None)
        rows = self.by_period[self.by_period["period"].astype(str) == period]
        if rows.empty:
            raise KeyError(period)
        data = rows.drop(columns=["period"]).sort_values("code", kind="stable").reset_index(drop=True)
        return dataclasses.replace(self, data=data, period=period, by_period=None)

    def long(self) -> pd.DataFrame:
        """Every period's rows in one frame with a ``period`` column (what the store saves)."""
        if self.by_period is not None:
            return self.by_period.reset_index(drop=True)
        out = self.data.copy()
        out.insert(1 if "code" in out else 0, "period",
                   pd.Series([self.period] * len(out), dtype=object, index=out.index))
        return out

    @classmethod
    def from_long(cls, long: pd.DataFrame, level: str, source: str, synthetic: bool = False,
                  period: str | None = None, notes: list[str] | None = None,
                  dataset: str | None = None) -> "Figures":
        """Figures from a long frame (``code``, ``period``, counts): ``data`` is ``period``'s rows
        (default the latest); one period gives plain single-period Figures (``by_period`` None)."""
        long = long.reset_index(drop=True)
        periods = sorted({str(p) for p in long["period"].dropna()}) if "period" in long else []
        base = cls(data=long, level=level, source=source, synthetic=synthetic, period=None,
                   notes=list(notes or []), dataset=dataset, by_period=long if periods else None)
        if not periods:  # no period known: the rows as they are
            return dataclasses.replace(base, data=long.drop(columns=["period"], errors="ignore"), by_period=None)
        chosen = period if period in periods else periods[-1]
        one = base.for_period(chosen)
        return one if len(periods) == 1 else dataclasses.replace(one, by_period=long)
