"""The cluster page: AppTest for its flow, headless Chromium (offline) for its maps."""
from __future__ import annotations

import json

import folium
import pandas as pd
import pytest
from conftest import ARTIFACTS, make_app, needs_shared, wait_for_map, wkey

from geo.analysis import clusters, frames
from geo.outputs import clustermap, maps
from geo.core.provenance import Provenance

pytestmark = needs_shared
N_PATHS = "document.querySelectorAll('path.leaflet-interactive').length"


def page(lang: str = "en", **query):
    return make_app("clusters", lang, {k: str(v) for k, v in query.items()})


def submit(at):
    next(b for b in at.button if b.label in ("Compute clusters", "Hitung klaster")).click()
    return at.run()


JARGON = ("queen", "rook", "distandarkan", "row-standardised", "esda", "libpysal", "LISA", "permutasi bersyarat")


def test_defaults_in_indonesian_say_what_was_done(bali):
    at = page("id")
    assert not at.exception
    assert at.title[0].value == "Klaster"
    assert "SINTETIS" in at.warning[0].value
    moran = next(m for m in at.metric if m.label == "Moran's I global")
    assert float(moran.value.replace(",", ".")) > 0.1
    notes = " ".join(c.value for c in at.caption)
    assert "Dianalisis: 716 desa." in notes
    assert "17 desa di 3 pulau yang terpisah dari daratan" in notes  # Nusa Penida, Lembongan, Serangan
    assert "Hasil yang sama persis ikut dihitung" in notes  # ties, in plain words
    assert not [word for word in JARGON if word in notes], notes  # the main text has no jargon
    assert not [c for c in at.checkbox if c.key == wkey("clusters", "smooth", "en")]  # smoothing is for shares only
    # the method, library versions and weights under "Detail metode"
    method = next(e for e in at.expander if e.label == "Detail metode")
    text = " ".join(m.value for m in method.markdown)
    assert "queen" in text and "distandarkan per baris" in text and "Wilayah tanpa tetangga kontiguitas: 1" in text
    assert "esda 2.9.0" in text and "p_i = min(1, 2·(1 + min(" in text and "Seed 12345" in text
    assert "Benjamini-Hochberg" in text


def test_fishers_are_analysed_among_their_own_villages(bali):
    at = page("en")
    at.selectbox(key=wkey("clusters", "segment", "en")).set_value("fisher")
    at = submit(at)
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "Only the villages where fishers work are analysed: 175 villages; 541 villages without fishers" in notes
    assert "(for fishers: which stretch of coast)" in notes
    table = at.dataframe[0].value
    assert len(table) >= 5  # the demo's fishing centres
    from geo.figures import demo
    data = demo.demo_figures(bali).data.set_index("code")
    assert (data.loc[list(table["Code"]), "workers_fisher"] > 0).all()
    # all villages instead: chosen explicitly
    at.radio(key=wkey("clusters", "population", "en")).set_value("all")
    at = submit(at)
    assert "Analysed: 716 villages." in " ".join(c.value for c in at.caption)


def test_smoothing_is_offered_for_shares_only(bali):
    at = page("en")
    at.radio(key=wkey("clusters", "measure", "en")).set_value("share")
    at = submit(at)
    assert not at.exception
    smooth = [c for c in at.checkbox if c.key == wkey("clusters", "smooth", "en")]
    assert smooth and smooth[0].value is True
    method = next(e for e in at.expander if e.label == "Method details")
    assert "Empirical_Bayes" in " ".join(m.value for m in method.markdown)
    smooth[0].uncheck()
    at = submit(at)
    assert at.checkbox(key=wkey("clusters", "smooth", "en")).value is False and not at.exception
    at.radio(key=wkey("clusters", "measure", "en")).set_value("count")
    at = submit(at)
    assert not [c for c in at.checkbox if c.key == wkey("clusters", "smooth", "en")]


def test_uploaded_mainland_villages_cut_off_are_not_called_islands(bali):
    """40 villages spread over the mainland: none of them is on an island."""
    from geo.analysis import weights as wts
    from geo.figures.model import Figures
    villages = bali.full["village"].reset_index(drop=True)
    land = wts.land_groups(villages)
    codes = [c for c in villages["code"] if land[c] == 0][::17][:40]
    rng = __import__("numpy").random.default_rng(2)
    workers = rng.integers(200, 900, len(codes))
    data = pd.DataFrame({"code": codes, "workers": workers * 3, "covered": workers,
                         "workers_farmer": workers, "covered_farmer": (workers * rng.uniform(0.2, 0.8, len(codes))).astype(int)})
    at = make_app("clusters", "id", {"cl_segment": "farmer"},
                  {"figures": Figures(data, "village", "forty.csv"), "figures_provinces": ("51",)})
    assert not at.exception, at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "Dianalisis: 40 desa." in notes
    assert "pulau" not in notes and "terpisah dari daratan" not in notes
    assert "tidak bersebelahan dengan desa lain yang dianalisis" in notes
    assert "676 wilayah tanpa nilai tidak ikut dianalisis" in notes


