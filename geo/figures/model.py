"""The figures stage's hand-off: figures joined to the boundaries, one row per area code."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.core.provenance import Provenance


@dataclass
class Figures:
    """Figures joined to the boundaries: one row per area code at one level.

    ``data`` has ``code`` and any of ``COUNT_COLUMNS`` (nullable integers). ``synthetic``
    marks the demo dataset; outputs read it (with the source) from :attr:`provenance`.
    """

    data: pd.DataFrame
    level: str
    source: str
    synthetic: bool = False
    period: str | None = None
    notes: list[str] = field(default_factory=list)
    dataset: str | None = None  # the saved dataset's name, when opened from the store

    @property
    def provenance(self) -> Provenance:
        """Where these figures come from, as every output states it."""
        codes = self.data["code"].astype(str) if "code" in self.data else pd.Series(dtype=str)
        provinces = tuple(sorted(set(codes.str[:2]))) if len(codes) else ()
        return Provenance(source=str(self.source), synthetic=bool(self.synthetic), period=self.period,
                          provinces=provinces, dataset=self.dataset)
