"""A province's history: its figures period by period, with where each period comes from.

Why a type of its own: the progress page, the change maps and ``python -m geo progress`` all
need "the figures of every period" and "which file or saved dataset each period came from",
and must agree on which version of a period counts when it was saved twice. The rule is the
store's (``DatasetStore.period_history``): a period saved again supersedes the earlier version
for the views, and the earlier one is kept (:attr:`History.earlier`), never deleted.

Built from one several-period :class:`Figures` (:meth:`History.from_figures`), from several
(:meth:`History.combine`: later ones supersede a period earlier ones held), from the store
(``geo.outputs.store.history``) or the synthetic demo (``geo.figures.demo_history``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from geo.core.provenance import Provenance
from geo.figures.model import Figures


@dataclass(frozen=True)
class History:
    """Figures per period, oldest first; ``figures[p]`` is single-period :class:`Figures`.

    ``provenance[p]`` says where period ``p`` comes from (file or saved dataset, synthetic or
    not); ``earlier[p]`` the provenance of versions of ``p`` that a later save or file
    superseded (kept, not used). ``provinces``: the provinces asked for.
    """

    figures: dict[str, Figures]
    provinces: tuple[str, ...] = ()
    earlier: dict[str, tuple[Provenance, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "figures", dict(sorted(self.figures.items())))

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(self.figures)

    @property
    def latest(self) -> str | None:
        """The default period of every view."""
        return self.periods[-1] if self.figures else None

    @property
    def provenance(self) -> dict[str, Provenance]:
        return {p: f.provenance for p, f in self.figures.items()}

    @property
    def synthetic(self) -> bool:
        """True when any period is synthetic (outputs then carry the synthetic label)."""
        return any(f.synthetic for f in self.figures.values())

    @property
    def level(self) -> str | None:
        """The figures' level (that of the latest period: periods may differ, each is summed up)."""
        return self.figures[self.latest].level if self.figures else None

    def __len__(self) -> int:
        return len(self.figures)

    def __contains__(self, period: object) -> bool:
        return period in self.figures

    def for_period(self, period: str | None = None) -> Figures:
        """The single-period figures of ``period`` (default the latest); KeyError if absent."""
        return self.figures[period or self.latest]

    def between(self, start: str | None = None, end: str | None = None) -> "History":
        """The periods from ``start`` to ``end`` (both included, ``YYYY-MM``; None: open)."""
        keep = {p: f for p, f in self.figures.items() if (start is None or p >= start) and (end is None or p <= end)}
        return dataclasses.replace(self, figures=keep,
                                   earlier={p: e for p, e in self.earlier.items() if p in keep})

    def long(self) -> pd.DataFrame:
        """Every period's rows in one frame: ``code``, ``period``, counts."""
        if not self.figures:
            return pd.DataFrame({"code": pd.Series(dtype=object), "period": pd.Series(dtype=object)})
        return pd.concat([f.long() for f in self.figures.values()], ignore_index=True)

    def as_figures(self) -> Figures:
        """One several-period :class:`Figures` (``data``: the latest period), e.g. to save."""
        last = self.for_period()
        if len(self.figures) == 1:
            return last
        return dataclasses.replace(last, by_period=self.long())

    @classmethod
    def from_figures(cls, figures: Figures, provinces: tuple[str, ...] | list[str] = ()) -> "History":
        """The periods of one (possibly several-period) :class:`Figures`."""
        return cls({p: figures.for_period(p) for p in figures.periods}, tuple(provinces))

    @classmethod
    def combine(cls, parts: list[Figures], provinces: tuple[str, ...] | list[str] = ()) -> "History":
        """Several figures (e.g. one file per month) as one history; a period held by more than
        one is taken from the last of them, the earlier versions kept in :attr:`earlier`."""
        figures: dict[str, Figures] = {}
        earlier: dict[str, list[Provenance]] = {}
        for part in parts:
            for p in part.periods:
                if p in figures:
                    earlier.setdefault(p, []).append(figures[p].provenance)
                figures[p] = part.for_period(p)
        return cls(figures, tuple(provinces), {p: tuple(v) for p, v in earlier.items()})


def month_index(period: str) -> int:
    """Months since year 0 (``2026-01`` - ``2025-12`` = 1): how periods are counted apart."""
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_of_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end``, both included."""
    return [period_of_index(i) for i in range(month_index(start), month_index(end) + 1)]


__all__ = ["History", "month_index", "period_of_index", "month_range"]
