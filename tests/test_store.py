"""Saved target lists: versions instead of silent overwrites, and no save lost with 16 writers."""
from __future__ import annotations

import multiprocessing as mp
import threading

import pytest

from geo.outputs import store

ME = store.Actor("ayu", "planner")

CODES = ["51.03.01.2001", "51.03.01.2002", "51.71.01.1001"]
WRITERS = 16
SAVES_EACH = 8


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'lists.sqlite'}"


def test_save_open_names_delete(url):
    s = store.Store(url)
    saved = s.save("Nusa Penida fishers", CODES + ["5103012001"], author="Ayu", note="first round",
                   settings={"uptake": 80, "segments": ["fisher"]}, actor=ME)
    assert saved.version == 1 and saved.codes == CODES  # normalised, duplicate dropped
    got = s.open("  Nusa   Penida fishers ")  # same name once spaces are tidied
    assert (got.author, got.note, got.codes, got.settings) == ("Ayu", "first round", CODES,
                                                               {"segments": ["fisher"], "uptake": 80})
    s.save("Second", CODES[:1], actor=ME)
    assert [n.name for n in s.names()] == ["Second", "Nusa Penida fishers"]  # latest first
    assert s.delete("Second", actor=ME) == 1
    assert s.delete("Second", actor=ME) == 0
    with pytest.raises(store.NotFound):
        s.open("Second")
    assert [n.name for n in s.names()] == ["Nusa Penida fishers"]


def test_same_name_is_not_overwritten_silently(url):
    s = store.Store(url)
    s.save("Badung", CODES[:2], author="A", note="v1", actor=ME)
    with pytest.raises(store.NameExists, match="already exists"):
        s.save("Badung", CODES[2:], author="B", actor=ME)
    assert s.open("Badung").codes == CODES[:2]
    v2 = s.save("Badung", CODES[2:], author="B", note="v2", overwrite=True, actor=ME)
    assert v2.version == 2
    assert s.open("Badung").codes == CODES[2:]
    # the earlier version is kept and can be opened
    old = s.open("Badung", version=1)
    assert (old.codes, old.author, old.note, old.versions) == (CODES[:2], "A", "v1", 2)
    assert [h.version for h in s.history("Badung")] == [1, 2]
    assert s.names()[0].version == 2 and s.names()[0].villages == 1
    assert s.delete("Badung", actor=ME) == 2


def test_bad_input_is_refused_with_a_message(url):
    s = store.Store(url)
    with pytest.raises(store.StoreError, match="visible character"):
        s.save("   ", CODES, actor=ME)
    with pytest.raises(store.StoreError, match="not a village code: '51.03'"):
        s.save("x", ["51.03.01.2001", "51.03"], actor=ME)
    with pytest.raises(store.StoreError, match="at most"):
        s.save("n" * 500, CODES, actor=ME)
    assert s.names() == []  # nothing half-saved


def test_compare():
    a = store.SavedList("a", 1, "", "", ["1", "2", "3"], {"uptake": 100, "months": 12}, "")
    b = store.SavedList("b", 1, "", "", ["3", "4"], {"uptake": 80, "months": 12}, "")
    c = store.compare(a, b)
    assert (c.only_a, c.only_b, c.both) == (["1", "2"], ["4"], ["3"])
    assert c.settings_changed == {"uptake": (100, 80)}


def test_sqlite_is_wal_with_full_sync(url):
    s = store.Store(url)
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_default_url_is_under_data(monkeypatch):
    monkeypatch.delenv(store.URL_ENV, raising=False)
    assert store.database_url().endswith("/data/targets.sqlite")
    monkeypatch.setenv(store.URL_ENV, "postgresql://u@h/db")
    assert store.database_url() == "postgresql://u@h/db"


# ---------------------------------------------------------------- concurrency


def _writer(url: str, who: int, start, errors) -> None:
    """One writer: its own lists, overwrites of one shared list, and a race for a new name."""
    try:
        s = store.Store(url)
        start.wait()
        for i in range(SAVES_EACH):
            code = f"51.03.01.{2000 + who * SAVES_EACH + i:04d}"
            s.save(f"w{who}-{i}", [code], author=f"writer {who}", note=str(i), actor=ME)
            s.save("shared", [code], author=f"writer {who}", note=f"{who}-{i}", overwrite=True, actor=ME)
        try:
            s.save("race", [f"51.03.01.{2000 + who:04d}"], author=str(who), actor=ME)
        except store.NameExists:
            pass
        s.dispose()
    except Exception as exc:  # reported to the test, never swallowed
        errors.append(f"writer {who}: {type(exc).__name__}: {exc}")


