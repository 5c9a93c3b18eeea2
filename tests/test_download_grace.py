"""Downloads outlive other users' reruns (ui.downloads): a file made when its button is clicked
is not deleted by the sweeps that end every session's runs until a grace period has passed."""
from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui import downloads


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(downloads, "_clock", lambda: now[0])
    downloads.keep_downloads_for_a_grace_period()
    return now


def fetch(storage: MemoryMediaFileStorage, url: str) -> bytes:
    return storage.get_file(url.rsplit("/", 1)[-1]).content


def test_a_generated_download_survives_other_runs_until_the_grace_period_ends(clock):
    storage = MemoryMediaFileStorage("/media")
    mgr = MediaFileManager(storage)
    placeholder = mgr.add_deferred(lambda: b"code,name\n51.03.01.2001,Desa\n", "text/csv", "1.2", "list.csv")
    url = mgr.execute_deferred(placeholder)  # the click: bytes made, URL sent to the browser
    for _ in range(5):  # five other sessions end a run before the browser fetches the file
        mgr.remove_orphaned_files()
    assert fetch(storage, url).startswith(b"code,name")
    clock[0] += downloads.GRACE_S
    mgr.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        fetch(storage, url)  # then it goes: unreferenced files do not pile up


def test_media_shown_in_a_run_still_goes_at_once(clock):
    """Only downloads get the grace period; an image no run shows any more is deleted as before."""
    storage = MemoryMediaFileStorage("/media")
    mgr = MediaFileManager(storage)
    url = mgr.add(b"\x89PNG....", "image/png", "1.3")
    mgr.clear_session_refs()
    mgr.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        fetch(storage, url)


def test_installing_twice_keeps_one_patch(clock):
    from streamlit.runtime.media_file_manager import MediaFileMetadata
    downloads.keep_downloads_for_a_grace_period()
    assert MediaFileMetadata.mark_for_delete is downloads._mark_for_delete
