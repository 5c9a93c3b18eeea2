"""Map snapshots a presenter can take away: the PNG and the standalone offline HTML of the
explorer's view and of a target list's map, each labelled with its source (and SYNTHETIC for
the demo) and the boundary credit."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.boundaries import BoundarySet
from geo.core import i18n
from geo.core.provenance import Provenance
from geo.outputs import mapnames, targetmap
from geo.outputs.mapspec import MapSpec
from geo.outputs.png import PNG_SIZE, categories_spec, render_png


def snapshot_png(frame: gpd.GeoDataFrame, view, bset: BoundarySet, provenance: Provenance,
                 size: tuple[int, int] = PNG_SIZE) -> bytes:
    """The map of ``view`` as PNG bytes (default 1600 x 1200 px): the spec the web map draws."""
    from geo.outputs import choropleth
    return render_png(choropleth.explorer_spec(frame, view, bset, provenance), size)


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
                   list_name: str | None = None) -> MapSpec:
    """The targeting page's map (selected villages, the shortest path, the rest) as a
    :class:`MapSpec`, framed on the regencies of the selected villages and naming them when
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
