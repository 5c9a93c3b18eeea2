"""Start the app with `streamlit run` on a free port and wait on /_stcore/health (never a sleep).

Shared by the browser tests and the benchmarks.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None, timeout_s: float, what: str) -> None:
    """Until ``url`` answers its health check; fails as soon as ``proc`` has ended."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:  # URLError is an OSError
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become healthy at {url}")
        time.sleep(0.2)


@contextlib.contextmanager
def running_app(log_name: str | None = "streamlit.log", env: dict | None = None,
                timeout_s: float = 120) -> Iterator[tuple[str, subprocess.Popen]]:
    """Yield (base URL, process) of a running app; its output goes to tests/artifacts/<log_name>."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / log_name, "w") if log_name else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                             "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1", **(env or {})),
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout_s, f"streamlit (see {ARTIFACTS / (log_name or '')})")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_name:
            log.close()
