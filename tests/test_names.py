"""One rule for every name people type (issue 18), in the library: each case of the issue."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.core import names

NFC = "Daftar Caf\u00e9"
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize("raw,clean", [
    (NFD, NFC),  # one spelling of "é"
    ("Daftar\u200b Caf\u00e9", NFC),  # a zero-width space is not a character of the name
    ("\u202eefaC ratfaD", "efaC ratfaD"),  # a right-to-left override is removed: shown as stored
    ("a\x07b\x1b[31mc", "ab[31mc"),  # bell and escape removed: no terminal colour
    ("  Daftar \t\n Caf\u00e9\u00a0\u3000 ", NFC),  # other whitespace collapsed and trimmed
    ("Sasaran\u2028baru", "Sasaran baru"),  # a line separator is a space
    ("e\u200d\u0301", "\u00e9"),  # a joiner between a letter and its accent: removed, then composed
    ("**bold** <b>x</b> [link](http://x) ${alert(1)}", "**bold** <b>x</b> [link](http://x) ${alert(1)}"),
    ("Desa \U000e0041\U000e0042Ubud", "Desa Ubud"),  # tag characters
    ("\u3164Ubud\u2800", "Ubud"),  # blank-looking letters
])
def test_clean(raw, clean):
    assert names.clean(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b\u200b", "\u202e\u202c", "\x07\x1b", "\u0301\u0301",
                                 "\u3164\u3164", None, "\ufeff \u2060"])
def test_nothing_visible_is_refused_with_that_reason(raw):
    with pytest.raises(names.NameRefused) as exc:
        names.clean(raw)
    assert exc.value.key == "nm_name_empty"
    assert "visible character" in str(exc.value) and "karakter yang terlihat" in exc.value.text("id")


def test_too_long_is_refused_with_the_limit():
    with pytest.raises(names.NameRefused) as exc:
        names.clean("x" * 10_000)
    assert str(exc.value) == "The name is too long: at most 120 characters (10000 given)."
    assert exc.value.text("id") == "Nama terlalu panjang: paling banyak 120 karakter (10000 diberikan)."
    assert names.clean("x" * 120) == "x" * 120
    assert names.clean(" " + "x" * 120 + "\u200b ") == "x" * 120  # counted after cleaning


def test_twins_share_one_key_and_others_do_not():
    keys = {names.fold(names.clean(n)) for n in (NFC, NFD, "daftar caf\u00e9", "DAFTAR  CAF\u00c9",
                                                  "Daftar\u200b Caf\u00e9")}
    assert keys == {"daftar caf\u00e9"}
    assert names.fold("Daftar Cafe") != names.fold(NFC)  # an accent is not case
    assert names.fold("Stra\u00dfe") == names.fold("STRASSE")  # casefold, not lower


def test_authors_may_be_empty_notes_keep_their_lines():
    assert names.clean_optional("\u200b ") == "" and names.clean_optional(" Ayu\x1b ") == "Ayu"
    with pytest.raises(names.NameRefused, match="at most 120"):
        names.clean_optional("a" * 121)
    note = "\u202eJudul\x07  catatan\nbaris dua\x1b[0m\n\tbaris tiga\u200b"
    assert names.clean_note(note) == "Judul catatan\nbaris dua[0m\n\tbaris tiga"
    with pytest.raises(names.NameRefused, match="at most 4000"):
        names.clean_note("a" * 4001)


@pytest.mark.parametrize("raw,stem", [
    ("Daftar Caf\u00e9", "Daftar-Caf\u00e9"), (NFD, "Daftar-Caf\u00e9"),
    ("../../etc/passwd", "etc-passwd"), ('a<b>:"c"|d?*e', "a-b-c-d-e"), ("CON", "CON-"), ("nul.txt", "nul.txt-"),
    ("\u202eexe.fdp", "exe.fdp"), ("\u200b", "export"), ("...", "export"), ("Sasaran\x1b[31m", "Sasaran[31m"),
    ("Desa Ubud / Gianyar", "Desa-Ubud-Gianyar"),
])
def test_safe_filename(raw, stem):
    assert names.safe_filename(raw) == stem


@given(st.text())
def test_safe_filename_is_always_safe(text):
    stem = names.safe_filename(text)
    assert stem and len(stem.encode()) <= 100 and not stem.startswith((".", "-"))
    assert not any(c in stem for c in '/\\:*?"<>|') and all(unicodedata.category(c)[0] != "C" for c in stem)


@given(st.text())
def test_clean_is_idempotent_and_never_raises_anything_else(text):
    try:
        once = names.clean(text, limit=10**6)
    except names.NameRefused as exc:
        assert exc.key == "nm_name_empty"
        return
    assert names.clean(once, limit=10**6) == once and unicodedata.is_normalized("NFC", once)
    assert names.visible(once) and once == once.strip()
