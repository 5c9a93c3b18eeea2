"""Which canonical column a file's header names (Indonesian and English spellings).

The canonical schema of the figures (CONTRACT.md): codes and names, the period, and workers /
covered in total and per segment. Headers are matched after :func:`header_key` (lower case, no
accents, words joined by ``_``), so "Jumlah Pekerja", "jumlah_pekerja" and "JUMLAH PEKERJA"
are one header; the page lets the user correct the guess.
"""
from __future__ import annotations

import re
import unicodedata

from geo.core.schema import COUNT_COLUMNS, SEGMENTS

PAIRS: tuple[tuple[str, str], ...] = (("workers", "covered"),) + tuple(
    (f"workers_{s}", f"covered_{s}") for s in SEGMENTS)
TEXT_COLUMNS: tuple[str, ...] = ("code", "name", "regency", "district", "period")
CANONICAL: tuple[str, ...] = TEXT_COLUMNS + COUNT_COLUMNS

_SEGMENT_WORDS = {
    "wage": ("penerima_upah", "pu", "upah", "wage", "wage_earners"),
    "farmer": ("petani", "farmer", "farmers", "pekebun"),
    "fisher": ("nelayan", "fisher", "fishers", "fishermen"),
    "trader": ("pedagang", "pedagang_kecil", "trader", "traders"),
    "customary": ("pekerja_adat", "adat", "pekerja_keagamaan", "customary"),
    "other": ("lainnya", "pekerja_lainnya", "bpu_lainnya", "other"),
}
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "kode", "kode_wilayah", "kode_desa", "kode_kelurahan", "kode_desa_kelurahan",
             "kode_kemendagri", "kode_wil", "area_code", "village_code"),
    "name": ("name", "nama", "nama_wilayah", "nama_desa", "desa", "kelurahan", "desa_kelurahan",
             "nama_kelurahan", "nama_desa_kelurahan", "wilayah", "area", "area_name", "village",
             "village_name"),
    "regency": ("regency", "kabupaten", "kota", "kabupaten_kota", "kab_kota", "kab", "kota_kabupaten",
                "nama_kabupaten", "nama_kabupaten_kota", "kode_kabupaten", "kode_kab", "regency_code",
                "regency_name"),
    "district": ("district", "kecamatan", "kec", "nama_kecamatan", "kode_kecamatan", "kode_kec",
                 "district_code", "district_name"),
    "period": ("period", "periode", "bulan", "bulan_tahun", "month"),
    "workers": ("workers", "pekerja", "jumlah_pekerja", "penduduk_bekerja", "jumlah_penduduk_bekerja",
                "tenaga_kerja", "total_pekerja"),
    "covered": ("covered", "peserta", "peserta_aktif", "terlindungi", "jumlah_peserta",
                "pekerja_terlindungi", "jumlah_peserta_aktif", "total_peserta"),
}
for _s, _words in _SEGMENT_WORDS.items():
    _ALIASES[f"workers_{_s}"] = tuple(_words) + tuple(f"{p}_{w}" for w in _words for p in ("pekerja", "workers"))
    _ALIASES[f"covered_{_s}"] = tuple(f"{w}_peserta" for w in _words) + tuple(
        f"{p}_{w}" for w in _words for p in ("peserta", "covered")) + tuple(f"{w}_terlindungi" for w in _words)
_LOOKUP = {alias: canon for canon, aliases in _ALIASES.items() for alias in aliases}


def header_key(header: str) -> str:
    """A header reduced for matching: lower case, no accents, words joined by ``_``."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode()
    text = re.sub(r"\(.*?\)", " ", text.lower())
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def guess_mapping(columns: list[str]) -> dict[str, str | None]:
    """The canonical column each source column is read as (None: ignored).

    A canonical column is taken by the first source column that names it; later ones are
    ignored, so no value is read twice.
    """
    out: dict[str, str | None] = {}
    taken: set[str] = set()
    for col in columns:
        canon = _LOOKUP.get(header_key(col))
        if canon in taken:
            canon = None
        if canon:
            taken.add(canon)
        out[col] = canon
    return out
