"""Region codes survive every form they arrive in, and nothing is guessed."""
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.core import codes

two = st.integers(0, 99).map(lambda n: f"{n:02d}")
four = st.integers(0, 9999).map(lambda n: f"{n:04d}")
village_codes = st.tuples(two, two, two, four).map(".".join)


@given(village_codes)
def test_dotted_and_undotted_forms_normalise_to_the_same_code(code):
    assert codes.normalise(code) == code
    assert codes.normalise(code.replace(".", "")) == code
    assert codes.normalise(f"  {code} ") == code
    assert codes.normalise(code.replace(".", "-")) == code


@given(st.lists(two, min_size=1, max_size=3).map(".".join))
def test_upper_levels_keep_trailing_zeros(code):
    assert codes.normalise(code) == code
    assert codes.level_of(code) == codes.LEVELS[code.count(".")]


def test_float_mangled_code_is_not_repaired():
    assert codes.normalise("51.1") is None  # 51.10 after a float conversion: ambiguous
    assert codes.normalise(5103012001) == "51.03.01.2001"
    assert codes.normalise("51.03.1.2001") is None
    assert codes.normalise("") is None and codes.normalise(None) is None


def test_parent_ancestor_kind():
    c = "51.03.01.2001"
    assert codes.parent_of(c) == "51.03.01"
    assert codes.ancestor_at(c, "regency") == "51.03"
    assert codes.ancestor_at("51.03", "village") is None
    assert codes.village_kind(c) == "desa"
    assert codes.village_kind("51.03.01.1001") == "kelurahan"
    assert codes.village_kind("91.03.01.3001") == "other"


def test_parse_provinces():
    assert codes.parse_provinces("51") == ["51"]
    assert codes.parse_provinces("52, 51") == ["51", "52"]
    assert codes.parse_provinces("all", ["53", "51"]) == ["51", "53"]


@pytest.mark.parametrize("level", codes.LEVELS)
def test_ancestors_at_is_ancestor_at_for_a_column(level):
    """The vectorised form (used to sum counts upwards) gives exactly the per-code answer,
    keeps the index, and gives None above the level."""
    column = pd.Series(["51", "51.03", "51.03.01", "51.03.01.2001", "94.71.02.3005"], index=[7, 3, 9, 1, 4])
    got = codes.ancestors_at(column, level)
    assert list(got.index) == [7, 3, 9, 1, 4]
    assert list(got) == [codes.ancestor_at(c, level) for c in column]
    assert codes.ancestors_at(pd.Series([], dtype=object), level).empty
