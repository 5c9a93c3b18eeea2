"""The vocabulary every stage shares, defined once: levels, segments, count columns, indicators,
measures and the 2026 target (names as in ``../shared/CONTRACT.md``)."""
from __future__ import annotations

LEVELS: tuple[str, ...] = ("regency", "district", "village")  # the levels a map or a file has
LEVEL_ORDER: tuple[str, ...] = ("province",) + LEVELS  # from the top down
SEGMENTS: tuple[str, ...] = ("wage", "farmer", "fisher", "trader", "customary", "other")
NON_WAGE: tuple[str, ...] = ("farmer", "fisher", "trader", "customary", "other")
SEGMENT_CHOICES: tuple[str, ...] = ("all",) + SEGMENTS + ("vulnerable",)  # vulnerable = every non-wage segment
COUNT_COLUMNS: tuple[str, ...] = ("workers", "covered") + tuple(
    f"{kind}_{s}" for s in SEGMENTS for kind in ("workers", "covered"))
INDICATORS: tuple[str, ...] = ("coverage_rate", "uncovered", "gap_to_target", "to_target")
COUNT_INDICATORS: tuple[str, ...] = ("uncovered", "to_target")  # counts of people (the others are rates)
MEASURES: tuple[str, ...] = ("count", "density", "share")  # how a count of people is mapped or analysed
DEFAULT_TARGET = 73.86  # % of the working population, Bali's 2026 target
DEFAULT_PROVINCE = "51"  # Bali: the default, never the only choice
