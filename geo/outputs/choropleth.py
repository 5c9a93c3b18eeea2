"""The map explorer's map: what a view (level, indicator, segment, classes) draws from a frame.

Rates (coverage rate, gap to target) are choropleths. Counts of people (uncovered, people to
enrol) are proportional circles over neutral areas, because a choropleth of raw counts makes
big areas look important; they become a choropleth only as a density (per km²) or a share
(% of the segment's workers). Missing figures are hatched "no data", never a colour.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis import classify, disclosure, indicators
from geo.boundaries import BoundarySet
from geo.core.provenance import Provenance
from geo.core import i18n, schema
from geo.outputs import geolayer, leaflet, mapnames, maps, palettes
from geo.outputs.mapspec import LayerRef, MapSpec, circle_sizes

LEVELS = schema.LEVELS
MEASURES = ("count", "density", "share")
COUNT_INDICATORS = ("uncovered", "to_target")
NEUTRAL = "#e9e4dc"


@dataclass(frozen=True)
class View:
    """Everything that decides the map (and goes into the URL)."""

    level: str = "regency"
    indicator: str = "coverage_rate"
    segment: str = "all"
    measure: str = "count"
    scheme: str = "quantiles"
    k: int = 5
    breaks: tuple[float, ...] = ()
    target: float = schema.DEFAULT_TARGET
    regency: str | None = None
    basemap: str = "light"
    lang: str = i18n.DEFAULT_LANG
    suppress: int = 0  # counts below this are shown as "<n" in tooltips (0 = off)

    @property
    def symbols(self) -> bool:
        """Counts of people are drawn as proportional circles."""
        return self.indicator in COUNT_INDICATORS and self.measure == "count"

    def checked(self) -> "View":
        """The view with every field inside its allowed values (URL input is untrusted)."""
        d = View()
        return replace(
            self,
            level=self.level if self.level in LEVELS else d.level,
            indicator=self.indicator if self.indicator in schema.INDICATORS else d.indicator,
            segment=self.segment if self.segment in schema.SEGMENT_CHOICES else d.segment,
            measure=self.measure if self.measure in MEASURES else d.measure,
            scheme=self.scheme if self.scheme in classify.SCHEMES else d.scheme,
            k=min(max(int(self.k), classify.K_RANGE[0]), classify.K_RANGE[1]),
            basemap=self.basemap if self.basemap in maps.BASEMAPS else d.basemap,
            lang=self.lang if self.lang in i18n.LANGS else d.lang,
            suppress=min(max(int(self.suppress), 0), 1000),
        )


def subset(frame: gpd.GeoDataFrame, view: View) -> gpd.GeoDataFrame:
    """The areas the view shows: all, or those of one regency."""
    if view.regency and view.level != "regency":
        return frame[frame["regency_code"] == view.regency]
    return frame


def map_values(frame: pd.DataFrame, view: View) -> pd.Series:
    """The number each area is mapped by (NaN = no data)."""
    value = indicators.indicator(frame, view.indicator, view.segment, view.target)
    if view.indicator in COUNT_INDICATORS:
        return indicators.measured(value, frame, view.segment, view.measure)
    return value


def value_format(view: View):
    """A formatter for the mapped value in the view's language."""
    lang = view.lang
    if view.indicator == "coverage_rate" or (view.indicator in COUNT_INDICATORS and view.measure == "share"):
        return lambda x: i18n.fmt_pct(x, lang)
    if view.indicator == "gap_to_target":
        return lambda x: i18n.fmt_pp(x, lang)
    if view.measure == "density":
        return lambda x: i18n.fmt_num(x, lang, 1 if abs(x) < 100 else 0)
    return lambda x: i18n.fmt_num(x, lang)


def classes_for(frame: pd.DataFrame, view: View) -> classify.Classes:
    values = map_values(frame, view)
    _, centre = palettes.palette_for(view.indicator)
    return classify.classify(values, view.scheme, view.k, list(view.breaks) or None, centre)


