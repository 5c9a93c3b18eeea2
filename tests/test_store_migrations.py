"""The store's schema goes through Alembic revisions (issue 11): a database written by the
current release (tests/fixtures/store/release_store.py, its store verbatim) upgrades at the
first start with every list and version intact, on SQLite and on PostgreSQL; a fresh one is
created at the head revision; processes starting together upgrade once.
"""
from __future__ import annotations

import multiprocessing as mp

import pytest
import sqlalchemy as sa
from fixtures.store import release_store

from geo.outputs import store

ME = store.LOCAL  # an admin: the release's lists have no owner

CODES = ["51.03.01.2001", "51.03.01.2002", "51.71.01.1001", "51.71.01.1002"]


def write_with_the_release(url: str) -> list[list[tuple]]:
    """Lists saved by the release's own code: several versions, notes, settings, authors.

    Returns every list's history as (name, version, author, note, codes, settings, created_at).
    """
    old = release_store.Store(url)
    old.save("Nusa Penida fishers", CODES[:2], author="Ayu", note="first round\nsecond line",
             settings={"uptake": 80, "segments": ["fisher"]})
    old.save("Nusa Penida fishers", CODES[:3], author="Made", note="v2", overwrite=True)
    old.save("Nusa Penida fishers", CODES, author="Ayu", note="v3", overwrite=True)
    old.save("Denpasar", CODES[2:], author="", note="")
    old.save("Sasaran <b>1</b> ${x}", CODES[:1], author="Komang", note="=1+1")
    histories = [[(h.name, h.version, h.author, h.note, h.codes, h.settings, h.created_at)
                  for h in old.history(n.name)] for n in old.names()]
    old.dispose()
    return histories


def histories_of(s: store.Store) -> list[list[tuple]]:
    return [[(h.name, h.version, h.author, h.note, h.codes, h.settings, h.created_at)
             for h in s.history(n.name)] for n in s.names()]


def release_database_upgrades_intact(url: str) -> None:
    before = write_with_the_release(url)
    assert sum(len(h) for h in before) == 5
    engine = sa.create_engine(url)
    assert store.current_revision(engine) is None  # the release knew nothing of Alembic
    engine.dispose()
    s = store.Store(url)
    assert store.current_revision(s.engine) == store.head_revision()
    assert histories_of(s) == before  # every list, every version, every field
    # and the upgraded database works: a new version of an old list, a new list
    assert s.save("Denpasar", CODES[:1], overwrite=True, actor=ME).version == 2
    assert s.save("Baru", CODES[:2], actor=ME).version == 1
    assert [h.version for h in s.history("Nusa Penida fishers")] == [1, 2, 3]
    s.dispose()
    again = store.Store(url)  # a second start finds the schema current and runs nothing
    assert again.migration_report == [] and store.current_revision(again.engine) == store.head_revision()
    again.dispose()


def test_release_sqlite_database_upgrades_with_every_list_intact(tmp_path):
    release_database_upgrades_intact(f"sqlite:///{tmp_path / 'targets.sqlite'}")


def test_release_postgres_database_upgrades_with_every_list_intact(pg_url):
    release_database_upgrades_intact(pg_url)


def test_new_database_is_created_at_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    s = store.Store(url)
    assert store.current_revision(s.engine) == store.head_revision()
    tables = set(sa.inspect(s.engine).get_table_names())
    assert {"alembic_version", "target_lists", "target_list_versions"} <= tables
    s.dispose()


def test_revisions_form_one_line_from_the_release():
    from alembic.script import ScriptDirectory
    scripts = ScriptDirectory.from_config(store.alembic_config())
    chain = [r.revision for r in scripts.walk_revisions()]  # head first
    assert chain[-1] == "0001" and scripts.get_revision("0001").down_revision is None
    assert len(scripts.get_heads()) == 1 and chain[0] == store.head_revision()


def _open(url: str, start, out) -> None:
    start.wait()
    try:
        s = store.Store(url)
        out.put(("ok", s.migration_report))
        s.dispose()
    except Exception as exc:  # reported to the test
        out.put(("error", f"{type(exc).__name__}: {exc}"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_starting_together_upgrade_once(tmp_path, request, backend):
    url = f"sqlite:///{tmp_path / 'race.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    before = write_with_the_release(url)
    ctx = mp.get_context("fork")
    start, out = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=_open, args=(url, start, out)) for _ in range(8)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert [r[0] for r in results] == ["ok"] * 8, results
    s = store.Store(url)
    assert store.current_revision(s.engine) == store.head_revision()
    assert histories_of(s) == before
    s.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrated_schema_is_the_one_the_code_uses(tmp_path, request, backend):
    """The revisions and geo.store's tables agree (Alembic's autogenerate finds nothing to do)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    url = f"sqlite:///{tmp_path / 'schema.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    s = store.Store(url)
    with s.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), store.metadata)
    assert diff == []
    s.dispose()


# ---------------------------------------------------------------- names with twins (issue 18)

NFC = "Daftar Caf\u00e9"
NFD = "Daftar Cafe\u0301"


def twins_with_the_release(url: str) -> None:
    old = release_store.Store(url)
    for name in (NFC, NFD, "daftar caf\u00e9", "Daftar\u200b Caf\u00e9", "\u200b\u200b\u200b", "\u202eefaC ratfaD",
                 "Lain"):
        old.save(name, CODES[:2], author="a\x1b[31mb")
    old.save(NFD, CODES, author="Made", note="v2", overwrite=True)
    old.dispose()


def twins_upgrade_without_losing_a_list(url: str) -> None:
    twins_with_the_release(url)
    s = store.Store(url)
    got = {n.name: n.version for n in s.names()}
    assert got == {NFC: 1, NFC + " (2)": 2, "daftar caf\u00e9 (3)": 1, NFC + " (4)": 1, "Daftar 5": 1,
                   "efaC ratfaD": 1, "Lain": 1}
    assert s.open(NFC + " (2)", 2).note == "v2" and s.open(NFC + " (2)", 1).codes == CODES[:2]
    assert {h.author for n in s.names() for h in s.history(n.name)} == {"a[31mb", "Made"}
    report = s.migration_report
    assert len(report) == 5 and all("renamed to" in line for line in report)
    assert any(f"'{NFD}' renamed to '{NFC} (2)'" in line and "list 1" in line for line in report)
    with pytest.raises(store.NameExists):  # the key is enforced from now on
        s.save("DAFTAR CAF\u00c9", CODES, actor=ME)
    with s.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):  # by the database itself
        conn.execute(store.lists.insert().values(name="x", name_key=store.name_key(NFC), created_at="now"))
    s.dispose()


def test_twins_upgrade_without_losing_a_list_sqlite(tmp_path):
    twins_upgrade_without_losing_a_list(f"sqlite:///{tmp_path / 'twins.sqlite'}")


def test_twins_upgrade_without_losing_a_list_postgres(pg_url):
    twins_upgrade_without_losing_a_list(pg_url)
