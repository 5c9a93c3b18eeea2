"""Downloads survive other users' reruns: a grace period before Streamlit deletes a file.

Streamlit 1.67 keeps a download's bytes as a media file and, at the end of *every* script
run of *any* session, sweeps files no session references: the first sweep marks a download,
the next deletes it. A download button whose bytes are made when it is clicked (a callable,
as our exports are) stores them unreferenced and sends the browser their URL; with several
users at work, two other runs can end before the browser fetches it, and the download fails
("canceled": 2 of 25 sessions in bench/load.py). A static download has the same race when
its own session reruns while the file is being fetched.

This gives a marked download ``GRACE_S`` seconds before a sweep may delete it: a download
is kept for at least that long after nothing references it, then goes as before.
"""
from __future__ import annotations

import time

from streamlit.runtime import media_file_manager

GRACE_S = 60.0
_clock = time.monotonic  # replaced in tests


def _mark_for_delete(self: media_file_manager.MediaFileMetadata) -> None:
    if getattr(self, "_geo_marked_at", None) is None:
        self._geo_marked_at = _clock()


def _is_marked_for_delete(self: media_file_manager.MediaFileMetadata) -> bool:
    """True once the file has gone unreferenced for ``GRACE_S`` (the sweep then deletes it)."""
    marked = getattr(self, "_geo_marked_at", None)
    return marked is not None and _clock() - marked >= GRACE_S


def keep_downloads_for_a_grace_period() -> None:
    """Install the grace period (idempotent; ui.state does it when a run first imports it)."""
    cls = media_file_manager.MediaFileMetadata
    if getattr(cls, "_geo_grace", False):
        return
    cls.mark_for_delete = _mark_for_delete
    cls.is_marked_for_delete = property(_is_marked_for_delete)
    cls._geo_grace = True
