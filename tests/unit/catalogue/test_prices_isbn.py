"""Prices as catalogued and ISBN/ISSN normalisation (checked against python-stdnum)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from unicard.catalogue.isbn import (
    find_isbn,
    format_isbn,
    is_valid_isbn,
    normalise_isbn,
    normalise_issn,
    split_isbns,
)
from unicard.catalogue.prices import Price, format_price, parse_price


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("CNY18.00", Price("CNY", Decimal("18.00"))),
        ("￥0.40", Price("CNY", Decimal("0.40"))),
        ("¥25", Price("CNY", Decimal("25"))),
        ("0.38元", Price("CNY", Decimal("0.38"))),
        ("CNY68.00（含光盘）", Price("CNY", Decimal("68.00"), "含光盘")),
        ("CNY2650.00(全42册)", Price("CNY", Decimal("2650.00"), "全42册")),
        ("RMB25.00", Price("CNY", Decimal("25.00"))),
        ("$12.95", Price("USD", Decimal("12.95"))),
        ("US$ 12.50", Price("USD", Decimal("12.50"))),
        ("HK$88", Price("HKD", Decimal("88"))),
        ("新臺幣120元", Price("TWD", Decimal("120"))),
        ("人民幣7.50 圓", Price("CNY", Decimal("7.50"))),
        ("定价：28.00元", Price("CNY", Decimal("28.00"))),
        ("£9.99 (pbk)", Price("GBP", Decimal("9.99"), "pbk")),
        ("124,95 €", Price("EUR", Decimal("124.95"))),
        ("1,234.50 HK$", Price("HKD", Decimal("1234.50"))),
        ("CNY１８.００", Price("CNY", Decimal("18.00"))),
        ("98 F", Price(None, Decimal("98"), "F")),
    ],
)
def test_parse_price(text: str, price: Price) -> None:
    assert parse_price(text) == price


@pytest.mark.parametrize("text", ["", "   ", "免费", "赠送", "price on request"])
def test_no_price(text: str) -> None:
    assert parse_price(text) is None


def test_format_price_is_dp2_style() -> None:
    assert format_price(Price("CNY", Decimal("68.00"), "含光盘")) == "CNY68.00(含光盘)"
    assert parse_price(format_price(Price("CNY", Decimal("2650.00"), "全42册"))) == Price(
        "CNY", Decimal("2650.00"), "全42册"
    )


@pytest.mark.parametrize(
    ("text", "isbn13"),
    [
        ("7-5037-1744-0", "9787503717444"),
        ("0471383147 (paper/cd-rom : alk. paper)", "9780471383147"),
        ("978-7-04-024765-7", "9787040247657"),
        ("ISBN 7-80127-555-1", "9787801275554"),
        ("080442957X", "9780804429573"),
        ("471383147", "9780471383147"),  # a 9-digit SBN: ISBN-10 without its leading 0
        ("978-7-5037-1744-2", None),  # wrong check digit
        ("7-5037-1744-1", None),
        ("979-10-90636-07-1", "9791090636071"),
        ("no isbn here", None),
    ],
)
def test_normalise_isbn(text: str, isbn13: str | None) -> None:
    assert normalise_isbn(text) == isbn13


def test_split_keeps_invalid_and_cancelled() -> None:
    valid, invalid = split_isbns(
        ["7-5037-1744-0", "9787503717444", "978-7-5037-1744-2 (pbk.)"], ["0471383147"]
    )
    assert valid == ["9787503717444"]
    assert invalid == ["9787503717442", "0471383147"]
    assert find_isbn("  ") is None
    assert format_isbn("9787503717444") == "978-7-5037-1744-4"


digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(body=digits, check=st.sampled_from("0123456789X"))
def test_isbn10_agrees_with_stdnum(body: str, check: str) -> None:
    number = body + check
    assert is_valid_isbn(number) == stdnum_isbn.is_valid(number)
    if stdnum_isbn.is_valid(number):
        assert normalise_isbn(number) == stdnum_isbn.to_isbn13(number)


@given(
    prefix=st.sampled_from(["978", "979", "977"]), body=digits, check=st.sampled_from("0123456789")
)
def test_isbn13_agrees_with_stdnum(prefix: str, body: str, check: str) -> None:
    number = prefix + body + check
    assert is_valid_isbn(number) == stdnum_isbn.is_valid(number)
    assert (normalise_isbn(number) == number) == stdnum_isbn.is_valid(number)


@given(
    body=st.text(alphabet="0123456789", min_size=7, max_size=7),
    check=st.sampled_from("0123456789X"),
)
def test_issn_agrees_with_stdnum(body: str, check: str) -> None:
    number = f"{body[:4]}-{body[4:]}{check}"
    expected = stdnum_issn.format(number) if stdnum_issn.is_valid(number) else None
    assert normalise_issn(number) == expected
