"""Colour-blind-safe ColorBrewer palettes for classes: which palette suits an indicator, and the
colours of a classification (diverging ones coloured outwards from their centre)."""
from __future__ import annotations

from branca.utilities import color_brewer

from geo.analysis.classify import Classes

# Colour-blind-safe ColorBrewer schemes.
SEQUENTIAL_GOOD = "YlGnBu"   # coverage rate: darker = more workers protected


SEQUENTIAL_BAD = "OrRd"      # uncovered density or share: darker = more people to reach


DIVERGING = "RdBu"           # gap to target: red below, blue above


BOX_COLORS = ["#2166ac", "#92c5de", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"]


def _colors(palette: str, upper: list[float], vmin: float, center: float | None) -> list[str]:
    n = len(upper)
    if center is None:
        return _ramp(palette, n)
    below = sum(1 for u in upper if u <= center)
    above = n - below
    half = max(below, above, 2)
    if 2 * half <= 11:
        ramp = _ramp(palette, 2 * half)  # dark red ... dark blue
        reds = ramp[:half][-below:] if below else []
        blues = ramp[half:][:above] if above else []
        return reds + blues
    # more classes on one side than the diverging scheme holds: one single-hue ramp per side
    reds = list(reversed(_ramp("Reds", below))) if below else []
    return reds + (_ramp("Blues", above) if above else [])


def _ramp(palette: str, n: int) -> list[str]:
    if n <= 0:
        return []
    if n < 3:
        return color_brewer(palette, 3)[-n:] if n == 1 else [color_brewer(palette, 3)[0], color_brewer(palette, 3)[2]]
    if n > 11:
        raise ValueError("at most 11 colours")
    return list(color_brewer(palette, n))


def palette_for(indicator: str, measure: str = "rate") -> tuple[str, float | None]:
    """The palette (and diverging centre) that suits an indicator."""
    if indicator == "gap_to_target":
        return DIVERGING, 0.0
    if indicator == "coverage_rate":
        return SEQUENTIAL_GOOD, None
    return SEQUENTIAL_BAD, None


def class_colors(classes: Classes, palette: str) -> list[str]:
    """One colour per class: the box map's fixed six, else ``palette`` (diverging around the
    classes' centre when they have one)."""
    if classes.scheme == "box_map":
        return list(BOX_COLORS)
    if not classes.upper:
        return []
    return _colors(palette, classes.upper, classes.lower[0], classes.center)


def colors_for(classes: Classes, indicator: str) -> list[str]:
    """The colours of ``classes`` of ``indicator`` in the palette that suits it."""
    return class_colors(classes, palette_for(indicator)[0])
