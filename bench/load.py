"""Concurrent sessions: one app, N browser sessions at once, each with its own figures.

    python bench/load.py [--sessions 10] [--engine inline values] [--json]
    python bench/load.py --processes 2 [--sessions 25] [--json]   # through nginx, on PostgreSQL

Each session (a Playwright context against one `streamlit run`): uploads its own CSV on the
coverage-data page and uses it, opens the coverage map through the app's navigation (same
session), checks that the map names *its* file, changes the indicator three times (timing
each rerun to the new map drawn), builds a selection on the target-list page, saves it under
its own name, and downloads the list as CSV. Afterwards every saved list must be in the
database. Reports failures, p50/p95 rerun times and server memory per session.

``--processes N`` runs the deployment of deploy/compose.yaml instead (testsupport/topology.py):
N app processes on a throwaway PostgreSQL server behind Debian's nginx with sticky sessions;
the sessions go through the proxy, memory and CPU are summed over the processes, and the
report says how many sessions each process held.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from playwright.async_api import async_playwright
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import report
from geo import boundaries
from geo.outputs import store
from testsupport.appserver import running_app
from testsupport.browser import CHROMIUM, CHROMIUM_ARGS

DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)

INDICATORS = ["Uncovered workers", "Coverage rate", "Gap to the 73.86% target"]
SELECT_SHOWN = "Select all shown"


def session_csv(i: int, villages: list[tuple[str, str]]) -> bytes:
    """Figures unique to session ``i``: its own worker counts on 40 villages."""
    rows = ["code,name,workers,covered,workers_farmer,covered_farmer,workers_fisher,covered_fisher"]
    for j, (code, name) in enumerate(villages[i % 10 * 40: i % 10 * 40 + 40]):
        workers = 1000 + 10 * i + j
        rows.append(f"{code},{name},{workers},{workers // 2},{workers // 4},{workers // 20},{workers // 10},0")
    return ("\n".join(rows) + "\n").encode()


async def wait_map(page, predicate: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if await frame.evaluate(predicate):
                    return
            except Exception:
                continue
        await asyncio.sleep(0.1)
    raise TimeoutError(predicate)


class Runs:
    """The app's script runs as one page's websocket carries them (Streamlit's own messages).

    After an interaction, "the run it caused has finished" is: a rerun request sent, then a run
    started (NewSession), then a run finished successfully. Neither a fixed pause nor the
    front end's script-state attribute tells this reliably under load (a quick run can start
    and finish within one render, a slow server may not have started the run yet).
    """

    def __init__(self, page) -> None:
        self.log: list[str] = []
        page.on("websocket", lambda ws: (ws.on("framesent", self._sent), ws.on("framereceived", self._received)))

    def _sent(self, payload) -> None:
        if isinstance(payload, bytes):
            msg = BackMsg()
            msg.ParseFromString(payload)
            if msg.WhichOneof("type") == "rerun_script":
                self.log.append("request")

    def _received(self, payload) -> None:
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            msg.ParseFromString(payload)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.log.append("start")
            elif kind == "script_finished" and msg.script_finished in DONE:
                self.log.append("done")

    def finished_since(self, mark: int) -> bool:
        seq = self.log[mark:]
        try:
            start = seq.index("start", seq.index("request") + 1)
            seq.index("done", start + 1)
            return True
        except ValueError:
            return False


async def rerun(page, runs: Runs, action, what: str, timeout: float = 120) -> None:
    """Do ``action`` (a widget interaction) and wait until the run it caused has finished."""
    mark = len(runs.log)
    await action()
    deadline = time.monotonic() + timeout
    while not runs.finished_since(mark):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished run after {what} (messages since: {runs.log[mark:]})")
        await asyncio.sleep(0.05)


async def one_session(browser, url: str, i: int, run_id: str, villages, out: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = await ctx.new_page()
    page.set_default_timeout(120_000)  # clicks wait as long as the runs do (30 s was too short at load 35)
    runs = Runs(page)
    await page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    name = f"user{i:02d}.csv"
    rec = {"session": i, "ok": False, "rerun_s": []}
    try:
        await page.goto(url + "/figures?lang=en", timeout=120_000)
        await page.locator('input[type="file"]').wait_for(state="attached", timeout=120_000)
        await rerun(page, runs, lambda: page.locator('input[type="file"]').set_input_files(
            {"name": name, "mimeType": "text/csv", "buffer": session_csv(i, villages)}), "the upload")
        await rerun(page, runs, lambda: page.get_by_role("button", name="Use these figures in the whole app").click(), "using the figures")
        # with a database the figures are saved and named; without one, used for the session
        await page.get_by_text(re.compile(r"is used in the whole app|These figures are now used in the whole app")
                               ).first.wait_for(timeout=120_000)
        rec["process"] = next((c["value"] for c in await ctx.cookies() if c["name"] == "geo_backend"), "")

        await rerun(page, runs, lambda: page.get_by_role("link", name="Coverage map").click(), "opening the map")
        await wait_map(page, "(() => { const b = document.querySelector('.geo-title');"
                             f" return b && b.textContent.includes({json.dumps('Source: ' + name)}); }})()")
        for title in INDICATORS:
            t = time.perf_counter()
            await page.get_by_role("combobox", name="Indicator", exact=True).click()
            await rerun(page, runs, lambda: page.get_by_role("option", name=title, exact=True).click(), title)
            await wait_map(page, "(() => { const h = document.querySelector('.geo-title h4');"
                                 f" return h && h.textContent.startsWith({json.dumps(title)}); }})()")
            rec["rerun_s"].append(time.perf_counter() - t)

        await rerun(page, runs, lambda: page.get_by_role("link", name="Target lists").click(), "opening target lists")
        await rerun(page, runs, lambda: page.get_by_role("button", name=SELECT_SHOWN).first.click(), "select all shown")
        await page.get_by_text(re.compile(r"· [1-9][\d,]* selected")).wait_for(timeout=120_000)
        list_name = f"load-{run_id}-{i:02d}"
        for label, text in (("List name", list_name), ("Author", f"tester {i}"),
                            ("Note", f"<b>note</b> ${{x}} from {name}")):
            await page.get_by_label(label).fill(text)
            await rerun(page, runs, lambda: page.get_by_label(label).press("Tab"), label)  # commits the value
        await rerun(page, runs, lambda: page.get_by_role("button", name="Save", exact=True).click(), "save")
        await page.get_by_text(f'List "{list_name}" saved').wait_for(timeout=120_000)
        async with page.expect_download(timeout=120_000) as dl:
            await page.get_by_role("button", name="Target list (CSV)").click()
        body = Path(await (await dl.value).path()).read_text(encoding="utf-8-sig")
        rec["csv_has_own_source"] = name in body
        rec["ok"] = rec["csv_has_own_source"]
        rec["list"] = list_name
    except Exception as exc:  # a failure is a result here: count it, keep the others going
        rec["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        shots = ROOT / "bench" / "results"
        shots.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(shots / f"load_failure_{i:02d}.png"))
    finally:
        out[i] = rec
        await ctx.close()


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds used so far by process ``pid`` (all its threads), or by the whole machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pid is None:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        return (sum(int(x) for x in fields) - int(fields[3]) - int(fields[4])) / ticks  # minus idle, iowait
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


@contextlib.contextmanager
def serve(processes: int):
    """(URL users open, app pids, database URL, process names to warm up through the proxy):
    one app on SQLite (``processes`` 0), or N behind nginx on a new PostgreSQL server."""
    if not processes:
        db_dir = tempfile.mkdtemp(prefix="geo-load-")
        db_url = f"sqlite:///{db_dir}/targets.sqlite"
        with running_app(None, {"GEO_DATABASE_URL": db_url}) as (url, proc):
            yield url, [proc.pid], db_url, [None]
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import pgserver
    from testsupport import topology
    with pgserver.server() as pg:
        db_url = pgserver.fresh_database(pg, "geo_load")
        with topology.running(db_url, processes) as topo:
            yield topo.url, [a.proc.pid for a in topo.apps], db_url, [a.name for a in topo.apps]


def rss_total(pids: list[int]) -> float:
    return sum(report.rss_mb(pid) or 0.0 for pid in pids)


async def run(n: int, processes: int = 0, engine: str = "values") -> dict:
    os.environ["GEO_MAP_ENGINE"] = engine  # the app processes inherit it (geo.outputs.geolayer.engine)
    bset = boundaries.load("51")
    villages = list(zip(bset.full["village"]["code"], bset.full["village"]["name"]))
    with serve(processes) as (url, pids, db_url, warm):
        # one session per process first, so the figures are of a running server and not of its
        # cold start (loading the boundaries; cold starts are tested in tests/test_browser_coldstart.py)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name in warm:
                ctx = await browser.new_context()
                if name:
                    await ctx.add_cookies([{"name": "geo_backend", "value": name, "url": url}])
                page = await ctx.new_page()
                await page.goto(url + "/")
                await wait_map(page, "document.querySelectorAll('path.leaflet-interactive').length > 0")
                await ctx.close()
            await browser.close()
        idle = rss_total(pids)
        run_id = time.strftime("%H%M%S")
        results: dict = {}
        peak = [idle]

        async def sample():
            while True:
                peak[0] = max(peak[0], rss_total(pids))
                await asyncio.sleep(0.5)

        server_cpu = lambda: sum(cpu_s(pid) for pid in pids)  # noqa: E731
        t0, server_cpu0, machine_cpu0 = time.perf_counter(), server_cpu(), cpu_s()
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            sampler = asyncio.create_task(sample())
            await asyncio.gather(*(one_session(browser, url, i, run_id, villages, results) for i in range(n)))
            sampler.cancel()
            await browser.close()
        wall = time.perf_counter() - t0
        server_cpu, machine_cpu = server_cpu() - server_cpu0, cpu_s() - machine_cpu0
        db = store.Store(db_url, purge=False)
        saved = {s.name for s in db.names()}
        db.dispose()
    expected = {r["list"] for r in results.values() if r.get("list")}
    reruns = sorted(x for r in results.values() for x in r["rerun_s"])
    failures = [r for r in results.values() if not r["ok"]]
    held: dict[str, int] = {}
    for r in results.values():
        if r.get("process"):
            held[r["process"]] = held.get(r["process"], 0) + 1
    return {
        "sessions": n,
        "engine": engine,
        "processes": processes or 1,
        "through": "nginx, PostgreSQL" if processes else "direct, SQLite",
        "sessions_per_process": held,
        "failures": len(failures),
        "failure_examples": [r.get("error", "own source missing from CSV") for r in failures[:3]],
        "lists_saved": len(saved & expected),
        "lists_expected": n,
        "rerun_s_p50": round(statistics.median(reruns), 2) if reruns else None,
        "rerun_s_p95": round(reruns[int(0.95 * (len(reruns) - 1))], 2) if reruns else None,
        "server_rss_idle_mb": round(idle, 1),
        "server_rss_peak_mb": round(peak[0], 1),
        "server_mb_per_session": round((peak[0] - idle) / n, 1),
        "wall_s": round(wall, 1),
        # the browsers run on the same machine: how much of its CPU the app itself used
        "server_cpu_s": round(server_cpu, 1),
        "machine_cpu_s": round(machine_cpu, 1),
        "cores": os.cpu_count(),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[10])
    ap.add_argument("--processes", type=int, default=0,
                    help="N app processes behind nginx on PostgreSQL (default: one app, direct, SQLite)")
    ap.add_argument("--engine", nargs="+", choices=("inline", "values"), default=["values"],
                    help="map engines to run, one after the other in the same run (default: values)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = [asyncio.run(run(n, args.processes, engine)) for engine in args.engine for n in args.sessions]
    if args.json:
        print(json.dumps(out))
    else:
        for r in out:
            print(" ".join(f"{k}={v}" for k, v in r.items()))
    return 0 if all(r["failures"] == 0 and r["lists_saved"] == r["lists_expected"] for r in out) else 1


if __name__ == "__main__":
    sys.exit(main())
