"""Builders for the hostile files of tests/test_hostile_*.py and bench/hostile_memory.py.

Big or binary hostile files are generated, never committed: a zip bomb, billion-laughs
workbooks, a workbook whose zip directory lies about its sizes, a row of millions of cells,
a flood of shared strings, a row numbered past Excel's last, an encrypted workbook (the OLE
compound file Excel writes for a password-protected .xlsx), a PNG and a million-row CSV.
:func:`peak_rss` reads a file in a fresh Python process and reports its peak memory.
"""
from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHEET = "xl/worksheets/sheet1.xml"
HEADER = ["kode", "nama", "pekerja", "peserta"]


def workbook(rows: list[list]) -> bytes:
    """A genuine small XLSX written by openpyxl."""
    import openpyxl
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_workbook() -> bytes:
    return workbook([HEADER, ["51.71.01.1001", "Serangan", 3120, 1650]])


def with_part(base: bytes, name: str, content, content_type: str | None = None) -> bytes:
    """``base`` with the part ``name`` replaced (or added): ``content`` is bytes, or a function
    that writes the part to a file handle (streamed, so a huge part never sits in memory)."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            if item.filename == name:
                continue
            data = src.read(item)
            if content_type and item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/%s" ContentType="%s"/></Types>'
                                    % (name.encode(), content_type.encode()))
            z.writestr(item, data)
        if callable(content):
            with z.open(name, "w", force_zip64=True) as fh:
                content(fh)
        else:
            z.writestr(name, content)
    return out.getvalue()


def _row(n: int) -> bytes:
    return (b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>51.71.01.1001</t></is></c>'
            b'<c r="B%d" t="inlineStr"><is><t>Serangan</t></is></c><c r="C%d"><v>3120</v></c>'
            b'<c r="D%d"><v>1650</v></c></row>') % (n, n, n, n, n)


def zip_bomb(mib: int = 300) -> bytes:
    """A workbook of a few hundred KB whose sheet XML (one real row, repeated) unpacks to ``mib`` MiB."""
    block = b"".join(_row(2) for _ in range(4096))  # the same row: deflate packs it ~1000:1

    def write(fh):
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>' % NS)
        written = 0
        while written < mib << 20:
            fh.write(block)
            written += len(block)
        fh.write(b"</sheetData></worksheet>")
    return with_part(good_workbook(), SHEET, write)


def laughs(levels: int = 10) -> bytes:
    """The billion-laughs DTD: ``&lol10;`` expands to 10**levels copies of "lol" (3 GB for 9 levels)."""
    ents = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, levels + 1))
    return b'<?xml version="1.0"?><!DOCTYPE lolz [' + ents + b"]>"


def laughs_in_sheet(levels: int = 10) -> bytes:
    sheet = (laughs(levels) + b"<worksheet %s><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is>"
             b"<t>&lol%d;</t></is></c></row></sheetData></worksheet>" % (NS, levels))
    return with_part(good_workbook(), SHEET, sheet)


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def laughs_in_shared_strings(levels: int = 10) -> bytes:
    """The entities in xl/sharedStrings.xml, which openpyxl reads when it opens the workbook."""
    sst = laughs(levels) + b'<sst %s count="1" uniqueCount="1"><si><t>&lol%d;</t></si></sst>' % (NS, levels)
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData><row r="1">'
             b'<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>' % NS)
    return with_part(with_part(good_workbook(), SHEET, sheet), "xl/sharedStrings.xml", sst, SST_TYPE)


def lying_sizes(mib: int = 300, declared: int = 2000) -> bytes:
    """A zip bomb whose directory (central and local headers) declares its sheet ``declared`` bytes."""
    buf = bytearray(zip_bomb(mib))
    name = SHEET.encode()
    zf = zipfile.ZipFile(io.BytesIO(bytes(buf)))
    struct.pack_into("<I", buf, zf.getinfo(SHEET).header_offset + 22, declared)  # local header
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:  # central directory entries
        n = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46:pos + 46 + n]) == name:
            struct.pack_into("<I", buf, pos + 24, declared)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    data = bytes(buf)  # (zipfile takes the sizes from the central directory)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    assert info.file_size == declared, info.file_size
    return data


def wide_row(cells: int = 2_000_000, seed: int = 1) -> bytes:
    """One row of ``cells`` numeric cells, random so it compresses only ~4:1 (within every size limit)."""
    rnd = random.Random(seed)

    def write(fh):
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData><row r="1">' % NS)
        for start in range(0, cells, 10_000):
            fh.write(b"".join(b"<c><v>%d</v></c>" % rnd.randrange(10**9)
                              for _ in range(min(10_000, cells - start))))
        fh.write(b"</row></sheetData></worksheet>")
    return with_part(good_workbook(), SHEET, write)


def shared_strings_flood(strings: int = 1_200_000, seed: int = 1) -> bytes:
    """A shared-strings part of ``strings`` random 8-letter texts (openpyxl loads them all at once)."""
    rnd = random.Random(seed)
    letters = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def write(fh):
        fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst %s count="%d" uniqueCount="%d">'
                 % (NS, strings, strings))
        for start in range(0, strings, 10_000):
            fh.write(b"".join(b"<si><t>" + bytes(rnd.choices(letters, k=8)) + b"</t></si>"
                              for _ in range(min(10_000, strings - start))))
        fh.write(b"</sst>")
    return with_part(good_workbook(), "xl/sharedStrings.xml", write, SST_TYPE)


def far_row(number: int = 900_000_000) -> bytes:
    """A 5 KB workbook whose second row is numbered ``number`` (openpyxl yields every row before it)."""
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>kode</t></is></c></row>%s</sheetData></worksheet>'
             % (NS, _row(number)))
    return with_part(good_workbook(), SHEET, sheet)


def ods() -> bytes:
    """An OpenDocument spreadsheet's zip layout (what LibreOffice writes), renamed .xlsx by a user."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def encrypted_xlsx(package_bytes: int = 8192, seed: int = 7) -> bytes:
    """A password-protected .xlsx as Excel writes it: not a zip but an OLE compound file holding the
    streams ``EncryptionInfo`` (agile encryption descriptor) and ``EncryptedPackage`` (the encrypted
    zip). Written by hand (CFB version 3, 512-byte sectors, both streams >= 4096 bytes so no mini
    stream is needed); olefile reads it back (checked when this builder was written)."""
    rnd = random.Random(seed)
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
        b'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" '
        b'keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512"/></encryption>')
    info += b"\0" * (4096 - len(info))
    package = struct.pack("<Q", package_bytes) + bytes(rnd.randrange(256) for _ in range(package_bytes))
    streams = [("EncryptionInfo", info), ("EncryptedPackage", package)]
    sector = 512
    pad = lambda b: b + b"\0" * (-len(b) % sector)  # noqa: E731
    fat: list[int] = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT, sector 1: the directory
    starts, body = [], b""
    for _, data in streams:
        n = len(pad(data)) // sector
        first = len(fat)
        starts.append(first)
        fat += [first + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
        body += pad(data)
    assert len(fat) <= sector // 4
    fat_sector = struct.pack(f"<{sector // 4}I", *(fat + [0xFFFFFFFF] * (sector // 4 - len(fat))))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", left, right, child) + b"\0" * 16 + struct.pack("<I", 0)
                + b"\0" * 16 + struct.pack("<IQ", start, size))
    none = 0xFFFFFFFF
    # the tree of names: "EncryptedPackage" (longer) is the root's child, "EncryptionInfo" its left
    directory = (entry("Root Entry", 5, none, none, 2, 0xFFFFFFFE, 0)
                 + entry("EncryptionInfo", 2, none, none, none, starts[0], len(info))
                 + entry("EncryptedPackage", 2, 1, none, none, starts[1], len(package))
                 + b"\0" * 128)
    difat = struct.pack("<109I", 0, *([0xFFFFFFFF] * 108))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0) + difat)
    assert len(header) == sector and len(directory) == sector
    return header + fat_sector + directory + body


def png(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def million_row_csv(path: Path, rows: int = 1_000_000, tail: bytes = b"") -> Path:
    """A comma CSV of ``rows`` well-formed village rows (about 31 MB, under the 50 MB limit), then ``tail``."""
    with open(path, "wb") as fh:
        fh.write(b"kode,nama,pekerja,peserta\n")
        for start in range(0, rows, 100_000):
            fh.write(b"".join(b"51.71.01.%d,Desa %d,%d,%d\n" % (1000 + i % 9000, i, 100 + i % 50, i % 90)
                              for i in range(start, min(rows, start + 100_000))))
        fh.write(tail)
    return path


_READ = r"""
import json, resource, sys, time
from geo import figures
import openpyxl, pandas  # everything the app imports to read a file, whatever the file
path = sys.argv[1]
result = {"key": None}
if path != "-":
    data = open(path, "rb").read()
    start = time.perf_counter()
    try:
        raw = figures.read_table(data, path.rsplit("/", 1)[-1])
        result["rows"] = len(raw.cells)
    except figures.FiguresError as exc:
        result.update(key=exc.key, message=str(exc))
    result["read_s"] = time.perf_counter() - start
try:  # this process image's own high-water mark (ru_maxrss would include the parent's, from before exec)
    with open("/proc/self/status") as fh:
        hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except OSError:
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result["peak_rss_mb"] = hwm / 1024
print(json.dumps(result))
"""


def peak_rss(path: Path | str) -> dict:
    """Read ``path`` with geo.figures.read_table in a fresh Python process (``"-"``: imports only).

    Returns ``{"key": refusal key or None, "message", "rows", "read_s", "peak_rss_mb"}``: the child's
    peak resident memory (VmHWM, imports included). Not ``ru_maxrss``: Linux carries the
    high-water mark of the image before ``exec`` into it, and the subprocess is forked from
    this (large) process.
    """
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", _READ, str(path)], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)
