"""Where figures and boundaries come from, said the same way on every map, export and brief."""
from __future__ import annotations

import datetime as dt

from geo.core import i18n

BOUNDARIES_CREDIT = "cahyadsn/wilayah_boundaries, Kepmendagri 2025"


def source_line(source: str, lang: str, when: dt.date | None = None) -> str:
    """"Source: <file> · Boundaries: <credit> · <date>" in ``lang``."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    return (f"{t('source')}: {source} · {t('tl_boundaries_credit', credit=BOUNDARIES_CREDIT)} · "
            f"{(when or dt.date.today()).isoformat()}")
