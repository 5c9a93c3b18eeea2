"""Browser assets (Leaflet, topojson-client) served by the app itself, never from a CDN.

Set-up copies them from npm's packages (pinned in ``package.json``) into ``static/vendor/``,
which Streamlit serves at ``/app/static/vendor/`` (the map runs in a component iframe, so
the path must be absolute). Exported HTML inlines the same files so it opens offline.
The project's own map behaviour (``geo/outputs/js/geomapkit.js``: framing, keyboard, names,
tooltips kept inside the map; see docs/interactive-maps.md) is served and inlined the same way; it
is copied again whenever the packaged file differs from the served one.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from geo.core.paths import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"
NODE_MODULES = PROJECT_ROOT / "node_modules"
APP_PREFIX = "/app/static/vendor/"
# name -> (path under static/vendor, path under node_modules)
JS = {
    "leaflet": ("leaflet/leaflet.js", "leaflet/dist/leaflet.js"),
    "topojson": ("topojson-client/topojson-client.min.js", "topojson-client/dist/topojson-client.min.js"),
}
# the project's own scripts: name -> (path under static/vendor, file in this package)
OWN_JS = {
    "geomapkit": ("geo/geomapkit.js", Path(__file__).parent / "js" / "geomapkit.js"),
}
CSS = {
    "leaflet_css": ("leaflet/leaflet.css", "leaflet/dist/leaflet.css"),
}


class AssetsMissing(RuntimeError):
    pass


def install(node_modules: Path = NODE_MODULES, vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Copy the assets from ``node_modules`` (after ``npm ci``) into ``static/vendor``."""
    written = []
    for target, source in list(JS.values()) + list(CSS.values()):
        src = node_modules / source
        if not src.is_file():
            raise AssetsMissing(f"{src} is missing: run 'npm ci' (see README)")
        dst = vendor_dir / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written.append(dst)
    return written + _install_own(vendor_dir)


def _install_own(vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Copy the project's own scripts when the served copy is missing or differs."""
    written = []
    for target, src in OWN_JS.values():
        dst = vendor_dir / target
        text = src.read_bytes()
        if dst.is_file() and dst.read_bytes() == text:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_suffix(".tmp")
        tmp.write_bytes(text)
        tmp.replace(dst)  # atomic: a request never reads half a file
        written.append(dst)
    return written


def ensure(vendor_dir: Path = VENDOR_DIR) -> None:
    """Make sure the vendor files exist, copying them from node_modules when needed."""
    if all((vendor_dir / t).is_file() for t, _ in list(JS.values()) + list(CSS.values())):
        _install_own(vendor_dir)
        return
    install(vendor_dir=vendor_dir)


def js_links(prefix: str = APP_PREFIX) -> list[tuple[str, str]]:
    return [(name, prefix + target) for name, (target, _) in [*JS.items(), *OWN_JS.items()]]


def css_links(prefix: str = APP_PREFIX) -> list[tuple[str, str]]:
    return [(name, prefix + target) for name, (target, _) in CSS.items()]


def inline(html: str, prefix: str = APP_PREFIX, vendor_dir: Path = VENDOR_DIR) -> str:
    """Replace the app-served script and stylesheet references in ``html`` with their content."""
    ensure(vendor_dir)

    def read(target: str) -> str:
        # '</script' cannot appear inside an inline script; these files do not hold it.
        return (vendor_dir / target).read_text(encoding="utf-8")

    for target, _ in [*JS.values(), *OWN_JS.values()]:
        pattern = re.compile(r'<script src="' + re.escape(prefix + target) + r'"></script>')
        content = read(target)
        html = pattern.sub(lambda _m, c=content: "<script>" + c + "</script>", html)
    for target, _ in CSS.values():
        pattern = re.compile(r'<link rel="stylesheet" href="' + re.escape(prefix + target) + r'"/>')
        content = read(target)
        html = pattern.sub(lambda _m, c=content: "<style>" + c + "</style>", html)
    return html
