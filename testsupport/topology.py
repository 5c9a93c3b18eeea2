"""The deployment of deploy/compose.yaml on this machine without Docker: N app processes on one
PostgreSQL behind Debian's nginx (sticky sessions, websockets), for the tests and bench/load.py.

Everything runs as the current user on free ports: each app is ``streamlit run`` with
``GEO_DATABASE_URL`` pointing at the given database and a shared cookie secret (as in the
Compose file); nginx gets its own prefix, configuration (deploy/nginx/nginx.conf.template,
rendered by deploy/nginx/render.py), pid file, logs and temp folders in a temporary folder.
The PostgreSQL server is the caller's (tests/pgserver.py). Readiness is polled on
``/_stcore/health`` (never a sleep).
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from testsupport.appserver import ARTIFACTS, ROOT, free_port, wait_healthy

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
RENDER = ROOT / "deploy" / "nginx" / "render.py"
COOKIE = "geo_backend"
# The access log names the process that answered each request (and the browser's pin), so a
# test can tell which process served whom.
LOG_FORMAT = ('log_format geo \'$remote_addr "$request" $status upstream=$upstream_addr '
              'pin=$cookie_geo_backend\';')


def render_module():
    """deploy/nginx/render.py as a module (it is a stand-alone script, not a package)."""
    spec = importlib.util.spec_from_file_location("geo_deploy_nginx_render", RENDER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@dataclass
class App:
    """One app process: its name in the proxy (the cookie's value), its port, its process."""

    name: str
    port: int
    env: dict
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def wait(self, timeout_s: float = 180) -> None:
        wait_healthy(self.url, self.proc, timeout_s, f"app process {self.name}")

    def kill9(self) -> None:
        """``kill -9``: no clean-up of any kind (sessions, connections, open transactions)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)


@dataclass
class Topology:
    """Running apps behind nginx; ``url`` is the proxy's address (what users open)."""

    db_url: str
    apps: list[App]
    root: Path
    nginx_port: int
    nginx: subprocess.Popen | None = None
    conf: Path = field(default=Path())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def app(self, name: str) -> App:
        return next(a for a in self.apps if a.name == name)

    def restart(self, name: str, timeout_s: float = 180) -> App:
        """Start the (stopped or killed) process ``name`` again on the same port, and wait for it
        and for the proxy to route to it again (else the next browser pinned to it is sent to
        the other process for nginx's ``fail_timeout`` and comes back mid-session)."""
        a = self.app(name)
        a.stop()
        a.start()
        a.wait(timeout_s)
        self.wait_routed(name)
        return a

    def wait_routed(self, name: str, timeout_s: float = 60) -> None:
        """Until the proxy sends browsers pinned to ``name`` to that process again: after a
        failure nginx tries it again once ``fail_timeout`` (10 s) has passed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            req = urllib.request.Request(self.url + "/_stcore/health", headers={"Cookie": f"{COOKIE}={name}"})
            with contextlib.suppress(OSError):
                urllib.request.urlopen(req, timeout=5).close()
            time.sleep(0.3)  # the entry is written when the request completes
            log = self.access_log()
            if log and log[-1]["upstream"] == self.app(name).address:
                return
        raise RuntimeError(f"the proxy does not route to {name} again")

    def access_log(self) -> list[dict]:
        """The proxy's requests so far: request line, status, upstream address(es), the pin."""
        out = []
        for line in (self.root / "logs" / "access.log").read_text(errors="replace").splitlines():
            m = re.match(r'(\S+) "([^"]*)" (\d+) upstream=(\S*) pin=(\S*)', line)
            if m:
                out.append({"request": m[2], "status": int(m[3]), "upstream": m[4], "pin": m[5]})
        return out

    def pin_cookie(self, name: str) -> dict:
        """The cookie that pins a browser context to process ``name`` (for ``context.add_cookies``)."""
        return {"name": COOKIE, "value": name, "url": self.url}


def nginx_config(root: Path, listen: int, backends: list[tuple[str, str]]) -> str:
    """The template rendered for a run as the current user, under ``root``."""
    text = render_module().render(
        backends, listen=f"127.0.0.1:{listen}", pid=str(root / "nginx.pid"),
        error_log=str(root / "logs" / "error.log"), access_log=f"{root / 'logs' / 'access.log'} geo",
        temp=str(root / "temp"),
        user="root" if os.geteuid() == 0 else None)  # as root, workers would otherwise drop to nobody
    return text.replace("http {\n", "http {\n    " + LOG_FORMAT + "\n", 1)


def check_nginx(conf: Path, root: Path) -> None:
    """``nginx -t`` on ``conf``; raises with nginx's own words when it is refused."""
    r = subprocess.run([NGINX, "-t", "-p", str(root), "-e", str(root / "logs" / "error.log"), "-c", str(conf)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"nginx -t refused {conf}: {r.stderr.strip()}")


@contextlib.contextmanager
def running(db_url: str, processes: int = 2, timeout_s: float = 240,
            extra_env: dict | None = None) -> Iterator[Topology]:
    """Start ``processes`` apps on ``db_url`` and nginx in front; stop all of them afterwards."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: run `scripts/setup.sh --dev` (installs Debian's nginx)")
    root = Path(tempfile.mkdtemp(prefix="geo-topology-"))
    for sub in ("logs", "temp", "conf"):
        (root / sub).mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1", GEO_DATABASE_URL=db_url,
               # one secret for all processes, as in deploy/compose.yaml (signed cookies, st.login)
               STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(32), **(extra_env or {}))
    apps = [App(f"app{i + 1}", free_port(), env, ARTIFACTS / f"topology-app{i + 1}.log") for i in range(processes)]
    for a in apps:
        a.log_path.write_text("")
    topo = Topology(db_url, apps, root, free_port())
    try:
        for a in apps:  # all start at once: the first to open the store runs the migrations
            a.start()
        for a in apps:
            a.wait(timeout_s)
        topo.conf = root / "conf" / "nginx.conf"
        topo.conf.write_text(nginx_config(root, topo.nginx_port, [(a.name, a.address) for a in apps]))
        check_nginx(topo.conf, root)
        topo.nginx = subprocess.Popen(
            [NGINX, "-p", str(root), "-e", str(root / "logs" / "error.log"), "-c", str(topo.conf),
             "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=open(root / "logs" / "stderr.log", "w"))
        wait_healthy(topo.url, topo.nginx, 30, "nginx")
        yield topo
    finally:
        if topo.nginx is not None and topo.nginx.poll() is None:
            topo.nginx.send_signal(signal.SIGTERM)  # fast: open websockets closed too
            try:
                topo.nginx.wait(15)
            except subprocess.TimeoutExpired:
                topo.nginx.kill()
                topo.nginx.wait(15)
        for a in apps:
            a.stop()
        with contextlib.suppress(OSError):
            shutil.copy(root / "logs" / "error.log", ARTIFACTS / "topology-nginx-error.log")
            shutil.copy(root / "logs" / "access.log", ARTIFACTS / "topology-nginx-access.log")
        shutil.rmtree(root, ignore_errors=True)
