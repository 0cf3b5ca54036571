"""Helpers for the rooms end-to-end tests: readers registered and signed in over HTTP, and
the network's wall-clock days."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from unicard.readers.id_numbers import check_character

from .conftest import Server

ADMIN = ("admin", "unicard-admin-2026")
HALL = ("hall.staff", "unicard-hall-2026")
PROBLEM = "application/problem+json"
TZ = ZoneInfo("Asia/Shanghai")
PIN = "246810"

_serial = itertools.count(1)


def id_number(seq: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=seq * 37 % 15000)
    body = f"330782{born:%Y%m%d}{seq % 1000:03d}"
    return body + check_character(body)


def open_day(days_ahead: int = 2) -> date:
    """A day at least `days_ahead` days from now on which the demo halls open at 09:00
    (not a Monday; the demo's holidays are in February)."""
    day = datetime.now(TZ).date() + timedelta(days=days_ahead)
    while day.weekday() == 0 or (day.month == 2 and day.day in (5, 6, 16, 17)):
        day += timedelta(days=1)
    return day


def wall(day: date, clock: str) -> str:
    return f"{day.isoformat()}T{clock}:00+08:00"


def register_readers(server: Server, count: int, home: str = "CITY",
                     base: int = 0) -> list[tuple[str, str]]:
    """Register `count` readers through the staff API and sign each in with card and PIN;
    returns (card number, reader token) pairs."""
    admin = server.staff_token(*ADMIN)
    readers = []
    with server.client(admin) as staff, server.client() as public:
        for _ in range(count):
            seq = base + next(_serial)
            created = staff.post("/api/readers", json={
                "name": f"读者{seq}", "id_number": id_number(seq), "category": "adult",
                "home_org": home, "pin": PIN})
            assert created.status_code == 201, created.text
            card = created.json()["card_number"]
            login = public.post("/api/reader/login", json={"card_number": card, "pin": PIN})
            assert login.status_code == 200, login.text
            readers.append((card, login.json()["token"]))
    return readers


def room_id(server: Server, org: str, name: str) -> int:
    with server.client() as client:
        rooms = client.get("/api/rooms", params={"org": org}).json()
    return next(r["id"] for r in rooms if r["name"] == name)
