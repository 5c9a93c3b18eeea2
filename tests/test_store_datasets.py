"""Saved datasets (issue 11): the rows a dataset used come back as the same Figures, versions
are kept, a period saved again supersedes without deleting, the bin keeps a deletion 30 days."""
from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import needs_shared

from geo import figures
from geo.figures import demo, join
from geo.figures import model as figures_model
from geo.outputs import store
from geo.outputs.store import Actor

AYU = Actor("ayu", "planner")
MADE = Actor("made", "planner")
ADMIN = Actor("boss", "admin")
VIEWER = Actor("tamu", "viewer")
GOOD = "kode,nama,pekerja,peserta,petani,petani_peserta\n" \
       "51.71.01.1001,Serangan,3120,1650,40,12\n51.71.01.1002,Pedungan,14210,8400,,\n"


@pytest.fixture
def s(tmp_path):
    st_ = store.Store(f"sqlite:///{tmp_path / 'ds.sqlite'}")
    yield st_
    st_.dispose()


def upload(text: str = GOOD, name: str = "f.csv", period: str | None = None, bali=None):
    raw = figures.read_table(text.encode(), name)
    result = join.join(figures.validate(raw, figures.guess_mapping(raw.columns), ["51"]), bali.full, ["51"])
    fig = result.figures
    if period:
        fig.period = period
    return fig, result.summary, hashlib.sha256(text.encode()).hexdigest()


def same_figures(a: figures_model.Figures, b: figures_model.Figures) -> None:
    pd.testing.assert_frame_equal(a.data, b.data, check_exact=True)
    assert (a.level, a.source, a.synthetic, a.period, a.notes) == (b.level, b.source, b.synthetic, b.period, b.notes)


@needs_shared
def test_demo_figures_round_trip_exactly(s, bali):
    fig = demo.demo_figures(bali)
    saved = s.save_dataset(fig, "Demo Bali", "demo.csv", "a" * 64, {"rows": 716}, AYU)
    assert isinstance(saved.id, int) and saved.version == 1 and saved.rows == 716
    opened = s.open_dataset(saved.id)
    same_figures(opened.figures, fig)
    assert [str(t) for t in opened.figures.data.dtypes] == [str(t) for t in fig.data.dtypes]
    assert (opened.meta.provinces, opened.meta.periods, opened.meta.synthetic) == (["51"], ["2025-12"], True)


@needs_shared
def test_an_upload_with_missing_values_round_trips_with_its_metadata(s, bali):
    fig, summary, sha = upload(bali=bali)
    assert fig.data["workers_farmer"].isna().sum() == 1  # a missing count stays missing, not 0
    saved = s.save_dataset(fig, "Denpasar Selatan Desember", "f.csv", sha, summary, AYU)
    got = s.open_dataset(saved.id)
    same_figures(got.figures, fig)
    m = got.meta
    assert (m.name, m.file_name, m.sha256, m.level, m.report, m.owner, m.saved_by, m.versions) == (
        "Denpasar Selatan Desember", "f.csv", sha, "village", summary, "ayu", "ayu", 1)
    assert s.list_datasets() == [s.dataset_info(saved.id)]


@needs_shared
def test_saving_a_name_again_needs_overwrite_and_keeps_the_earlier_version(s, bali):
    fig1, summary, sha = upload(bali=bali)
    first = s.save_dataset(fig1, "Denpasar", "f.csv", sha, summary, AYU)
    fig2, summary2, sha2 = upload(GOOD.replace("3120,1650", "3200,1700"), bali=bali)
    with pytest.raises(store.NameExists, match="already exists"):
        s.save_dataset(fig2, "Denpasar", "g.csv", sha2, summary2, AYU)
    with pytest.raises(store.NameExists):  # the same name folded: case and spacing
        s.save_dataset(fig2, "  DENPASAR ", "g.csv", sha2, summary2, AYU)
    second = s.save_dataset(fig2, "Denpasar", "g.csv", sha2, summary2, AYU, overwrite=True)
    assert (second.id, second.version, second.versions) == (first.id, 2, 2)
    same_figures(s.open_dataset(first.id).figures, fig2)
    same_figures(s.open_dataset(first.id, version=1).figures, fig1)
    assert [v.sha256 for v in s.dataset_history(first.id)] == [sha, sha2]


@needs_shared
def test_a_period_saved_again_supersedes_without_deleting(s, bali):
    dec, summary, sha = upload(period="2025-12", bali=bali)
    a = s.save_dataset(dec, "Desember", "dec.csv", sha, summary, AYU)
    jan, _, _ = upload(period="2026-01", bali=bali)
    b = s.save_dataset(jan, "Januari", "jan.csv", sha, summary, AYU)
    dec2, _, _ = upload(GOOD.replace("3120", "3121"), period="2025-12", bali=bali)
    c = s.save_dataset(dec2, "Desember revisi", "dec2.csv", sha, summary, MADE)
    hist = [(h.period, h.dataset_id, h.current) for h in s.period_history(["51"])]
    assert hist == [("2025-12", a.id, False), ("2025-12", c.id, True), ("2026-01", b.id, True)]
    same_figures(s.open_dataset(a.id).figures, dec)  # the earlier one is still there
    assert s.period_history(["52"]) == [] and s.list_datasets(["52"]) == []
    assert {d.id for d in s.list_datasets(["51", "52"])} == {a.id, b.id, c.id}


