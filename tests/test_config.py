"""The Streamlit configuration of issue 7: error details hidden from users, CORS and XSRF
protections on, uploads capped at the figures' size limit; checked in the file, as Streamlit
resolves it, and on a running app."""
from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request

from conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"


def test_config_file_values():
    cfg = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["server"]["enableCORS"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    from geo import figures
    assert cfg["server"]["maxUploadSize"] * 2**20 == figures.Limits().max_bytes  # the same 50 MB
    # no full garbage collection after every rerun: 0.2-0.35 s each under the GIL (README, performance)
    assert cfg["runner"]["postScriptGC"] is False


_RESOLVED = r"""
import json
from streamlit import config
config.get_config_options(force_reparse=True)
from streamlit.testing.v1 import AppTest
at = AppTest.from_string("raise ValueError('secret: /etc/shadow')").run()
print(json.dumps({k: config.get_option(k) for k in ("client.showErrorDetails", "server.enableCORS",
                                                     "server.enableXsrfProtection", "server.maxUploadSize")}
                 | {"message": at.exception[0].message, "stack": list(at.exception[0].stack_trace)}))
"""


def test_streamlit_resolves_it_and_an_error_shows_no_details():
    """In a process started in the project (as `streamlit run` is): the options as Streamlit reads them,
    and a script that raises shows the redacted message, not the error or its traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}  # no override from outside
    p = subprocess.run([sys.executable, "-c", _RESOLVED], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert (got["client.showErrorDetails"], got["server.enableCORS"], got["server.enableXsrfProtection"],
            got["server.maxUploadSize"]) == ("none", True, True, 50)
    assert got["message"].startswith("This app has encountered an error. The original error message is redacted")
    assert "secret" not in got["message"] and got["stack"] == []


def test_running_app_health_xsrf_and_cross_origin(app_url):
    with urllib.request.urlopen(app_url + "/_stcore/health", timeout=10) as r:
        assert (r.status, r.read()) == (200, b"ok")
    # another site's page asking: no CORS header lets it read the answer
    req = urllib.request.Request(app_url + "/_stcore/health", headers={"Origin": "http://evil.example"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers.get("Access-Control-Allow-Origin") is None
    # an upload without the XSRF token of a page of this app is refused
    req = urllib.request.Request(app_url + "/_stcore/upload_file/session/file", data=b"--zz--\r\n", method="PUT",
                                 headers={"Content-Type": "multipart/form-data; boundary=zz"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("upload without XSRF token accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403 and b"XSRF" in exc.read()
    # the app's websocket opens for its own pages only
    host, port = app_url.split("//")[1].split(":")

    def handshake(origin: str) -> int:
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", "/_stcore/stream", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(), "Origin": origin,
            "Sec-WebSocket-Protocol": "streamlit"})
        status = c.getresponse().status
        c.close()
        return status
    assert handshake("http://evil.example") == 403
    assert handshake(app_url) == 101
