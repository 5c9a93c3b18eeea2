"""deploy/: the nginx configuration rendered from its template, and the backup job with the
restore steps of docs/deployment.md, run for real against a PostgreSQL server of the test."""
from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from geo.outputs import store
from testsupport import topology

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
CODES = ["51.03.01.2001", "51.03.01.2002", "51.71.01.1001"]
AYU = store.Actor("ayu", "planner")


def compose_backends() -> list[tuple[str, str]]:
    """The app services of deploy/compose.yaml (``appN: *app``), as the proxy reaches them."""
    names = re.findall(r"^  (app\d+): \*app$", (DEPLOY / "compose.yaml").read_text(), flags=re.M)
    return [(n, f"{n}:8501") for n in names]


def test_the_committed_nginx_conf_is_the_template_rendered_for_the_compose_file():
    backends = compose_backends()
    assert len(backends) >= 2
    assert (DEPLOY / "nginx" / "nginx.conf").read_text() == topology.render_module().render(backends)


def test_the_template_makes_a_configuration_nginx_accepts_for_any_number_of_processes(tmp_path):
    for sub in ("logs", "temp"):
        (tmp_path / sub).mkdir()
    for n in (1, 2, 3):
        conf = tmp_path / f"nginx-{n}.conf"
        conf.write_text(topology.nginx_config(tmp_path, 8080, [(f"app{i}", f"127.0.0.1:{9000 + i}")
                                                             for i in range(1, n + 1)]))
        topology.check_nginx(conf, tmp_path)
        text = conf.read_text()
        assert text.count("backup;") == n * (n - 1)  # each process falls back on every other one
    with pytest.raises(ValueError, match="distinct"):
        topology.render_module().render([("app1", "a:1"), ("app1", "b:1")])


def _run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import pgserver
    path = f"{pgserver.bindir()}:{os.environ['PATH']}"  # the server's own pg_dump/pg_restore
    return subprocess.run(["sh", str(DEPLOY / "backup" / script), *args], capture_output=True, text=True,
                          env=dict(os.environ, PATH=path, **(env or {})), timeout=120)


def _state(url: str) -> dict:
    s = store.Store(url, purge=False)
    try:
        return {"lists": [(n.name, n.version, n.owner, n.villages) for n in s.names()],
                "history": {n.name: [(v.version, v.codes, v.note) for v in s.history(n.name)] for n in s.names()},
                "bin": [(e.kind, e.name, e.versions) for e in s.bin()],
                "audit": [(a.user, a.action, a.kind, a.object_name) for a in s.audit_log(store.LOCAL)]}
    finally:
        s.dispose()


def test_a_backup_restored_into_a_fresh_database_has_the_same_lists(pg_url, tmp_path):
    import pgserver
    s = store.Store(pg_url)
    s.save("Badung pesisir", CODES, note="nelayan <b>", actor=AYU)
    s.save("Badung pesisir", CODES[:1], overwrite=True, actor=AYU)
    s.save("Gianyar", CODES[1:], actor=store.LOCAL)
    s.save("Lama", CODES, actor=AYU)
    s.delete("Lama", actor=AYU)  # in the bin: restorable after the restore too
    s.dispose()
    backups = tmp_path / "backups"
    backups.mkdir()
    old, recent = backups / "geo-20000101T000000Z.dump", backups / "geo-recent.dump"
    for f, days in ((old, 15), (recent, 13)):
        f.write_bytes(b"an earlier dump")
        t = time.time() - days * 86400
        os.utime(f, (t, t))
    r = _run("backup.sh", "--once", env={"BACKUP_DATABASE_URL": pg_url, "BACKUP_DIR": str(backups),
                                         "BACKUP_KEEP_DAYS": "14"})
    assert r.returncode == 0, r.stderr
    dumps = sorted(backups.glob("geo-2*.dump"))
    assert not old.exists() and recent.exists()  # kept 14 days, no longer
    assert len(dumps) == 1 and "deleted (older than 14 days)" in r.stdout
    assert not list(backups.glob(".*.part"))

    target = pgserver.fresh_database(pg_url, pg_url.rsplit("/", 1)[1][:40] + "_restored")
    r = _run("restore.sh", str(dumps[0]), target)
    assert r.returncode == 0, r.stderr
    assert _state(target) == _state(pg_url)
    s = store.Store(target)  # the app opens it (migrations: nothing to do) and works on it
    assert s.restore("Lama", actor=AYU).versions == 1
    s.save("Baru", CODES, actor=AYU)
    s.dispose()
    r = _run("restore.sh", str(dumps[0]), target)  # never over live data
    assert r.returncode == 1 and "not empty" in r.stderr


def test_the_backup_job_says_what_is_wrong(tmp_path):
    r = _run("backup.sh", "--once", env={"BACKUP_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
                                         "BACKUP_DIR": str(tmp_path)})
    assert r.returncode != 0 and "pg_dump failed" in r.stderr and not list(tmp_path.iterdir())
    r = _run("backup.sh", "--once", env={"BACKUP_DATABASE_URL": "x", "BACKUP_KEEP_DAYS": "two"})
    assert r.returncode == 2 and "whole number" in r.stderr
