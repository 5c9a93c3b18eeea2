"""Validated figures joined to the official areas: by code first, then by name.

Why names at all: hand-made files often lack codes or carry mangled ones. A name is matched
only within its parent areas when the file gives them (``regency``/``district`` columns, or
the parent part of an unknown code), after removing case, spacing, punctuation and prefixes
(``DESA``, ``KEL.``, ...), with rapidfuzz. A name that fits two areas equally is reported as
ambiguous, never guessed. Every input row ends in exactly one category (CONTRACT.md, "check"),
in this order: ``invalid``, ``matched_by_code``, ``matched_by_name``, ``ambiguous``,
``unmatched``; areas without a row stay "no data", never zero.
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz, process

from geo.core import codes, names
from geo.figures.model import Figures
from geo.figures.reading import message
from geo.figures.validation import Validated, problems_frame

CATEGORIES: tuple[str, ...] = ("invalid", "matched_by_code", "matched_by_name", "ambiguous", "unmatched")
NAME_THRESHOLD = 85  # ratio on compacted names: "kuta" vs "kutuh" (89) passes only if alone
AMBIGUITY_MARGIN = 5  # candidates within this many points of the best are equally likely
MISMATCH_THRESHOLD = 60  # a code whose official name scores below this is flagged
PREFIXES = names.PLACE_PREFIXES
REPORT_COLUMNS = ["row", "category", "code_in_file", "name_in_file", "code", "official_name", "score",
                  "candidates"]


normalise_name = names.place_key  # one rule for the join and the map search


@dataclass
class JoinResult:
    """The outcome of a join, everything the page, the command line and exports need.

    ``report``: one row per input row (``REPORT_COLUMNS``); ``problems``: validation and join
    problems (``row``, ``column``, ``severity``, ``key``, ``params``); ``summary``: the counts
    of CONTRACT.md; ``areas_without_figures``: official areas at the file's level with no
    usable row; ``figures``: the matched rows (None when no row is usable).
    """

    figures: Figures | None
    report: pd.DataFrame
    problems: pd.DataFrame
    summary: dict
    areas_without_figures: pd.DataFrame
    level: str


class _Matcher:
    """Name lookup within one layer, optionally narrowed to a parent code."""

    def __init__(self, layer: pd.DataFrame):
        self.codes = layer["code"].astype(str).tolist()
        self.names = dict(zip(self.codes, layer["name"].astype(str)))
        self.keys = {c: normalise_name(n) for c, n in self.names.items()}

    def match(self, name: str, parent: str | None = None) -> tuple[str, list[tuple[str, int]]]:
        """``("match"|"ambiguous"|"none", [(code, score), ...])`` best first."""
        query = normalise_name(name)
        if not query:
            return "none", []
        choices = {c: k for c, k in self.keys.items() if parent is None or c.startswith(parent + ".")}
        found = process.extract(query, choices, scorer=fuzz.ratio, limit=None, score_cutoff=NAME_THRESHOLD)
        scored = sorted(((key, round(score)) for _, score, key in found), key=lambda x: (-x[1], x[0]))
        if not scored:
            near = process.extractOne(query, choices, scorer=fuzz.ratio) if choices else None
            return "none", ([(near[2], round(near[1]))] if near and near[1] >= 60 else [])
        best = scored[0][1]
        close = [(c, s) for c, s in scored if s >= best - AMBIGUITY_MARGIN]
        return ("match" if len(close) == 1 else "ambiguous"), close


def _narrowing(value: str | None, level: str, layers: dict[str, gpd.GeoDataFrame],
               matchers: dict[str, _Matcher], within: str | None) -> tuple[str | None, bool]:
    """The code named by a ``regency``/``district`` cell (a code or a name); (None, False) if unknown."""
    if not value or level not in layers:
        return None, True
    code = codes.normalise(value)
    if code and codes.level_of(code) == level:
        return (code, True) if code in matchers[level].names else (None, False)
    kind, found = matchers[level].match(value, within)
    return (found[0][0], True) if kind == "match" else (None, False)


def join(validated: Validated, layers: dict[str, gpd.GeoDataFrame],
         provinces: list[str] | tuple[str, ...] | None = None) -> JoinResult:
    """Join validated rows to the official areas at the file's level (see module docstring)."""
    level = validated.level
    rows = validated.rows
    layers = {lv: (layer if not provinces else layer[layer["province_code"].isin(list(provinces))])
              for lv, layer in layers.items()}
    matchers = {lv: _Matcher(layer) for lv, layer in layers.items()}
    target = matchers[level]
    problems = list(validated.problems.to_dict("records"))

    def problem(row, column, key, severity="error", **params):
        problems.append(dict(row=row, column=column, severity=severity, key=key, params=params))

    report = []
    for rec in rows.to_dict("records"):
        number = rec["row"]
        out = dict(row=number, category=None, code_in_file=rec.get("code_raw"), name_in_file=rec.get("name"),
                   code=None, official_name=None, score=None, candidates=None)
        report.append(out)
        if rec["status"] == "invalid":
            out["category"] = "invalid"
            continue
        code = rec.get("code")
        if code and code in target.names:
            out.update(category="matched_by_code", code=code, official_name=target.names[code])
            if rec.get("name"):
                score = round(fuzz.WRatio(normalise_name(rec["name"]), target.keys[code]))
                if score < MISMATCH_THRESHOLD:
                    problem(number, "name", "name_mismatch", severity="warning", code=code,
                            name=rec["name"], official=target.names[code], score=score)
            continue
        # by name: narrowed by the regency/district columns and by the known part of the code
        parent = None
        if code:
            up = codes.parent_of(code)
            while up and codes.level_of(up) != "province" and up not in matchers.get(codes.level_of(up), target).names:
                up = codes.parent_of(up)
            parent = up if up and codes.level_of(up) != "province" else None
        if not parent:
            reg, ok_r = _narrowing(rec.get("regency"), "regency", layers, matchers, None)
            if not ok_r:
                problem(number, "regency", "regency_unknown", severity="warning", value=rec.get("regency"))
            dis, ok_d = (None, True)
            if level == "village":
                dis, ok_d = _narrowing(rec.get("district"), "district", layers, matchers, reg)
                if not ok_d:
                    problem(number, "district", "district_unknown", severity="warning", value=rec.get("district"))
            parent = dis or reg
            if parent and codes.LEVELS.index(codes.level_of(parent)) >= codes.LEVELS.index(level):
                parent = None
        kind, found = target.match(rec.get("name"), parent)
        if kind == "match":
            matched, score = found[0]
            out.update(category="matched_by_name", code=matched, official_name=target.names[matched], score=score)
            if code:
                problem(number, "code", "code_unknown_matched", severity="warning", value=code, code=matched)
        elif kind == "ambiguous":
            out.update(category="ambiguous", candidates="; ".join(f"{c} {target.names[c]} ({s})" for c, s in found))
            problem(number, "name", "ambiguous", value=rec.get("name"),
                    candidates=", ".join(f"{c} {target.names[c]}" for c, _ in found))
        else:
            out["category"] = "unmatched"
            hint = f"{found[0][0]} {target.names[found[0][0]]}" if found else ""
            if found:
                out["candidates"] = f"{found[0][0]} {target.names[found[0][0]]} ({found[0][1]})"
            if code:
                problem(number, "code", "code_unknown", value=code, hint=hint)
            elif rec.get("name"):
                problem(number, "name", "name_unknown" if not hint else "name_unknown_hint",
                        value=rec.get("name"), hint=hint)
            else:
                problem(number, "code", "no_key")

    report_df = pd.DataFrame(report, columns=REPORT_COLUMNS)
    count_cols = validated.count_columns
    by_row = rows.set_index("row")
    _resolve_duplicates(report_df, by_row, count_cols, problem)

    usable = report_df[report_df["category"].isin(["matched_by_code", "matched_by_name"])]
    first = usable.drop_duplicates("code", keep="first")
    data = pd.DataFrame({"code": first["code"].astype(str).values})
    for col in count_cols:
        data[col] = pd.array(by_row.loc[first["row"], col].tolist(), dtype="Int64")
    figures = None
    if len(data):
        figures = Figures(data=data.sort_values("code").reset_index(drop=True), level=level,
                          source=validated.source, synthetic=False, period=validated.period)

    layer = layers[level]
    missing = layer[~layer["code"].isin(set(data["code"]))]
    keep = [c for c in ("code", "name", "regency_code", "district_code") if c in missing]
    areas_without = pd.DataFrame(missing[keep]).sort_values("code").reset_index(drop=True)

    probs = problems_frame(problems).sort_values("row", kind="stable", na_position="first").reset_index(drop=True)
    summary = {"rows": int(len(report_df)),
               **{cat: int((report_df["category"] == cat).sum()) for cat in CATEGORIES[1:] + CATEGORIES[:1]},
               "level": level, "areas_without_figures": int(len(areas_without)), "synthetic": False}
    return JoinResult(figures=figures, report=report_df, problems=probs, summary=summary,
                      areas_without_figures=areas_without, level=level)


