"""Progress against the target (issue 15): the pace arithmetic checked by hand, the history from
files and from the store, and the synthetic demo history."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from geo import figures
from geo.analysis import progress
from geo.figures import demo_history, join
from geo.figures.history import History, month_index, month_range
from geo.outputs import store
from geo.outputs.store import Actor

TODAY = dt.date(2026, 12, 2)
# three periods (with a gap: February missing), two regencies, and one regency with one period
FIXTURE = """kode,periode,pekerja,peserta
51.01,2026-01,1000,500
51.02,Januari 2026,2000,1000
51.01,2026-03,1000,540
51.02,03/2026,2000,1010
51.01,Apr 2026,1000,560
51.02,2026-04,2000,1030
51.03,2026-04,500,400
"""


def read(text: str, bali, name: str = "f.csv", period: str | None = None):
    raw = figures.read_table(text.encode(), name)
    v = figures.validate(raw, figures.guess_mapping(raw.columns), ["51"], period=period, today=TODAY)
    return join.join(v, bali.full, ["51"]).figures


def by_code(result: progress.Progress) -> dict:
    return {a.code: a for a in result.areas}


def test_pace_arithmetic_by_hand(bali):
    """Worked out on paper. Months from the labels: 2026-01 -> 0, 2026-03 -> 2, 2026-04 -> 3 (x mean
    5/3, sum of squared deviations 42/9); 8 months from 2026-04 to 2026-12.
    51.01: 50, 54, 56 %: slope (84/9)/(42/9) = 2.0; needed (73.86 - 56)/8 = 2.2325 -> behind;
      to target ceil(738.6 - 560) = 179 people, 179/8 = 22.4 -> 23 a month.
    51.02: 50, 50.5, 51.5 %: slope (39/18)/(42/9) = 0.4643; needed 22.36/8 = 2.795 -> behind;
      ceil(1477.2 - 1030) = 448, 448/8 = 56 a month exactly.
    Bali (51.01 + 51.02 + 51.03 in April only): 1500/3000, 1550/3000, 1990/3500 -> 50, 51.667,
      56.857 %: x the same, dy from the mean 52.841 = -2.841, -1.175, 4.016, slope
      (4.735 - 0.392 + 5.355)/(42/9) = 2.078; needed (73.86 - 56.857)/8 = 2.1254 -> behind
      (by a hair: 51.03 joining in April lifts the rate, not a pace); ceil(2585.1 - 1990) = 596,
      596/8 = 74.5 -> 75 a month.
    51.03: one period: null paces and on_track (CONTRACT.md); at 80 % nobody more is needed.
    """
    fig = read(FIXTURE, bali)
    result = progress.progress(History.from_figures(fig, ["51"]), bali.full, "regency",
                               province_names=bali.province_names)
    a = by_code(result)
    assert result.periods == ("2026-01", "2026-03", "2026-04") and result.target == 73.86
    r1, r2, p = a["51.01"], a["51.02"], a["51"]
    assert r1.rates == {"2026-01": 50.0, "2026-03": 54.0, "2026-04": 56.0}
    assert r1.pace_recent_pp_per_month == pytest.approx(2.0)
    assert r1.pace_needed_pp_per_month == pytest.approx(2.2325)
    assert (r1.on_track, r1.people_per_month_needed) == (False, 23)
    assert r2.pace_recent_pp_per_month == pytest.approx(39 / 18 / (42 / 9), abs=1e-4)
    assert r2.pace_needed_pp_per_month == pytest.approx(2.795)
    assert (r2.on_track, r2.people_per_month_needed) == (False, 56)
    assert p.name == "Bali" and p.workers == {"2026-01": 3000, "2026-03": 3000, "2026-04": 3500}
    ys = [50.0, 1550 / 30, 1990 / 35]
    xs = [0, 2, 3]
    mx, my = sum(xs) / 3, sum(ys) / 3
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    assert p.pace_recent_pp_per_month == pytest.approx(slope, abs=1e-4)
    assert p.pace_recent_pp_per_month == pytest.approx(2.0782, abs=1e-4)
    assert p.pace_needed_pp_per_month == pytest.approx(2.1254, abs=1e-4)
    assert (p.on_track, p.people_per_month_needed) == (False, 75)
    r3 = a["51.03"]  # one period: null paces (CONTRACT.md), the target already passed: nobody needed
    assert (r3.pace_needed_pp_per_month, r3.pace_recent_pp_per_month, r3.on_track) == (None, None, None)
    assert r3.people_per_month_needed == 0
    empty = a["51.04"]  # no figures at all
    assert (empty.rates, empty.people_per_month_needed, empty.on_track) == ({}, None, None)
    j = result.to_json()
    assert list(j) == ["province", "level", "periods", "target", "deadline", "areas"]
    assert list(j["areas"][0]) == ["code", "name", "rates", "workers", "covered", "pace_needed_pp_per_month",
                                   "pace_recent_pp_per_month", "on_track", "people_per_month_needed"]
    assert [x["code"] for x in j["areas"]][:3] == ["51", "51.01", "51.02"] and len(j["areas"]) == 10


def test_recent_pace_uses_the_last_three_periods_and_counts_months_from_labels():
    rates = {"2025-10": 10.0, "2025-12": 40.0, "2026-01": 41.0, "2026-02": 42.0}  # the early jump is dropped
    assert progress.recent_pace(rates) == pytest.approx(1.0)
    assert progress.recent_pace({"2026-01": 50.0, "2026-04": 53.0}) == pytest.approx(1.0)  # a gap: 3 months
    assert progress.recent_pace({"2026-01": 50.0}) is None
    # a flat series with ties: exactly zero, and behind whenever anything is still needed
    flat = progress.area_progress("x", "x", {"2026-01": 100, "2026-02": 100, "2026-03": 100},
                                  {"2026-01": 0, "2026-02": 0, "2026-03": 0})
    assert flat.pace_recent_pp_per_month == 0.0 and flat.on_track is False
    assert flat.people_per_month_needed == 9  # ceil(73.86) = 74 people over 9 months: 8.2 -> 9
    assert progress.months_left("2025-12") == 12 and progress.months_left("2026-12") == 0


def test_the_deadline_month_and_a_reached_target():
    at_deadline = progress.area_progress("x", "x", {"2026-11": 100, "2026-12": 100}, {"2026-11": 60, "2026-12": 70})
    assert at_deadline.pace_needed_pp_per_month is None and at_deadline.on_track is None
    assert at_deadline.pace_recent_pp_per_month == pytest.approx(10.0) and at_deadline.people_per_month_needed is None
    reached = progress.area_progress("x", "x", {"2026-01": 100, "2026-02": 100}, {"2026-01": 80, "2026-02": 79})
    assert (reached.pace_needed_pp_per_month, reached.on_track, reached.people_per_month_needed) == (0.0, True, 0)
    zero = progress.area_progress("x", "x", {"2026-01": 0, "2026-02": 10}, {"2026-01": 0, "2026-02": 5})
    assert zero.rates == {"2026-02": 50.0} and zero.pace_recent_pp_per_month is None  # no rate of nobody


def test_between_and_a_target_of_the_user(bali):
    h = History.from_figures(read(FIXTURE, bali), ["51"])
    r = progress.progress(h, bali.full, "regency", target=60.0, start="2026-03")
    a = by_code(r)
    assert r.periods == ("2026-03", "2026-04") and r.target == 60.0
    assert a["51.01"].pace_recent_pp_per_month == pytest.approx(2.0)  # (56 - 54) / 1 month
    assert a["51.01"].pace_needed_pp_per_month == pytest.approx(0.5) and a["51.01"].on_track is True
    with pytest.raises(ValueError):
        progress.progress(h, bali.full, "province")


def test_several_files_make_one_history_and_a_later_file_supersedes_a_period(bali):
    jan = read("kode,pekerja,peserta\n51.01,1000,500\n", bali, "jan.csv", period="2026-01")
    feb = read("kode,pekerja,peserta\n51.01,1000,520\n", bali, "feb.csv", period="2026-02")
    feb2 = read("kode,pekerja,peserta\n51.01,1000,530\n", bali, "feb-revisi.csv", period="2026-02")
    h = History.combine([jan, feb, feb2], ["51"])
    assert h.periods == ("2026-01", "2026-02") and h.latest == "2026-02"
    assert h.provenance["2026-02"].source == "feb-revisi.csv" and [e.source for e in h.earlier["2026-02"]] == ["feb.csv"]
    assert int(h.for_period().data["covered"].iloc[0]) == 530
    both = h.as_figures()
    assert both.periods == h.periods and History.from_figures(both, ["51"]).periods == h.periods


def test_the_store_history_keeps_the_earlier_version_of_a_period(tmp_path, bali):
    s = store.Store(f"sqlite:///{tmp_path / 'h.sqlite'}")
    ayu = Actor("ayu", "planner")
    try:
        two = read(FIXTURE, bali, "two.csv")  # three periods in one file
        saved = s.save_dataset(two, "Triwulan", "two.csv", "", {}, ayu)
        assert saved.periods == ["2026-01", "2026-03", "2026-04"] and saved.rows == 7
        opened = s.open_dataset(saved.id).figures
        assert opened.periods == two.periods and opened.period == "2026-04"
        assert opened.for_period("2026-01").data.equals(two.for_period("2026-01").data)
        revised = read("kode,pekerja,peserta\n51.01,1000,545\n51.02,2000,1015\n", bali, "mar.csv", period="2026-03")
        s.save_dataset(revised, "Maret revisi", "mar.csv", "", {}, ayu)
        h = s.saved_history(["51"])
        assert h.periods == ("2026-01", "2026-03", "2026-04")
        assert h.provenance["2026-03"].dataset == "Maret revisi" and h.provenance["2026-01"].dataset == "Triwulan"
        assert [e.dataset for e in h.earlier["2026-03"]] == ["Triwulan"]  # kept, superseded
        assert h.for_period("2026-03").data.set_index("code")["covered"].to_dict() == {"51.01": 545, "51.02": 1015}
        assert s.saved_history(["52"]).periods == ()
    finally:
        s.dispose()


def test_month_helpers():
    assert month_index("2026-01") - month_index("2025-12") == 1
    assert month_range("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


# ---------------------------------------------------------------- the demo history

@pytest.fixture(scope="module")
def demo_h(bali):
    return demo_history.demo_history(bali, end="2026-11")


def test_demo_history_starts_at_the_calibrated_demo_and_is_synthetic(demo_h, bali):
    assert demo_h.periods == tuple(month_range("2025-12", "2026-11"))
    assert all(f.synthetic for f in demo_h.figures.values()) and demo_h.synthetic
    assert all(p.synthetic and p.period == k for k, p in demo_h.provenance.items())
    dec = demo_h.for_period("2025-12").data
    assert round(100 * int(dec["covered"].sum()) / int(dec["workers"].sum()), 2) == 53.88
    for f in demo_h.figures.values():  # whole people, segments add up, nobody covered twice
        d = f.data
        assert (d["covered"] <= d["workers"]).all()
        assert (d[[c for c in d if c.startswith("covered_")]].sum(axis=1) == d["covered"]).all()
    again = demo_history.demo_history(bali, end="2026-03")  # deterministic
    assert again.for_period("2026-03").data.equals(demo_h.for_period("2026-03").data)


def test_demo_regencies_keep_up_or_fall_behind_and_the_arithmetic_holds(demo_h, bali):
    r = progress.progress(demo_h, bali.full, "regency", province_names=bali.province_names)
    a = by_code(r)
    keep = set(demo_history.KEEP_UP["51"])
    for code, area in a.items():
        if area.level == "regency":
            assert area.on_track is (code in keep), code
    bali_ = a["51"]
    w, c = bali_.workers["2026-11"], bali_.covered["2026-11"]
    assert bali_.pace_needed_pp_per_month == pytest.approx((73.86 - 100 * c / w) / 1, abs=1e-4)  # 1 month left
    assert bali_.people_per_month_needed == math.ceil(0.7386 * w - c)  # all of it in the one month left
    last3 = ["2026-09", "2026-10", "2026-11"]
    ys = [100 * bali_.covered[p] / bali_.workers[p] for p in last3]
    assert bali_.pace_recent_pp_per_month == pytest.approx((ys[2] - ys[0]) / 2, abs=1e-4)  # 3 equally spaced


def test_demo_emerging_cluster_of_uncovered_fishers(demo_h):
    cluster = demo_history.cluster_codes(demo_h)
    assert len(cluster) == demo_history.CLUSTER_SIZE
    uncovered = {p: (f.data.set_index("code")["workers_fisher"] - f.data.set_index("code")["covered_fisher"])
                 for p, f in demo_h.figures.items()}
    series = [int(uncovered[p][cluster].sum()) for p in demo_h.periods]
    assert all(b > a for a, b in zip(series, series[1:]))  # grows every month
    others = [int(uncovered[p].drop(cluster).sum()) for p in demo_h.periods]
    assert others[-1] < others[0]  # elsewhere fishers get enrolled


def test_real_points_are_the_published_rates_with_their_source():
    pts = demo_history.real_points("51")
    assert pts[["period", "coverage_rate"]].values.tolist() == [["2025-03", 50.88], ["2025-12", 53.88]]
    assert pts["source"].str.len().min() > 10 and not pts["synthetic"].any()
    assert demo_history.real_points("94").empty