@needs_shared
def test_rename_delete_restore_purge(s, bali):
    fig, summary, sha = upload(bali=bali)
    a = s.save_dataset(fig, "Pertama", "f.csv", sha, summary, AYU)
    s.save_dataset(fig, "Pertama", "f.csv", sha, summary, AYU, overwrite=True)
    b = s.save_dataset(fig, "Kedua", "f.csv", sha, summary, AYU)
    assert s.rename_dataset(a.id, "Utama", AYU).name == "Utama"
    with pytest.raises(store.NameExists):
        s.rename_dataset(a.id, "kedua", AYU)
    assert s.delete_dataset(a.id, AYU) == 2
    assert [d.id for d in s.list_datasets()] == [b.id]
    with pytest.raises(store.NotFound):
        s.open_dataset(a.id)
    with pytest.raises(store.NameInBin):  # its name waits for it in the bin
        s.save_dataset(fig, "UTAMA", "f.csv", sha, summary, AYU)
    assert [(d.id, d.deleted_at is not None) for d in s.binned_datasets()] == [(a.id, True)]
    restored = s.restore_dataset(a.id, AYU)
    assert (restored.name, restored.versions, restored.deleted_at) == ("Utama", 2, None)
    same_figures(s.open_dataset(a.id, version=1).figures, fig)
    s.delete_dataset(b.id, AYU)
    assert s.purge_expired(at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=29)) == []
    with pytest.raises(store.PermissionDenied):
        s.purge_expired(AYU)
    assert s.purge_expired(at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)) == [("dataset", b.id, "Kedua")]
    assert s.binned_datasets() == []
    with pytest.raises(store.NotFound):
        s.restore_dataset(b.id, AYU)
    with s.engine.connect() as conn:  # nothing of it is left
        assert conn.execute(sa.select(sa.func.count()).where(store.dataset_versions.c.dataset_id == b.id)).scalar() == 0
        actions = [tuple(r) for r in conn.execute(sa.select(store.audit.c.action, store.audit.c.user,
                                                            store.audit.c.object_id).order_by(store.audit.c.id))]
    assert actions == [("save", "ayu", a.id), ("overwrite", "ayu", a.id), ("save", "ayu", b.id),
                       ("rename", "ayu", a.id), ("delete", "ayu", a.id), ("restore", "ayu", a.id),
                       ("delete", "ayu", b.id), ("purge", "system", b.id)]


@needs_shared
def test_roles_are_checked_in_the_store(s, bali):
    fig, summary, sha = upload(bali=bali)
    with pytest.raises(store.PermissionDenied, match="can only view"):
        s.save_dataset(fig, "x", "f.csv", sha, summary, VIEWER)
    a = s.save_dataset(fig, "Milik Ayu", "f.csv", sha, summary, AYU)
    for change in (lambda who: s.save_dataset(fig, "Milik Ayu", "f.csv", sha, summary, who, overwrite=True),
                   lambda who: s.rename_dataset(a.id, "Milik Made", who),
                   lambda who: s.delete_dataset(a.id, who)):
        with pytest.raises(store.PermissionDenied, match="belongs to ayu"):
            change(MADE)
        with pytest.raises(store.PermissionDenied):
            change(VIEWER)
    assert s.open_dataset(a.id).meta.versions == 1  # nothing changed
    s.delete_dataset(a.id, ADMIN)  # an admin may
    with pytest.raises(store.PermissionDenied):
        s.restore_dataset(a.id, MADE)
    assert s.restore_dataset(a.id, AYU).deleted_at is None  # the owner may restore


def test_unsupported_column_types_are_refused_not_changed(s):
    fig = figures_model.Figures(data=pd.DataFrame({"code": ["51.71.01.1001"], "when": [pd.Timestamp("2025-12-01")]}),
                             level="village", source="x")
    with pytest.raises(store.StoreError, match="cannot be saved"):
        s.save_dataset(fig, "x", "x.csv", "", {}, AYU)
    assert s.list_datasets() == []


def test_unknown_ids_are_not_found(s):
    for bad in (999, "abc", None):
        with pytest.raises(store.NotFound):
            s.open_dataset(bad)


@needs_shared
def test_postgres_round_trip(pg_url, bali):
    s = store.Store(pg_url)
    fig = demo.demo_figures(bali)
    saved = s.save_dataset(fig, "Demo", "demo.csv", "b" * 64, {"rows": 716}, AYU)
    same_figures(s.open_dataset(saved.id).figures, fig)
    s.delete_dataset(saved.id, AYU)
    assert s.restore_dataset(saved.id, AYU).versions == 1
    s.dispose()
