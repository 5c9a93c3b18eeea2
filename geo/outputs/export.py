"""Map snapshots a presenter can take away: the PNG and the standalone offline HTML of the
explorer's view and of a target list's map, each labelled with its source (and SYNTHETIC for
the demo) and the boundary credit."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs import mapnames, palettes, targetmap
from geo.outputs.png import NEUTRAL, PNG_SIZE, PngMap, _wrap, categories_spec, render_png


def explorer_png_spec(frame: gpd.GeoDataFrame, view, bset: BoundarySet, provenance: Provenance) -> PngMap:
    """The app's map for ``view`` (a :class:`geo.choropleth.View`) as a :class:`PngMap`."""
    from geo.analysis import classify
    from geo.outputs import choropleth

    view = view.checked()
    lang = view.lang
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    shown = choropleth.subset(frame, view)
    values = choropleth.map_values(shown, view)
    fmt = choropleth.value_format(view)
    web = bset.web[view.level][["code", "geometry"]]
    value_by_code = pd.Series(values.values, index=shown["code"].values)
    areas = web[web["code"].isin(value_by_code.index)].copy()
    title = choropleth.indicator_title(view)
    names, kind = mapnames.view_names(bset, view.level, areas["code"])
    common = dict(title=title, legend_title=_wrap(title, 34), nodata_label=t("no_data"),
                  names=names, names_kind=kind,
                  source_line=provenance.line(lang),
                  subtitle=choropleth.map_subtitle(view, bset, provenance.source),
                  synthetic_label=provenance.label(lang), lang=lang)
    if view.level != "regency":
        outline = bset.web["regency"]
        if view.regency:
            outline = outline[outline["code"] == view.regency]
        common["outline"] = outline
    if view.symbols:
        areas["cls"] = [-1 if pd.isna(value_by_code.get(c)) else 0 for c in areas["code"]]
        present = value_by_code.dropna().clip(lower=0)
        vmax = float(present.max()) if len(present) and present.max() > 0 else 1.0
        pts = bset.full[view.level].set_index("code").loc[present.index].geometry.representative_point()
        max_d = 2 * choropleth.MAX_RADIUS_PX * 0.75 * 1.6  # px at 96 dpi -> points, a little larger for print
        sym = pd.DataFrame({"lon": pts.x.values, "lat": pts.y.values,
                            "size_pt": np.maximum(max_d * np.sqrt(present.values / vmax), 2.0)})
        refs = [choropleth._nice(r) for r in (vmax, vmax / 4, vmax / 16) if r > 0]
        return PngMap(areas=areas, colors=[NEUTRAL], labels=[], counts=[], symbols=sym,
                      symbol_legend=[(max_d * math.sqrt(r / vmax), fmt(r)) for r in refs],
                      note=t("symbols_note"), **common)
    classes = choropleth.classes_for(shown, view)
    cls_by_code = pd.Series(classes.index.values, index=shown["code"].values)
    areas["cls"] = areas["code"].map(cls_by_code).fillna(-1).astype(int)
    box_names = [t(f"box_{i}") for i in range(6)]
    note = t(f"scheme_{view.scheme}") + (" · " + t(f"note_{classes.note}") if classes.note else "")
    return PngMap(areas=areas, colors=palettes.colors_for(classes, view.indicator), labels=classify.labels(classes, fmt, box_names),
                  counts=classes.counts, note=note, **common)


def snapshot_png(frame: gpd.GeoDataFrame, view, bset: BoundarySet, provenance: Provenance,
                 size: tuple[int, int] = PNG_SIZE) -> bytes:
    """The map of ``view`` as PNG bytes (default 1600 x 1200 px)."""
    return render_png(explorer_png_spec(frame, view, bset, provenance), size)


def snapshot_html(frame: gpd.GeoDataFrame, view, bset: BoundarySet, provenance: Provenance) -> str:
    """The map of ``view`` as one HTML file that opens offline (Leaflet and topojson inlined)."""
    from geo.outputs import choropleth
    return choropleth.snapshot_html(frame, view.checked(), bset, provenance)


