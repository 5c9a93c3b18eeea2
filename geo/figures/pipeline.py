"""The read → validate → join sequence, once, for the command line and the upload page.

Every caller used to repeat it with its own error handling; ``check_file`` returns one typed
result that says how far the file got, so the CLI's exit codes (CONTRACT.md: 2 unreadable,
1 nothing usable, 0 usable) and the page's messages come from the same decision.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd

from geo.figures.columns import guess_mapping
from geo.figures.join import JoinResult, join
from geo.figures.model import Figures
from geo.figures.reading import FiguresError, Limits, RawTable, read_table
from geo.figures.validation import validate

UNREADABLE = 2
UNUSABLE = 1
USABLE = 0


@dataclass(frozen=True)
class Checked:
    """How far a file got: read (``raw``), joined (``result``), or stopped by ``error``."""

    name: str
    raw: RawTable | None
    result: JoinResult | None
    error: FiguresError | None

    @property
    def status(self) -> int:
        """0 when at least one row is usable, 1 when none is, 2 when the file cannot be read."""
        if self.raw is None:
            return UNREADABLE
        if self.result is None or self.result.figures is None or self.result.figures.data.empty:
            return UNUSABLE
        return USABLE

    @property
    def figures(self) -> Figures | None:
        return self.result.figures if self.status == USABLE and self.result is not None else None


def check_file(data: bytes, name: str, layers: Mapping[str, gpd.GeoDataFrame], provinces: Sequence[str], *,
               sheet: str | None = None, mapping: Mapping[str, str | None] | None = None,
               raw: RawTable | None = None, period: str | None = None, limits: Limits = Limits()) -> Checked:
    """Read ``data`` (unless ``raw`` is already read), map its headers (``mapping`` or the
    guessed one), validate every cell (``period`` for a file without a period column) and join
    the rows to ``layers`` (a BoundarySet's full layers). Never raises for a bad file: the error is in the result."""
    if raw is None:
        try:
            raw = read_table(data, name, sheet=sheet, limits=limits)
        except FiguresError as exc:
            return Checked(name, None, None, exc)
    try:
        validated = validate(raw, dict(mapping) if mapping is not None else guess_mapping(raw.columns),
                             list(provinces), period=period)
    except FiguresError as exc:
        return Checked(name, raw, None, exc)
    return Checked(name, raw, join(validated, dict(layers), list(provinces)), None)
