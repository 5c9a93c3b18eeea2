/* GeoMapKit: framing, keyboard, names and tooltips for any Leaflet GeoJSON layer.
 *
 * The hook (see docs/m13map.md): after adding a layer whose features carry
 * `properties.code` and `properties.name` (optionally `properties.aria`, the accessible
 * name, or `properties.value`, a short text of the mapped value), call
 *
 *     GeoMapKit.enhance(map, layer, {fit: true, focus: null, keyboard: true, labels: true,
 *                                    labelPriority: 0, labelAll: false});
 *
 * - fit: the map is framed on the union of every fitted layer, inside the part of the map
 *   that the controls (legend, title, zoom, scale) leave free; refitted when the framed
 *   bounds change, and on resize or a fold of a box while the user has not moved the map.
 * - focus: a code to frame instead (a searched area); within: a code prefix, to frame only
 *   the areas whose code starts with it (one regency's villages among all).
 * - keyboard: one focusable proxy per area (renderer independent: SVG or canvas); Tab
 *   reaches each area, its outline (the shape, not a box) and tooltip show, Enter or Space
 *   fire the layer's `click` (propagated, so streamlit-folium's click reporting sees it).
 * - labels: names drawn where they fit, without overlaps (larger areas first, higher
 *   labelPriority first; labelAll tries every name whatever the area's size; otherwise names
 *   are written only while at most labelMaxInView (200) of the layer's areas are in view).
 * Boxes of class `geo-box` (legend, title) fold into a one-line button; on a narrow map
 * (< 600 px) they start folded. Tooltips are kept inside the map container.
 * Text is always set with textContent.
 */
