"""Recoverable deletions, rename, the audit log and roles checked in the store (issue 17), and
the faults: a read-only or full database, and kill -9 during saves."""
from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from conftest import ROOT, make_app, needs_shared, wkey

from geo.outputs import store
from geo.outputs.store import Actor

AYU, MADE = Actor("ayu", "planner"), Actor("made", "planner")
ADMIN, VIEWER = Actor("boss", "admin"), Actor("tamu", "viewer")
CODES = ["51.03.01.2001", "51.03.01.2002", "51.71.01.1001"]


@pytest.fixture
def s(tmp_path):
    st_ = store.Store(f"sqlite:///{tmp_path / 'lists.sqlite'}")
    yield st_
    st_.dispose()


def audit_rows(s) -> list[tuple]:
    return [(e.action, e.kind, e.object_name, e.user) for e in reversed(s.audit_log(ADMIN))]


def test_delete_goes_to_the_bin_and_restore_brings_every_version(s):
    s.save("Badung", CODES[:1], author="A", note="v1", actor=AYU)
    s.save("Badung", CODES, author="B", note="v2", overwrite=True, actor=AYU)
    assert s.delete("Badung", actor=AYU) == 2
    assert s.names() == [] and s.history("Badung") == []
    with pytest.raises(store.NotFound):
        s.open("Badung")
    with pytest.raises(store.NameInBin, match="in the bin"):  # the name waits for its list
        s.save("badung", CODES, actor=AYU)
    [entry] = s.bin()
    assert (entry.kind, entry.name, entry.versions, entry.deleted_by) == ("list", "Badung", 2, "ayu")
    assert dt.datetime.fromisoformat(entry.expires_at) - dt.datetime.fromisoformat(entry.deleted_at) \
        < dt.timedelta(days=30, seconds=1)
    restored = s.restore("BADUNG", actor=AYU)
    assert (restored.name, restored.version, restored.versions) == ("Badung", 2, 2)
    assert [(h.note, h.codes) for h in s.history("Badung")] == [("v1", CODES[:1]), ("v2", CODES)]
    assert s.bin() == []
    with pytest.raises(store.NotFound):
        s.restore("Badung", actor=AYU)


def test_the_bin_is_purged_after_30_days(s):
    s.save("Lama", CODES, actor=AYU)
    s.save("Baru", CODES, actor=AYU)
    s.delete("Lama", actor=AYU)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)
    assert s.purge_expired(at=later - dt.timedelta(days=2)) == []
    assert s.purge_expired(at=later)[0][::2] == ("list", "Lama")
    assert s.bin() == [] and [n.name for n in s.names()] == ["Baru"]
    assert s.save("Lama", CODES[:1], actor=MADE).version == 1  # the name is free again, a new list
    with s.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.versions)).scalar() == 2


def test_an_expired_entry_cannot_be_restored_and_goes_at_the_next_start(s, tmp_path):
    s.save("Tua", CODES, actor=AYU)
    s.delete("Tua", actor=AYU)
    old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31)).isoformat()
    with s.engine.begin() as conn:
        conn.execute(store.lists.update().values(deleted_at=old))
    with pytest.raises(store.NotFound):
        s.restore("Tua", actor=AYU)
    again = store.Store(s.url)
    assert again.purged[0][::2] == ("list", "Tua") and again.bin() == []
    again.dispose()


def test_rename_keeps_every_version_and_checks_the_new_name(s):
    s.save("Sasaran A", CODES[:1], actor=AYU)
    s.save("Sasaran A", CODES, overwrite=True, actor=AYU)
    s.save("Sasaran B", CODES, actor=AYU)
    with pytest.raises(store.NameExists):
        s.rename("Sasaran A", "sasaran  b", actor=AYU)
    with pytest.raises(store.InvalidName):
        s.rename("Sasaran A", "\u200b", actor=AYU)
    got = s.rename("Sasaran A", "Nusa\u202e Penida", actor=AYU)
    assert (got.name, got.versions) == ("Nusa Penida", 2)
    assert s.rename("nusa penida", "Nusa Penida", actor=AYU).name == "Nusa Penida"  # its own name: allowed
    assert {n.name for n in s.names()} == {"Nusa Penida", "Sasaran B"}


