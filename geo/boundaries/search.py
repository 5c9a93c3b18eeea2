"""Find a regency, district or village by the name a person types (the map's search box).

Names are compared on the same key as the figures join (``geo.core.names.place_key``: no
case, accents, punctuation, spacing or prefixes such as "Desa", "Kab.", "Kota"), with
rapidfuzz's ratio for typos and a bonus for a typed beginning ("karang" finds Karangasem).
An exact match ranks first; among equal scores the level a typed prefix names comes first
("Desa Karangasem" is the village), otherwise a regency before a district before a village
(the larger area is the likelier meaning of a bare name), then by code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from geo.core.names import place_key
from geo.core.schema import LEVELS

# a typed prefix says which level is meant ("Desa Karangasem" is the village, not the regency)
LEVEL_OF_PREFIX = {"desa": "village", "ds": "village", "kelurahan": "village", "kel": "village",
                   "kecamatan": "district", "kec": "district",
                   "kabupaten": "regency", "kab": "regency", "kota": "regency"}
MIN_SCORE = 70  # below this a name is not what was typed ("kuta" vs "kutuh" is 89)
PREFIX_MIN = 3  # characters typed before a beginning counts


@dataclass(frozen=True)
class Hit:
    """One area found: its level and code, its official name and its regency's code."""

    level: str
    code: str
    name: str
    regency: str | None
    score: float


class Index:
    """The search keys of every area of a boundary set (built once per set)."""

    def __init__(self, layers: dict[str, "object"]):
        self.rows: list[tuple[str, str, str, str | None]] = []  # level, code, name, regency
        for level in LEVELS:
            layer = layers[level]
            regency = layer["regency_code"] if "regency_code" in layer else layer["code"]
            self.rows += [(level, str(c), str(n), str(r) if level != "regency" else str(c))
                          for c, n, r in zip(layer["code"], layer["name"], regency)]
        self.keys = [place_key(n) for _, _, n, _ in self.rows]

    def search(self, query: str, limit: int = 8) -> list[Hit]:
        """The areas whose name is nearest to ``query``, best first (empty when none is near)."""
        q = place_key(query)
        if not q:
            return []
        scores: dict[int, float] = {}
        for _, score, i in process.extract(q, self.keys, scorer=fuzz.ratio, limit=200, score_cutoff=MIN_SCORE):
            scores[i] = score
        if len(q) >= PREFIX_MIN:
            for i, key in enumerate(self.keys):
                if key.startswith(q) and key != q:
                    scores[i] = max(scores.get(i, 0.0), 90.0 + 9.0 * len(q) / len(key))
        rank = {lv: n for n, lv in enumerate(LEVELS)}
        words = re.sub(r"[^a-z]+", " ", query.lower()).split()
        hint = LEVEL_OF_PREFIX.get(words[0]) if len(words) > 1 else None
        if hint:
            rank[hint] = -1
        order = sorted(scores, key=lambda i: (-round(scores[i], 1), rank[self.rows[i][0]], self.rows[i][1]))
        return [Hit(self.rows[i][0], self.rows[i][1], self.rows[i][2], self.rows[i][3], round(scores[i], 1))
                for i in order[:limit]]


def index(bset) -> Index:
    """The search index of a boundary set, kept on the set (its layers do not change)."""
    cut = bset._cut
    if "search" not in cut:
        cut["search"] = Index(bset.full)
    return cut["search"]


def search(bset, query: str, limit: int = 8) -> list[Hit]:
    """Regencies, districts and villages of ``bset`` named like ``query``, best first."""
    return index(bset).search(query, limit)
