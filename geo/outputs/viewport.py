"""Web-map framing: the centre and zoom that show given bounds in a map of a given size."""
from __future__ import annotations

import math

try:
    import fcntl
except ImportError:  # not on POSIX: builds are not locked against each other
    fcntl = None


def bounds_zoom(bounds: tuple[float, float, float, float], width_px: int = 900,
                height_px: int = 600, step: float = 1.0,
                pad_left_px: int = 0) -> tuple[tuple[float, float], float]:
    """Centre and the largest web-map zoom (a multiple of ``step``) showing ``bounds``.

    ``pad_left_px`` keeps a band on the left free (for the legend): the bounds are fitted to
    the rest of the width and the centre is moved left by half the band.
    """
    minx, miny, maxx, maxy = bounds
    lon_span = max(maxx - minx, 1e-6)

    def merc(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return math.log((1 + s) / (1 - s)) / 2

    lat_span = max(merc(maxy) - merc(miny), 1e-9)
    usable = max(width_px - pad_left_px, 64)
    zx = math.log2(usable * 360 / (256 * lon_span))
    zy = math.log2(height_px * 2 * math.pi / (256 * lat_span))
    zoom = max(1, min(18, math.floor(min(zx, zy) / step) * step))
    shift = pad_left_px / 2 * 360 / (256 * 2 ** zoom)  # degrees of longitude
    return ((miny + maxy) / 2, (minx + maxx) / 2 - shift), zoom
