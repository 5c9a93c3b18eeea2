"""UI strings and number formatting in Bahasa Indonesia (default) and English.

Strings live in ``geo/core/strings/*.json`` (one file per area of the app, ``{key: {"id", "en"}}``),
so that pages never hold literal UI text and a translation can be reviewed in one place.
"""
from __future__ import annotations

import json
import math
import re
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


# Babel (CLDR) locale of each UI language: separators, percent pattern and currency symbol
# come from it, not from hand-written rules.
_LOCALES = {"id": "id_ID", "en": "en_US"}


def _locale(lang: str):
    return _babel_locale(_LOCALES.get(lang, _LOCALES[DEFAULT_LANG]))


@lru_cache(maxsize=None)
def _babel_locale(name: str):
    from babel import Locale
    return Locale.parse(name)


def _missing(value: object) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_num(value: float | int | None, lang: str = DEFAULT_LANG, decimals: int = 0) -> str:
    """``1.234,5`` in Indonesian, ``1,234.5`` in English (CLDR via Babel); an en dash for
    missing values; never a negative zero (``-0,04`` with one decimal is ``0,0``)."""
    if _missing(value):
        return "–"
    from babel.numbers import format_decimal
    number = round(float(value), decimals)  # type: ignore[arg-type]
    if number == 0:
        number = 0.0
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(number, format=pattern, locale=_locale(lang), decimal_quantization=True)


@lru_cache(maxsize=None)
def _percent_pattern(lang: str) -> tuple[str, str]:
    """(prefix, suffix) around the number in the locale's CLDR percent pattern, the percent
    sign replaced by the locale's own (``#,##0%`` → ``("", "%")``)."""
    loc = _locale(lang)
    pattern = loc.percent_formats[None].pattern.split(";")[0]
    sign = loc.number_symbols["latn"].get("percentSign", "%")
    match = re.search(r"[#0,.]+", pattern)
    assert match, pattern
    prefix, suffix = pattern[:match.start()], pattern[match.end():]
    return prefix.replace("%", sign), suffix.replace("%", sign)


def fmt_pct(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """A value already in percent: ``53,9%`` in Indonesian, ``53.9%`` in English (CLDR)."""
    if _missing(value):
        return "–"
    prefix, suffix = _percent_pattern(lang)
    return f"{prefix}{fmt_num(value, lang, decimals)}{suffix}"


def fmt_pp(value: float | None, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """Percentage points with a sign: ``-20,0 poin`` / ``-20.0 pp``."""
    if _missing(value):
        return "–"
    body = fmt_num(value, lang, decimals)
    sign = "" if body.startswith("-") or round(float(value), decimals) == 0 else "+"  # type: ignore[arg-type]
    return f"{sign}{body} " + ("poin" if lang == "id" else "pp")


def fmt_rp(value: float | None, lang: str = DEFAULT_LANG) -> str:
    """Rupiah without decimals: ``Rp16.800`` / ``Rp16,800``: the number in the language's
    format, the symbol Indonesia's own (CLDR ``id`` symbol of IDR) in both languages."""
    if _missing(value):
        return "–"
    from babel.numbers import get_currency_symbol
    amount = round(float(value))  # type: ignore[arg-type]
    sign = "-" if amount < 0 else ""
    return sign + get_currency_symbol("IDR", locale=_locale("id")) + fmt_num(abs(amount), lang, 0)


def fmt_int(value: float | int | None, lang: str = DEFAULT_LANG) -> str:
    """A count of whole people: :func:`fmt_num` without decimals."""
    return fmt_num(value, lang, 0)


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
