#!/usr/bin/env python3
"""Render deploy/nginx/nginx.conf.template for a set of app processes (standard library only).

    python deploy/nginx/render.py --backend app1=app1:8501 --backend app2=app2:8501 \
        --listen 80 > deploy/nginx/nginx.conf

Each ``--backend NAME=HOST:PORT`` is one Streamlit process; a browser pinned to NAME (cookie
``geo_backend``) goes to it, and to the others, in order, while it is down. The defaults of
the other options are those of the official nginx image (deploy/compose.yaml).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")


def render(backends: list[tuple[str, str]], listen: str = "80", pid: str = "/var/run/nginx.pid",
           error_log: str = "/var/log/nginx/error.log", access_log: str = "/var/log/nginx/access.log",
           temp: str = "/var/cache/nginx", user: str | None = "nginx") -> str:
    """The configuration for ``backends`` ([(name, "host:port")], at least one)."""
    if not backends:
        raise ValueError("at least one backend")
    names = [n for n, _ in backends]
    if len(set(names)) != len(names) or not all(NAME.match(n) for n in names):
        raise ValueError(f"backend names must be distinct, lower-case letters and digits: {names}")
    upstreams = []
    for i, (name, addr) in enumerate(backends):
        others = backends[i + 1:] + backends[:i]
        lines = [f"    upstream geo_{name} {{",
                 f"        server {addr} max_fails=1 fail_timeout=10s;"]
        lines += [f"        server {a} backup;" for _, a in others]
        lines.append("    }")
        upstreams.append("\n".join(lines))
    pinned = "\n".join(f"        {n} {n};" for n in names)
    share = 100 / len(names)
    split = [f"        {share:.2f}% {n};" for n in names[:-1]] + [f"        * {names[-1]};"]
    fields = {
        "user": f"user {user};" if user else "# (no user directive: nginx runs as whoever starts it)",
        "pid": pid, "error_log": error_log, "access_log": access_log, "temp": temp, "listen": listen,
        "upstreams": "\n".join(upstreams), "pinned": pinned, "split": "\n".join(split),
    }
    text = TEMPLATE.read_text()
    for key, value in fields.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.findall(r"@@\w+@@", text)
    if left:
        raise ValueError(f"unfilled fields in the template: {left}")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", action="append", required=True, metavar="NAME=HOST:PORT")
    ap.add_argument("--listen", default="80")
    ap.add_argument("--pid", default="/var/run/nginx.pid")
    ap.add_argument("--error-log", default="/var/log/nginx/error.log")
    ap.add_argument("--access-log", default="/var/log/nginx/access.log")
    ap.add_argument("--temp", default="/var/cache/nginx")
    ap.add_argument("--user", default="nginx", help="worker user ('' for none)")
    a = ap.parse_args(argv)
    backends = []
    for b in a.backend:
        name, sep, addr = b.partition("=")
        if not sep or not addr:
            ap.error(f"--backend {b!r}: expected NAME=HOST:PORT")
        backends.append((name, addr))
    try:
        sys.stdout.write(render(backends, a.listen, a.pid, a.error_log, a.access_log, a.temp, a.user or None))
    except ValueError as exc:
        ap.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
