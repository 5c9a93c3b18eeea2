"""Where figures and boundaries come from, said the same way on every map, export and brief."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geo.core import i18n

BOUNDARIES_CREDIT = "cahyadsn/wilayah_boundaries, Kepmendagri 2025"


def source_line(source: str, lang: str, when: dt.date | None = None) -> str:
    """"Source: <file> · Boundaries: <credit> · <date>" in ``lang``."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    return (f"{t('source')}: {source} · {t('tl_boundaries_credit', credit=BOUNDARIES_CREDIT)} · "
            f"{(when or dt.date.today()).isoformat()}")


@dataclass(frozen=True)
class Provenance:
    """Where the figures on a map, table or export come from: the one object every output reads
    its source line and its SYNTHETIC label from (never a bare flag beside a file name).

    ``source`` is the file name (or ``demo``), ``synthetic`` marks invented figures, ``period``
    the month they describe, ``provinces`` the provinces they cover, ``dataset`` the name of
    the saved dataset they were opened from.
    """

    source: str = ""
    synthetic: bool = False
    period: str | None = None
    provinces: tuple[str, ...] = ()
    dataset: str | None = None

    def label(self, lang: str) -> str | None:
        """The synthetic label for a map or an export, or None for real figures."""
        return i18n.t("synthetic_label", lang) if self.synthetic else None

    def line(self, lang: str, when: dt.date | None = None) -> str:
        """"Source: <file> · Boundaries: <credit> · <date>" in ``lang``."""
        return source_line(self.source, lang, when)
