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


# ---------------------------------------------------------------- selections in a URL

UNIVERSE = [f"51.{r:02d}.{d:02d}.{2000 + v}" for r in range(1, 10) for d in range(1, 8) for v in range(1, 12)]


@pytest.mark.parametrize("chosen", [[], UNIVERSE[:1], UNIVERSE[-1:], UNIVERSE[::3], UNIVERSE, UNIVERSE[5:300:7]])
def test_a_selection_survives_the_url(chosen):
    text = codes.encode_subset(chosen, UNIVERSE)
    assert codes.decode_subset(text, UNIVERSE) == chosen
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def test_the_shorter_encoding_is_used():
    dense = codes.encode_subset(UNIVERSE[::2], UNIVERSE)  # bitmap: one bit per area
    sparse = codes.encode_subset(UNIVERSE[:3], UNIVERSE)  # gaps: a byte each
    assert len(dense) <= 5 + (len(UNIVERSE) // 8 + 1) * 4 // 3 + 2 and len(sparse) < 12


def test_codes_outside_the_universe_are_left_out():
    assert codes.decode_subset(codes.encode_subset(["99.99.99.9999", UNIVERSE[4]], UNIVERSE), UNIVERSE) == [UNIVERSE[4]]


@pytest.mark.parametrize("text", ["", "zzzz", "abcdb", "abcdxAAAA", "<script>", "a" * 5000])
def test_text_that_is_not_a_selection_is_refused(text):
    with pytest.raises(ValueError):
        codes.decode_subset(text, UNIVERSE)


def test_a_selection_made_on_other_boundaries_is_refused():
    text = codes.encode_subset(UNIVERSE[:10], UNIVERSE)
    with pytest.raises(ValueError):
        codes.decode_subset(text, UNIVERSE[1:])


def test_damaged_selections_are_refused_not_misread():
    text = codes.encode_subset(UNIVERSE[:40:3], UNIVERSE)
    for cut in range(6, len(text)):  # truncated gaps or bitmaps either fail or stay inside the universe
        try:
            got = codes.decode_subset(text[:cut], UNIVERSE)
        except ValueError:
            continue
        assert set(got) <= set(UNIVERSE)
