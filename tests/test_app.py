"""Every page runs without exception (Streamlit AppTest; the map component is not rendered)."""
from streamlit.testing.v1 import AppTest

from conftest import ROOT, needs_shared

pytestmark = needs_shared


def run(lang: str = "id") -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["lang"] = lang
    return at.run()


def test_app_starts_in_indonesian():
    at = run()
    assert not at.exception
    assert at.title[0].value == "Wilayah"
    assert "716 desa/kelurahan" in at.caption[0].value


def test_language_switch_to_english():
    at = run()
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Areas"
    assert "716 villages" in at.caption[0].value
