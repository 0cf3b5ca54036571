"""Demo rooms and classes: rooms at the two cultural halls and the libraries, volunteer and
staff teachers, a week of class sessions in a dozen subjects from tomorrow on, and a weekly
children's calligraphy series. Loaded by `unicard demo` after the network and staff."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from unicard.clock import Clock
from unicard.readers.permissions import StaffPrincipal
from unicard.rooms import services
from unicard.rooms.support import network_tz

__all__ = ["RoomsDemoResult", "load_rooms_demo"]

# (org, name, capacity, features, approval needed)
_ROOMS = [
    ("CITY-HALL", "书法教室", 24, ("desks", "ink"), False),
    ("CITY-HALL", "舞蹈排练厅", 30, ("mirrors", "sound"), False),
    ("CITY-HALL", "美术教室", 24, ("easels", "sink"), False),
    ("CITY-HALL", "音乐教室", 25, ("piano", "sound"), False),
    ("CITY-HALL", "多功能报告厅", 120, ("projector", "sound", "stage"), True),
    ("DY-HALL", "戏曲排练室", 30, ("mirrors", "sound"), False),
    ("DY-HALL", "书画室", 20, ("desks", "ink"), False),
    ("CITY", "研讨室A", 8, ("screen", "whiteboard"), False),
    ("CITY", "研讨室B", 8, ("whiteboard",), False),
    ("DY", "研讨室", 10, ("screen",), False),
    ("PJ", "研讨室", 8, ("whiteboard",), False),
    ("WY", "研讨室", 8, ("screen",), False),
]

# (name, profile, categories, home org)
_VOLUNTEERS = [
    ("王墨林", "市书法家协会会员，从事书法教学二十年", ("calligraphy",), "CITY-HALL"),
    ("李舒扬", "省舞蹈家协会会员，少儿舞蹈考级考官", ("dance",), "CITY-HALL"),
    ("陈光", "摄影爱好者，作品多次入选市摄影展", ("photography",), "CITY-HALL"),
    ("周婉", "婺剧、越剧票友，社区戏曲队指导", ("opera",), "DY-HALL"),
    ("刘丹青", "美术学院毕业，擅长国画山水", ("painting",), "CITY-HALL"),
    ("孙悦", "古筝八级，音乐教师", ("guzheng", "music"), "CITY-HALL"),
    ("赵云峰", "陈式太极拳第十二代传人", ("taichi",), "DY-HALL"),
]

# (title, category, level, room (org, name), teacher index or None, minutes, age band)
_CLASSES = [
    ("书法入门：楷书基本笔画", "calligraphy", "beginner", ("CITY-HALL", "书法教室"), 0, 90,
     None),
    ("书法提高：行书临帖", "calligraphy", "advanced", ("CITY-HALL", "书法教室"), 0, 90, None),
    ("少儿中国舞", "dance", "beginner", ("CITY-HALL", "舞蹈排练厅"), 1, 60, (6, 12)),
    ("广场舞编排", "dance", "intermediate", ("CITY-HALL", "舞蹈排练厅"), 1, 90, None),
    ("手机摄影技巧", "photography", "beginner", ("CITY-HALL", "多功能报告厅"), 2, 90, None),
    ("越剧唱腔", "opera", "beginner", ("DY-HALL", "戏曲排练室"), 3, 90, None),
    ("国画山水入门", "painting", "beginner", ("CITY-HALL", "美术教室"), 4, 120, None),
    ("古筝基础", "guzheng", "beginner", ("CITY-HALL", "音乐教室"), 5, 60, None),
    ("合唱排练", "music", "intermediate", ("CITY-HALL", "音乐教室"), 5, 90, None),
    ("太极拳", "taichi", "beginner", ("DY-HALL", "戏曲排练室"), 6, 60, (50, None)),
    ("剪纸艺术", "paper-cutting", "beginner", ("DY-HALL", "书画室"), None, 90, None),
    ("亲子绘本阅读", "reading", "beginner", ("CITY", "研讨室A"), -1, 60, (4, 10)),
]
# Starts that fit every day's hours (Monday opens at 14:00).
_STARTS = (time(9, 30), time(14, 30), time(19, 0))


@dataclass(frozen=True)
class RoomsDemoResult:
    rooms: int
    teachers: int
    sessions: int


async def load_rooms_demo(clock: Clock, admin: StaffPrincipal,
                          staff_teacher: str = "hall.staff") -> RoomsDemoResult:
    """Rooms, teachers and the coming week's classes; run once, after the demo network."""
    tz = network_tz(clock)
    rooms: dict[tuple[str, str], services.RoomRecord] = {}
    for org, name, capacity, features, approval in _ROOMS:
        rooms[(org, name)] = await services.create_room(services.NewRoom(
            org=org, name=name, capacity=capacity, features=features,
            approval_needed=approval, max_days_ahead=14), admin, clock)
    teachers = []
    for name, profile, categories, org in _VOLUNTEERS:
        teachers.append(await services.create_teacher(services.NewTeacher(
            kind="volunteer", name=name, org=org, profile=profile, categories=categories),
            admin, clock))
    staff_teacher_record = await services.create_teacher(services.NewTeacher(
        kind="staff", name="文化馆工作人员", org="CITY-HALL", staff_username=staff_teacher,
        categories=("reading",)), admin, clock)
    rng = random.Random(20261123)
    today = clock.now().astimezone(tz).date()
    sessions = 0
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        taken: set[tuple[tuple[str, str], time]] = set()
        for title, category, level, room_key, teacher, minutes, band in rng.sample(_CLASSES, 4):
            options = [s for s in _STARTS if (room_key, s) not in taken
                       and not (day.weekday() == 0 and s < time(14))]
            start_time = rng.choice(options)
            taken.add((room_key, start_time))
            start = datetime.combine(day, start_time, tzinfo=tz)
            teacher_id = (None if teacher is None else staff_teacher_record.id if teacher < 0
                          else teachers[teacher].id)
            room = rooms[room_key]
            await services.create_session(services.NewSession(
                title=title, category=category, level=level, starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                capacity=min(room.capacity, rng.choice((20, 25, 30))), room_id=room.id,
                teacher_id=teacher_id, min_age=None if band is None else band[0],
                max_age=None if band is None else band[1]), admin, clock)
            sessions += 1
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    series = await services.create_series(services.NewSeries(
        title="周六少儿书法班", category="calligraphy", weekdays=(5,),
        start_time=time(16, 30), duration_minutes=90, first_day=saturday, count=8,
        capacity=20, room_id=rooms[("CITY-HALL", "书法教室")].id, teacher_id=teachers[0].id,
        level="beginner", min_age=7, max_age=14, enrol_opens_days_before=14), admin, clock)
    sessions += len(series.sessions)
    return RoomsDemoResult(len(rooms), len(teachers) + 1, sessions)
