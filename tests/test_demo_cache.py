"""The demo kept on disk beside the boundary cache: read back exactly, recomputed when the
boundaries change, and never trusted when damaged."""
import shutil

from conftest import needs_shared

from geo.boundaries import DEFAULT_CACHE
from geo.figures import demo

pytestmark = needs_shared


def test_cached_demo_equals_the_computed_one_and_follows_the_boundaries(bali, tmp_path):
    (tmp_path / "51").mkdir()
    shutil.copy(DEFAULT_CACHE / "51" / "manifest.json", tmp_path / "51" / "manifest.json")
    computed = demo.demo_figures(bali)
    first = demo.cached_demo_figures(bali, cache_dir=tmp_path)
    files = sorted((tmp_path / "demo").glob("*.parquet"))
    assert len(files) == 1
    again = demo.cached_demo_figures(bali, cache_dir=tmp_path)
    for fig in (first, again):
        assert fig.data.equals(computed.data) and fig.notes == computed.notes and fig.synthetic
    # another boundary build: another key, computed afresh
    manifest = tmp_path / "51" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"built_at"', '"built_at_x"'))
    demo.cached_demo_figures(bali, cache_dir=tmp_path)
    assert len(list((tmp_path / "demo").glob("*.parquet"))) == 2
    # a damaged file is computed again, not read
    files[0].write_bytes(b"not parquet")
    manifest.write_text(manifest.read_text().replace('"built_at_x"', '"built_at"'))
    assert demo.cached_demo_figures(bali, cache_dir=tmp_path).data.equals(computed.data)