(function () {
  // once per Leaflet (a document written over the old one in the same window brings its own)
  if (window.GeoMapKit && window.GeoMapKit.L === window.L) return;
  var L = window.L;
  var NARROW_PX = 600, MARGIN = 8;

  // ---------------------------------------------------------------- tooltips inside the map
  if (L && L.Tooltip && !L.Tooltip.prototype._geoKitClamped) {
    var setPos = L.Tooltip.prototype._setPosition;
    L.Tooltip.prototype._setPosition = function (pos) {
      setPos.call(this, pos);
      var map = this._map, el = this._container;
      if (!map || !el) return;
      // measured as drawn (Leaflet's direction classes add a 6 px margin to the position)
      var r = el.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
      if (!r.width) return;
      var dx = 0, dy = 0;
      if (r.right > c.right - 2) dx = c.right - 2 - r.right;
      if (r.left + dx < c.left + 2) dx = c.left + 2 - r.left;
      if (r.bottom > c.bottom - 2) dy = c.bottom - 2 - r.bottom;
      if (r.top + dy < c.top + 2) dy = c.top + 2 - r.top;
      L.DomUtil.removeClass(el, 'geo-tip-clamped');
      if (dx || dy) {
        L.DomUtil.setPosition(el, L.DomUtil.getPosition(el).add(L.point(Math.round(dx), Math.round(dy))));
        L.DomUtil.addClass(el, 'geo-tip-clamped');
      }
    };
    L.Tooltip.prototype._geoKitClamped = true;
  }

  var CSS = [
    '.geo-kit-proxies{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap}',
    '.geo-label{position:absolute;left:0;top:0;white-space:nowrap;pointer-events:none;font:600 11px/1.1 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;',
    'text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}',
    '.geo-label.geo-label-big{font-size:12.5px;font-weight:700}',
    '.geo-box .geo-fold{all:unset;cursor:pointer;display:flex;align-items:center;gap:6px;font-weight:600;font-size:13px;max-width:100%;box-sizing:border-box}',
    '.geo-box .geo-fold:focus-visible{outline:2px solid #1f4e9a;outline-offset:2px}',
    '.geo-box .geo-fold .geo-fold-text{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}',
    '.geo-box .geo-fold .geo-fold-mark{flex:none;font-size:10px;color:#555}',
    '.geo-box .geo-fold-src{display:none}',
    '.geo-legend .geo-fold::before{content:"";flex:none;width:14px;height:10px;border:1px solid #777;background:linear-gradient(90deg,#ffffcc,#41b6c4,#253494)}',
    '.geo-box.geo-folded > :not(.geo-fold):not(.geo-synthetic){display:none}',  // the synthetic label stays in sight
    '.geo-box{max-width:min(420px,calc(100vw - 70px))}',
    '.geo-box.geo-folded .geo-fold{max-width:min(240px,calc(100vw - 90px))}',
    '.leaflet-container path.leaflet-interactive:focus{outline:none}',
    '.leaflet-tooltip.geo-tip-clamped::before{display:none}',
    '@media (max-width:600px){.leaflet-tooltip{white-space:normal;width:max-content;max-width:calc(100vw - 24px)}}'
  ].join('\n');

  function addCss() {
    if (document.getElementById('geo-kit-css')) return;
    var s = document.createElement('style'); s.id = 'geo-kit-css'; s.textContent = CSS;
    document.head.appendChild(s);
  }

  // ---------------------------------------------------------------- state per map
  function kit(map) {
    if (map._geoKit) return map._geoKit;
    var k = map._geoKit = {layers: [], frameKey: null, fitted: null, fold: {}, timer: null, auto: false, fitting: false};
    addCss();
    map.createPane('geoLabels').style.zIndex = 455;
    map.getPane('geoLabels').style.pointerEvents = 'none';
    map.createPane('geoFocus').style.zIndex = 460;
    map.getPane('geoFocus').style.pointerEvents = 'none';
    k.focusRenderer = L.svg({pane: 'geoFocus', padding: 0.5});
    map.on('zoomend moveend resize', function () { schedule(map, 'labels'); });
    // the user moved the map (drag, wheel, buttons, keys): resizes no longer refit it
    map.on('movestart zoomstart', function () { if (!k.fitting) k.auto = false; });
    var box = map.getContainer();
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        k.fitting = true;
        map.invalidateSize({pan: false});
        k.fitting = false;
        schedule(map, 'resize');
      }).observe(box);
    }
    map.on('layerremove', function () { schedule(map, 'prune'); });
    return k;
  }

  function schedule(map, why) {
    var k = kit(map);
    k.why = k.why || {};
    k.why[why] = true;
    if (k.timer) return;
    // after the next animation frame: Leaflet starts a zoom animation there (a fitBounds just
    // before ours), and ours must wait for its end rather than be undone by it
    k.timer = true;
    var run = function () {
      var w = k.why; k.why = {}; k.timer = null;
      var c = map.getContainer();
      if (!c.isConnected) return;  // a map of a document written over
      if (!c.clientWidth || !c.clientHeight) { k.why = w; return; }  // not laid out: at the resize
      prune(map);
      foldBoxes(map);
      if (w.enhance || w.fold || w.resize) frame(map, !!w.enhance);
      drawLabels(map);
    };
    if (window.requestAnimationFrame && !document.hidden) {
      requestAnimationFrame(function () { setTimeout(run, 0); });
    } else {
      setTimeout(run, 0);
    }
  }

  function prune(map) {
    var k = kit(map);
    k.layers = k.layers.filter(function (e) {
      var on = map.hasLayer(e.layer) || (e.parent && map.hasLayer(e.parent));
      if (!on) removeProxies(e);
      return on;
    });
  }

  // ---------------------------------------------------------------- boxes that fold
  function foldBoxes(map) {
    var k = kit(map), narrow = map.getSize().x < NARROW_PX;
    var boxes = map.getContainer().querySelectorAll('.geo-box');
    Array.prototype.forEach.call(boxes, function (box) {
      if (box._geoFold) return;
      var h = box.querySelector('h4');
      if (!h) return;
      var key = box.className.replace(/\s*geo-folded\s*/g, ' ').trim();
      var btn = document.createElement('button');
      btn.type = 'button'; btn.className = 'geo-fold';
      var text = document.createElement('span'); text.className = 'geo-fold-text'; text.textContent = h.textContent;
      var mark = document.createElement('span'); mark.className = 'geo-fold-mark'; mark.setAttribute('aria-hidden', 'true');
      btn.appendChild(text); btn.appendChild(mark);
      h.classList.add('geo-fold-src');
      box.insertBefore(btn, box.firstChild);
      var set = function (folded) {
        box.classList.toggle('geo-folded', folded);
        btn.setAttribute('aria-expanded', folded ? 'false' : 'true');
        mark.textContent = folded ? '\u25B8' : '\u25BE';
      };
      set(key in k.fold ? k.fold[key] : narrow);
      L.DomEvent.on(btn, 'click', function (ev) {
        L.DomEvent.stop(ev);
        var folded = !box.classList.contains('geo-folded');
        k.fold[key] = folded; set(folded);
        schedule(map, 'fold');
      });
      box._geoFold = true;
    });
  }

  // ---------------------------------------------------------------- framing
  /* Rectangles (container pixels) of the controls in each corner. */
  function obstacles(map) {
    var c = map.getContainer(), r0 = c.getBoundingClientRect(), out = [];
    Array.prototype.forEach.call(c.querySelectorAll('.leaflet-control-container > div'), function (corner) {
      var rect = null;
      Array.prototype.forEach.call(corner.children, function (ctl) {
        var r = ctl.getBoundingClientRect();
        if (!r.width || !r.height) return;
        var q = {l: r.left - r0.left, t: r.top - r0.top, r: r.right - r0.left, b: r.bottom - r0.top};
        rect = rect ? {l: Math.min(rect.l, q.l), t: Math.min(rect.t, q.t), r: Math.max(rect.r, q.r),
                       b: Math.max(rect.b, q.b)} : q;
      });
      if (rect) {
        rect.left = corner.classList.contains('leaflet-left');
        rect.top = corner.classList.contains('leaflet-top');
        out.push(rect);
      }
    });
    return out;
  }

  /* The padding that leaves the largest frame for `bounds`: each corner's controls are kept
   * clear either by a band at their side or by one above/below them. */
  function freePadding(map, bounds) {
    var size = map.getSize(), obs = obstacles(map), best = null;
    var z = map.getZoom();
    var nw = map.project(bounds.getNorthWest(), z), se = map.project(bounds.getSouthEast(), z);
    var bw = Math.max(se.x - nw.x, 1), bh = Math.max(se.y - nw.y, 1);
    for (var mask = 0; mask < (1 << obs.length); mask++) {
      var p = {l: MARGIN, t: MARGIN, r: MARGIN, b: MARGIN};
      obs.forEach(function (o, i) {
        var side = (mask >> i) & 1;
        if (side) {  // a band beside the box
          if (o.left) p.l = Math.max(p.l, o.r + MARGIN); else p.r = Math.max(p.r, size.x - o.l + MARGIN);
        } else {     // a band above or below the box
          if (o.top) p.t = Math.max(p.t, o.b + MARGIN); else p.b = Math.max(p.b, size.y - o.t + MARGIN);
        }
      });
      var fw = size.x - p.l - p.r, fh = size.y - p.t - p.b;
      if (fw < 40 || fh < 40) continue;
      var scale = Math.min(fw / bw, fh / bh), room = fw * fh;
      if (!best || scale > best.scale * 1.001 || (Math.abs(scale - best.scale) <= best.scale * 0.001 && room > best.room)) {
        best = {scale: scale, room: room, p: p};
      }
    }
    return best ? best.p : {l: MARGIN, t: MARGIN, r: MARGIN, b: MARGIN};
  }

  function framedBounds(map) {
    var k = kit(map), b = null, focus = null;
    k.layers.forEach(function (e) {
      if (!e.opt.fit) return;
      // a found area with its surroundings (half its size on each side), not filling the map
      if (e.opt.focus && e.byCode[e.opt.focus]) focus = e.byCode[e.opt.focus].getBounds().pad(0.5);
      var lb = null;
      if (e.opt.within) {
        Object.keys(e.byCode).forEach(function (c) {
          if (c.indexOf(e.opt.within) !== 0) return;
          var cb = e.byCode[c].getBounds();
          lb = lb ? lb.extend(cb) : L.latLngBounds(cb.getSouthWest(), cb.getNorthEast());
        });
      }
      if (!lb) lb = e.layer.getBounds && e.layer.getBounds();
      if (lb && lb.isValid()) b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    });
    return focus || b;
  }

  function frame(map, changed) {
    var k = kit(map);
    if (map._animatingZoom) {  // a running zoom animation would swallow the fit: after it
      map.once('zoomend', function () {  // once the renderers have finished with it too
        setTimeout(function () {
          if (!map.getContainer().isConnected) return;
          frame(map, changed); drawLabels(map);
        }, 0);
      });
      return;
    }
    var b = framedBounds(map);
    if (!b || !b.isValid()) return;
    var key = b.toBBoxString();
    if (changed && key === k.frameKey) return;              // same areas: keep the user's view
    if (!changed && (!k.auto || key !== k.frameKey)) return; // resize/fold after the user moved
    var p = freePadding(map, b);
    k.fitting = true;
    try {
      map.fitBounds(b, {paddingTopLeft: [p.l, p.t], paddingBottomRight: [p.r, p.b], animate: false,
                        maxZoom: 16});
    } finally { k.fitting = false; }
    k.frameKey = key; k.auto = true;
    k.fitted = {zoom: map.getZoom(), center: map.getCenter(), padding: p};
    map.getContainer().setAttribute('data-geo-free', [p.l, p.t, p.r, p.b].map(Math.round).join(' '));
  }

  // ---------------------------------------------------------------- keyboard
  function accessibleName(f) {
    var p = f.properties || {};
    if (p.aria) return p.aria;
    return (p.name || p.code || '') + (p.value ? ': ' + p.value : '');
  }

  function proxyHolder(map) {
    var c = map.getContainer(), h = c.querySelector(':scope > .geo-kit-proxies');
    if (!h) {
      h = document.createElement('div'); h.className = 'geo-kit-proxies';
      c.insertBefore(h, c.firstChild);
    }
    return h;
  }

  function removeProxies(e) {
    if (e.proxies && e.proxies.parentNode) e.proxies.parentNode.removeChild(e.proxies);
    if (e.outline && e.map) e.map.removeLayer(e.outline);
  }

  function addProxies(map, e) {
    var k = kit(map), group = document.createElement('div');
    group.setAttribute('role', 'group');
    if (e.opt.groupLabel) group.setAttribute('aria-label', e.opt.groupLabel);
    e.layer.eachLayer(function (l) {
      if (!l.feature) return;
      var el = l.getElement && l.getElement();
      if (el) { el.setAttribute('tabindex', '-1'); el.setAttribute('aria-hidden', 'true'); }
      var b = document.createElement('button');
      b.type = 'button'; b.className = 'geo-area';
      b.setAttribute('aria-label', accessibleName(l.feature));
      b.setAttribute('data-code', l.feature.properties.code);
      b.textContent = accessibleName(l.feature);
      b.addEventListener('focus', function () { showFocus(map, e, l); });
      b.addEventListener('blur', function () { hideFocus(map, e, l); });
      // A button turns Enter and Space into a click (and Space does not scroll the page).
      b.addEventListener('click', function (ev) { L.DomEvent.stopPropagation(ev); activate(map, l, ev); });
      group.appendChild(b);
    });
    e.proxies = group;
    proxyHolder(map).appendChild(group);
  }

  function center(l) {
    return l._geoLabelAt || l.getBounds().getCenter();
  }

  function showFocus(map, e, l) {
    var k = kit(map);
    if (k.focusLine) map.removeLayer(k.focusLine);
    k.focusLine = L.featureGroup([
      L.geoJSON(l.feature, {renderer: k.focusRenderer, interactive: false,
                            style: {color: '#ffffff', weight: 6, opacity: 1, fill: false}}),
      L.geoJSON(l.feature, {renderer: k.focusRenderer, interactive: false,
                            style: {color: '#111111', weight: 3, opacity: 1, fill: false}})
    ]).addTo(map);
    var at = center(l);
    if (!map.getBounds().contains(at)) map.panTo(at, {animate: false});
    if (l.getTooltip && l.getTooltip()) l.openTooltip(at);
    map.getContainer().setAttribute('data-geo-focus', l.feature.properties.code);
  }

  function hideFocus(map, e, l) {
    var k = kit(map);
    if (k.focusLine) { map.removeLayer(k.focusLine); k.focusLine = null; }
    if (l.closeTooltip) l.closeTooltip();
    map.getContainer().removeAttribute('data-geo-focus');
  }

  function activate(map, l, ev) {
    var at = center(l);
    l.fire('click', {latlng: at, layerPoint: map.latLngToLayerPoint(at),
                     containerPoint: map.latLngToContainerPoint(at), originalEvent: ev}, true);
  }

  // ---------------------------------------------------------------- names on the map
  /* A point inside the largest polygon: the middle of the widest inside run of three
   * horizontal scanlines (cheap, and unlike the bounds' centre never outside a crescent). */
  function labelPoint(geom) {
    if (!geom) return null;
    var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
    var best = null, bestArea = -1;
    polys.forEach(function (rings) {
      var r = rings[0], minx = Infinity, maxx = -Infinity, miny = Infinity, maxy = -Infinity;
      for (var i = 0; i < r.length; i++) {
        var x = r[i][0], y = r[i][1];
        if (x < minx) minx = x; if (x > maxx) maxx = x; if (y < miny) miny = y; if (y > maxy) maxy = y;
      }
      var a = (maxx - minx) * (maxy - miny);
      if (a > bestArea) { bestArea = a; best = {rings: rings, miny: miny, maxy: maxy}; }
    });
    if (!best) return null;
    var run = null;
    [0.5, 0.35, 0.65, 0.2, 0.8].forEach(function (t) {
      var y = best.miny + (best.maxy - best.miny) * t, xs = [];
      best.rings.forEach(function (r) {
        for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
          var yi = r[i][1], yj = r[j][1];
          if ((yi > y) !== (yj > y)) xs.push(r[i][0] + (y - yi) / (yj - yi) * (r[j][0] - r[i][0]));
        }
      });
      xs.sort(function (a, b) { return a - b; });
      for (var k = 0; k + 1 < xs.length; k += 2) {
        var w = xs[k + 1] - xs[k];
        if (!run || w > run.w * 1.25) run = {w: w, x: (xs[k] + xs[k + 1]) / 2, y: y};
      }
    });
    return run ? L.latLng(run.y, run.x) : null;
  }

  var measure = (function () {
    var cache = {}, ctx = null;
    return function (text, big) {
      var key = (big ? 'B' : 'n') + text;
      if (cache[key] !== undefined) return cache[key];
      if (!ctx) ctx = document.createElement('canvas').getContext('2d');
      ctx.font = big ? '700 12.5px system-ui,sans-serif' : '600 11px system-ui,sans-serif';
      return (cache[key] = ctx.measureText(text).width + 4);
    };
  })();

  function shortName(name) {
    return String(name || '').replace(/^(Kabupaten|Kab\.)\s+/i, '').replace(/^Kota\s+(?=\S)/i, '');
  }

  function drawLabels(map) {
    var k = kit(map), pane = map.getPane('geoLabels');
    while (pane.firstChild) pane.removeChild(pane.firstChild);
    var view = map.getBounds(), size = map.getSize(), placed = [];
    obstacles(map).forEach(function (o) { placed.push(o); });
    var cands = [];
    k.layers.forEach(function (e) {
      if (!e.opt.labels) return;
      var inView = [];
      e.layer.eachLayer(function (l) {
        if (l.feature && l.getBounds && view.intersects(l.getBounds())) inView.push(l);
      });
      // names of small areas only once zoomed in: not with hundreds of them on screen
      if (!e.opt.labelAll && inView.length > e.opt.labelMaxInView) return;
      inView.forEach(function (l) {
        var lb = l.getBounds();
        if (l._geoLabelAt === undefined) l._geoLabelAt = labelPoint(l.feature.geometry);
        if (!l._geoLabelAt) return;
        var a = map.latLngToContainerPoint(lb.getNorthWest()), b = map.latLngToContainerPoint(lb.getSouthEast());
        var w = b.x - a.x, h = b.y - a.y;
        var focus = e.opt.focus && l.feature.properties.code === e.opt.focus;
        cands.push({l: l, w: w, h: h, pri: (focus ? 1e9 : 0) + (e.opt.labelPriority || 0) * 1e6 + Math.min(w * h, 1e6 - 1),
                    all: e.opt.labelAll || focus, big: !!e.opt.labelBig});
      });
    });
    cands.sort(function (p, q) { return q.pri - p.pri; });
    var n = 0;
    cands.forEach(function (c) {
      var text = shortName(c.l.feature.properties.name);
      if (!text) return;
      var tw = measure(text, c.big), th = c.big ? 15 : 13;
      if (!c.all && (tw > c.w * 1.15 || c.h < th * 1.2)) return;  // the name does not fit the area
      var p = map.latLngToContainerPoint(c.l._geoLabelAt);
      var r = {l: p.x - tw / 2, t: p.y - th / 2, r: p.x + tw / 2, b: p.y + th / 2};
      if (r.l < 2 || r.t < 2 || r.r > size.x - 2 || r.b > size.y - 2) return;
      for (var i = 0; i < placed.length; i++) {
        var o = placed[i];
        if (r.l < o.r + 2 && r.r > o.l - 2 && r.t < o.b + 1 && r.b > o.t - 1) return;
      }
      placed.push(r);
      var d = document.createElement('div');
      d.className = 'geo-label' + (c.big ? ' geo-label-big' : '');
      d.textContent = text;
      d.setAttribute('aria-hidden', 'true');
      d.setAttribute('data-code', c.l.feature.properties.code);
      var lp = map.containerPointToLayerPoint(L.point(r.l, r.t));
      L.DomUtil.setPosition(d, lp);
      pane.appendChild(d);
      n++;
    });
    map.getContainer().setAttribute('data-geo-labels', String(n));
  }

  // ---------------------------------------------------------------- entry point
  function enhance(map, layer, opt) {
    opt = L.extend({fit: true, focus: null, within: null, keyboard: true, labels: true, labelPriority: 0,
                    labelMaxInView: 200,
                    labelAll: false, labelBig: false, groupLabel: null}, opt || {});
    var k = kit(map), e = {map: map, layer: layer, opt: opt, byCode: {}, parent: opt.parent || null};
    layer.eachLayer(function (l) {
      if (l.feature && l.feature.properties) e.byCode[l.feature.properties.code] = l;
    });
    k.layers.push(e);
    if (opt.keyboard) addProxies(map, e);
    schedule(map, 'enhance');
    return layer;
  }

  window.GeoMapKit = {L: L, enhance: enhance, frame: function (map) { schedule(map, 'fold'); },
                      labelPoint: labelPoint, freePadding: freePadding};
})();
