"""Tables for people in the chosen language, and export file names in it.

Why: the library's frames carry machine keys (``matched_by_code``, ``budget_rp``) so that the
command line, scripts and tests can rely on them; everything a person reads (a table on a
page, an export's header row and its categories, a file name) is translated here, in one
place, and the machine-readable form stays available beside it (CSV: a key row under the
headings; XLSX: a second sheet ``data``; see docs/language-and-numbers.md).
"""
from __future__ import annotations

import re

import pandas as pd

from geo.core import i18n

# machine column -> string key of its heading
TARGET_COLUMNS = {"code": "tl_col_code", "name": "tl_col_name", "district": "tl_col_district",
                  "regency": "tl_col_regency", "workers": "tl_col_workers", "covered": "tl_col_covered",
                  "coverage_rate": "tl_col_coverage_rate", "uncovered": "tl_col_uncovered",
                  "enrolled": "tl_col_enrolled", "budget_rp": "tl_col_budget"}
REPORT_COLUMNS = {c: f"fig_col_{c}" for c in (
    "row", "category", "code_in_file", "name_in_file", "code", "official_name", "score", "candidates",
    "messages", "message", "column", "severity", "name", "district", "regency")}
# columns whose values are codes of categories, and the prefix of their strings
CATEGORY_VALUES = {"category": "fig_cat_", "severity": "fig_severity_"}


def heading(column: str, lang: str) -> str:
    """The heading of a machine column in ``lang`` (``uncovered_fisher`` → "Belum terlindungi: nelayan");
    an unknown column (e.g. a header of the user's own file) keeps its name."""
    key = TARGET_COLUMNS.get(column) or REPORT_COLUMNS.get(column)
    if key:
        return i18n.t(key, lang)
    if column.startswith("uncovered_") and f"seg_{column[10:]}" in i18n.strings():
        return i18n.t("tl_col_uncovered_seg", lang, segment=i18n.t(f"seg_{column[10:]}", lang))
    if f"canon_{column}" in i18n.strings():
        return i18n.t(f"canon_{column}", lang)
    for prefix, key in (("change_pp_", "tl_col_change_since"), ("new_enrolled_", "tl_col_new_enrolled_since")):
        periods = column[len(prefix):].split("_") if column.startswith(prefix) else []
        if len(periods) == 2:  # a list's effect since its baseline period (geo.analysis.outreach)
            return i18n.t(key, lang, before=periods[0], after=periods[1])
    return column


def canonical_label(column: str, lang: str) -> str:
    """A canonical figures column (``workers_fisher``) as people call it (for "Read as")."""
    return i18n.t(f"canon_{column}", lang) if f"canon_{column}" in i18n.strings() else column


def for_people(df: pd.DataFrame, lang: str, keep: set[str] | None = None) -> pd.DataFrame:
    """``df`` with headings in ``lang``, category codes as words, and missing cells empty
    (never ``None``/``nan``/``<NA>``); columns in ``keep`` (e.g. the user's own headers) are
    left as they are. Headings that would repeat get the machine key appended."""
    out = df.copy()
    for col, prefix in CATEGORY_VALUES.items():
        if col in out:
            out[col] = out[col].map(lambda v, p=prefix: i18n.t(p + str(v), lang) if isinstance(v, str) and v else v)
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(lambda v: "" if _missing(v) else v).astype(object)
    names, seen = [], set()
    for col in out.columns:
        name = col if keep and col in keep else heading(str(col), lang)
        if name in seen:
            name = f"{name} ({col})"
        seen.add(name)
        names.append(name)
    out.columns = names
    return out


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_SLUG_BAD = re.compile(r"[^\w-]+", re.UNICODE)


def slug(text: str) -> str:
    """Words for a file name: lower case, spaces and punctuation as ``-``."""
    return _SLUG_BAD.sub("-", str(text).lower()).strip("-") or "x"


def file_stem(lang: str, *parts: str, synthetic: bool = False) -> str:
    """A file name stem in ``lang`` from words already translated (``peta_desa_tingkat-cakupan``),
    ending in "sintetis"/"synthetic" for the demo."""
    words = [slug(p) for p in parts if p]
    if synthetic:
        words.append(i18n.t("fn_synthetic", lang))
    return "_".join(words)
