"""UI strings and number formats in Bahasa Indonesia and English."""
import json
import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.core import i18n
from geo.core.paths import PROJECT_ROOT

STRINGS = Path(i18n.__file__).with_name("strings")


def test_every_string_has_both_languages_and_the_same_placeholders():
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, entry in i18n.strings().items():
        assert entry.get("id") and entry.get("en"), key
        assert fields(entry["id"]) == fields(entry["en"]), key


def test_keys_are_unique_across_files():
    seen = {}
    for path in STRINGS.glob("*.json"):
        for key in json.loads(path.read_text()):
            assert key not in seen, f"{key} in {path.name} and {seen.get(key)}"
            seen[key] = path.name


def test_every_key_used_in_code_exists():
    root = PROJECT_ROOT
    used = set()
    for path in list(root.glob("app_pages/*.py")) + list(root.glob("ui/*.py")) + list(root.glob("geo/**/*.py")):
        used |= set(re.findall(r"\bt\(\"([a-z][a-z0-9_]*[a-z0-9])\"", path.read_text()))
    missing = sorted(k for k in used if k not in i18n.strings())
    assert not missing, missing


@pytest.mark.parametrize("lang, n, text", [("id", 1234567, "1.234.567"), ("en", 1234567, "1,234,567"),
                                           ("id", -1234, "-1.234"), ("id", None, "–")])
def test_fmt_num(lang, n, text):
    assert i18n.fmt_num(n, lang) == text


def test_fmt_pct_pp_rp():
    # CLDR (Babel) percent patterns: "#,##0%" in both id and en, so no space before the sign
    assert i18n.fmt_pct(53.88, "id") == "53,9%" and i18n.fmt_pct(53.88, "en") == "53.9%"
    assert i18n.fmt_pct(73.86, "id", 2) == "73,86%"
    assert i18n.fmt_pp(-19.98, "id") == "-20,0 poin" and i18n.fmt_pp(2.5, "en") == "+2.5 pp"
    assert i18n.fmt_pp(0.01, "en") == "0.0 pp"  # no sign on what reads as zero
    assert i18n.fmt_rp(16800, "id") == "Rp16.800" and i18n.fmt_rp(201600, "en") == "Rp201,600"
    assert i18n.fmt_rp(-2500, "id") == "-Rp2.500"
    assert i18n.fmt_num(-0.04, "id", 1) == "0,0" and i18n.fmt_num(-0.04, "en", 1) == "0.0"  # no negative zero


@pytest.mark.parametrize("lang, decimal, group", [("id", ",", "."), ("en", ".", ",")])
def test_number_formats_are_babels_cldr_ones(lang, decimal, group):
    from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
    locale = {"id": "id_ID", "en": "en_US"}[lang]
    assert (get_decimal_symbol(locale), get_group_symbol(locale)) == (decimal, group)
    for value in (0, 7, 999.5, 1234.5, 51693.6, -98765.43, 1e9):
        assert i18n.fmt_num(value, lang, 1) == format_decimal(value, format="#,##0.0", locale=locale)
        assert i18n.fmt_num(value, lang) == format_decimal(round(value), format="#,##0", locale=locale)
    assert i18n.fmt_num(1234567.25, lang, 2) == f"1{group}234{group}567{decimal}25"
    assert i18n.fmt_pct(50.88, lang, 2) == f"50{decimal}88%"


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, np.nan])
def test_missing_values_read_as_a_dash_never_none_or_nan(lang, missing):
    for fmt in (i18n.fmt_num, i18n.fmt_pct, i18n.fmt_pp, i18n.fmt_rp, i18n.fmt_int):
        assert fmt(missing, lang) == "–"


def test_missing_key_falls_back_to_the_key():
    assert i18n.t("no_such_key_xyz", "en") == "no_such_key_xyz"
