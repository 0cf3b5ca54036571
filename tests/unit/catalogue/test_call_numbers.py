"""Call numbers sort as Chinese libraries shelve them (REFERENCE.md §2), never as strings."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from unicard.catalogue.call_numbers import CallNumber, call_number_key, parse_call_number

REFERENCE_ORDER = [
    "R711",
    "R711-62",
    "R711(711)",
    "R711(711)=535",
    "R711=6",
    "R711<326>",
    "R711:R83",
    "R711+R173",
    "R711.1",
]


def test_reference_example_order() -> None:
    for seed in range(20):
        shuffled = REFERENCE_ORDER[:]
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=call_number_key) == REFERENCE_ORDER
    assert sorted(REFERENCE_ORDER) != REFERENCE_ORDER  # plain strings get it wrong


def test_book_numbers_are_right_aligned_numbers() -> None:
    shelf = ["I247.57/C451/10", "I247.57/C451/9", "I247.57/C451", "I247.57/26", "I247.57/9"]
    assert sorted(shelf, key=call_number_key) == [
        "I247.57/C451",
        "I247.57/C451/9",
        "I247.57/C451/10",
        "I247.57/9",
        "I247.57/26",
    ]


def test_class_line_letters_before_digits_and_dots_ignored() -> None:
    assert sorted(["TP311/1", "TP3/2", "T-62/1", "TB/1", "T/1"], key=call_number_key) == [
        "T/1",
        "T-62/1",
        "TB/1",
        "TP3/2",
        "TP311/1",
    ]
    # Dots do not count: I247.5 and I2475 are the same class line, so the book number decides.
    assert sorted(["I247.57/C451", "I247.5/Z1", "I2475/A1"], key=call_number_key) == [
        "I2475/A1",
        "I247.5/Z1",
        "I247.57/C451",
    ]
    assert sorted(["K86/1:0", "K86/1", "K86/1-2"], key=call_number_key) == [
        "K86/1",
        "K86/1-2",
        "K86/1:0",
    ]


def test_parse_lines_for_spine_labels() -> None:
    assert parse_call_number("I247.57/C451/2") == CallNumber("I247.57", "C451", ("2",))
    assert parse_call_number("I247.57/C451/2").lines == ["I247.57", "C451", "2"]
    assert parse_call_number("{ns}K86/1:0") == CallNumber("K86", "1:0")
    assert parse_call_number("TP312／L181") == CallNumber("TP312", "L181")  # full-width slash
    assert parse_call_number("I247.57//C451/").lines == ["I247.57", "C451"]
    assert str(parse_call_number(" R711(711)=535 / L181 / 2021 ")) == "R711(711)=535/L181/2021"
    assert parse_call_number("") == CallNumber("")


call_number_text = st.one_of(
    st.builds(
        lambda cls, dot, book, mark: f"{cls}{dot}/{book}{mark}",
        st.from_regex(r"[A-Z]{1,2}[0-9]{1,4}", fullmatch=True),
        st.from_regex(
            r"(\.[0-9]{1,3})?([-=:+][0-9A-Z]{1,3}|\([0-9]{1,3}\)|<[0-9]{1,3}>)?", fullmatch=True
        ),
        st.from_regex(r"[A-Z]?[0-9]{1,4}", fullmatch=True),
        st.from_regex(r"(/[0-9]{1,4})?", fullmatch=True),
    ),
    st.text(max_size=20),
)


@given(st.lists(call_number_text, min_size=1, max_size=30))
def test_sorting_is_a_total_order_consistent_with_the_key(values: list[str]) -> None:
    ordered = sorted(values, key=call_number_key)
    assert sorted(reversed(ordered), key=call_number_key) == ordered
    keys = [call_number_key(v) for v in ordered]
    assert all(a <= b for a, b in itertools.pairwise(keys))


@given(call_number_text, call_number_text, call_number_text)
def test_key_order_is_antisymmetric_and_transitive(a: str, b: str, c: str) -> None:
    ka, kb, kc = call_number_key(a), call_number_key(b), call_number_key(c)
    assert (ka == kb) == (a == b)  # the text breaks ties, so equal keys mean equal texts
    if ka <= kb and kb <= kc:
        assert ka <= kc
    assert (ka < kb) + (kb < ka) + (ka == kb) == 1


@given(call_number_text)
def test_more_marks_come_after_fewer(base: str) -> None:
    number = parse_call_number(base)
    if number.class_number and number.book_number:
        shorter = f"{number.class_number}/{number.book_number}"
        assert call_number_key(shorter) < call_number_key(f"{shorter}/1")