def indicator_title(view: View) -> str:
    t = lambda key, **kw: i18n.t(key, view.lang, **kw)  # noqa: E731
    name = t(f"ind_{view.indicator}", target=i18n.fmt_pct(view.target, view.lang, 2))
    if view.indicator in COUNT_INDICATORS and view.measure != "count":
        name += " — " + t(f"measure_{view.measure}")
    segment = t(f"seg_{view.segment}")
    return f"{name} · {segment}"


def tooltip_lines(frame: pd.DataFrame, view: View, names: dict[str, str]) -> dict[str, list]:
    """Tooltip text per code: name, where it is, the mapped value, and the counts behind it.

    Built from plain arrays (not row by row through pandas): the region has 12,500 villages.
    """
    lang = view.lang
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    fmt = value_format(view)
    as_array = lambda s: pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)  # noqa: E731
    value = as_array(map_values(frame, view))
    workers, covered = (as_array(s) for s in indicators.counts(frame, view.segment))
    rate = as_array(indicators.indicator(frame, "coverage_rate", view.segment, view.target))
    need = as_array(indicators.indicator(frame, "to_target", view.segment, view.target))
    title = f"{indicator_title(view)}: "
    kinds = {k: t("kind_" + k) + " · " for k in ("desa", "kelurahan", "other")}
    w_label, c_label = f"{t('workers')}: ", f" · {t('covered')}: "
    small = disclosure.small_label(view.suppress)
    counted = view.indicator in COUNT_INDICATORS and view.measure == "count"
    need_label = f"{t('to_target_short', target=i18n.fmt_pct(view.target, lang, 2))}: "
    no_data = t("no_data")

    def hide(v: float) -> bool:
        return bool(view.suppress) and 0 < v < view.suppress  # NaN compares False

    def count(v: float) -> str:
        return small if hide(v) else i18n.fmt_num(v, lang)

    code_list = frame["code"].tolist()
    name_list = frame["name"].tolist()
    kind_list = frame["kind"].tolist() if view.level == "village" else [None] * len(frame)
    reg_list = frame["regency_code"].tolist() if view.level != "regency" else [None] * len(frame)
    incomplete = (frame["reported"] < frame["parts"]).to_numpy() if "reported" in frame else \
        np.zeros(len(frame), bool)
    reported = frame["reported"].tolist() if "reported" in frame else [0] * len(frame)
    parts = frame["parts"].tolist() if "parts" in frame else [0] * len(frame)
    units = [t("unit_" + u) for u in frame["unit"]] if "unit" in frame else [t("unit_village")] * len(frame)
    out: dict[str, list] = {}
    for i, code in enumerate(code_list):
        where: list[str] = [code]
        if view.level == "village":
            where = [kinds.get(kind_list[i], ""), code]
        if view.level != "regency":
            where.append(" · " + names.get(reg_list[i], ""))
        lines: list = [name_list[i], where]
        v = value[i]
        if np.isnan(v):
            lines.append(t("no_data_of", parts=i18n.fmt_num(parts[i], lang), unit=units[i])
                         if incomplete[i] and parts[i] > 1 else no_data)
        else:
            hidden = hide(workers[i]) or hide(covered[i])
            shown = small if (hidden and not counted) or (counted and hide(v)) else fmt(v)
            lines.append([title, shown])
            rate_text = small if hidden else i18n.fmt_pct(rate[i], lang)
            lines.append([w_label, count(workers[i]), c_label, count(covered[i]), f" ({rate_text})"])
            if view.indicator != "to_target":
                lines.append([need_label, count(need[i])])
            if incomplete[i]:
                lines.append(t("completeness_of", reported=i18n.fmt_num(reported[i], lang),
                               parts=i18n.fmt_num(parts[i], lang), unit=units[i]))
        out[code] = lines
    return out


@dataclass(frozen=True)
class ViewTooltips:
    """The explorer's tooltips for the areas shown (:class:`geo.outputs.mapspec.Tooltips`)."""

    shown: pd.DataFrame
    view: View
    bset: BoundarySet

    def lines(self) -> dict[str, list]:
        return tooltip_lines(self.shown, self.view, self.bset.names("regency"))

    def payload(self, lfile: geolayer.LayerFile) -> dict:
        payload = tooltip_payload(self.shown, self.view, lfile.index)
        payload["names"] = renamed(lfile, self.bset, self.view.level, self.shown)
        return payload


