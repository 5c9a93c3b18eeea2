"""Folium maps drawn from TopoJSON boundaries and per-area records, with no CDN and no raw data HTML.

Why not ``GeoDataFrame.explore``: it embeds full GeoJSON (3.6 MB for Bali's villages), pulls
scripts from CDNs, and inserts tooltip fields as raw HTML. Here the boundaries travel as
quantised TopoJSON built once in the cache, per-area values travel as JSON (with ``<``, ``>``
and ``&`` escaped so no string can close the script), and tooltips and popups are built with
``textContent`` in the browser, so a name like ``<img onerror=...>`` or ``${...}`` is shown as
text. Every element is a Leaflet layer, so a folium ``FeatureGroup`` holding them can be
swapped by streamlit-folium without reloading the base map.
"""
from __future__ import annotations

import re

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import folium
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.outputs import assets

TILES = {
    "light": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
              '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
              'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>'),
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
}
BASEMAPS = ("light", "osm", "none")
NODATA_FILL = "url(#geo-hatch)"


def js_json(value: object) -> str:
    """JSON safe to place inside a <script> element: no '<', '>', '&' or line separators.

    Nor ``{{``, ``{%`` or ``{#``: folium pages are Jinja templates, and although our layers
    never let their text be compiled (see ``_Layer.render``), a template opener in a name
    must not survive anywhere. Outside strings JSON never has a brace followed by ``{``,
    ``%`` or ``#``, so these pairs only occur inside strings, where the escape is valid.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            .replace("{{", "{\\u007b").replace("{%", "{\\u0025").replace("{#", "{\\u0023"))


def esc(text: object) -> str:
    """HTML-escape a text for markup the server builds (legend, title)."""
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------- base map


def base_map(bounds: Sequence[float], basemap: str = "light", asset_prefix: str = assets.APP_PREFIX,
             height: str | int = "100%") -> folium.Map:
    """A Leaflet map fitted to ``bounds`` (minx, miny, maxx, maxy) whose scripts are served locally."""
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   control_scale=True, zoom_snap=0.25, height=height)
    m.default_js = assets.js_links(asset_prefix)
    m.default_css = assets.css_links(asset_prefix)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if basemap in TILES:
        url, attribution = TILES[basemap]
        folium.TileLayer(url, attr=attribution, name=basemap, max_zoom=19).add_to(m)
    m.get_root().header.add_child(folium.Element(_BASE_CSS))
    _FocusWithoutScroll().add_to(m)
    return m


class _FocusWithoutScroll(MacroElement):
    """Keep keyboard navigation but stop the page jumping when the map takes focus.

    Leaflet focuses the map container on mousedown; inside the app's iframe that makes the
    page scroll the iframe into view between mousedown and mouseup, and the click is lost.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function (c) { var f = c.focus; c.focus = function () { return f.call(c, {preventScroll: true}); }; })
