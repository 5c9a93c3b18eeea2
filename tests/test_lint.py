"""Static checks that catch real bugs cheaply: undefined names, unused imports, syntax errors (the
rules are in pyproject.toml)."""
import subprocess
import sys

from conftest import ROOT


def test_ruff_pyflakes_rules():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",  # pyproject.toml
                          "geo", "ui", "app_pages", "bench", "tests", "testsupport", "streamlit_app.py"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
