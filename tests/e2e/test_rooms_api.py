"""Rooms and classes over real HTTP: browsing this week and near me, booking with problem
details for every refusal, enrolment with the waitlist notice, asking for a class until staff
schedule it and the askers are told, check-in at the door."""

from __future__ import annotations

import pytest

from .conftest import Server
from .rooms_client import ADMIN, HALL, PROBLEM, open_day, register_readers, room_id, wall


@pytest.fixture(scope="module")
def readers(server: Server) -> list[tuple[str, str]]:
    return register_readers(server, 4, base=500)


def test_openapi_lists_the_rooms_endpoints(server: Server) -> None:
    with server.client() as client:
        paths = set(client.get("/schema/openapi.json").json()["paths"])
    for expected in ("/api/rooms", "/api/rooms/free", "/api/rooms/{room_id}/bookings",
                     "/api/rooms/{room_id}/group-bookings", "/api/rooms/{room_id}/check-in",
                     "/api/classes", "/api/classes/{session_id}/enrolments",
                     "/api/classes/{session_id}/roster", "/api/class-series", "/api/teachers",
                     "/api/demand/tasks", "/api/demand/tasks/{task_id}/schedule",
                     "/api/reader/bookings", "/api/reader/enrolments", "/api/reader/requests",
                     "/api/reader/notifications"):
        assert expected in paths


def test_browse_this_week_near_me_and_free_rooms_without_signing_in(server: Server) -> None:
    with server.client() as client:
        week = client.get("/api/classes").json()
        assert len(week) >= 20  # the demo's week of classes
        assert all(s["state"] == "scheduled" and s["seats_left"] >= 0 for s in week)
        dance = client.get("/api/classes", params={"category": "dance"}).json()
        assert dance and {s["category"] for s in dance} == {"dance"}
        evening = client.get("/api/classes", params={"part": "evening"}).json()
        assert all(s["starts_at"][11:13] >= "18" for s in evening)
        near = client.get("/api/classes", params={"lat": 29.28, "lon": 120.23}).json()
        distances = [s["distance_km"] for s in near]
        assert distances == sorted(distances) and near[0]["org"] == "DY-HALL"
        free = client.get("/api/rooms/free", params={"day": open_day(2).isoformat(),
                                                     "feature": "piano"}).json()
        assert [f["room"]["name"] for f in free] == ["音乐教室"]
        assert free[0]["days"][0]["windows"]
        teachers = client.get("/api/teachers", params={"category": "opera"}).json()
        assert [t["name"] for t in teachers] == ["周婉"]
        bad = client.get("/api/classes", params={"part": "midnight"})
        assert bad.status_code == 422 and bad.json()["code"] == "part-invalid"