def test_gi_hot_spots_show_their_z_scores(bali):
    at = page("en")
    at.selectbox(key=wkey("clusters", "segment", "en")).set_value("fisher")
    at.radio(key=wkey("clusters", "statistic", "en")).set_value("gi")
    at = submit(at)
    assert not at.exception
    assert "Hot spots: where one visit reaches many" in [h.value for h in at.subheader]
    table = at.dataframe[0].value
    z = [float(v.replace(",", "")) for v in table["z-score (Gi*)"]]
    # a hot spot's neighbourhood is above the mean (its significance is the permutation test's:
    # on heavy-tailed counts the normal approximation behind z would be wrong)
    assert z and min(z) > 0 and max(z) > 1.5


def test_farmer_clusters_table_and_target_list(bali):
    at = page("en")
    at.selectbox(key=wkey("clusters", "segment", "en")).set_value("farmer")
    at = submit(at)
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) >= 5
    uncovered = [int(v.replace(",", "")) for v in table["Uncovered"]]
    assert uncovered == sorted(uncovered, reverse=True)  # most uncovered people first
    regency = dict(zip(bali.full["regency"]["code"], bali.full["regency"]["name"]))
    village = bali.full["village"].set_index("code")
    first = table.iloc[0]
    assert first["Regency"] == regency[village.loc[first["Code"], "regency_code"]]
    assert first["Village"] == village.loc[first["Code"], "name"]
    assert first["District"] == bali.full["district"].set_index("code").loc[
        village.loc[first["Code"], "district_code"], "name"]
    send = next(b for b in at.button if b.key == "cl_send")
    assert send.label == f"Send {len(table)} villages to the target list"
    at = send.click().run()
    assert at.session_state["selected_codes"] == list(table["Code"])
    assert any("added to the target list" in s.value for s in at.toast)


def test_district_level_hot_spots(bali):
    at = page("en")
    at.selectbox(key=wkey("clusters", "level", "en")).set_value("district")
    at.selectbox(key=wkey("clusters", "segment", "en")).set_value("farmer")
    at.radio(key=wkey("clusters", "statistic", "en")).set_value("gi")
    at.toggle(key=wkey("clusters", "fdr", "en")).set_value(False)
    at = submit(at)
    assert not at.exception
    assert "Hot spots: where one visit reaches many" in [h.value for h in at.subheader]
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["District", "Code", "Regency"]
    assert all(c.count(".") == 2 for c in table["Code"])  # district codes
    assert not [b for b in at.button if b.key == "cl_send"]  # the target list takes villages


def test_regency_level_is_refused_with_a_reason(bali):
    at = page("en")
    at.selectbox(key=wkey("clusters", "level", "en")).set_value("regency")
    at = submit(at)
    assert not at.exception
    assert "Only 9 areas" in at.error[0].value and "30" in at.error[0].value
    assert not at.metric  # no statistic shown