def explorer_spec(frame: gpd.GeoDataFrame, view: View, bset: BoundarySet, provenance: Provenance) -> MapSpec:
    """What the explorer's map of ``view`` shows: the spec the web map, the PNG, the HTML and
    the PDF brief all draw (so they cannot disagree on a class, a count or a label)."""
    view = view.checked()
    t = lambda key, **kw: i18n.t(key, view.lang, **kw)  # noqa: E731
    shown = subset(frame, view)
    values = map_values(shown, view)
    fmt = value_format(view)
    value_by_code = pd.Series(values.to_numpy(), index=shown["code"].to_numpy())
    web = bset.web[view.level]
    shown_codes = pd.Index(shown["code"].to_numpy(dtype=object))
    areas = web.loc[shown_codes.get_indexer(web["code"].to_numpy(dtype=object)) >= 0, ["code", "geometry"]].copy()
    title = indicator_title(view)
    kind = mapnames.names_kind(view.level, len(areas))
    within = view.regency if view.regency and view.level != "regency" else None
    spec = MapSpec(areas=areas, colors=[NEUTRAL], labels=[], counts=[], title=title, legend_title=title,
                   provenance=provenance, subtitle=map_subtitle(view, bset, provenance.source), lang=view.lang,
                   names=lambda: mapnames.view_names(bset, view.level, areas["code"])[0], names_kind=kind,
                   layer=LayerRef(view.level, within),
                   tooltips=ViewTooltips(shown, view, bset),
                   outline_prefix=5 if view.level != "regency" else 0,  # regency outlines: codes share "51.03"
                   label_all=view.level == "regency")
    if view.level != "regency":
        outline = bset.web["regency"]
        spec.outline = outline[outline["code"] == view.regency] if view.regency else outline
    if view.symbols:
        areas["cls"] = np.where(areas["code"].map(value_by_code).isna().to_numpy(), -1, 0)
        present = value_by_code.dropna().clip(lower=0)
        full = bset.full[view.level].set_index("code").geometry
        geom = full.loc[full.index.intersection(present.index)]
        geom = geom[~geom.is_empty]
        pts = geom.representative_point()
        size, spec.symbol_legend = circle_sizes(present, fmt)
        size = pd.Series(size, index=present.index).loc[geom.index]
        spec.symbols = pd.DataFrame({"code": geom.index.to_numpy(), "lon": pts.x.to_numpy(),
                                     "lat": pts.y.to_numpy(), "size": size.to_numpy()})
        spec.note = t("symbols_note")
        return spec
    classes = classes_for(shown, view)
    areas["cls"] = areas["code"].map(pd.Series(np.asarray(classes.index, dtype=int), index=shown["code"].to_numpy())
                                  ).fillna(-1).astype(int)
    box_names = [t(f"box_{i}") for i in range(6)]
    spec.colors = palettes.colors_for(classes, view.indicator)
    spec.labels = classify.labels(classes, fmt, box_names)
    spec.counts = list(classes.counts)
    spec.note = t(f"scheme_{view.scheme}") + (" · " + t(f"note_{classes.note}") if classes.note else "")
    return spec


def explorer_layers(frame: gpd.GeoDataFrame, view: View, bset: BoundarySet, provenance: Provenance,
                    selected: tuple[str, ...] = (), focus: str | None = None, engine: str | None = None,
                    embed: bool = False) -> folium.FeatureGroup:
    """Every layer of the explorer map (:func:`explorer_spec` drawn by ``geo.outputs.leaflet``),
    in one feature group the page can swap.

    ``engine`` "values" (the default, see ``geo.outputs.geolayer``) sends the geometry once
    as a static file and per change only classes and numbers; "inline" is the earlier engine.
    ``embed`` puts the geometry file into the page (exported HTML). The browser frames the map
    on the areas shown (or on ``focus``, a searched area) inside the part the legend and title
    leave free, and writes the names that fit (geomapkit.js).
    """
    spec = explorer_spec(frame, view, bset, provenance)
    return leaflet.layers(spec, bset, selected=selected, focus=focus, engine=engine, embed=embed)


