"""The download path, served from this machine: a local HTTP server stands in for the pinned
upstream commit (these machines have no internet)."""
import functools
import http.server
import threading
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

from geo import boundaries
from geo.boundaries import upstream

pytestmark = needs_shared


@pytest.fixture
def server():
    """Serve ../shared's dataset over HTTP; ``tamper`` maps a path to replacement bytes."""
    tamper: dict[str, bytes] = {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            rel = self.path.lstrip("/")
            if rel in tamper:
                self.send_response(200)
                self.end_headers()
                self.wfile.write(tamper[rel])
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Handler, directory=str(SHARED)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", tamper
    httpd.shutdown()


def test_download_verifies_every_file(server, tmp_path):
    """Every file of the province arrives byte for byte (sha256 against the committed manifest);
    building from it is the next test's (one build per run: it takes seconds)."""
    base, _ = server
    files = upstream.files_for_province("51")
    root = upstream.download(files, dest=tmp_path / "dl", base_url=base)
    assert all((root / f).read_bytes() == (SHARED / f).read_bytes() for f in files)


def test_no_local_source_falls_back_to_download_and_builds(server, tmp_path, monkeypatch):
    base, _ = server
    monkeypatch.delenv(upstream.SOURCE_ENV, raising=False)
    monkeypatch.setattr(upstream, "PROJECT_ROOT", tmp_path / "project")  # no ../shared beside it
    monkeypatch.setattr(upstream, "UPSTREAM_BASE_URL", base)
    assert upstream.locate_source() is None
    manifest = boundaries.ensure_province("51", cache_dir=tmp_path / "cache")
    assert manifest["status"] == "built"
    assert Path(manifest["source"]) == upstream.download_dir()
    assert {lvl: manifest["report"]["layers"][lvl]["count"] for lvl in boundaries.LEVELS} == \
        {"regency": 9, "district": 57, "village": 716}


def test_tampered_file_is_refused_and_not_kept(server, tmp_path):
    base, tamper = server
    rel = "db/kec/wilayah_boundaries_kec_51.sql"
    tamper[rel] = (SHARED / rel).read_bytes()[:-100]
    with pytest.raises(upstream.SourceError, match="sha256") as err:
        upstream.download([rel], dest=tmp_path / "dl", base_url=base)
    assert rel in str(err.value)
    assert not (tmp_path / "dl" / rel).exists()


def test_network_failure_is_one_clear_message(tmp_path):
    def offline(url):
        raise OSError("network is unreachable")
    with pytest.raises(upstream.SourceError, match="download failed: network is unreachable") as err:
        upstream.download(["db/kab/wilayah_boundaries_kab_51.sql"], dest=tmp_path, fetch=offline)
    assert err.value.missing
