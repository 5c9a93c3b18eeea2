"""The progress chart: the published real points with their source, the target, the synthetic
label, and an HTML that opens offline (no script at all)."""
from __future__ import annotations

import pandas as pd

from geo.core.provenance import Provenance
from geo.outputs import progresschart


def data(synthetic: bool, paths: bool = True) -> progresschart.ChartData:
    series = pd.DataFrame({"code": "51", "name": "Bali", "period": ["2025-12", "2026-01", "2026-02"],
                           "coverage_rate": [53.88, 55.1, 56.0], "synthetic": synthetic})
    return progresschart.ChartData(series=series, real=progresschart.published_points(["51"]), target=73.86,
                                   deadline="2026-12", provenance=Provenance("demo" if synthetic else "a.csv", synthetic),
                                   title="Bali <b>&", paths=paths)


def test_the_published_points_are_real_with_their_source():
    real = progresschart.published_points(["51"])
    got = dict(zip(real["period"], real["coverage_rate"]))
    assert got == {"2025-03": 50.88, "2025-12": 53.88}
    assert real["source"].str.len().min() > 10


def test_the_target_path_starts_at_the_last_real_point_and_ends_at_the_target():
    line = progresschart.target_line(data(True))
    assert list(line["period"]) == ["2025-12", "2026-12"] and list(line["coverage_rate"]) == [53.88, 73.86]


def test_png_and_offline_html_say_synthetic_and_escape_text():
    html = progresschart.chart_html(data(True), "en")
    assert "<script" not in html and "<svg" in html and "Synthetic" in html
    assert "Bali &lt;b&gt;&amp;" in html and "<b>&" not in html
    assert "53.88%" in html or "53.88" in html
    assert "Synthetic" not in progresschart.chart_html(data(False), "en")
    png = progresschart.chart_png(data(True, paths=False), "id", size=(800, 450))
    assert png[:4] == b"\x89PNG"


def test_the_altair_chart_has_lines_target_and_real_points():
    spec = progresschart.altair_chart(data(True), "en").to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["line", "line", "point"]