def test_audit_records_each_change_with_user_and_time_and_nothing_else(s):
    s.save("X", CODES, actor=AYU)
    with pytest.raises(store.NameExists):
        s.save("x", CODES, actor=MADE)  # refused: no audit row
    with pytest.raises(store.PermissionDenied):
        s.delete("X", actor=MADE)  # refused: no audit row
    s.save("X", CODES[:1], overwrite=True, actor=AYU)
    s.rename("X", "Y", actor=AYU)
    s.delete("Y", actor=ADMIN)
    s.restore("Y", actor=AYU)
    assert audit_rows(s) == [("save", "list", "X", "ayu"), ("overwrite", "list", "X", "ayu"),
                             ("rename", "list", "Y", "ayu"), ("delete", "list", "Y", "boss"),
                             ("restore", "list", "Y", "ayu")]
    log = s.audit_log(ADMIN)
    assert log[-1].detail == {"version": 1} and log[2].detail == {"from": "X"}
    assert all(dt.datetime.fromisoformat(e.at).tzinfo is not None for e in log)
    with pytest.raises(store.PermissionDenied, match="only an admin"):
        s.audit_log(AYU)


def test_an_audit_failure_undoes_the_change(s):
    """The audit row is in the change's transaction: if it cannot be written, nothing is saved."""
    with s.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'x'); END")
    with pytest.raises(sa.exc.IntegrityError):
        s.save("Z", CODES, actor=AYU)
    assert s.names() == []


def test_roles(s):
    with pytest.raises(store.PermissionDenied, match="can only view"):
        s.save("V", CODES, actor=VIEWER)
    s.save("Ayu's", CODES, actor=AYU)
    for change in (lambda a: s.save("Ayu's", CODES[:1], overwrite=True, actor=a),
                   lambda a: s.rename("Ayu's", "Made's", actor=a), lambda a: s.delete("Ayu's", actor=a)):
        for who in (MADE, VIEWER):
            with pytest.raises(store.PermissionDenied):
                change(who)
    assert s.open("Ayu's").versions == 1 and s.bin() == []
    assert s.save("Made's", CODES, actor=MADE).version == 1  # another planner creates their own
    assert s.save("Ayu's", CODES[:1], overwrite=True, actor=ADMIN).version == 2  # an admin changes anyone's
    s.delete("Ayu's", actor=AYU)
    with pytest.raises(store.PermissionDenied, match="belongs to ayu"):
        s.restore("Ayu's", actor=MADE)
    assert s.restore("Ayu's", actor=ADMIN).versions == 2
    with pytest.raises(store.PermissionDenied):
        s.purge_expired(actor=AYU)
    with pytest.raises(TypeError):
        s.save("T", CODES, actor=None)
    with pytest.raises(ValueError):
        Actor("x", "root")


def test_lists_from_before_roles_are_an_admins(s):
    s.save("Lama", CODES, actor=ADMIN)
    with s.engine.begin() as conn:
        conn.execute(store.lists.update().values(owner=None))
    with pytest.raises(store.PermissionDenied):
        s.delete("Lama", actor=AYU)
    assert s.delete("Lama", actor=store.default_actor()) == 1  # without a login: the local admin
    assert store.default_actor() == store.LOCAL and store.LOCAL.role == "admin"


def test_postgres_bin_roles_audit(pg_url):
    s = store.Store(pg_url)
    s.save("Badung", CODES, actor=AYU)
    s.save("Badung", CODES[:1], overwrite=True, actor=AYU)
    with pytest.raises(store.PermissionDenied):
        s.delete("Badung", actor=MADE)
    assert s.delete("Badung", actor=AYU) == 2
    assert s.restore("Badung", actor=AYU).versions == 2
    assert [a for a, *_ in audit_rows(s)] == ["save", "overwrite", "delete", "restore"]
    s.dispose()


