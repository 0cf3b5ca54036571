"""Half-open intervals: overlap, conflicts and free gaps, by example and by property."""

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.rooms.intervals import Span, conflicts, overlaps, subtract

BASE = datetime(2026, 6, 1, 8, 0)


def span(start_min: int, end_min: int) -> Span:
    return Span(BASE + timedelta(minutes=start_min), BASE + timedelta(minutes=end_min))


def minutes_of(s: Span) -> set[int]:
    first = int((s.start - BASE).total_seconds() // 60)
    return set(range(first, first + int(s.minutes)))


@st.composite
def spans(draw: st.DrawFn, horizon: int = 300) -> Span:
    start = draw(st.integers(0, horizon))
    length = draw(st.integers(1, 120))
    return span(start, start + length)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (span(0, 60), span(30, 90), True),  # partial
        (span(0, 60), span(60, 120), False),  # touching: back-to-back bookings are fine
        (span(60, 120), span(0, 60), False),
        (span(0, 120), span(30, 60), True),  # contains
        (span(0, 60), span(0, 60), True),  # identical
        (span(0, 30), span(31, 60), False),  # apart
        (span(0, 61), span(60, 120), True),  # one minute of overlap
    ],
)
def test_overlaps_examples(a: Span, b: Span, expected: bool) -> None:
    assert overlaps(a, b) is expected


@pytest.mark.parametrize(("start", "end"), [(60, 60), (60, 30)])
def test_span_must_not_be_empty(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="end after"):
        span(start, end)


def test_span_of_minutes_and_contains() -> None:
    s = Span.of(BASE, 90)
    assert s.end == BASE + timedelta(minutes=90)
    assert s.minutes == 90
    assert s.contains(span(0, 90)) and s.contains(span(30, 60))
    assert not s.contains(span(30, 91))


def test_conflicts_lists_overlapping_earliest_first() -> None:
    existing = [span(200, 260), span(0, 60), span(60, 120), span(100, 130), span(110, 200)]
    assert conflicts(span(60, 120), existing) == [span(60, 120), span(100, 130), span(110, 200)]
    assert conflicts(span(120, 200), [span(0, 120), span(200, 300)]) == []


def test_subtract_examples() -> None:
    window = span(0, 300)
    assert subtract(window, []) == [window]
    assert subtract(window, [span(60, 120), span(100, 150), span(280, 400)]) == [
        span(0, 60),
        span(150, 280),
    ]
    assert subtract(window, [span(-10, 310)]) == []
    assert subtract(window, [span(0, 60), span(60, 300)]) == []


@given(spans(), spans())
def test_overlap_is_symmetric(a: Span, b: Span) -> None:
    assert overlaps(a, b) == overlaps(b, a)


@given(spans(), spans())
def test_overlap_agrees_with_a_minute_grid(a: Span, b: Span) -> None:
    assert overlaps(a, b) == bool(minutes_of(a) & minutes_of(b))


@given(st.integers(0, 300), st.integers(1, 120), st.integers(1, 120))
def test_touching_spans_never_overlap(start: int, first: int, second: int) -> None:
    a = span(start, start + first)
    b = span(start + first, start + first + second)
    assert not overlaps(a, b)
    assert overlaps(a, a) and overlaps(b, b)


@given(spans(), st.lists(spans(), max_size=8))
def test_conflicts_is_the_brute_force_filter(candidate: Span, existing: list[Span]) -> None:
    found = conflicts(candidate, existing)
    assert sorted(found) == sorted(e for e in existing if minutes_of(e) & minutes_of(candidate))
    assert [f.start for f in found] == sorted(f.start for f in found)


@given(spans(), st.lists(spans(), max_size=8))
def test_subtract_leaves_exactly_the_uncovered_minutes(window: Span, busy: list[Span]) -> None:
    free = subtract(window, busy)
    covered = set().union(*(minutes_of(b) for b in busy))
    free_minutes = [m for f in free for m in sorted(minutes_of(f))]
    assert free_minutes == sorted(minutes_of(window) - covered)  # in order, no repeats
    for before, after in pairwise(free):
        assert before.end < after.start  # separated by something busy, never merely touching
