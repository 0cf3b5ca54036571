"""Rooms, readers and a teacher on top of the small test network (see conftest.seed_network).

The fixed clock starts on Monday 2026-11-02 at 10:00 network time; the network is open every
day 09:00-17:00 and closed on 2026-12-25 (a Friday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from unicard.clock import NETWORK_TZ, FixedClock
from unicard.readers.id_numbers import check_character
from unicard.readers.services import ReaderRecord, Registration, register_reader
from unicard.rooms import services
from unicard.rooms.sql import fetch
from unicard.rooms.support import forget_nodes
from unicard.settings import Settings

from .conftest import Network

TZ = NETWORK_TZ
MONDAY = date(2026, 11, 2)


def at(day: date, clock: str) -> datetime:
    """A wall-clock time of the network on `day`."""
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def day_after(days: int) -> date:
    return MONDAY + timedelta(days=days)


def id_number(seq: int, born: str = "19850612") -> str:
    body = f"330702{born}{seq:03d}"
    return body + check_character(body)


@dataclass
class World:
    network: Network
    calligraphy: services.RoomRecord  # EAST-HALL, 20 seats, no approval
    seminar: services.RoomRecord  # EAST-B1, 8 seats, approval needed
    adult: ReaderRecord
    other: ReaderRecord
    child: ReaderRecord
    teacher: services.TeacherRecord


_serial = iter(range(100, 1000))


async def new_reader(network: Network, settings: Settings, clock: FixedClock,
                     born: str = "19850612", category: str = "adult",
                     home: str = "EAST-B1", name: str = "读者") -> ReaderRecord:
    return await register_reader(
        Registration(name, id_number(next(_serial), born), category, home),
        network.admin, settings, clock)


async def seed_rooms(network: Network, settings: Settings, clock: FixedClock) -> World:
    # One PostgreSQL database is emptied and reseeded per test: its network version starts
    # over, so the nodes the rooms services remember must be forgotten.
    forget_nodes()
    calligraphy = await services.create_room(
        services.NewRoom(org="EAST-HALL", name="书法教室", capacity=20,
                         features=("desks", "ink")), network.hall_staff, clock)
    seminar = await services.create_room(
        services.NewRoom(org="EAST-B1", name="研讨室", capacity=8, approval_needed=True,
                         features=("screen",)), network.east_librarian, clock)
    adult = await new_reader(network, settings, clock, name="张三")
    other = await new_reader(network, settings, clock, name="李四")
    child = await new_reader(network, settings, clock, born="20160301", category="child",
                             name="王小明")
    teacher = await services.create_teacher(
        services.NewTeacher(kind="volunteer", name="赵老师", org="EAST-HALL",
                            profile="书法家协会会员，教学二十年", categories=("calligraphy",)),
        network.hall_staff, clock)
    return World(network, calligraphy, seminar, adult, other, child, teacher)


async def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await fetch(sql, *args)