def renamed(lfile: geolayer.LayerFile, bset: BoundarySet, level: str, shown: pd.DataFrame) -> dict[int, str]:
    """Names the frame gives differently from the layer file's (by position): sent per change."""
    official = bset.names(level)
    out: dict[int, str] = {}
    for code, name in zip(shown["code"].tolist(), shown["name"].tolist()):
        i = lfile.index.get(code)
        if i is not None and official.get(code) != name:
            out[i] = "" if name is None or (isinstance(name, float) and name != name) else str(name)
    return out


def _display(values: np.ndarray, decimals: np.ndarray | int) -> list:
    """Numbers rounded as the tooltip shows them (the browser only adds separators); None for NaN."""
    if np.ndim(decimals) == 0 and int(decimals) == 0:  # whole numbers: np.rint rounds as "%.0f" does
        return [None if v != v else int(v) for v in np.rint(values).tolist()]
    dec = np.broadcast_to(np.asarray(decimals), values.shape)
    out: list = []
    for v, d in zip(values.tolist(), dec.tolist()):
        if v != v:  # NaN
            out.append(None)
        elif d == 0:
            out.append(int(float(f"{v:.0f}")))
        else:
            r = float(f"{v:.{d}f}")
            out.append(int(r) if r == int(r) else r)
    return out


def tooltip_payload(frame: pd.DataFrame, view: View, index: dict[str, int]) -> dict:
    """What the browser needs to write each area's tooltip, as numbers aligned with a layer file.

    The same lines as :func:`tooltip_lines` (the inline engine's): counts hidden under the
    small-count rule are sent as their label (``<n``), never as numbers.
    """
    lang = view.lang
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    as_array = lambda s: pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)  # noqa: E731
    value = as_array(map_values(frame, view))
    workers, covered = (as_array(s) for s in indicators.counts(frame, view.segment))
    rate = as_array(indicators.indicator(frame, "coverage_rate", view.segment, view.target))
    need = as_array(indicators.indicator(frame, "to_target", view.segment, view.target))
    small = disclosure.small_label(view.suppress)
    counted = view.indicator in COUNT_INDICATORS and view.measure == "count"
    n = len(index)
    pos = np.array([index.get(c, -1) for c in frame["code"]], dtype=int)
    keep = pos >= 0

    def hide(a: np.ndarray) -> np.ndarray:
        return (a > 0) & (a < view.suppress) if view.suppress else np.zeros(a.shape, bool)

    if view.indicator == "coverage_rate" or (view.indicator in COUNT_INDICATORS and view.measure == "share"):
        kind, dec = "pct", 1
    elif view.indicator == "gap_to_target":
        kind, dec = "pp", 1
    elif view.measure == "density":
        kind, dec = "dens", np.where(np.abs(np.nan_to_num(value)) < 100, 1, 0)
    else:
        kind, dec = "n", 0
    hidden = hide(workers) | hide(covered)
    v_list = _display(value, dec)
    if kind == "pp":  # "+0,0": a positive gap that rounds to zero keeps its sign
        for i, v in enumerate(value.tolist()):
            if v == v and v > 0 and v_list[i] == 0:
                v_list[i] = i18n.fmt_pp(v, lang)
    v_hide = (hidden & (not counted)) | (hide(value) if counted else np.zeros(len(value), bool))
    w_list, c_list = _display(workers, 0), _display(covered, 0)
    r_list, n_list = _display(rate, 1), _display(need, 0)
    for i in np.flatnonzero(hide(workers)):
        w_list[i] = small
    for i in np.flatnonzero(hide(covered)):
        c_list[i] = small
    for i in np.flatnonzero(hide(need)):
        n_list[i] = small
    for i in np.flatnonzero(hidden):
        r_list[i] = small
    for i in np.flatnonzero(v_hide & ~np.isnan(value)):
        v_list[i] = small

    def aligned(vals: list) -> list:
        out: list = [None] * n
        for p, v in zip(pos[keep].tolist(), (v for v, k in zip(vals, keep) if k)):
            out[p] = v
        return out

    extra: dict[int, str] = {}
    extra_nodata: dict[int, int] = {}
    if "reported" in frame and "parts" in frame:
        reported, parts = frame["reported"].to_numpy(), frame["parts"].to_numpy()
        units = frame["unit"].tolist() if "unit" in frame else ["village"] * len(frame)
        for i in np.flatnonzero(reported < parts):
            if pos[i] < 0:
                continue
            unit = t("unit_" + units[i])
            if np.isnan(value[i]):
                if parts[i] > 1:
                    extra[int(pos[i])] = t("no_data_of", parts=i18n.fmt_num(parts[i], lang), unit=unit)
                    extra_nodata[int(pos[i])] = 1
            else:
                extra[int(pos[i])] = t("completeness_of", reported=i18n.fmt_num(reported[i], lang),
                                       parts=i18n.fmt_num(parts[i], lang), unit=unit)
    dec_point, group_sep = (",", ".") if lang == "id" else (".", ",")
    return {
        "v": aligned(v_list), "w": aligned(w_list), "c": aligned(c_list), "r": aligned(r_list),
        "n": aligned(n_list) if view.indicator != "to_target" else None,
        "vk": kind, "extra": extra, "extra_nodata": extra_nodata,
        "fmt": {"d": dec_point, "g": group_sep, "pct": i18n.fmt_pct(0, lang, 0)[1:],
                "pp": i18n.fmt_pp(0, lang, 0)[1:]},
        "lab": {"title": f"{indicator_title(view)}: ",
                "kinds": [t("kind_" + k) + " · " for k in ("desa", "kelurahan", "other")],
                "workers": f"{t('workers')}: ", "covered": f" · {t('covered')}: ",
                "need": f"{t('to_target_short', target=i18n.fmt_pct(view.target, lang, 2))}: ",
                "no_data": t("no_data")},
    }


