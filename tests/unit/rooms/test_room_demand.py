"""点单/点将: requests group by subject and hall; a group reaching the threshold raises one task."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unicard.rooms.demand import (
    DemandRequest,
    GroupKey,
    Subject,
    TimePreference,
    group_key,
    group_requests,
    groups_reaching_threshold,
)
from unicard.rooms.filters import PartOfDay

T0 = datetime(2026, 6, 1, 9, 0)
# Village rooms roll up to the cultural hall of their township.
HALL_OF = {"V-01": "HALL-EAST", "V-02": "HALL-EAST", "V-03": "HALL-WEST"}


def hall_for(org: str) -> str:
    return HALL_OF.get(org, org)


def request(
    n: int,
    reader: str,
    *,
    category: str | None = "calligraphy",
    teacher: str | None = None,
    org: str = "HALL-EAST",
    prefs: tuple[TimePreference, ...] = (),
) -> DemandRequest:
    return DemandRequest(
        request_id=n,
        reader_id=reader,
        org_code=org,
        created_at=T0 + timedelta(minutes=n),
        category=category,
        teacher_id=teacher,
        preferred_times=prefs,
    )


def test_category_requests_key_by_category_and_org() -> None:
    assert group_key(request(1, "a")) == GroupKey(Subject.CATEGORY, "calligraphy", "HALL-EAST")
    assert group_key(request(1, "a", category=" Calligraphy ")) == group_key(request(2, "b"))


def test_a_named_teacher_keys_by_teacher() -> None:
    key = group_key(request(1, "a", teacher="T-9"))
    assert key == GroupKey(Subject.TEACHER, "T-9", "HALL-EAST")
    assert key != group_key(request(2, "b"))


def test_orgs_roll_up_to_their_hall() -> None:
    assert group_key(request(1, "a", org="V-01"), hall_for) == group_key(
        request(2, "b", org="V-02"), hall_for
    )
    assert group_key(request(1, "a", org="V-01"), hall_for).org_code == "HALL-EAST"
    assert group_key(request(1, "a", org="V-01")).org_code == "V-01"  # no roll-up given
    assert group_key(request(1, "a", org="V-03"), hall_for).org_code == "HALL-WEST"


def test_a_request_names_a_category_or_a_teacher() -> None:
    with pytest.raises(ValueError):
        request(1, "a", category=None)
    with pytest.raises(ValueError):
        request(1, "a", category="  ")
    assert request(1, "a", category=None, teacher="T-1").teacher_id == "T-1"


def test_distinct_readers_count_once() -> None:
    asks = [request(i, "same reader") for i in range(20)] + [request(99, "other")]
    (group,) = group_requests(asks).values()
    assert group.reader_count == 2
    assert group.readers == ("same reader", "other")
    assert len(group.requests) == 21
    assert groups_reaching_threshold(asks, 3) == []


@pytest.mark.parametrize(("readers", "reached"), [(14, False), (15, True), (16, True)])
def test_threshold_is_reached_at_the_threshold(readers: int, reached: bool) -> None:
    asks = [request(i, f"r{i}") for i in range(readers)]
    groups = groups_reaching_threshold(asks, 15)
    assert bool(groups) is reached


def test_tasked_groups_are_not_raised_again() -> None:
    asks = [request(i, f"r{i}") for i in range(20)]
    (group,) = groups_reaching_threshold(asks, 15)
    assert groups_reaching_threshold(asks, 15, tasked={group.key}) == []


def test_one_task_as_requests_trickle_in() -> None:
    """The service calls this after every new request and records the keys it raised."""
    tasked: set[GroupKey] = set()
    raised_at: list[int] = []
    seen: list[DemandRequest] = []
    readers = [f"r{i % 18}" for i in range(40)]  # 18 distinct readers, some asking twice
    for n, reader in enumerate(readers):
        seen.append(request(n, reader))
        for group in groups_reaching_threshold(seen, 15, tasked=tasked):
            tasked.add(group.key)
            raised_at.append(n)
    assert raised_at == [14]  # the fifteenth distinct reader, once


def test_groups_are_separate_by_subject_and_hall() -> None:
    asks = (
        [request(i, f"a{i}", org="V-01") for i in range(3)]
        + [request(10 + i, f"b{i}", org="V-02") for i in range(2)]  # same hall after roll-up
        + [request(20 + i, f"c{i}", org="V-03") for i in range(4)]
        + [request(30 + i, f"d{i}", category="opera") for i in range(5)]
        + [request(40 + i, f"e{i}", teacher="T-1") for i in range(6)]
    )
    groups = groups_reaching_threshold(asks, 5, hall_for=hall_for)
    assert [(g.key.kind, g.key.subject, g.key.org_code, g.reader_count) for g in groups] == [
        (Subject.TEACHER, "T-1", "HALL-EAST", 6),  # largest first
        (Subject.CATEGORY, "calligraphy", "HALL-EAST", 5),  # then longest waiting
        (Subject.CATEGORY, "opera", "HALL-EAST", 5),
    ]
    assert groups_reaching_threshold(asks, 5) == [groups[0], groups[2]]  # no roll-up: V-01 has 3


def test_requests_in_a_group_are_oldest_first() -> None:
    asks = [request(5, "x"), request(1, "y"), request(3, "x")]
    (group,) = group_requests(asks).values()
    assert [r.request_id for r in group.requests] == [1, 3, 5]
    assert group.readers == ("y", "x")


def test_preferred_times_are_ranked_by_readers() -> None:
    sat_morning = TimePreference(5, PartOfDay.MORNING)
    evenings = TimePreference(None, PartOfDay.EVENING)
    asks = [
        request(1, "a", prefs=(sat_morning, evenings)),
        request(2, "a", prefs=(sat_morning,)),  # the same reader again: counts once
        request(3, "b", prefs=(evenings,)),
        request(4, "c", prefs=(evenings,)),
    ]
    (group,) = group_requests(asks).values()
    assert group.preferred_times() == [(evenings, 3), (sat_morning, 1)]


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        groups_reaching_threshold([], 0)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 9),
            st.sampled_from(["dance", "opera"]),
            st.sampled_from(["V-01", "V-02", "V-03"]),
        ),
        max_size=60,
    ),
    st.integers(1, 6),
)
def test_threshold_matches_counting_distinct_readers(
    asks: list[tuple[int, str, str]], threshold: int
) -> None:
    requests = [
        request(n, f"r{reader}", category=category, org=org)
        for n, (reader, category, org) in enumerate(asks)
    ]
    expected = {
        (category, hall_for(org))
        for _, category, org in asks
        if len({r for r, c, o in asks if c == category and hall_for(o) == hall_for(org)})
        >= threshold
    }
    got = groups_reaching_threshold(requests, threshold, hall_for=hall_for)
    assert {(g.key.subject, g.key.org_code) for g in got} == expected
    assert [g.reader_count for g in got] == sorted((g.reader_count for g in got), reverse=True)
