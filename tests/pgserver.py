"""A throwaway PostgreSQL server for the store's tests (Debian's ``postgresql`` package).

``scripts/setup.sh --dev`` installs the package, so CI always has it: without a server the
tests fail, and they skip only when ``GEO_ALLOW_SKIP_POSTGRES`` is set (a developer's machine
without it). ``GEO_TEST_POSTGRES_URL`` points the tests at a server of one's own instead.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ALLOW_SKIP = "GEO_ALLOW_SKIP_POSTGRES"


def unavailable(reason: str):
    """Fail (CI, the default) or skip (``GEO_ALLOW_SKIP_POSTGRES`` set) for a missing server."""
    if os.environ.get(ALLOW_SKIP):
        pytest.skip(f"{reason} ({ALLOW_SKIP} is set)")
    pytest.fail(f"{reason}: run `scripts/setup.sh --dev` (installs Debian's postgresql), set GEO_TEST_POSTGRES_URL, "
                f"or set {ALLOW_SKIP}=1 to skip these tests", pytrace=False)


def bindir() -> Path | None:
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return initdb[-1].parent if initdb else None


@contextlib.contextmanager
def server():
    """Yields a URL: ``$GEO_TEST_POSTGRES_URL``, or a new cluster in a temporary folder, stopped after."""
    url = os.environ.get("GEO_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed")
    bins = bindir()
    if bins is None:
        unavailable("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)")
    root = Path(tempfile.mkdtemp(prefix="geo-pg-"))
    data = root / "data"
    user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as the package's user
        if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
            unavailable("running as root without a 'postgres' user to run the server")
        shutil.chown(root, "postgres")
        user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    try:
        subprocess.run(user + [str(bins / "initdb"), "-D", str(data), "-U", "geo", "--auth=trust"],
                       check=True, capture_output=True)
        subprocess.run(user + [str(bins / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"),
                               "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        log = (root / "log").read_text(errors="replace")[-2000:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        unavailable(f"could not start a local PostgreSQL: {exc} {getattr(exc, 'stderr', b'')!r} {log}")
    try:
        yield f"postgresql://geo@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(user + [str(bins / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``url`` (dropped first if it exists)."""
    import sqlalchemy as sa
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