def test_book_refusals_are_problem_details(server: Server, readers) -> None:
    (card, token), (_, other) = readers[0], readers[1]
    room = room_id(server, "CITY", "研讨室B")
    day = open_day(2)
    with server.client(token) as client:
        booked = client.post(f"/api/rooms/{room}/bookings", json={
            "starts_at": wall(day, "14:00"), "ends_at": wall(day, "15:30"), "purpose": "读书会"})
        assert booked.status_code == 201, booked.text
        booking = booked.json()
        assert booking["state"] == "confirmed" and booking["starts_at"] == wall(day, "14:00")
        cases = [
            ({"starts_at": wall(day, "07:00"), "ends_at": wall(day, "08:00")},
             "outside-opening-hours"),
            ({"starts_at": wall(day, "14:10"), "ends_at": wall(day, "15:00")},
             "not-on-slot-grid"),
            ({"starts_at": wall(open_day(30), "10:00"), "ends_at": wall(open_day(30), "11:00")},
             "too-far-ahead"),
            ({"starts_at": wall(day, "10:00"), "ends_at": wall(day, "11:00"), "group_size": 9},
             "over-capacity"),
            ({"starts_at": "tomorrow", "ends_at": wall(day, "11:00")}, "datetime-invalid"),
        ]
        for body, code in cases:
            refused = client.post(f"/api/rooms/{room}/bookings", json=body)
            assert refused.headers["content-type"].startswith(PROBLEM)
            assert refused.json()["code"] == code, refused.text
        mine = client.get("/api/reader/bookings").json()
        assert [b["id"] for b in mine] == [booking["id"]]
    with server.client(other) as client:
        taken = client.post(f"/api/rooms/{room}/bookings", json={
            "starts_at": wall(day, "15:00"), "ends_at": wall(day, "16:00")})
        assert taken.status_code == 409 and taken.json()["code"] == "slot-taken"
        assert taken.json()["conflicts"][0]["start"].startswith(f"{day.isoformat()}T14:00")
        not_mine = client.post(f"/api/reader/bookings/{booking['id']}/cancel")
        assert not_mine.status_code == 404
    with server.client(token) as client:
        cancelled = client.post(f"/api/reader/bookings/{booking['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    with server.client() as anonymous:
        assert anonymous.post(f"/api/rooms/{room}/bookings", json={}).status_code in (400, 401)
    assert card


def test_enrol_waitlist_notice_and_promotion(server: Server, readers) -> None:
    hall = server.staff_token(*HALL)
    day = open_day(5)
    with server.client(hall) as staff:
        session = staff.post("/api/classes", json={
            "title": "剪纸体验", "category": "paper-cutting", "capacity": 1,
            "org": "CITY-HALL", "starts_at": wall(day, "10:00"),
            "ends_at": wall(day, "11:00")}).json()
    (_, first), (_, second) = readers[0], readers[1]
    with server.client(first) as client:
        seat = client.post(f"/api/classes/{session['id']}/enrolments").json()
        assert seat["state"] == "enrolled"
        again = client.post(f"/api/classes/{session['id']}/enrolments")
        assert again.status_code == 409 and again.json()["code"] == "already-enrolled"
    with server.client(second) as client:
        waiting = client.post(f"/api/classes/{session['id']}/enrolments")
        assert waiting.status_code == 201
        assert waiting.json()["state"] == "waitlisted"
        assert waiting.json()["waitlist_position"] == 1
        assert waiting.json()["notice"]["code"] == "session-full"
    with server.client(first) as client:
        gone = client.post(f"/api/reader/enrolments/{seat['id']}/cancel").json()
        assert gone["promoted"] == [waiting.json()["id"]]
    with server.client(second) as client:
        (mine,) = [e for e in client.get("/api/reader/enrolments").json()
                   if e["session_id"] == session["id"]]
        assert mine["state"] == "enrolled" and mine["session"]["title"] == "剪纸体验"
        note = client.get("/api/reader/notifications", params={"unread_only": True}).json()
        assert note[0]["kind"] == "enrolment-promoted"


def test_ask_for_a_class_until_staff_schedule_it(server: Server, readers) -> None:
    admin = server.staff_token(*ADMIN)
    with server.client(admin) as staff:
        policy = staff.put("/api/rooms-policy/CITY-HALL", json={"demand_threshold": 3})
        assert policy.status_code == 200 and policy.json()["demand_threshold"] == 3
    results = []
    for _, token in readers[:3]:
        with server.client(token) as client:
            asked = client.post("/api/reader/requests", json={
                "org": "CITY-HALL", "category": "茶艺", "text": "想学泡茶",
                "preferred_times": [{"weekday": 5, "part_of_day": "afternoon"}]})
            assert asked.status_code == 201, asked.text
            results.append(asked.json())
    assert [r["group_size"] for r in results] == [1, 2, 3]
    assert [r["task_raised"] for r in results] == [False, False, True]
    hall = server.staff_token(*HALL)
    day = open_day(6)
    with server.client(hall) as staff:
        (task,) = [t for t in staff.get("/api/demand/tasks").json()
                   if t["group_key"] == "category:茶艺:CITY-HALL"]
        assert task["data"]["readers"] == 3
        scheduled = staff.post(f"/api/demand/tasks/{task['id']}/schedule", json={
            "session": {"title": "茶艺入门", "category": "茶艺", "capacity": 12,
                        "org": "CITY-HALL", "starts_at": wall(day, "14:00"),
                        "ends_at": wall(day, "15:30")}})
        assert scheduled.status_code == 200, scheduled.text
        assert scheduled.json()["readers_told"] == 3
    session_id = scheduled.json()["session_ids"][0]
    with server.client(readers[0][1]) as client:
        notes = client.get("/api/reader/notifications").json()
        assert notes[0]["kind"] == "demand-scheduled" and "茶艺入门" in notes[0]["title"]
        early = client.post(f"/api/classes/{session_id}/enrolments")
        assert early.status_code == 201 and early.json()["state"] == "enrolled"
    with server.client(readers[3][1]) as client:  # did not ask: general enrolment opens later
        late = client.post(f"/api/classes/{session_id}/enrolments")
        assert late.status_code == 409 and late.json()["code"] == "enrolment-closed"


def test_staff_scope_group_booking_and_door_check_in(server: Server, readers) -> None:
    room = room_id(server, "CITY-HALL", "多功能报告厅")
    day = open_day(8)
    with server.client(server.staff_token("pj.desk", "unicard-pj-2026")) as pj:
        refused = pj.post(f"/api/rooms/{room}/group-bookings", json={
            "starts_at": wall(day, "09:00"), "ends_at": wall(day, "12:00"),
            "group_name": "浦江读书会"})
        assert refused.status_code == 403 and refused.json()["code"] == "out-of-scope"
    with server.client(server.staff_token(*HALL)) as staff:
        group = staff.post(f"/api/rooms/{room}/group-bookings", json={
            "starts_at": wall(day, "09:00"), "ends_at": wall(day, "12:00"),
            "group_name": "实验小学", "group_size": 100, "card_number": readers[0][0]})
        assert group.status_code == 201 and group.json()["state"] == "confirmed"
        early = staff.post(f"/api/rooms/{room}/check-in", json={"card_number": readers[0][0]})
        assert early.status_code == 404  # the booking is days away: nothing to check in today
        assert early.json()["code"] == "no-booking-to-check-in"
        nobody = staff.post(f"/api/rooms/{room}/check-in", json={"card_number": readers[1][0]})
        assert nobody.status_code == 404 and nobody.json()["code"] == "no-booking-to-check-in"
    with server.client(readers[2][1]) as client:  # the hall needs approval for readers
        pending = client.post(f"/api/rooms/{room}/bookings", json={
            "starts_at": wall(day, "14:00"), "ends_at": wall(day, "15:00")})
        assert pending.json()["state"] == "pending_approval"
    with server.client(server.staff_token(*HALL)) as staff:
        approved = staff.post(f"/api/bookings/{pending.json()['id']}/approve")
        assert approved.json()["state"] == "confirmed"


def test_booking_and_enrolling_need_a_live_reader_session(server: Server) -> None:
    """The session is checked in the use case's first read: a stranger's token or a staff
    token is refused with 401 before the room or session is looked at."""
    room = room_id(server, "CITY", "研讨室B")
    day = open_day(3)
    body = {"starts_at": wall(day, "10:00"), "ends_at": wall(day, "11:00")}
    for token in ("not-a-session", server.staff_token(*HALL)):
        with server.client(token) as client:
            for path in (f"/api/rooms/{room}/bookings", "/api/rooms/999999/bookings"):
                refused = client.post(path, json=body)
                assert refused.status_code == 401, refused.text
                assert refused.json()["code"] == "unauthenticated"
            refused = client.post("/api/classes/999999/enrolments")
            assert refused.status_code == 401 and refused.json()["code"] == "unauthenticated"