# ---------------------------------------------------------------- faults


def test_a_read_only_database_opens_reads_and_refuses_saves_clearly(tmp_path):
    path = tmp_path / "ro.sqlite"
    rw = store.Store(f"sqlite:///{path}")
    rw.save("Ada", CODES, actor=AYU)
    rw.dispose()
    ro = store.Store(f"sqlite:///file:{path}?mode=ro&uri=true")  # at head: only read, so it opens
    assert [n.name for n in ro.names()] == ["Ada"]
    for write in (lambda: ro.save("Baru", CODES, actor=AYU), lambda: ro.delete("Ada", actor=AYU),
                  lambda: ro.rename("Ada", "B", actor=AYU)):
        with pytest.raises(store.Unwritable) as exc:
            write()
        assert str(exc.value).startswith("the database is read-only")
        assert "hanya-baca" in exc.value.text("id")
    assert [n.name for n in ro.names()] == ["Ada"]
    ro.dispose()


def test_a_full_database_refuses_saves_clearly(tmp_path):
    s = store.Store(f"sqlite:///{tmp_path / 'full.sqlite'}")
    s.save("Ada", CODES, actor=AYU)
    with s.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    sa.event.listen(s.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages}"))
    s.engine.dispose()  # new connections get the cap: the file cannot grow, as on a full disk
    with pytest.raises(store.Unwritable, match="disk is full"):
        s.save("Besar", CODES, note="n" * 4000, settings={"x": "y" * 200_000}, actor=AYU)
    assert [n.name for n in s.names()] == ["Ada"]
    s.dispose()


_SAVER = """
import sys
from geo.outputs import store
s = store.Store(sys.argv[1])
i = 0
while True:
    s.save(f"kill-{i}", ["51.03.01.2001"], note="x" * 500, actor=store.LOCAL)
    print(i, flush=True)  # reported only once committed
    i += 1
"""


def test_kill_9_during_saves_loses_no_completed_save(tmp_path):
    path = tmp_path / "kill.sqlite"
    url = f"sqlite:///{path}"
    store.Store(url).dispose()
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    committed = []
    deadline = time.monotonic() + 120
    try:
        while len(committed) < 40 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            committed.append(int(line))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL and len(committed) >= 40
    with sqlite3.connect(path) as conn:  # recovery from the WAL, then the check
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    s = store.Store(url)
    names = {n.name for n in s.names()}
    assert {f"kill-{i}" for i in committed} <= names
    assert all(len(s.history(n)) == 1 for n in names)  # no half-saved list (a list without its version)
    with s.engine.connect() as conn:
        n_lists = conn.execute(sa.select(sa.func.count()).select_from(store.lists)).scalar()
        n_versions = conn.execute(sa.select(sa.func.count()).select_from(store.versions)).scalar()
        n_audit = conn.execute(sa.select(sa.func.count()).select_from(store.audit)).scalar()
    assert n_lists == n_versions == n_audit == len(names)
    s.dispose()


@needs_shared
def test_the_targets_page_says_a_read_only_database_refuses_the_save_and_keeps_working(tmp_path, monkeypatch):
    path = tmp_path / "ro-page.sqlite"
    rw = store.Store(f"sqlite:///{path}")
    rw.save("Ada", CODES, actor=AYU)
    rw.dispose()
    monkeypatch.setenv("GEO_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    at = make_app("targets", "en", state={"selected_codes": ["51.71.01.1001", "51.71.01.1002"]})
    at.text_input(key=wkey("targets", "name", "en")).input("Baru")
    at.button[[b.label for b in at.button].index("Save")].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot save: the database is read\\-only \\(ask whoever runs the app to check the database's permissions\\)\\."]
    assert any(m.label == "Villages" for m in at.metric)  # the rest of the page is drawn
