"""The library's layering contract (pyproject.toml, [tool.importlinter]) holds: each stage imports
only from the stages below it, and nothing in geo/ imports Streamlit, ui/ or the pages."""
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_layers_contract_is_kept():
    out = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "2 kept, 0 broken" in out.stdout


def test_the_contract_catches_an_upward_import(tmp_path):
    """A copy of geo/ with one analysis module importing an output module breaks the contract."""
    import shutil
    shutil.copytree(ROOT / "geo", tmp_path / "geo", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "ui", tmp_path / "ui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bad = tmp_path / "geo" / "analysis" / "indicators.py"
    bad.write_text(bad.read_text() + "\nfrom geo.outputs import maps  # noqa: E402,F401\n")
    env_path = str(tmp_path)
    out = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert out.returncode != 0
    assert "geo.analysis.indicators -> geo.outputs.maps" in out.stdout