({{ this._parent.get_name() }}.getContainer());
{% endmacro %}
""")


_BASE_CSS = """<style>
.leaflet-container{background:#e8eef3;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.geo-tip b{display:block;margin-bottom:2px}
.geo-box{background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font-size:12px;line-height:1.35;max-width:280px}
.geo-box h4{margin:0 0 4px;font-size:13px}
.geo-title{font-size:13px;max-width:420px}
.geo-synthetic{color:#a50f15;font-weight:600}
.geo-box.geo-legend{max-height:calc(100vh - 90px);overflow-y:auto}
.geo-legend .row{display:flex;align-items:center;gap:6px;white-space:nowrap}
.geo-legend .sw{width:18px;height:12px;border:1px solid #777;flex:none}
.geo-legend .sw.nodata{background:repeating-linear-gradient(45deg,#bbb 0 2px,#f4f4f4 2px 5px)}
.geo-legend .cnt{color:#555;margin-left:auto;padding-left:8px}
.geo-legend .circ{border:1px solid #333;border-radius:50%;background:rgba(49,130,189,.55);flex:none}
</style>"""


# ---------------------------------------------------------------- tooltip text

Line = str | Sequence[str]


def intern_lines(records: dict[str, Sequence[Line]]) -> tuple[list[str], dict[str, list]]:
    """Encode tooltip lines compactly: fragments that repeat go into one shared table.

    A line is a string, or a sequence of fragments joined in the browser (e.g. a label and
    its value); every fragment seen more than once becomes an index into the table, so a
    label repeated on 716 villages travels once. All text stays text (built with
    ``textContent``).
    """
    seen: Counter = Counter()
    for lines in records.values():
        for line in lines:
            if isinstance(line, str):
                seen[line] += 1
            else:
                seen.update(map(str, line))
    table = [f for f, n in seen.items() if n > 1 and len(f) > 3]
    index = {f: i for i, f in enumerate(table)}

    def enc(line: Line):
        if isinstance(line, str):
            i = index.get(line)
            return line if i is None else [i]
        out = [index.get(f, f) for f in map(str, line)]
        return out[0] if len(out) == 1 and isinstance(out[0], str) else out

    return table, {code: [enc(line) for line in lines] for code, lines in records.items()}


# ---------------------------------------------------------------- layers


class _Text(Element):
    """Text placed in the page as it is, never compiled as a template."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class _Layer(MacroElement):
    """A Leaflet layer built by a script; added to its parent (map or feature group).

    branca's ``MacroElement.render`` wraps each rendered script in ``Element(text)``, which
    compiles the text as a Jinja template: data such as a name ``{{ ... }}`` would then run
    on the server (and a multi-megabyte script costs a second to parse). Our scripts are
    added as plain text instead.
    """

    def render(self, **kwargs) -> None:
        script = self._template.module.__dict__.get("script")
        if script is not None:
            self.get_root().script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


_COMMON_JS = """
if (!window.geoTip) {
  window.geoTip = function (lines, table) {
    var d = document.createElement('div'); d.className = 'geo-tip';
    lines.forEach(function (s, i) {
      var text = typeof s === 'string' ? s : s.map(function (p) {
        return typeof p === 'number' ? table[p] : p; }).join('');
      var e = document.createElement(i === 0 ? 'b' : 'div'); e.textContent = text; d.appendChild(e);
    });
    return d;
  };
  window.geoFeatures = function (t) {
    if (t.type === 'TopologyList') {
      var out = [];
      t.parts.forEach(function (p) { out = out.concat(topojson.feature(p, p.objects.areas).features); });
      return out;
    }
    return topojson.feature(t, t.objects.areas).features;
  };
  window.geoHatch = function () {
    if (document.getElementById('geo-hatch')) return;
    var ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
    svg.style.position = 'absolute';
    svg.innerHTML = '<defs><pattern id="geo-hatch" patternUnits="userSpaceOnUse" width="6" height="6" ' +
      'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>' +
      '<line x1="0" y1="0" x2="0" y2="6" stroke="#aaa" stroke-width="2.5"/></pattern></defs>';
    document.body.appendChild(svg);
  };
  window.geoControlLayer = function (position, cls, html) {
    var ctl = L.control({position: position});
    ctl.onAdd = function () {
      var d = L.DomUtil.create('div', 'geo-box ' + cls); d.innerHTML = html;
      L.DomEvent.disableClickPropagation(d); return d;
    };
    var Holder = L.Layer.extend({
      onAdd: function (map) { ctl.addTo(map); }, onRemove: function () { ctl.remove(); }
    });
    return new Holder();
  };
}
"""


class AreaLayer(_Layer):
    """Polygons from a TopoJSON, styled by class index per code, with text-only tooltips.

    ``records`` maps code -> (class index, tooltip lines); index -1 draws the hatched
    "no data" style, a code absent from ``records`` is drawn only when ``draw_missing``.
    ``outline_prefix`` > 0 also draws the outlines of the parent areas (codes sharing that
    many leading characters, e.g. 5 for regencies) from the same topology.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
""" + _COMMON_JS + """
var {{ this.get_name() }} = (function () {
  var topo = {{ this.topology }}, info = {{ this.records }}, colors = {{ this.colors }},
      opt = {{ this.options }}, table = {{ this.table }};
  geoHatch();
  var fs = geoFeatures(topo).filter(function (f) {
    return opt.draw_missing || info[f.id] !== undefined;
  });
  var text = function (s) {
    return typeof s === 'string' ? s : s.map(function (p) { return typeof p === 'number' ? table[p] : p; }).join('');
  };
  fs.forEach(function (f) {
    var r = info[f.id], lines = r ? r[1] : [];
    f.properties = {code: f.id, name: lines.length ? text(lines[0]) : f.id};
    var aria = opt.aria_lines.filter(function (i) { return i < lines.length; })
      .map(function (i) { return text(lines[i]); });
    if (aria.length) f.properties.aria = aria.join(', ');
  });
  var areas = L.geoJSON(fs, {
    interactive: opt.interactive,
    style: function (f) {
      var r = info[f.id], c = r ? r[0] : -1;
      var s = {color: opt.line, weight: opt.weight, opacity: opt.line_opacity};
      if (!opt.fill) { s.fill = false; return s; }
      if (c < 0) { s.fillColor = opt.nodata_fill; s.fillOpacity = 1; s.className = 'geo-nodata'; }
      else { s.fillColor = colors[c]; s.fillOpacity = opt.opacity; }
      return s;
    },
    onEachFeature: function (f, l) {
      var r = info[f.id];
      if (!r || !opt.interactive) return;
      // No focus on mousedown: focusing a shape makes the page around the map's iframe
      // scroll it into view, and the click then lands elsewhere and is lost.
      l.on('add', function () { L.DomEvent.on(l.getElement(), 'mousedown', L.DomEvent.preventDefault); });
      l.bindTooltip(function () { return geoTip(r[1], table); }, {sticky: true});
      if (opt.popup) l.bindPopup(function () { return geoTip(r[1], table); });
      if (opt.highlight.indexOf(f.id) >= 0) { l.setStyle({weight: 3, color: '#111'}); }
    }
  });
  // framing, keyboard, names and tooltips kept inside the map: geomapkit.js (docs/interactive-maps.md)
  if (window.GeoMapKit && opt.kit) {
    var kitOpt = Object.assign({}, opt.kit, {keyboard: opt.kit.keyboard && opt.interactive});
    areas.on('add', function () { GeoMapKit.enhance(areas._map, areas, kitOpt); });
  }
  if (!opt.outline_prefix) return areas;
  // Upper-level outlines from the same topology: arcs between areas of different parents
  // (code prefixes) and the coast, among the areas drawn. No extra geometry is sent.
  var n = opt.outline_prefix, parts = topo.type === 'TopologyList' ? topo.parts : [topo];
  var drawn = function (g) { return opt.draw_missing || info[g.id] !== undefined; };
  var lines = parts.map(function (p) {
    return topojson.mesh(p, p.objects.areas, function (a, b) {
      if (!drawn(a) && !drawn(b)) return false;
      return a === b || !drawn(a) || !drawn(b) || a.id.slice(0, n) !== b.id.slice(0, n);
    });
  });
  var mesh = L.geoJSON({type: 'FeatureCollection', features: lines.map(function (g) {
    return {type: 'Feature', properties: {}, geometry: g}; })},
    {interactive: false, style: {color: opt.outline_color, weight: opt.outline_weight, fill: false}});
  return L.featureGroup([areas, mesh]);
})();
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, topology: str, records: dict[str, tuple[int, list[str]]], colors: Sequence[str],
                 name: str = "areas", fill: bool = True, interactive: bool = True,
                 draw_missing: bool = True, line: str = "#ffffff", weight: float = 0.6,
                 line_opacity: float = 1.0, opacity: float = 0.85, popup: bool = False,
                 highlight: Sequence[str] = (), outline_prefix: int = 0, outline_color: str = "#444444",
                 outline_weight: float = 1.4, kit: "Kit | None" = None, aria_lines: Sequence[int] = (0, 2)):
        super().__init__()
        self._name = name
        self.topology = topology  # already JSON built by our own code (numbers and codes)
        table, encoded = intern_lines({c: lines for c, (_, lines) in records.items()})
        self.records = js_json({c: [int(k), encoded[c]] for c, (k, _) in records.items()})
        self.table = js_json(table)
        self.colors = js_json(list(colors))
        self.options = js_json({"fill": fill, "interactive": interactive, "draw_missing": draw_missing,
                                "line": line, "weight": weight, "line_opacity": line_opacity,
                                "opacity": opacity, "nodata_fill": NODATA_FILL, "popup": popup,
                                "highlight": list(highlight), "outline_prefix": outline_prefix,
                                "outline_color": outline_color, "outline_weight": outline_weight,
                                "kit": kit.options() if kit else None, "aria_lines": list(aria_lines)})


@dataclass(frozen=True)
class Kit:
    """What geomapkit.js does for an area layer (docs/interactive-maps.md): frame the map on it (or on
    the area ``focus``), give each area a keyboard stop, and write names where they fit."""

    fit: bool = True
    focus: str | None = None
    within: str | None = None  # frame only the areas whose code starts with this
    keyboard: bool = True
    labels: bool = True
    label_priority: int = 0
    label_all: bool = False  # every name, whatever the area's size (e.g. 9 regencies)
    label_big: bool = False

    def options(self) -> dict:
        return {"fit": self.fit, "focus": self.focus, "within": self.within, "keyboard": self.keyboard, "labels": self.labels,
                "labelPriority": self.label_priority, "labelAll": self.label_all, "labelBig": self.label_big}


class SymbolLayer(_Layer):
    """Proportional circles (pixel radius) at points, for counts of people."""

    _template = Template("""
{% macro script(this, kwargs) %}
""" + _COMMON_JS + """
var {{ this.get_name() }} = (function () {
  var pts = {{ this.points }}, opt = {{ this.options }}, table = {{ this.table }}, g = L.featureGroup();
  pts.forEach(function (p) {
    var m = L.circleMarker([p[0], p[1]], {radius: p[2], color: opt.stroke, weight: 1,
      fillColor: opt.fill, fillOpacity: opt.opacity, interactive: opt.interactive});
    m.feature = {type: 'Feature', properties: {code: p[3]}, geometry: null};
    if (opt.interactive) {
      m.bindTooltip(function () { return geoTip(p[4], table); }, {sticky: true});
      if (opt.popup) m.bindPopup(function () { return geoTip(p[4], table); });
    }
    g.addLayer(m);
  });
  return g;
})();
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, points: pd.DataFrame, fill: str = "#3182bd", stroke: str = "#08306b",
                 opacity: float = 0.55, popup: bool = False, interactive: bool = True):
        """``points`` has columns lat, lng, radius, code and (when interactive) lines."""
        super().__init__()
        self._name = "symbols"
        pts = points.sort_values("radius", ascending=False)
        lines = {str(r.code): (r.lines if interactive else []) for r in pts.itertuples()}
        table, encoded = intern_lines(lines)
        self.points = js_json([[round(float(r.lat), 5), round(float(r.lng), 5), round(float(r.radius), 1),
                                str(r.code), encoded[str(r.code)]] for r in pts.itertuples()])
        self.table = js_json(table)
        self.options = js_json({"fill": fill, "stroke": stroke, "opacity": opacity, "popup": popup,
                                "interactive": interactive})


class BoxLayer(_Layer):
    """A box of server-built HTML (legend, title) that comes and goes with its parent layer."""

    _template = Template("""
{% macro script(this, kwargs) %}
""" + _COMMON_JS + """
var {{ this.get_name() }} = geoControlLayer({{ this.position }}, {{ this.css_class }}, {{ this.html }});
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, html_text: str, position: str = "bottomright", css_class: str = ""):
        super().__init__()
        self._name = "box"
        self.html = js_json(html_text)
        self.position = js_json(position)
        self.css_class = js_json(css_class)


# ---------------------------------------------------------------- legend and title


@dataclass
class LegendClass:
    color: str
    label: str
    count: int


@dataclass
class Legend:
    title: str
    classes: list[LegendClass] = field(default_factory=list)
    nodata_label: str | None = None
    nodata_count: int = 0
    symbols: list[tuple[float, str]] = field(default_factory=list)  # (radius px, label)
    note: str | None = None


def legend_html(legend: Legend) -> str:
    """A stepped legend: one row per class with its bounds and count, then "no data"."""
    rows = [f"<h4>{esc(legend.title)}</h4>"]
    for c in legend.classes:
        rows.append(f'<div class="row"><span class="sw" style="background:{esc(c.color)}"></span>'
                    f'<span>{esc(c.label)}</span><span class="cnt">{c.count}</span></div>')
    for radius, label in legend.symbols:
        d = 2 * radius
        rows.append(f'<div class="row"><span class="circ" style="width:{d:.0f}px;height:{d:.0f}px"></span>'
                    f'<span>{esc(label)}</span></div>')
    if legend.nodata_label is not None:
        rows.append(f'<div class="row"><span class="sw nodata"></span><span>{esc(legend.nodata_label)}</span>'
                    f'<span class="cnt">{legend.nodata_count}</span></div>')
    if legend.note:
        rows.append(f'<div style="margin-top:4px;color:#555">{esc(legend.note)}</div>')
    return "".join(rows)


def title_html(title: str, subtitle: str | None = None, synthetic_label: str | None = None) -> str:
    parts = [f"<h4>{esc(title)}</h4>"]
    if subtitle:
        parts.append(f"<div>{esc(subtitle)}</div>")
    if synthetic_label:
        parts.append(f'<div class="geo-synthetic">{esc(synthetic_label)}</div>')
    return "".join(parts)


# ---------------------------------------------------------------- output


def render_standalone(m: folium.Map, title: str | None = None, lang: str | None = None) -> str:
    """The map as one HTML file that opens offline: every script and stylesheet inlined; its
    ``<title>`` (what a browser tab and a bookmark show) and ``<html lang>`` in the language."""
    html = assets.inline(m.get_root().render())
    if title:
        html = re.sub(r"<title>.*?</title>", "", html, count=1, flags=re.S)
        html = html.replace("<head>", f"<head>\n    <title>{esc(title)}</title>", 1)
    if lang:
        html = html.replace("<html>", f'<html lang="{esc(lang)}">', 1)
    return html