def _resolve_duplicates(report: pd.DataFrame, by_row: pd.DataFrame, count_cols: list[str], problem) -> None:
    """Rows landing on one area: same values are counted once (warning), conflicting ones are all invalid."""
    matched = report[report["category"].isin(["matched_by_code", "matched_by_name"])]
    dup = matched[matched["code"].duplicated(keep=False)]
    if dup.empty:
        return
    cells = by_row.loc[dup["row"].tolist(), count_cols]
    values = {r: tuple(None if pd.isna(x) else int(x) for x in vals)
              for r, vals in zip(cells.index, cells.itertuples(index=False, name=None))}
    conflicting: list[int] = []
    for code, numbers in dup.groupby("code", sort=False)["row"]:
        numbers = numbers.tolist()
        if len({values[r] for r in numbers}) == 1:
            for r in numbers[1:]:
                problem(r, "code", "duplicate_same", severity="warning", code=code, first=str(numbers[0]))
            continue
        for r in numbers:
            others = ", ".join(str(o) for o in numbers if o != r)
            problem(r, "code", "duplicate_conflict", code=code, others=others)
        conflicting.extend(numbers)
    if conflicting:
        report.loc[report["row"].isin(conflicting), ["category", "code", "official_name", "score"]] = \
            ["invalid", None, None, None]