def test_results_cached_across_map_switches(bali, monkeypatch):
    calls = []
    real = clusters.analyse
    monkeypatch.setattr(clusters, "analyse", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = page("en", cl_seed=4242)  # a seed no other test uses: a fresh cache entry
    assert len(calls) == 1
    at.radio(key=wkey("clusters", "mode", "en")).set_value("significance").run()  # another map, same result
    assert len(calls) == 1
    # the FDR finds clusters at the default permutations: the floor no longer decides
    assert at.dataframe and len(at.dataframe[0].value) > 0
    assert not [b for b in at.button if b.key == "cl_more"]


# ---------------------------------------------------------------- map layers (no browser)


@pytest.fixture(scope="module")
def farmer_result(bali):
    from geo.figures import demo
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["village"].copy()
    frame["workers_farmer"] = frame["workers_farmer"].astype("Float64")
    frame.loc[frame["code"] == "51.01.01.2001", ["workers_farmer", "covered_farmer"]] = pd.NA
    frame.loc[frame["code"] == "51.06.01.2001", "name"] = '<img src=x onerror=alert(1)>${x}'
    return frame, clusters.analyse(frame, clusters.Settings(segment="farmer", fdr=False))


def _layers(group: folium.FeatureGroup) -> dict[str, maps.AreaLayer]:
    return {layer._name: layer for layer in group._children.values() if isinstance(layer, maps.AreaLayer)}


def test_cluster_map_colours_every_village_by_its_label(bali, farmer_result):
    frame, result = farmer_result
    group = clustermap.cluster_layers(result, frame, bali, "en", provenance=Provenance(source="", synthetic=True))
    layers = _layers(group)
    records = json.loads(layers["clusters"].records)
    colors = json.loads(layers["clusters"].colors)
    assert set(records) == set(frame["code"])
    label = dict(zip(result.table["code"], result.table["label"]))
    for code, (k, _) in records.items():
        if code == "51.01.01.2001":
            assert k == -1  # left out of the analysis: hatched "no data"
        else:
            assert colors[k] == clustermap.CLUSTER_COLORS[label[code]]
    assert clustermap.CLUSTER_COLORS[clusters.HH] == "#d7191c"  # high-high in strong red
    # the stability mark outlines exactly the stable high values
    stable = set(result.table.loc[result.table["stable"] & result.table["label"].isin(clustermap.HIGH), "code"])
    assert stable and set(json.loads(layers["stable"].records)) == stable


def test_tooltips_and_title_are_text_and_say_synthetic(bali, farmer_result):
    frame, result = farmer_result
    m = maps.base_map((114, -9, 116, -8), "none")
    clustermap.cluster_layers(result, frame, bali, "en", provenance=Provenance(source="", synthetic=True)).add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "Synthetic data (demo), not real" in html
    tips = clustermap.tooltip_lines(result, frame, bali, "en")
    hh = result.high_high().iloc[0]
    text = ["".join(x) if isinstance(x, list) else x for x in tips[hh["code"]]]
    assert text[0] == hh["name"]
    assert "Cluster: high-high" in text and any(line.startswith("p = ") for line in text)
    assert any(line.startswith("Stability: ") for line in text)
    assert tips["51.01.01.2001"][-1] == "No data"


def test_significance_map_classes_follow_the_deciding_p_value(bali, farmer_result):
    frame, result = farmer_result
    group = clustermap.cluster_layers(result, frame, bali, "id", provenance=Provenance(source="", synthetic=False), mode="significance")
    records = json.loads(_layers(group)["clusters"].records)
    p = dict(zip(result.table["code"], result.table["p"]))  # no FDR here: raw p decides
    for code, (k, _) in records.items():
        if code in p:
            expected = 0 if p[code] <= 0.001 else 1 if p[code] <= 0.01 else 2 if p[code] <= 0.05 else 3
            assert k == expected, (code, p[code], k)
    with pytest.raises(ValueError):
        clustermap.cluster_layers(result, frame, bali, "id", Provenance(source="", synthetic=False), mode="choropleth")


def test_fisher_map_draws_villages_without_fishers_apart_and_gi_tooltips_show_z(bali):
    from geo.figures import demo
    frame = frames.build_frames(bali.full, demo.demo_figures(bali))["village"]
    result = clusters.analyse(frame, clusters.Settings(segment="fisher", statistic="gi", stability=False))
    assert result.outside and len(result.outside) + len(result.table) == 716
    group = clustermap.cluster_layers(result, frame, bali, "en", provenance=Provenance(source="", synthetic=True))
    layer = _layers(group)["clusters"]
    records, colors = json.loads(layer.records), json.loads(layer.colors)
    tips = clustermap.tooltip_lines(result, frame, bali, "en")
    for code in result.outside:
        assert colors[records[code][0]] == clustermap.OUTSIDE_COLOR  # not hatched "no data"
        assert tips[code][-1] == "no fishers: not analysed"
    m = maps.base_map((114, -9, 116, -8), "none")
    group.add_to(m)
    html = m.get_root().render()
    assert "no fishers: not analysed" in html  # in the legend, with its count
    hot = result.high_high().iloc[0]
    text = ["".join(x) if isinstance(x, list) else x for x in tips[hot["code"]]]
    assert "Cluster: hot spot" in text
    assert any(line.startswith("Gi* z-score: +") for line in text)
    assert clustermap.subtitle(result, bali, "en").startswith("Getis-Ord Gi* (hot and cold spots) · 175 villages with fishers")


# ---------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_cluster_and_significance_maps_offline(app_url, offline_page):
    page = offline_page
    page.goto(app_url + "/clusters?lang=en")
    page.get_by_role("combobox", name="Workers", exact=True).click()
    page.get_by_role("option", name="farmers", exact=True).click()
    page.get_by_role("button", name="Compute clusters").click()
    # the first map (vulnerable workers) is replaced by the farmers' one
    frame = wait_for_map(page, f"{N_PATHS} === 716 && document.querySelector('.geo-title') !== null "
                               "&& document.querySelector('.geo-title').innerText.includes('farmers') "
                               "&& document.querySelector('.geo-legend').innerText.includes('high-high')",
                         timeout_s=90)
    assert "Synthetic data (demo), not real" in frame.locator(".geo-title").inner_text()
    # a village's tooltip: value, cluster type, p-value and stability, as text
    frame.evaluate("""() => { const p = document.querySelectorAll('path.leaflet-interactive')[300];
        const r = p.getBoundingClientRect();
        p.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: r.x + r.width / 2,
                                                     clientY: r.y + r.height / 2})); }""")
    tip = frame.wait_for_selector(".leaflet-tooltip .geo-tip", timeout=5000).inner_text()
    for word in ("Value:", "Cluster:", "p = ", "FDR-adjusted", "Stability:"):
        assert word in tip, tip
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "clusters_farmer.png"), full_page=True)

    page.get_by_text("Significance map", exact=True).click()
    frame = wait_for_map(page, "document.querySelector('.geo-legend') !== null && "
                               "document.querySelector('.geo-legend').innerText.includes('FDR-adjusted')")
    assert frame.evaluate(N_PATHS) >= 716
    page.screenshot(path=str(ARTIFACTS / "clusters_significance.png"), full_page=True)
    assert not page.errors, page.errors
