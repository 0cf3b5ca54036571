"""The string shelf key sorts exactly like the tuple key (so the database shelves right)."""

from hypothesis import given
from hypothesis import strategies as st

from unicard.catalogue.call_numbers import call_number_key
from unicard.catalogue.shelf_order import shelf_key

ORDER = ["R711", "R711-62", "R711(711)", "R711(711)=535", "R711=6", "R711<326>",
         "R711:R83", "R711+R173", "R711.1"]

call_numbers = st.text(alphabet="ABIKRTP0123456789.-()=<>:+/\"", min_size=1, max_size=14)


def test_reference_order_holds_for_string_keys() -> None:
    assert sorted(reversed(ORDER), key=shelf_key) == ORDER


def test_book_numbers_compare_as_numbers() -> None:
    assert shelf_key("I247.57/C451") < shelf_key("I247.57/9") < shelf_key("I247.57/10")


@given(call_numbers, call_numbers)
def test_string_key_order_equals_tuple_key_order(a: str, b: str) -> None:
    ka, kb = call_number_key(a), call_number_key(b)
    sa, sb = shelf_key(a), shelf_key(b)
    assert (ka < kb) == (sa < sb)
    assert (ka == kb) == (sa == sb)


@given(call_numbers)
def test_keys_are_printable_ascii(text: str) -> None:
    assert shelf_key(text).isascii()