# ---------------------------------------------------------------- tables for people


def messages_by_row(problems: pd.DataFrame, lang: str) -> dict[int, str]:
    """All messages of each row in ``lang``, joined with "; "."""
    out: dict[int, list[str]] = {}
    for p in problems.itertuples(index=False):
        if pd.isna(p.row):
            continue
        out.setdefault(int(p.row), []).append(message(p.key, p.params, lang))
    return {r: "; ".join(m) for r, m in out.items()}


def problems_table(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Problems with their text in ``lang``: row, column, severity, message."""
    return pd.DataFrame({"row": problems["row"], "column": problems["column"], "severity": problems["severity"],
                         "message": [message(k, p, lang) for k, p in zip(problems["key"], problems["params"])]})


def report_table(result: JoinResult, lang: str) -> pd.DataFrame:
    """The join report as people read it: one row per input row with its messages."""
    out = result.report.copy()
    out["messages"] = out["row"].map(messages_by_row(result.problems, lang)).fillna("")
    out["score"] = out["score"].astype("Int64")
    return out


def rejected_rows(result: JoinResult, cells: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The file's own cells for every row not used (invalid, ambiguous, unmatched), with why."""
    rep = report_table(result, lang)
    bad = rep[~rep["category"].isin(["matched_by_code", "matched_by_name"])]
    original = cells.loc[bad["row"].tolist()].reset_index()
    original.insert(1, "category", bad["category"].values)
    original.insert(2, "messages", bad["messages"].values)
    return original
