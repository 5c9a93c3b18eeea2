"""One rule for every name a person types (issue 18): lists, datasets, a note's first line, authors.

Why: names are listed back to other people, written into CSV headers, file names and logs.
Two names that look the same must be the same name, and a name must never be invisible,
reversed or carry terminal escapes. The rule:

1. Unicode NFC (a composed "é" and "e" + combining accent are one spelling);
2. control and format characters removed (categories Cc and Cf: bell, escape, bidi overrides,
   zero-width spaces and joiners, tag characters; lone surrogates too, which no database
   stores), line breaks and tabs first turned into spaces;
3. other whitespace (and the blank-looking letters listed in ``_BLANK``) collapsed to one
   space and trimmed;
4. refused when nothing visible is left (only marks or spaces), with that reason;
5. refused when longer than the limit, with the limit in the message.

:func:`fold` is the key two names are the same under (NFC, casefold, whitespace collapsed),
enforced by a unique index in the store. Refusals are :class:`NameRefused` with a message key
(``nm_*`` in geo/strings/names.json) and parameters, shown in either language.
"""
from __future__ import annotations

import re
import unicodedata

from geo.core import i18n

NAME_MAX = 120
NOTE_MAX = 4000
# letters and symbols that render as blank space (Hangul fillers, Braille blank, ...)
_BLANK = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
_LINE_BREAKS = {"\n", "\r", "\t", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f", "\x85"}


class NameRefused(ValueError):
    """A name that cannot be used; ``key`` and ``params`` make the message (geo/strings/names.json)."""

    def __init__(self, key: str, **params: object):
        self.key, self.params = key, params
        super().__init__(self.text("en"))

    def text(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return i18n.t(self.key, lang, **self.params)


def _strip(text: str) -> str:
    """NFC; line breaks and tabs as spaces; Cc, Cf and surrogates removed; whitespace collapsed."""
    text = unicodedata.normalize("NFC", str(text if text is not None else ""))
    out = []
    for ch in text:
        if ch in _LINE_BREAKS or ch in _BLANK:
            out.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs"):
            out.append(ch)
    # NFC again: removing a format character can bring a letter and its accent together
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def visible(text: str) -> bool:
    """Whether ``text`` shows anything: a character that is not a mark, a separator or a control."""
    return any(unicodedata.category(ch)[0] not in "MZC" for ch in text)


def clean(name: object, limit: int = NAME_MAX, what: str = "name") -> str:
    """``name`` under the rule, or :class:`NameRefused` (``nm_<what>_empty`` / ``nm_<what>_too_long``)."""
    text = _strip(name)
    if not visible(text):
        raise NameRefused(f"nm_{what}_empty")
    if len(text) > limit:
        raise NameRefused(f"nm_{what}_too_long", limit=limit, length=len(text))
    return text


def clean_optional(value: object, limit: int = NAME_MAX, what: str = "author") -> str:
    """The rule for a name that may be left empty (an author): ``""`` when nothing visible is left."""
    text = _strip(value)
    if not visible(text):
        return ""
    if len(text) > limit:
        raise NameRefused(f"nm_{what}_too_long", limit=limit, length=len(text))
    return text


def clean_note(value: object, limit: int = NOTE_MAX) -> str:
    """A note: its first line (shown as its title) under the name rule; the rest keeps its line
    breaks but loses control and format characters (NFC, other whitespace kept as typed)."""
    text = unicodedata.normalize("NFC", str(value if value is not None else "")).replace("\r\n", "\n")
    first, _, rest = text.partition("\n")
    body = "".join(ch for ch in rest if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    body = unicodedata.normalize("NFC", body).strip("\n")
    title = _strip(first)
    out = title if not body else f"{title}\n{body}"
    if len(out) > limit:
        raise NameRefused("nm_note_too_long", limit=limit, length=len(out))
    return out


def fold(name: str) -> str:
    """The key two names are the same under: NFC, casefold, whitespace collapsed ("Daftar Café",
    its NFD twin and "daftar  café" share one key)."""
    text = unicodedata.normalize("NFC", str(name))
    return unicodedata.normalize("NFC", " ".join(text.casefold().split()))


_UNSAFE_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_filename(name: object, default: str = "export", max_bytes: int = 100) -> str:
    """A file name stem from a name: the rule above, then characters no system accepts (``/ \\ :
    * ? " < > |``) and spaces as ``-``, no leading dot or dash, no Windows device name, at most
    ``max_bytes`` bytes of UTF-8; ``default`` when nothing is left. Letters of any script stay."""
    try:
        text = clean(name, limit=10**6)
    except NameRefused:
        return default
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # unassigned, private use too
    text = _UNSAFE_FILE.sub("-", text)
    text = re.sub(r"[\s-]+", "-", text).strip("-. ")
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    text = text.rstrip("-. ")
    if not text or not visible(text):
        return default
    if text.split(".")[0].lower() in _RESERVED:
        text = f"{text}-"
    return text


# Place names as people type them (figures files, the map's search box): the same place
# whatever its prefix, case, accents or spacing. One rule for the join and the search.
PLACE_PREFIXES = ("desa", "ds", "kelurahan", "kel", "kabupaten", "kab", "kota", "kecamatan", "kec")


def place_key(name: object) -> str:
    """A place name reduced for matching: no accents, case, punctuation, leading prefixes or spaces.

    ``"DS. Pecatu"``, ``"desa  pecatu"`` and ``"Pecatu"`` all give ``"pecatu"``; ``"Abian
    Base"`` and ``"Abianbase"`` give ``"abianbase"``.
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[0] in PLACE_PREFIXES:
        words = words[1:]
    return "".join(words)
