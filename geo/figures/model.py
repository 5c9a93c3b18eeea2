"""The figures stage's hand-off: figures joined to the boundaries, one row per area code."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Figures:
    """Figures joined to the boundaries: one row per area code at one level.

    ``data`` has ``code`` and any of ``COUNT_COLUMNS`` (nullable integers). ``synthetic``
    marks the demo dataset so every output can label it.
    """

    data: pd.DataFrame
    level: str
    source: str
    synthetic: bool = False
    period: str | None = None
    notes: list[str] = field(default_factory=list)