def _check_nothing_lost(url: str) -> None:
    s = store.Store(url)
    names = {n.name for n in s.names()}
    expected = {f"w{w}-{i}" for w in range(WRITERS) for i in range(SAVES_EACH)}
    assert expected <= names, sorted(expected - names)[:5]
    hist = s.history("shared")
    assert [h.version for h in hist] == list(range(1, WRITERS * SAVES_EACH + 1))
    assert sorted(h.note for h in hist) == sorted(f"{w}-{i}" for w in range(WRITERS) for i in range(SAVES_EACH))
    assert len(s.history("race")) == 1  # exactly one writer won the new name, no one overwrote it


def _run_processes(url: str) -> None:
    ctx = mp.get_context("fork")
    with ctx.Manager() as manager:
        errors = manager.list()
        start = manager.Barrier(WRITERS)
        procs = [ctx.Process(target=_writer, args=(url, w, start, errors)) for w in range(WRITERS)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(240)
        assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
        assert list(errors) == []


def test_sixteen_processes_lose_no_save(url):
    store.Store(url).dispose()  # create the tables, as the app does at start
    _run_processes(url)
    _check_nothing_lost(url)


def test_sixteen_threads_lose_no_save(url):
    errors: list[str] = []
    start = threading.Barrier(WRITERS)
    threads = [threading.Thread(target=_writer, args=(url, w, start, errors)) for w in range(WRITERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(240)
    assert errors == []
    _check_nothing_lost(url)


# ---------------------------------------------------------------- PostgreSQL (same code)
# pg_url (conftest.py): a fresh database on a throwaway server; a missing server fails the test


def test_postgres_same_code_path(pg_url):
    s = store.Store(pg_url)
    s.save("Badung", CODES[:2], author="A", actor=ME)
    with pytest.raises(store.NameExists):
        s.save("Badung", CODES, actor=ME)
    assert s.save("Badung", CODES, overwrite=True, actor=ME).version == 2
    assert s.open("Badung", 1).codes == CODES[:2]
    assert s.delete("Badung", actor=ME) == 2
    s.dispose()
    _run_processes(pg_url)
    _check_nothing_lost(pg_url)


# ---------------------------------------------------------------- names (issue 18)

NFC = "Daftar Caf\u00e9"


def test_twins_are_one_name(url):
    s = store.Store(url)
    s.save(NFC, CODES[:1], actor=ME)
    for twin in ("Daftar Cafe\u0301", "daftar caf\u00e9", "Daftar\u200b Caf\u00e9", " DAFTAR  CAF\u00c9 "):
        with pytest.raises(store.NameExists) as exc:
            s.save(twin, CODES, actor=ME)
        assert exc.value.name == NFC  # the message names the list as it was saved
        assert s.open(twin).name == NFC
    assert s.save("daftar caf\u00e9", CODES, overwrite=True, actor=ME).name == NFC  # overwriting keeps the first spelling
    assert [n.name for n in s.names()] == [NFC]


@pytest.mark.parametrize("raw,saved", [
    ("\u202eefaC ratfaD", "efaC ratfaD"), ("a\x07b\x1b[31mc", "ab[31mc"),
    ("**bold** <b>x</b> [link](http://x) ${alert(1)}", "**bold** <b>x</b> [link](http://x) ${alert(1)}"),
])
def test_names_are_saved_clean(url, raw, saved):
    s = store.Store(url)
    assert s.save(raw, CODES, author="\u202eAyu\x07", actor=ME).name == saved
    assert [n.name for n in s.names()] == [saved] and s.open(saved).author == "Ayu"


def test_refusals_give_their_own_reason_in_both_languages(url):
    s = store.Store(url)
    with pytest.raises(store.InvalidName) as exc:
        s.save("\u200b\u200b\u200b", CODES, actor=ME)
    assert "visible character" in str(exc.value) and "terlihat" in exc.value.text("id")
    with pytest.raises(store.InvalidName) as exc:
        s.save("x" * 10_000, CODES, actor=ME)
    assert str(exc.value) == "The name is too long: at most 120 characters (10000 given)."
    with pytest.raises(store.InvalidName, match="at most 4000"):
        s.save("x", CODES, note="n" * 4001, actor=ME)
    assert s.names() == []
