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


# ---------------------------------------------------------------- a set of codes in a URL

def encode_subset(chosen: list[str], universe: list[str]) -> str:
    """A short, URL-safe text for a subset of ``universe`` (e.g. the villages of a target list).

    The text names a checksum of the universe (so a link made on other boundaries is refused,
    not misread) and either a bitmap of the universe or the gaps between the chosen positions
    as variable-length integers, whichever is shorter: 120 characters for any selection of
    Bali's 716 villages, a few hundred for a few hundred of the region's 12,523.
    """
    import base64

    index = {c: i for i, c in enumerate(universe)}
    positions = sorted({index[c] for c in chosen if c in index})
    bits = bytearray((len(universe) + 7) // 8)
    for p in positions:
        bits[p // 8] |= 1 << (p % 8)
    gaps, last = bytearray(), -1
    for p in positions:
        gap = p - last
        last = p
        while gap >= 0x80:
            gaps.append((gap & 0x7F) | 0x80)
            gap >>= 7
        gaps.append(gap)
    kind, body = ("b", bytes(bits)) if len(bits) < len(gaps) else ("d", bytes(gaps))
    return f"{_universe_sum(universe)}{kind}{base64.urlsafe_b64encode(body).decode().rstrip('=')}"


def decode_subset(text: str, universe: list[str]) -> list[str]:
    """The codes :func:`encode_subset` wrote, in universe order; ValueError for a text that is
    not one (malformed, or made for another universe)."""
    import base64
    import binascii

    if len(text) < 5 or text[:4] != _universe_sum(universe) or text[4] not in "bd":
        raise ValueError("not a selection of these areas")
    body = text[5:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not a selection of these areas") from None
    n = len(universe)
    if text[4] == "b":
        if len(raw) != (n + 7) // 8:
            raise ValueError("not a selection of these areas")
        return [universe[i] for i in range(n) if raw[i // 8] >> (i % 8) & 1]
    out, pos, gap, shift = [], -1, 0, 0
    for byte in raw:
        gap |= (byte & 0x7F) << shift
        shift += 7
        if byte & 0x80:
            if shift > 35:
                raise ValueError("not a selection of these areas")
            continue
        pos += gap
        if gap == 0 or pos >= n:
            raise ValueError("not a selection of these areas")
        out.append(universe[pos])
        gap = shift = 0
    if shift:
        raise ValueError("not a selection of these areas")
    return out


def _universe_sum(universe: list[str]) -> str:
    import hashlib
    return hashlib.sha1("\n".join(universe).encode()).hexdigest()[:4]
