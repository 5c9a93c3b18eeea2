"""Geometry once, values per change: the map engine behind the explorer.

Why: the inline engine (``maps.AreaLayer``) puts the whole TopoJSON and every tooltip's text
into the map script, and streamlit-folium sends that script again on every change (335 KB
for Bali's villages, 3.8 MB for the region's). Here each layer's geometry, with what never
changes about its areas (codes, names, kind, parent regency, label points), is one
content-hashed JSON file under ``static/geo/`` that the app serves (``/app/static/geo/...``);
the browser fetches it once and keeps the decoded shapes (and the Leaflet layers built from
them) for the life of the map, so a change carries only classes, colours and the numbers the
tooltips show, aligned with the file's order of areas. Tooltips are assembled in the browser
with ``textContent`` from those numbers (formatted with the language's separators) and from
label fragments the server sends, so text from data stays text.

Large views (more than ``CANVAS_ABOVE`` areas) draw on a canvas (``L.canvas``): thousands
of SVG paths are what made the region slow to draw; tooltips and clicks keep working because
Leaflet's canvas renderer hit-tests them. Exported HTML embeds the same file in the page
(``embed=True``) so it opens offline.

The drawn map says so on its container: ``data-geo-drawn`` is the number of areas drawn and
``data-geo-seq`` counts the draws (browser tests and the bench wait on them).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from jinja2 import Template

from geo.boundaries import BoundarySet
from geo.core.paths import PROJECT_ROOT, write_atomic
from geo.outputs import maps

STATIC_DIR = PROJECT_ROOT / "static" / "geo"
URL_PREFIX = "/app/static/geo/"
CANVAS_ABOVE = 3000  # areas; Bali's 716 villages stay SVG
FORMAT_VERSION = "1"
ENGINES = ("values", "inline")


def engine() -> str:
    """The map engine in use: ``values`` (geometry once) unless ``GEO_MAP_ENGINE=inline``."""
    name = os.environ.get("GEO_MAP_ENGINE", "values")
    return name if name in ENGINES else "values"


@dataclass(frozen=True)
class LayerFile:
    """One layer's static geometry file: its content key, URL, and the order of its areas."""

    key: str
    url: str
    path: Path
    ids: tuple[str, ...]
    index: dict

    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


_FILES: dict[tuple, LayerFile] = {}


def layer_file(bset: BoundarySet, level: str, within: str | None, geometry: str,
               static_dir: Path = STATIC_DIR) -> LayerFile:
    """The geometry file of a layer, written once (atomically) under ``static_dir``.

    The key hashes the TopoJSON and the format version, so a rebuilt cache gets a new file
    and the browser never draws stale shapes; processes serving the same cache write the same
    file. Kept per process: the order of areas is parsed once.
    """
    topology = bset.topology_for(level, within, geometry)
    digest = hashlib.sha256((FORMAT_VERSION + level + topology).encode()).hexdigest()[:20]
    memo = (digest, str(static_dir))
    if memo in _FILES:
        return _FILES[memo]
    topo = json.loads(topology)
    parts = topo["parts"] if topo.get("type") == "TopologyList" else [topo]
    ids = tuple(str(g.get("id")) for p in parts for g in p["objects"]["areas"]["geometries"])
    path = static_dir / f"{level}-{digest}.json"
    if not path.is_file():
        full = bset.full[level].set_index("code")
        rows = full.reindex(list(ids))
        points = rows.geometry.representative_point() if len(rows) else rows.geometry
        kinds = ["desa", "kelurahan"]
        reg_names = bset.names("regency")
        body = {
            "v": FORMAT_VERSION, "level": level,
            "names": [("" if isinstance(n, float) else str(n)) for n in rows["name"]],
            "kind": ([kinds.index(k) if k in kinds else 2 for k in rows["kind"]]
                     if "kind" in rows else None),
            "reg": ([reg_names.get(str(c), "") for c in rows["regency_code"]]
                    if "regency_code" in rows else None),
            "pts": [None if (p is None or p.is_empty) else [round(p.y, 5), round(p.x, 5)] for p in points],
        }
        text = '{"topo":' + topology + "," + json.dumps(body, ensure_ascii=False, separators=(",", ":"))[1:]
        write_atomic(path, text)
    out = LayerFile(digest, URL_PREFIX + path.name, path, ids, {c: i for i, c in enumerate(ids)})
    _FILES[memo] = out
    return out