def map_html(m, title: str | None = None, lang: str | None = None) -> str:
    """Any map built with :mod:`geo.maps` (e.g. the cluster map) as a standalone HTML file,
    with its ``<title>`` in ``lang``."""
    from geo.outputs import maps
    return maps.render_standalone(m, title, lang)


SELECTION_NAMES_MAX = 60  # a target list's map names its villages up to this many


def selection_spec(bset: BoundarySet, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                   provenance: Provenance, village: pd.DataFrame | None = None, settings=None,
                   list_name: str | None = None) -> PngMap:
    """The targeting page's map (selected villages, the shortest path, the rest) as a
    :class:`PngMap`, framed on the regencies of the selected villages and naming them when
    there are at most :data:`SELECTION_NAMES_MAX`; with the village frame and the settings,
    the title block says the list's name, settings, budget and the coverage it reaches."""
    from geo.outputs import listtitle

    t = lambda key: i18n.t(key, lang)  # noqa: E731
    cats = targetmap.selection_categories(list(bset.full["village"]["code"]), selected, path)
    cats = cats[cats.index.isin(set(table["code"]))]  # villages without figures: "no data"
    labels = {"other": t("tl_map_other"), "selected": t("tl_map_selected"), "path": t("tl_map_path")}
    chosen = [c for c in dict.fromkeys(selected) if c in set(bset.full["village"]["code"])]
    more: dict = {}
    if chosen:
        regencies = bset.web["regency"][bset.web["regency"]["code"].isin({c[:5] for c in chosen})]
        more["extent"] = tuple(float(v) for v in regencies.total_bounds)
        if len(chosen) <= SELECTION_NAMES_MAX:
            more["names"], more["names_kind"] = mapnames.names_table(bset.web["village"], chosen), "village"
        else:
            more["names"], more["names_kind"] = mapnames.names_table(regencies), "regency"
    title, subtitle = t("tl_map_title"), f"{t('source')}: {provenance.source}"
    if village is not None and settings is not None:
        block = listtitle.list_title(village, selected, settings, lang, list_name, bset.names())
        title, more["header_lines"] = block.title, block.lines
    spec = categories_spec(bset.web["village"], cats, list(reversed(targetmap.SELECTION_ORDER)),
                           targetmap.SELECTION_COLORS, labels, title, provenance, lang, subtitle=subtitle,
                           outline=bset.web["regency"], **more)
    spec.legend_title = t("tl_map_title")  # the list's name is in the title
    return spec


def selection_png(bset: BoundarySet, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                  provenance: Provenance, size: tuple[int, int] = PNG_SIZE, village: pd.DataFrame | None = None,
                  settings=None, list_name: str | None = None) -> bytes:
    """The targeting page's map as PNG (:func:`selection_spec`)."""
    return render_png(selection_spec(bset, table, selected, path, lang, provenance, village, settings, list_name),
                      size)


def selection_html(bset: BoundarySet, table: pd.DataFrame, selected: list[str], path: list[str], lang: str,
                   provenance: Provenance, suppress: int = 0, village: pd.DataFrame | None = None,
                   settings=None, list_name: str | None = None) -> str:
    """The targeting page's map as a standalone HTML file that opens offline; with the village
    frame and the settings its title box carries the list's title block (as the PNG's)."""
    from geo.outputs import listtitle, maps
    m = maps.base_map(tuple(bset.web["regency"].total_bounds), "light")
    title = None
    if village is not None and settings is not None:
        block = listtitle.list_title(village, selected, settings, lang, list_name, bset.names())
        title = (block.title, block.lines)
    targetmap.selection_layers(bset, table, selected, path, lang, provenance, suppress, title=title).add_to(m)
    html_title = i18n.t("html_title_map", lang, title=title[0] if title else i18n.t("tl_map_title", lang),
                        app=i18n.t("app_title", lang))
    if provenance.synthetic:
        html_title += f" ({provenance.label(lang)})"
    return map_html(m, html_title, lang)
