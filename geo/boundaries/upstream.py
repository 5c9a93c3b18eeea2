"""The upstream boundary dataset (cahyadsn/wilayah_boundaries): find it, fetch it, parse it.

The dataset is a set of MySQL dumps: ``INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path)``
rows whose ``path`` is a JSON list of polygons with **[lat, lng]** points. We read only
INSERT rows (some files carry DELETE statements for other regencies) and report every
problem with the file and line, because a truncated download must never look like a
smaller province.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.core.paths import PROJECT_ROOT

UPSTREAM_REPO = "cahyadsn/wilayah_boundaries"
UPSTREAM_COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"
UPSTREAM_BASE_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPO}/{UPSTREAM_COMMIT}/"
SOURCE_ENV = "GEO_BOUNDARIES_SOURCE"
# sha256 of every upstream file the project may read, committed so a download is verifiable.
FILES_MANIFEST = Path(__file__).with_name("upstream_files.json")


class SourceError(Exception):
    """A missing or broken source file; the message names the file (and line)."""

    def __init__(self, message: str, path: str | os.PathLike | None = None,
                 line: int | None = None, missing: bool = False):
        self.path = str(path) if path is not None else None
        self.line = line
        self.missing = missing
        where = ""
        if self.path:
            where = f"{self.path}" + (f", line {line}" if line else "") + ": "
        super().__init__(where + message)


@dataclass
class Row:
    code: str
    name: str
    lat: float | None
    lng: float | None
    path: str | None
    file: str
    line: int


# ---------------------------------------------------------------- locating


@functools.lru_cache(maxsize=1)
def _manifest() -> dict:
    """The committed manifest, read once per process (the sidebar asks for names on every rerun)."""
    return json.loads(FILES_MANIFEST.read_text())


def expected_files() -> dict[str, str]:
    """Relative path -> sha256 for every upstream file the project knows."""
    return _manifest()["files"]


def files_for_province(province: str, root: Path | None = None) -> list[str]:
    """The upstream files one province needs, relative to the dataset root.

    With ``root``, the village files are those present there (a partial copy shows up as
    regencies without villages in the build report); without it, those of the manifest,
    which is what a download fetches.
    """
    manifest = _manifest()
    kab = f"db/kab/wilayah_boundaries_kab_{province}.sql"
    kec = f"db/kec/wilayah_boundaries_kec_{province}.sql"
    if root is None:
        if kab not in manifest["files"]:
            raise SourceError(f"province {province} is not in the dataset this project reads "
                              f"(provinces: {', '.join(known_provinces())})", missing=True)
        kel = sorted(p for p in manifest["files"] if p.startswith(f"db/kel/{province}/"))
        return [kab, kec] + kel
    for rel in (kab, kec):
        if not (root / rel).is_file():
            raise SourceError("file is missing", root / rel, missing=True)
    kel = sorted(p.relative_to(root).as_posix()
                 for p in (root / "db" / "kel" / province).glob("wilayah_boundaries_kel_*.sql"))
    if not kel:
        raise SourceError(f"no village files for province {province}", root / "db" / "kel" / province,
                          missing=True)
    return [kab, kec] + kel


def known_provinces() -> list[str]:
    """Provinces whose files are listed in the committed manifest."""
    return sorted({p.split("_")[-1][:-4] for p in expected_files() if p.startswith("db/kab/")})


def province_names() -> dict[str, str]:
    """Province code -> name, for the provinces whose files the project knows."""
    names = _manifest().get("province_names", {})
    return {p: names.get(p, p) for p in known_provinces()}


def provinces_in_source(root: Path | None) -> list[str]:
    """Provinces that have a regency file in a dataset root (for ``--province all``)."""
    if root is None:
        return known_provinces()
    return sorted(p.stem.split("_")[-1] for p in (root / "db" / "kab").glob("wilayah_boundaries_kab_*.sql"))


def locate_source(explicit: str | os.PathLike | None = None) -> Path | None:
    """Find the dataset root (the folder holding ``db/``), or None when there is none.

    Order: an explicit path (flag), the environment variable, ``../shared/boundaries``
    beside the project, then a previous download in the cache.
    """
    if explicit:
        root = Path(explicit)
        if not (root / "db").is_dir():
            raise SourceError("not a wilayah_boundaries dataset (no db/ folder)", root, missing=True)
        return root
    env = os.environ.get(SOURCE_ENV)
    if env:
        root = Path(env)
        if not (root / "db").is_dir():
            raise SourceError(f"{SOURCE_ENV} does not point at a dataset (no db/ folder)", root,
                              missing=True)
        return root
    for root in (PROJECT_ROOT.parent / "shared" / "boundaries" / "wilayah_boundaries",
                 download_dir()):
        if (root / "db").is_dir():
            return root
    return None


def download_dir() -> Path:
    return PROJECT_ROOT / "data" / "boundaries" / "source" / UPSTREAM_COMMIT


def _urlopen_bytes(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (fixed https base)
        return resp.read()


def download(files: list[str], dest: Path | None = None, base_url: str | None = None,
             fetch: Callable[[str], bytes] | None = None) -> Path:
    """Fetch ``files`` from the pinned upstream commit into ``dest`` and verify each sha256.

    ``fetch`` is the transport (a function from URL to bytes), so tests can serve the
    files locally. A file whose digest differs is not kept.
    """
    dest = dest or download_dir()
    base_url = base_url or UPSTREAM_BASE_URL
    fetch = fetch or _urlopen_bytes
    sums = expected_files()
    for rel in files:
        target = dest / rel
        if target.exists() and _sha256(target.read_bytes()) == sums[rel]:
            continue
        try:
            data = fetch(base_url + rel)
        except Exception as exc:  # network errors of every kind end in one message
            raise SourceError(f"download failed: {exc}", base_url + rel, missing=True) from exc
        digest = _sha256(data)
        if digest != sums[rel]:
            raise SourceError(f"downloaded file has sha256 {digest}, expected {sums[rel]} "
                              f"(upstream commit {UPSTREAM_COMMIT})", base_url + rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return dest


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return _sha256(path.read_bytes())


# ---------------------------------------------------------------- parsing

_WS_COMMENTS = re.compile(r"(?:\s+|/\*.*?\*/|--[^\n]*|#[^\n]*)*", re.S)
_INSERT = re.compile(r"INSERT\s+INTO\s+`?wilayah_boundaries`?\s*\(([^)]*)\)\s*VALUES", re.I)
_VALUE = re.compile(r"\s*('(?:[^'\\]++|''|\\.)*+'|NULL|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*",
                    re.S | re.I)
_SKIP_STATEMENT = re.compile(r"(?:'(?:[^'\\]++|''|\\.)*+'|[^';])*;", re.S)
_REQUIRED = ("kode", "nama", "path")


def _unquote(token: str) -> str | None:
    if token.upper() == "NULL":
        return None
    body = token[1:-1]
    return re.sub(r"''|\\(.)", lambda m: "'" if m.group(0) == "''" else m.group(1), body)


def parse_sql(text: str, path: str) -> Iterator[Row]:
    """Yield the INSERT rows of one upstream file; raise SourceError at the first bad spot."""
    pos, n = 0, len(text)

    def line_at(p: int) -> int:
        return text.count("\n", 0, p) + 1

    while True:
        pos = _WS_COMMENTS.match(text, pos).end()
        if pos >= n:
            return
        m = _INSERT.match(text, pos)
        if not m:
            skip = _SKIP_STATEMENT.match(text, pos)
            if not skip:
                raise SourceError("statement is not terminated by ';' (truncated file?)", path,
                                  line_at(pos))
            pos = skip.end()
            continue
        columns = [c.strip().strip("`").lower() for c in m.group(1).split(",")]
        missing = [c for c in _REQUIRED if c not in columns]
        if missing:
            raise SourceError(f"INSERT lacks column(s) {', '.join(missing)}", path, line_at(pos))
        pos = m.end()
        while True:
            row_start = _WS_COMMENTS.match(text, pos).end()
            if row_start >= n:
                raise SourceError("file ends inside an INSERT statement (truncated file?)", path,
                                  line_at(row_start))
            if text[row_start] != "(":
                raise SourceError(f"expected '(' to start a row, found {text[row_start:row_start + 20]!r}",
                                  path, line_at(row_start))
            pos = row_start + 1
            values: list[str | None] = []
            while True:
                v = _VALUE.match(text, pos)
                if not v:
                    if pos >= n or "'" in text[pos:pos + 1] and text.find("'", pos + 1) < 0:
                        raise SourceError("file ends inside a row (truncated file?)", path,
                                          line_at(row_start))
                    raise SourceError(f"unparseable value {text[pos:pos + 30]!r}", path, line_at(pos))
                values.append(v.group(1))
                pos = v.end()
                if pos >= n:
                    raise SourceError("file ends inside a row (truncated file?)", path, line_at(row_start))
                if text[pos] == ",":
                    pos += 1
                    continue
                if text[pos] == ")":
                    pos += 1
                    break
                raise SourceError(f"unexpected {text[pos:pos + 20]!r} in a row", path, line_at(pos))
            if len(values) != len(columns):
                raise SourceError(f"row has {len(values)} values for {len(columns)} columns", path,
                                  line_at(row_start))
            rec = dict(zip(columns, values))
            code = _unquote(rec["kode"] or "NULL")
            if not code:
                raise SourceError("row without a code", path, line_at(row_start))
            yield Row(code=code.strip(), name=(_unquote(rec["nama"] or "NULL") or "").strip(),
                      lat=_number(rec.get("lat")), lng=_number(rec.get("lng")),
                      path=_unquote(rec["path"] or "NULL"), file=path, line=line_at(row_start))
            pos = _WS_COMMENTS.match(text, pos).end()
            if pos >= n:
                raise SourceError("file ends inside an INSERT statement (truncated file?)", path,
                                  line_at(row_start))
            if text[pos] == ",":
                pos += 1
                continue
            if text[pos] == ";":
                pos += 1
                break
            raise SourceError(f"expected ',' or ';' after a row, found {text[pos:pos + 20]!r}", path,
                              line_at(pos))


def _number(token: str | None) -> float | None:
    if token is None or token.upper() == "NULL":
        return None
    return float(token.strip("'"))


def read_file(path: Path) -> list[Row]:
    """Parse one upstream file; a missing or undecodable file is a SourceError."""
    if not path.is_file():
        raise SourceError("file is missing", path, missing=True)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text (byte {exc.start})", path) from exc
    return list(parse_sql(text, str(path)))


# ---------------------------------------------------------------- geometry


def path_to_geometry(path: str | None) -> BaseGeometry | None:
    """Turn an upstream ``path`` ([lat, lng] nesting of depth 2, 3 or 4) into a shapely geometry.

    Returns None for an empty path. Raises ValueError for text that is not such a list.
    """
    if path is None or not path.strip() or path.strip() in ("[]", "[[]]"):
        return None
    data = json.loads(path)
    depth, probe = 0, data
    while isinstance(probe, list) and probe:
        depth += 1
        probe = probe[0]
    if depth == 2:
        polys = [[data]]
    elif depth == 3:
        polys = [data]
    elif depth == 4:
        polys = data
    else:
        raise ValueError(f"path nesting depth {depth}, expected 2 to 4")
    shapes = []
    for rings in polys:
        rings = [[(float(p[1]), float(p[0])) for p in ring] for ring in rings if len(ring) >= 3]
        if rings:
            shapes.append(Polygon(rings[0], rings[1:]))
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else MultiPolygon(shapes)