def map_subtitle(view: View, bset: BoundarySet, source: str) -> str:
    t = lambda key, **kw: i18n.t(key, view.lang, **kw)  # noqa: E731
    where = ", ".join(bset.province_names.values())
    if len(bset.provinces) > 3:  # nine names do not fit a map's subtitle (nor a PNG's)
        where = t("ex_provinces_n", n=len(bset.provinces), codes=", ".join(bset.provinces))
    if view.regency:
        where = bset.names("regency").get(view.regency, where)
    return f"{t('level_' + view.level)} · {where} · {t('source')}: {source}"


def view_bounds(frame: gpd.GeoDataFrame, view: View) -> tuple[float, float, float, float]:
    shown = subset(frame, view)
    return tuple(float(b) for b in (shown if len(shown) else frame).total_bounds)


def explorer_map(frame: gpd.GeoDataFrame, view: View, bset: BoundarySet, provenance: Provenance,
                 asset_prefix: str = maps.assets.APP_PREFIX, engine: str | None = None,
                 embed: bool = False) -> folium.Map:
    """A complete map (base + layers) for a view, e.g. for a standalone snapshot."""
    m = maps.base_map(view_bounds(frame, view), view.basemap, asset_prefix)
    if not embed:
        geolayer.with_engine(m)
    explorer_layers(frame, view, bset, provenance, engine=engine, embed=embed).add_to(m)
    return m


def snapshot_html(frame: gpd.GeoDataFrame, view: View, bset: BoundarySet, provenance: Provenance) -> str:
    """The view as one HTML file that opens offline (scripts inlined), titled with its indicator."""
    title = i18n.t("html_title_map", view.lang, title=indicator_title(view), app=i18n.t("app_title", view.lang))
    if provenance.synthetic:
        title += f" ({provenance.label(view.lang)})"
    return maps.render_standalone(explorer_map(frame, view, bset, provenance, embed=True), title, view.lang)


def explorer_html(frame: gpd.GeoDataFrame, view: View, bset: BoundarySet, provenance: Provenance,
                  engine: str | None = None) -> str:
    """The map's HTML as the app serves it (assets and geometry by reference): the benchmarked step."""
    return explorer_map(frame, view, bset, provenance, engine=engine).get_root().render()
