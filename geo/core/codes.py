"""Kepmendagri region codes: normalise, validate, level and parent.

Codes are dotted strings: province ``51``, regency ``51.03``, district
``51.03.01``, village ``51.03.01.2001``. Spreadsheets mangle them (dots lost,
trailing zeros dropped by a float conversion), so every reader passes codes
through :func:`normalise` and keeps them as text from then on.
"""
from __future__ import annotations

import re

import pandas as pd

LEVELS: tuple[str, ...] = ("province", "regency", "district", "village")
# Digits per level when the dots are removed: 2, 2+2, 2+2+2, 2+2+2+4.
_UNDOTTED_LENGTH = {2: "province", 4: "regency", 6: "district", 10: "village"}
_DOTTED = re.compile(r"^(\d{2})(?:\.(\d{2})(?:\.(\d{2})(?:\.(\d{4}))?)?)?$")
_UNDOTTED = re.compile(r"^\d+$")


def normalise(raw: object) -> str | None:
    """Return the dotted form of a code, or None when ``raw`` is not a code.

    Accepts ``51.03.01.2001``, ``5103012001``, surrounding spaces, and
    separators other than dots (``51-03``, ``51 03``). A value that lost a
    trailing zero to a float conversion (``51.1`` for ``51.10``) is *not*
    repaired: it is ambiguous, so it is reported rather than guessed.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    text = re.sub(r"[\s\-_/]+", ".", text)
    if _DOTTED.match(text):
        return text
    if _UNDOTTED.match(text) and len(text) in _UNDOTTED_LENGTH:
        parts = [text[0:2], text[2:4], text[4:6], text[6:10]]
        return ".".join(p for p in parts if p)
    return None


def level_of(code: str) -> str:
    """Level of a normalised code (``province`` ... ``village``)."""
    return LEVELS[code.count(".")]


def parent_of(code: str) -> str | None:
    """The code one level up, or None for a province."""
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestor_at(code: str, level: str) -> str | None:
    """The ancestor of ``code`` at ``level`` (the code itself at its own level)."""
    depth = LEVELS.index(level)
    parts = code.split(".")
    if depth >= len(parts):
        return None
    return ".".join(parts[: depth + 1])


_WIDTH = {"province": 2, "regency": 5, "district": 8, "village": 13}  # characters of a dotted code


def ancestors_at(codes: pd.Series, level: str) -> pd.Series:
    """:func:`ancestor_at` for a whole column of normalised codes, vectorised.

    Normalised codes have fixed widths per level (``51``, ``51.03``, ``51.03.01``,
    ``51.03.01.2001``), so an ancestor is a prefix; codes above ``level`` give None.
    """
    width = _WIDTH[level]
    text = codes.astype(str)
    return text.str.slice(0, width).astype(object).where(text.str.len() >= width, None)


def province_of(code: str) -> str:
    return code.split(".", 1)[0]


def village_kind(code: str) -> str:
    """``kelurahan`` for 1xxx, ``desa`` for 2xxx, ``other`` otherwise.

    Outside Bali other forms exist (for example 3xxx customary villages in
    Papua); they keep a kind of their own instead of being forced into one.
    """
    first = code.rsplit(".", 1)[-1][:1]
    return {"1": "kelurahan", "2": "desa"}.get(first, "other")


def parse_provinces(value: str, available: list[str] | None = None) -> list[str]:
    """Parse ``--province``: a code, a comma list, or ``all`` (needs ``available``)."""
    value = value.strip()
    if value.lower() == "all":
        if not available:
            raise ValueError("'all' needs the list of provinces present in the source")
        return sorted(available)
    out = []
    for part in value.split(","):
        code = normalise(part)
        if code is None or level_of(code) != "province":
            raise ValueError(f"not a province code: {part.strip()!r}")
        out.append(code)
    return sorted(dict.fromkeys(out))
