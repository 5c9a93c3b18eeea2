"""UI strings and number formatting in Bahasa Indonesia (default) and English.

Strings live in ``geo/core/strings/*.json`` (one file per area of the app, ``{key: {"id", "en"}}``),
so that pages never hold literal UI text and a translation can be reviewed in one place.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

LANGS = ("id", "en")
DEFAULT_LANG = "id"
_DIR = Path(__file__).with_name("strings")


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """All UI strings; a key defined in two files is an error (one meaning per key)."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"UI string {key!r} defined twice ({path.name})")
            merged[key] = value
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``."""
    entry = strings().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def _group(number: float, decimals: int, thousands: str, point: str) -> str:
    text = f"{abs(number):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", point).replace("\0", thousands)
    return ("-" if number < 0 and float(text.replace(thousands, "").replace(point, ".") or 0) else "") + text


def fmt_num(value: float | int | None, lang: str = DEFAULT_LANG, decimals: int = 0) -> str:
    """``1.234,5`` in Indonesian, ``1,234.5`` in English; an em dash for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sep = (".", ",") if lang == "id" else (",", ".")
    return _group(float(value), decimals, *sep)


def fmt_pct(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """``53,9 %`` in Indonesian, ``53.9%`` in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    body = fmt_num(value, lang, decimals)
    return f"{body} %" if lang == "id" else f"{body}%"


def fmt_pp(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """Percentage points with a sign: ``-20,0 poin`` / ``-20.0 pp``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if value > 0 else ""
    return f"{sign}{fmt_num(value, lang, decimals)} " + ("poin" if lang == "id" else "pp")


def fmt_rp(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Rupiah without decimals: ``Rp16.800`` / ``Rp16,800``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return "Rp" + fmt_num(round(value), lang, 0)


MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def fmt_period(period: str | None, lang: str = DEFAULT_LANG) -> str:
    """A month ``YYYY-MM`` as ``Des 2025`` / ``Dec 2025``; anything else as it is."""
    if not period or len(period) != 7 or period[4] != "-" or not period[5:].isdigit():
        return period or "–"
    month = int(period[5:])
    return f"{MONTHS[lang if lang in MONTHS else DEFAULT_LANG][month - 1]} {period[:4]}" if 1 <= month <= 12 else period
