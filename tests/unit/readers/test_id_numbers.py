"""ID-number validation against valid and invalid numbers (GB 11643-1999)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.readers.id_numbers import (
    IdNumberInvalid,
    check_character,
    mask_id_number,
    parse_id_number,
    region_advice,
)

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),  # the standard's sample
        ("11010519491231002x", date(1949, 12, 31), "F"),  # lower-case x from a keyboard
        ("440524188001010014", date(1880, 1, 1), "M"),  # stdnum rejects its county; we must not
        ("330702200002290018", date(2000, 2, 29), "M"),  # leap day
        ("３３０７０２２００００２２９００１８", date(2000, 2, 29), "M"),  # full-width digits
        (" 330702 20000229 0018 ", date(2000, 2, 29), "M"),  # pasted with spaces
    ],
)
def test_valid_numbers_parse(number: str, born: date, sex: str) -> None:
    parsed = parse_id_number(number, TODAY)
    assert parsed.birth_date == born
    assert parsed.sex == sex
    assert len(parsed.number) == 18
    assert parsed.number == parsed.number.upper()


def test_fifteen_digit_number_is_upgraded() -> None:
    parsed = parse_id_number("110105491231002", TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from_15


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194912310021", "check character"),
        ("11010519491331002X", "not a real calendar date"),  # month 13
        ("330702200102290011", "not a real calendar date"),  # 2001 has no 29 February
        ("330702203001010011", "future"),
        ("1101051949123100", "18 characters"),
        ("11010519491231002Y", "last character"),
        ("1101A519491231002X", "digits"),
        ("", "18 characters"),
    ],
)
def test_invalid_numbers_say_why(number: str, fragment: str) -> None:
    body = number[:17]
    if fragment in ("future", "not a real calendar date") and body.isdigit():
        number = body + check_character(body)  # only the date is wrong
    with pytest.raises(IdNumberInvalid, match=fragment):
        parse_id_number(number, TODAY)


def test_region_advice_never_raises_on_unknown_county() -> None:
    body = "11019919800101001"
    advice = region_advice(body + check_character(body))
    assert advice is not None


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
       st.integers(min_value=0, max_value=999))
def test_any_number_with_a_computed_check_character_is_valid(born: date, seq: int) -> None:
    body = f"330702{born:%Y%m%d}{seq:03d}"
    assert parse_id_number(body + check_character(body), TODAY).birth_date == born


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
       st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=16),
       st.integers(min_value=1, max_value=9))
def test_a_single_mistyped_digit_is_caught(born: date, seq: int, pos: int, delta: int) -> None:
    body = f"330702{born:%Y%m%d}{seq:03d}"
    good = body + check_character(body)
    mistyped = good[:pos] + str((int(good[pos]) + delta) % 10) + good[pos + 1:]
    with pytest.raises(IdNumberInvalid):
        parse_id_number(mistyped, TODAY)


def test_mask_hides_birth_date_and_sequence() -> None:
    masked = mask_id_number("11010519491231002X")
    assert masked == "110*************2X"
    assert "19491231" not in masked
