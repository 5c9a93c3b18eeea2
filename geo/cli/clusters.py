"""``python -m geo clusters FILE|--demo``: where uncovered workers cluster, as numbers.

Prints global Moran's I and its p-value, the number of areas per cluster type (local Moran)
or per hot/cold spot (Gi*, ``--statistic gi``) and the codes of the high-high areas or hot
spots (CONTRACT.md, "clusters"); ``--population segment`` analyses only the villages where
the segment has workers (the default for fishers). FILE goes through the same reading,
validation and join as the app (``geo.figures``, ``geo.join``). Exit 0 with a result, 1 when
the figures have no usable row or the statistics are refused (fewer than 30 areas, a
constant or missing variable), 2 on a usage error or an unreadable FILE.
"""
from __future__ import annotations

import argparse

from geo.analysis import clusters
from geo.analysis import frames as analysis_frames
from geo.analysis import weights as wts
from geo.core import schema

from . import add_figures_source, add_json, emit, fail, load_figures, prepare_with_boundaries

LEVELS = clusters.LEVELS


def register(sub: argparse._SubParsersAction) -> None:
    d = clusters.Settings()
    p = sub.add_parser("clusters", help="global and local Moran's I (or Gi*) of uncovered workers")
    add_figures_source(p)
    p.add_argument("--level", choices=LEVELS, default="village", help="areas to analyse (default village)")
    p.add_argument("--segment", choices=schema.SEGMENT_CHOICES, default=d.segment)
    p.add_argument("--measure", choices=clusters.MEASURES, default=d.measure,
                   help="uncovered people (count), per km² (density) or %% of the segment's workers (share)")
    p.add_argument("--no-smooth", action="store_true",
                   help="with --measure share: raw shares instead of empirical-Bayes-smoothed ones")
    p.add_argument("--statistic", choices=clusters.STATISTICS, default=d.statistic,
                   help="local Moran (high-high, low-low, ...) or Getis-Ord Gi* (hot and cold spots)")
    p.add_argument("--population", choices=clusters.POPULATIONS, default=None,
                   help="all areas with a value, or only those where the segment has workers "
                        "(default: segment for fisher, all otherwise)")
    p.add_argument("--weights", choices=wts.KINDS, default=d.weights,
                   help="queen or rook contiguity (islands joined to their k nearest) or k nearest")
    p.add_argument("--k", type=int, default=d.k, help=f"neighbours for knn and for joining islands (default {d.k})")
    p.add_argument("--alpha", type=float, default=d.alpha, help="significance level (default 0.05)")
    p.add_argument("--no-fdr", action="store_true", help="no false-discovery-rate correction")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--permutations", type=int, default=d.permutations,
                   help="permutations for every area (default 999); with the FDR, areas at the "
                        "floor get more until the floor no longer decides")
    p.add_argument("--stability", action="store_true",
                   help="also recompute with the other weights and seeds; adds stable_high_high_codes")
    add_json(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    got = prepare_with_boundaries(args, lambda: clusters.Settings(
        segment=args.segment, measure=args.measure, smooth=not args.no_smooth, weights=args.weights,
        k=args.k, alpha=args.alpha, fdr=not args.no_fdr, seed=args.seed,
        permutations=args.permutations, stability=args.stability, statistic=args.statistic,
        population=args.population).checked())
    if isinstance(got, int):
        return got
    settings, provinces, bset = got
    fig, status, message = load_figures(args, bset, provinces)
    if fig is None:
        return fail(args, message, status)
    frame = analysis_frames.build_frames(bset.full, fig)[args.level]
    try:
        result = clusters.analyse(frame, settings)
    except clusters.Refusal as exc:
        hint = ""
        if exc.key == "cl_refuse_all_missing" and fig.level != args.level:
            hint = f" (the figures are at level {fig.level}; try --level {fig.level})"
        return fail(args, f"{exc}{hint}", 1)
    out = result.to_json()
    out["synthetic"] = bool(fig.synthetic)
    if args.stability:
        hh = result.high_high()
        out["stable_high_high_codes"] = sorted(hh.loc[hh["stable"], "code"])
    emit(args, out, _text(result, fig, args.level, out))
    return 0


def _text(result: clusters.Result, fig, level: str, out: dict) -> str:
    s = result.settings
    w = result.weights
    gi = s.statistic == "gi"
    among = (f"the {len(result.table)} {level} areas where {s.segment} workers are "
             f"({len(result.outside)} without any left out)" if result.population == "segment"
             else f"{len(result.table)} {level} areas")
    lines = [f"Clusters of {s.measure}{' (EB-smoothed)' if s.smoothed else ''} of uncovered "
             f"{s.segment} workers, among {among}"
             + (" [SYNTHETIC demo data]" if fig.synthetic else f" [{fig.source}]"),
             f"Weights: {s.weights} (k={s.k}), row-standardised; {len(w['isolates'])} without neighbour"
             + (f", {len(w.get('filled', []))} touching fewer than {w['fill']} also linked to their "
                f"{w['fill']} nearest" if w.get("fill") else "")
             + f"; {len(w['joined'])} in {w['groups_joined']} groups apart joined by {w['links_added']} links"
             + (f" ({len(w['islands'])} on {w['island_groups']} islands)" if w.get("islands") else "")
             + (f"; {w['cross_links']} links across provincial borders" if w["cross_links"] else ""),
             f"Global Moran's I = {result.moran_i:.4f} (expected {result.moran_expected:.4f}), "
             f"p = {result.moran_p:.4f} (two-sided, {s.permutations} permutations, seed {s.seed})",
             f"{'Getis-Ord Gi*' if gi else 'Local Moran'}, alpha {s.alpha}, FDR {'on' if s.fdr else 'off'}, "
             f"two-sided conditional permutations with ties counted: {s.permutations} per area"
             + (f", up to {result.permutations_used} for the most extreme" if result.permutations_used > s.permutations
                else "") + ":"]
    for label, n in out["counts"].items():
        lines.append(f"  {label:16s} {n:6d}")
    if result.excluded:
        lines.append(f"  ({len(result.excluded)} areas without a value left out)")
    codes = out["high_high_codes"]
    lines.append(f"{'Hot spot' if gi else 'High-high'} codes ({len(codes)}): " + (", ".join(codes) if codes else "none"))
    if "stable_high_high_codes" in out:
        lines.append(f"Stable across {len(result.runs)} runs: " + (", ".join(out["stable_high_high_codes"]) or "none"))
    if result.floor_decides:
        lines.append(f"Note: even with {result.permutations_used} permutations some areas are at the "
                     "smallest reachable p-value and the FDR does not keep them; try --no-fdr.")
    return "\n".join(lines)