_ENGINE_JS = """
if (!window.geoEngine) {
  window.geoEngine = (function () {
    var store = {}, hatch = null;
    function canvasHatch() {
      if (hatch) return hatch;
      var c = document.createElement('canvas'); c.width = 6; c.height = 6;
      var x = c.getContext('2d'); x.fillStyle = '#f4f4f4'; x.fillRect(0, 0, 6, 6);
      x.strokeStyle = '#aaa'; x.lineWidth = 2; x.beginPath(); x.moveTo(-1, 7); x.lineTo(7, -1); x.stroke();
      hatch = x.createPattern(c, 'repeat'); return hatch;
    }
    // Circles of a large view (thousands) drawn in one pass on a canvas of their own: adding
    // and removing 12,500 circle markers cost Leaflet seconds per change; these circles take no
    // clicks (the areas under them do), so one canvas that follows the map is enough.
    var Dots = L.Layer.extend({
      initialize: function (pts, order, rad, sym) { this._pts = pts; this._order = order; this._rad = rad; this._sym = sym; },
      onAdd: function (map) {
        this._c = L.DomUtil.create('canvas', 'geo-dots leaflet-zoom-hide');
        this._c.style.pointerEvents = 'none';
        map.getPanes().overlayPane.appendChild(this._c);
        map.on('moveend zoomend resize viewreset', this._draw, this);
        this._draw();
      },
      onRemove: function (map) {
        map.off('moveend zoomend resize viewreset', this._draw, this);
        L.DomUtil.remove(this._c);
      },
      _draw: function () {
        var map = this._map, size = map.getSize(), c = this._c, dpr = window.devicePixelRatio || 1;
        c.width = size.x * dpr; c.height = size.y * dpr;
        c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
        L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
        var g = c.getContext('2d'), sym = this._sym;
        g.scale(dpr, dpr); g.lineWidth = 1; g.strokeStyle = sym.stroke; g.fillStyle = sym.fill;
        for (var n = 0; n < this._order.length; n++) {
          var k = this._order[n], r = this._rad[k], q = map.latLngToContainerPoint(this._pts[k]);
          if (q.x < -r || q.y < -r || q.x > size.x + r || q.y > size.y + r) continue;
          g.beginPath(); g.arc(q.x, q.y, r, 0, 2 * Math.PI);
          g.globalAlpha = sym.opacity; g.fill(); g.globalAlpha = 1; g.stroke();
        }
        this._c.setAttribute('data-geo-dots', String(this._order.length));
      }
    });
    function decode(s) {
      var t = s.data.topo, parts = t.type === 'TopologyList' ? t.parts : [t], out = [];
      parts.forEach(function (p) { out = out.concat(topojson.feature(p, p.objects.areas).features); });
      s.features = out; s.parts = parts; s.meshes = {};
    }
    function load(key, src) {
      var s = store[key] || (store[key] = {key: key});
      if (s.data) return null;
      if (!s.promise) {
        var inline = window.geoInline && window.geoInline[key];
        s.promise = (inline ? Promise.resolve(inline) : fetch(src, {credentials: 'same-origin'}).then(function (r) {
          if (!r.ok) throw new Error('map geometry ' + r.status); return r.json(); }))
          .then(function (d) { s.data = d; decode(s); return s; },
                function (e) { delete s.promise; throw e; });
      }
      return s.promise;
    }
    function num(x, dec, F) {
      var s = Math.abs(x).toFixed(dec), p = s.split('.');
      var out = p[0].replace(/\\B(?=(\\d{3})+(?!\\d))/g, F.g) + (p.length > 1 ? F.d + p[1] : '');
      return (x < 0 && Number(s) !== 0 ? '-' : '') + out;
    }
    function fmt(x, kind, F) {
      if (x === null || x === undefined) return '\u2013';  // as i18n.fmt_num shows a missing number
      if (typeof x === 'string') return x;  // the server's own text (e.g. a hidden small count)
      if (kind === 'pct') return num(x, 1, F) + F.pct;
      if (kind === 'pp') return (x > 0 ? '+' : '') + num(x, 1, F) + F.pp;
      if (kind === 'dens') return num(x, Math.abs(x) < 100 ? 1 : 0, F);
      return num(x, 0, F);
    }
    function lines(s, p, i) {
      var d = s.data, lab = p.lab, F = p.fmt, code = s.features[i].id;
      var out = [p.names && p.names[i] !== undefined ? p.names[i] : (d.names[i] || '')];
      var where = code;
      if (p.level === 'village') where = lab.kinds[d.kind ? d.kind[i] : 2] + code;
      if (p.level !== 'regency') where += ' \\u00b7 ' + (d.reg ? d.reg[i] : '');
      out.push(where);
      var v = p.v[i], extra = p.extra[i];
      if (v === null || v === undefined) { out.push(extra !== undefined && p.extra_nodata[i] ? extra : lab.no_data); return out; }
      out.push(lab.title + fmt(v, p.vk, F));
      out.push(lab.workers + fmt(p.w[i], 'n', F) + lab.covered + fmt(p.c[i], 'n', F) + ' (' + fmt(p.r[i], 'pct', F) + ')');
      if (p.n) out.push(lab.need + fmt(p.n[i], 'n', F));
      if (extra !== undefined && !p.extra_nodata[i]) out.push(extra);
      return out;
    }
    function tip(text) {
      var el = document.createElement('div'); el.className = 'geo-tip';
      text.forEach(function (t, i) {
        var e = document.createElement(i === 0 ? 'b' : 'div'); e.textContent = t; el.appendChild(e); });
      return el;
    }
    function build(s, p, group, map) {
      var started = Date.now(), large = s.features.length > p.canvas_above, renderer = null;
      if (large) renderer = map._geoCanvas || (map._geoCanvas = L.canvas({padding: 0.3, tolerance: 2}));
      if (!s.layers) {
        s.layers = s.features.map(function (f, i) {
          if (!f.geometry) return null;
          f.properties = {code: f.id, name: s.data.names[i] || ''};
          var l = L.GeoJSON.geometryToLayer(f, renderer ? {renderer: renderer} : {});
          l.feature = f; l._geoI = i;
          l.bindTooltip(function () { return tip(lines(s, l._geoP, i)); }, {sticky: true});
          l.on('add', function () {
            var e = l.getElement && l.getElement();
            if (!e) return;
            // No focus on mousedown: focusing a shape makes the page around the map's iframe
            // scroll it into view, and the click then lands elsewhere and is lost.
            L.DomEvent.on(e, 'mousedown', L.DomEvent.preventDefault);
            if (l._geoNodata) L.DomUtil.addClass(e, 'geo-nodata'); else L.DomUtil.removeClass(e, 'geo-nodata');
          });
          return l;
        });
      }
      // The shapes stay on the map from change to change (in a group of their own, not in the
      // feature group streamlit-folium swaps): a change restyles them. Adding 12,500 shapes
      // again cost seconds (Leaflet projects every point on add); restyling repaints once.
      if (!s.persist) {
        s.areas = L.featureGroup(); s.persist = L.featureGroup([s.areas]);
        // clicks reach the swapped group too, which streamlit-folium listens to
        s.persist.on('click', function (e) {
          if (s.current) s.current.fire('click', {layer: e.layer, latlng: e.latlng, sourceTarget: e.sourceTarget}, true);
        });
      }
      s.current = group;
      Object.keys(store).forEach(function (k) {  // another layer file (another level or regency)
        var other = store[k];
        if (other !== s && other.persist && map.hasLayer(other.persist)) map.removeLayer(other.persist);
      });
      var o = p.opt, drawn = 0, sig = '', areas = s.areas;
      for (var i = 0; i < s.layers.length; i++) {
        var l = s.layers[i], c = p.cls.charAt(i);
        sig += c === 'x' ? '0' : '1';
        if (!l) continue;
        if (c === 'x') { if (areas.hasLayer(l)) areas.removeLayer(l); continue; }
        var st = {color: o.line, weight: o.weight, opacity: o.line_opacity};
        l._geoNodata = c === 'n';
        if (c === 'n') { st.fillColor = renderer ? canvasHatch() : o.nodata_fill; st.fillOpacity = 1; }
        else { st.fillColor = p.colors[+c]; st.fillOpacity = o.opacity; }
        if (o.highlight.indexOf(l.feature.id) >= 0) { st.weight = 3; st.color = '#111'; }
        l.setStyle(st); l._geoP = p;
        var el = l.getElement && l.getElement();
        if (el) { if (l._geoNodata) L.DomUtil.addClass(el, 'geo-nodata'); else L.DomUtil.removeClass(el, 'geo-nodata'); }
        var nm = p.names && p.names[i] !== undefined ? p.names[i] : (s.data.names[i] || '');
        var v = p.v[i];
        l.feature.properties.name = nm;
        l.feature.properties.aria = nm + ', ' + (v === null || v === undefined ? p.lab.no_data : p.lab.title + fmt(v, p.vk, p.fmt));
        if (!areas.hasLayer(l)) areas.addLayer(l);
        drawn++;
      }
      if (s.mesh) { s.persist.removeLayer(s.mesh); s.mesh = null; }
      if (o.outline_prefix) {
        var key = o.outline_prefix + ':' + sig;
        if (!s.meshes[key]) {
          var n = o.outline_prefix, on = {};
          for (var j = 0; j < s.features.length; j++) on[s.features[j].id] = sig.charAt(j) === '1';
          var geoms = s.parts.map(function (part) {
            return topojson.mesh(part, part.objects.areas, function (a, b) {
              var da = on[a.id], db = on[b.id];
              if (!da && !db) return false;
              return a === b || !da || !db || a.id.slice(0, n) !== b.id.slice(0, n);
            });
          });
          s.meshes[key] = L.geoJSON({type: 'FeatureCollection', features: geoms.map(function (g) {
            return {type: 'Feature', properties: {}, geometry: g}; })},
            {interactive: false, renderer: renderer || undefined,
             style: {color: o.outline_color, weight: o.outline_weight, fill: false}});
        }
        s.mesh = s.meshes[key]; s.persist.addLayer(s.mesh);
      }
      if (!map.hasLayer(s.persist)) s.persist.addTo(map);
      if (p.rad) {
        var order = [];
        for (var k = 0; k < p.rad.length; k++) if (p.rad[k] > 0 && s.data.pts[k]) order.push(k);
        order.sort(function (a, b) { return p.rad[b] - p.rad[a]; });
        if (large) group.addLayer(new Dots(s.data.pts, order, p.rad, p.sym));
        else order.forEach(function (k) {
          group.addLayer(L.circleMarker(s.data.pts[k], {radius: p.rad[k], color: p.sym.stroke, weight: 1,
            fillColor: p.sym.fill, fillOpacity: p.sym.opacity, interactive: false,
            renderer: renderer || undefined}));
        });
      }
      // framing, keyboard, names and tooltips kept inside the map: geomapkit.js (docs/interactive-maps.md);
      // enhanced again when the areas or the options change, else only the names follow
      if (window.GeoMapKit && p.kit) {
        var kitKey = JSON.stringify(p.kit) + sig, kit = map._geoKit;
        var entry = kit && kit.layers.filter(function (e) { return e.layer === areas; })[0];
        if (!entry || s.kitKey !== kitKey) {
          if (kit) kit.layers = kit.layers.filter(function (e) {
            if (e.layer !== areas) return true;
            if (e.proxies && e.proxies.parentNode) e.proxies.parentNode.removeChild(e.proxies);
            if (e.outline) map.removeLayer(e.outline);
            return false;
          });
          GeoMapKit.enhance(map, areas, p.kit); s.kitKey = kitKey;
        } else if (entry.proxies) {
          var bs = entry.proxies.querySelectorAll('button[data-code]');
          for (var q = 0; q < bs.length; q++) {
            var ql = entry.byCode[bs[q].getAttribute('data-code')];
            if (ql) bs[q].setAttribute('aria-label', ql.feature.properties.aria);
          }
        }
      }
      var mark = function () {
        var c = map.getContainer();
        c.setAttribute('data-geo-drawn', String(drawn));
        c.setAttribute('data-geo-seq', String((+c.getAttribute('data-geo-seq') || 0) + 1));
        c.setAttribute('data-geo-renderer', renderer ? 'canvas' : 'svg');
        c.setAttribute('data-geo-build-ms', String(Date.now() - started));  // restyle to painted
      };
      if (window.requestAnimationFrame) requestAnimationFrame(function () { requestAnimationFrame(mark); });
      else mark();
    }
    function findMap(layer) {
      if (layer instanceof L.Map) return layer;
      return layer._map || window.map || null;
    }
    return {
      layer: function (p, parent) {
        var group = L.featureGroup();
        geoHatch();
        var go = function () {
          var map = findMap(parent) || group._map;
          if (!map) { setTimeout(go, 20); return; }
          build(store[p.key], p, group, map);
        };
        group._geoGo = go; group._geoPending = load(p.key, p.src);
        return group;
      },
      start: function (group) {
        if (group._geoPending === null) group._geoGo();
        else group._geoPending.then(group._geoGo, function (e) { console.error(e); });
      },
      store: store, lines: lines
    };
  })();
}
"""


