"""Bombs: small files that would take the reader's memory or time, refused with a message, memory low.

Each file is generated here (testsupport/hostile.py), read by the command line
(exit 2, one message naming the file) and, for the memory, by ``geo.figures.read_table`` in a
fresh Python process whose peak resident memory (ru_maxrss) is compared with a baseline
process that imports the same modules and reads a small good workbook.

The bound: a refused workbook may cost its own bytes and a few 1 MiB chunks of XML streamed
through the pre-parse scan, so at most 64 MB above the baseline (which is itself ~130 MB:
pandas, openpyxl). Unguarded, the same files cost far more (openpyxl alone, read-only, every
row iterated, on this machine: ``bench/hostile_memory.py --unguarded``): the 2-million-cell
row 1.1 GB and 16 s, 1.2 million shared strings 231 MB and 10 s (4 million: 0.8 GB), the zip
bomb 164 s streaming its 3.3 million rows, the row numbered 900,000,000 44 s (and more than
two minutes through geo's reader before issue 7, which looked at every empty row). The
billion laughs are refused by defusedxml either way; the test keeps it so.

The million-row CSV (31 MB, under the 50 MB limit) is refused at the 200,000-row limit: its
bytes and decoded text are in memory, plus the 200,000 rows parsed before the refusal, so the
bound is twice the file plus 110 MB; the reader used before issue 7 also copied the text into
a StringIO (4 bytes a character) and split it all into lines, 274 MB above baseline.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import needs_shared

from testsupport import hostile as builders

pytestmark = needs_shared
XLSX_BOUND_MB = 64


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bombs")
    files = {
        "zip_bomb.xlsx": builders.zip_bomb(300),
        "laughs_sheet.xlsx": builders.laughs_in_sheet(),
        "laughs_strings.xlsx": builders.laughs_in_shared_strings(),
        "lying_sizes.xlsx": builders.lying_sizes(300),
        "wide_row.xlsx": builders.wide_row(2_000_000),
        "strings_flood.xlsx": builders.shared_strings_flood(1_200_000),
        "far_row.xlsx": builders.far_row(900_000_000),
        "good.xlsx": builders.good_workbook(),
    }
    out = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        out[name] = d / name
    out["million.csv"] = builders.million_row_csv(d / "million.csv")
    # the same rows, then a quote that is never closed on line 1,000,002: a reader that went
    # through the whole file would report the broken quote, one that stops at the limit does not
    out["million_then_broken.csv"] = builders.million_row_csv(d / "million_then_broken.csv",
                                                             tail=b'51.71.01.1001,"Serangan,1,1\n')
    return out


@pytest.fixture(scope="module")
def baseline_mb(bombs) -> float:
    got = builders.peak_rss(bombs["good.xlsx"])
    assert got["key"] is None and got["rows"] == 1
    return got["peak_rss_mb"]


ENTITIES = ("The workbook contains XML entity declarations (EntitiesForbidden), refused for safety. Open it in Excel "
            "and save it again as .xlsx.")
REFUSALS = {
    "zip_bomb.xlsx": ("xlsx_bomb", "This workbook declares 300 MB of content once unpacked (the limit is 256 MB) or "
                                   "an implausible compression ratio; it was refused before reading."),
    "laughs_sheet.xlsx": ("xlsx_entities", ENTITIES),
    "laughs_strings.xlsx": ("xlsx_entities", ENTITIES),
    "lying_sizes.xlsx": ("xlsx_broken_detail", "The Excel workbook cannot be read (BadZipFile). Open it in Excel and "
                                               "save it again as .xlsx."),
    "wide_row.xlsx": ("too_many_columns", "The file has 16,385 columns (the limit is 200). Remove the columns that "
                                          "are not needed."),
    "strings_flood.xlsx": ("xlsx_too_many_strings", "The workbook holds more than 1,000,000 distinct texts; too "
                                                    "large to read safely. Save just the data sheet as CSV."),
    "far_row.xlsx": ("too_many_rows", "The file has more than 200,000 rows. Split the data into several files."),
    "million.csv": ("too_many_rows", "The file has more than 200,000 rows. Split the data into several files."),
    "million_then_broken.csv": ("too_many_rows", "The file has more than 200,000 rows. Split the data into several "
                                                 "files."),
}


def test_bombs_are_small_files():
    """What makes them bombs: they fit the 50 MB upload limit (most are tiny) and pass for workbooks."""
    assert len(builders.zip_bomb(300)) < 2 << 20 and len(builders.laughs_in_sheet()) < 10_000
    import io
    import zipfile
    declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(builders.zip_bomb(300))).infolist())
    assert declared > 300 << 20  # what openpyxl would have to parse


@pytest.mark.parametrize("name", list(REFUSALS))
def test_command_refuses_each_bomb_naming_the_file(capsys, bombs, name):
    from geo.__main__ import main
    status = main(["check", str(bombs[name]), "--json"])
    out = capsys.readouterr()
    assert status == 2
    assert json.loads(out.out) == {"error": f"{name}: {REFUSALS[name][1]}"}
    assert "Traceback" not in out.err


@pytest.mark.parametrize("name", [n for n in REFUSALS if n.endswith(".xlsx")])
def test_workbook_bombs_are_refused_with_memory_staying_low(bombs, baseline_mb, name):
    got = builders.peak_rss(bombs[name])
    assert (got["key"], got["message"]) == REFUSALS[name]
    assert got["peak_rss_mb"] - baseline_mb < XLSX_BOUND_MB, (got, baseline_mb)
    assert got["peak_rss_mb"] < 300  # the whole process, imports included


def test_million_row_csv_is_refused_at_the_limit_without_reading_it_all(bombs, baseline_mb):
    size_mb = bombs["million.csv"].stat().st_size / 2**20
    assert 25 < size_mb < 50  # under the size limit: the row limit is what refuses it
    got = builders.peak_rss(bombs["million.csv"])
    assert (got["key"], got["message"]) == REFUSALS["million.csv"]
    assert got["peak_rss_mb"] - baseline_mb < 2 * size_mb + 110, (got, baseline_mb, size_mb)
    # it stops reading at the limit: the broken quote at the very end is never reached
    from geo import figures
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(bombs["million_then_broken.csv"].read_bytes(), "million_then_broken.csv")
    assert exc.value.key == "too_many_rows" and exc.value.params == {"limit": 200_000}
    # (the same quote in a short file is reported: see test_hostile_inputs.py)
    with pytest.raises(figures.FiguresError) as exc:
        figures.read_table(b'kode,nama,pekerja,peserta\n51.71.01.1001,"Serangan,1,1\n', "short.csv")
    assert exc.value.key == "csv_broken"


def test_rows_up_to_excels_last_are_still_read(tmp_path):
    """The guard is Excel's own limit (row 1,048,576), not a guess: such a row is read and reported."""
    from geo import figures
    raw = figures.read_table(builders.far_row(1_048_576), "last_row.xlsx")
    assert raw.cells.index.tolist() == [1_048_576] and raw.columns[0] == "kode"
