"""The map's search box: a regency, district or village found by the name a person types."""
import pytest
from conftest import needs_shared

from geo.boundaries import search
from geo.core import names

pytestmark = needs_shared


@pytest.mark.parametrize("query,level,code", [
    ("Karangasem", "regency", "51.07"),          # a bare name: the largest area first
    ("Kab. Karangasm", "regency", "51.07"),      # prefix and a typo
    ("Desa Karangasem", "village", "51.07.04.1004"),  # the prefix says which level
    ("Kec. Karangasem", "district", "51.07.04"),
    ("kota denpasar", "regency", "51.71"),
    ("desa pecatuu", "village", "51.03.05.2001"),
    ("DS. PECATU", "village", "51.03.05.2001"),
    ("Kecamatan Kuta Utara", "district", "51.03.06"),
    ("nusa penida", "district", "51.05.01"),
    ("karang", "regency", "51.07"),              # a typed beginning
    ("Sanur  Kaja", "village", "51.71.01.2009"),
])
def test_finds_the_area_meant(bali, query, level, code):
    hit = search.search(bali, query)[0]
    assert (hit.level, hit.code) == (level, code)
    assert hit.regency == code[:5]


def test_nothing_near_finds_nothing(bali):
    assert search.search(bali, "xyzq") == []
    assert search.search(bali, "   ") == []
    assert search.search(bali, "Desa") == []  # a prefix alone is kept as a word: no village "Desa"


def test_alternatives_are_ranked_and_limited(bali):
    hits = search.search(bali, "Denpasar", limit=4)
    assert [h.code for h in hits][0] == "51.71" and len(hits) == 4
    assert all(h.name.startswith(("Kota Denpasar", "Denpasar")) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_one_key_for_the_join_and_the_search():
    from geo.figures import join
    assert join.normalise_name is names.place_key
    assert names.place_key("DS. Pecatu") == names.place_key("pecatu") == "pecatu"