_ENGINE_FILE: dict[str, str] = {}


def engine_url(static_dir: Path = STATIC_DIR) -> str:
    """The engine's script as a content-hashed static file (written once), so that a change
    does not send it again: the page loads it once with Leaflet."""
    if str(static_dir) not in _ENGINE_FILE:
        text = maps._COMMON_JS + _ENGINE_JS
        name = "engine-" + hashlib.sha256(text.encode()).hexdigest()[:16] + ".js"
        path = static_dir / name
        if not path.is_file():
            write_atomic(path, text)
        _ENGINE_FILE[str(static_dir)] = URL_PREFIX + name
    return _ENGINE_FILE[str(static_dir)]


def with_engine(m):
    """Load the engine's script in map ``m`` (a folium Map) beside Leaflet."""
    m.default_js = [*m.default_js, ("geoengine", engine_url())]
    return m


class ValueLayer(maps._Layer):
    """Polygons from a layer file, styled and labelled from a values-only payload.

    The engine's script comes with the page (:func:`with_engine`), or inline when embedded.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this.engine }}
{{ this.inline }}
var {{ this.get_name() }} = geoEngine.layer({{ this.payload }}, {{ this._parent.get_name() }});
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
geoEngine.start({{ this.get_name() }});
{% endmacro %}
""")

    def __init__(self, lfile: LayerFile, payload: dict, embed: bool = False):
        super().__init__()
        self._name = "areas"
        self.payload = maps.js_json(dict(payload, key=lfile.key, src=None if embed else lfile.url,
                                          canvas_above=CANVAS_ABOVE))
        # The file is our own JSON (numbers, codes, official names); names are escaped for a
        # script element the same way as any JSON we place there.
        self.inline = ""
        self.engine = (maps._COMMON_JS + _ENGINE_JS) if embed else ""
        if embed:
            data = maps.js_json(json.loads(lfile.text()))
            self.inline = (f"window.geoInline = window.geoInline || {{}}; "
                           f"window.geoInline[{json.dumps(lfile.key)}] = {data};")


def class_string(index: dict, codes: Sequence[str], classes: Sequence[int]) -> str:
    """One character per area of the file: its class digit, ``n`` no data, ``x`` not drawn."""
    chars = ["x"] * len(index)
    for code, k in zip(codes, classes):
        i = index.get(code)
        if i is not None:
            chars[i] = "n" if k < 0 else str(int(k))
    return "".join(chars)
