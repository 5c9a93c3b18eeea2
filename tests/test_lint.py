"""Static checks that catch real bugs cheaply: undefined names, unused imports, syntax errors."""
import subprocess
import sys

from conftest import ROOT


def test_ruff_pyflakes_rules():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--line-length", "120",
                          "--output-format", "concise", "geo", "ui", "pages", "bench", "tests", "streamlit_app.py"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
