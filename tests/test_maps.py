"""Map HTML rendered without a browser: local assets only, data text never becomes markup."""
import json
import re

import folium
import pandas as pd
import pytest
from conftest import needs_shared

from geo.outputs import areamap, maps

HOSTILE = ['<img src=x onerror=alert(1)>', '${alert(1)}', '</script><script>alert(2)</script>',
           "`x` \\ 'q' \"d\" & \u2028"]
TOPO = json.dumps({"type": "Topology", "transform": {"scale": [1, 1], "translate": [0, 0]},
                   "arcs": [[[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]],
                   "objects": {"areas": {"type": "GeometryCollection",
                                         "geometries": [{"type": "Polygon", "arcs": [[0]], "id": "99.01"}]}}})


def _render(*layers) -> str:
    m = maps.base_map((0, 0, 1, 1), "light")
    group = folium.FeatureGroup(name="g")
    for layer in layers:
        layer.add_to(group)
    group.add_to(m)
    return m.get_root().render()


def test_only_local_scripts_and_styles():
    html = _render(maps.AreaLayer(TOPO, {"99.01": (0, ["A"])}, ["#000"]))
    refs = re.findall(r'<(?:script[^>]*src|link[^>]*href)="([^"]+)"', html)
    assert refs and all(r.startswith("/app/static/vendor/") for r in refs), refs
    assert not re.search(r"https?://[^\"'\s]*\.(?:js|css)\b", html)
    # the only outside URL is the tile template
    assert set(re.findall(r"https?://[^\s\"'\\]+", html)) <= {
        maps.TILES["light"][0], "https://www.openstreetmap.org/copyright", "https://carto.com/attributions",
        "http://www.w3.org/2000/svg"}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_json_strings(name):
    points = pd.DataFrame({"lat": [0.5], "lng": [0.5], "radius": [5], "code": ["99.01"], "lines": [[name]]})
    html = _render(maps.AreaLayer(TOPO, {"99.01": (0, [name, "x"])}, ["#000"]),
                   maps.SymbolLayer(points),
                   maps.BoxLayer(maps.legend_html(maps.Legend(title=name, classes=[
                       maps.LegendClass("#000", name, 1)]))))
    assert "<img" not in html and "</script><script>alert" not in html
    assert "\u2028" not in html
    # the name travels JSON-encoded: decoding the embedded string gives it back unchanged
    encoded = maps.js_json(name)
    assert encoded in html and json.loads(encoded) == name
    # no template literal anywhere in our layer scripts, so ${...} cannot run
    assert "`" not in html.split("geoTip")[1].split("</script>")[0] if "geoTip" in html else True


def test_tooltips_use_text_content_not_html():
    html = _render(maps.AreaLayer(TOPO, {"99.01": (0, ["A"])}, ["#000"]))
    assert "e.textContent = text" in html and "bindTooltip(function" in html
    assert ".innerHTML = lines" not in html


def test_legend_escapes_and_counts():
    legend = maps.Legend(title="T<b>", classes=[maps.LegendClass("#fff", "0 – 10", 3)],
                         nodata_label="No data", nodata_count=2)
    html = maps.legend_html(legend)
    assert "T&lt;b&gt;" in html and ">3<" in html and "nodata" in html and ">2<" in html


def test_standalone_html_inlines_assets():
    m = maps.base_map((0, 0, 1, 1), "none")
    maps.AreaLayer(TOPO, {"99.01": (0, ["A"])}, ["#000"]).add_to(m)
    html = maps.render_standalone(m)
    assert "/app/static/" not in html
    assert "L.Map" in html or "Leaflet" in html  # leaflet.js inlined
    assert "topojson" in html and "<script src=" not in html


@needs_shared
def test_areas_map_has_every_village(bali):
    group = areamap.areas_layers(bali, "id")
    m = maps.base_map(tuple(bali.web["regency"].total_bounds))
    group.add_to(m)
    html = m.get_root().render()
    for code in bali.full["village"]["code"]:
        assert f'"{code}":[' in html
    assert len(html) < 600_000


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% if true %}yes{% endif %}", "{# c #}x",
                                  "{{ cycler.__init__.__globals__.os.getpid() }}"])
def test_template_syntax_in_data_is_never_run(name):
    """folium pages are Jinja templates: a name such as ``{{ 7*7 }}`` must reach the browser as
    those characters, not as 49 (nor run code on the server)."""
    points = pd.DataFrame({"lat": [0.5], "lng": [0.5], "radius": [5], "code": ["99.01"], "lines": [[name]]})
    html = _render(maps.AreaLayer(TOPO, {"99.01": (0, [name, "x"])}, ["#000"]),
                   maps.SymbolLayer(points),
                   maps.BoxLayer(maps.title_html(name, f"{name}.csv")))
    info = json.loads(re.search(r"info = (\{.*?\}), colors", html).group(1))
    assert info["99.01"][1][0] == name  # had Jinja run, this would be "49", "yes", "x" or a pid
    boxes = [json.loads(m) for m in re.findall(r'geoControlLayer\("[a-z]+", "[^"]*", ("(?:[^"\\]|\\.)*")\)', html)]
    assert any(f"<h4>{maps.esc(name)}</h4>" in b and f"<div>{maps.esc(name)}.csv</div>" in b for b in boxes), boxes
