"""A realistic demo network: a city central library, three county systems with township
service points and village book rooms, two cultural halls, a 24-hour kiosk, policies,
300 readers with synthetic but valid-format ID numbers, and staff accounts."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from unicard.clock import Clock
from unicard.network.services import NewOrg, create_org, set_policy_rule
from unicard.network.tables import Org, ReaderCategory
from unicard.readers.id_numbers import check_character
from unicard.readers.permissions import Role, StaffPrincipal
from unicard.readers.services import Registration, register_reader
from unicard.readers.staff import NewStaff, create_staff
from unicard.rooms.demo import load_rooms_demo
from unicard.settings import Settings

__all__ = ["DEMO_STAFF", "DemoResult", "load_demo"]

NETWORK_HOURS = {
    "mon": ["14:00-21:00"],
    "tue": ["09:00-21:00"], "wed": ["09:00-21:00"], "thu": ["09:00-21:00"],
    "fri": ["09:00-21:00"], "sat": ["09:00-21:00"], "sun": ["09:00-21:00"],
}
TOWNSHIP_HOURS = {
    "tue": ["08:30-12:00", "14:00-17:30"], "wed": ["08:30-12:00", "14:00-17:30"],
    "thu": ["08:30-12:00", "14:00-17:30"], "fri": ["08:30-12:00", "14:00-17:30"],
    "sat": ["09:00-17:00"], "sun": ["09:00-17:00"],
}
VILLAGE_HOURS = {"sat": ["09:00-12:00", "14:00-17:00"], "sun": ["09:00-12:00"],
                 "wed": ["18:30-20:30"]}
ALL_DAY = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Statutory holidays of 2026 and 2027 on which the network closes (Spring Festival eve and day).
HOLIDAYS = ["2026-02-16..2026-02-17", "2027-02-05..2027-02-06"]

# (code, kind, parent, name_zh, name_en, lat, lon, hours, closed)
_Org = tuple[str, str, str | None, str, str, float, float, dict | None, list | None]
_COUNTIES = [
    ("DY", "东阳", "Dongyang", 29.29, 120.24, ["南马镇", "横店镇"], "李宅村"),
    ("PJ", "浦江", "Pujiang", 29.45, 119.89, ["黄宅镇", "郑宅镇"], "嵩溪村"),
    ("WY", "武义", "Wuyi", 28.89, 119.82, ["柳城镇", "桃溪镇"], "郭洞村"),
]


def demo_orgs() -> list[_Org]:
    orgs: list[_Org] = [
        ("NET", "network", None, "金华市公共图书馆总分馆网络", "Jinhua Public Library Network",
         29.08, 119.65, NETWORK_HOURS, HOLIDAYS),
        ("CITY", "system", "NET", "金华市图书馆", "Jinhua Library", 29.08, 119.65, None, None),
        ("CITY-K24", "kiosk", "CITY", "城北24小时自助图书馆", "North 24-hour kiosk",
         29.11, 119.66, ALL_DAY, []),
        ("CITY-HALL", "hall", "CITY", "金华市文化馆", "Jinhua Cultural Hall", 29.09, 119.64,
         None, None),
    ]
    for code, zh, en, lat, lon, towns, village in _COUNTIES:
        orgs.append((code, "system", "NET", f"{zh}市图书馆", f"{en} Library", lat, lon,
                     None, None))
        for i, town in enumerate(towns, start=1):
            orgs.append((f"{code}-T{i}", "service_point", code, f"{zh}{town}图书分馆",
                         f"{en} township {i}", lat + 0.05 * i, lon - 0.04 * i, TOWNSHIP_HOURS,
                         None))
        orgs.append((f"{code}-V1", "service_point", f"{code}-T1", f"{village}农家书屋",
                     f"{en} village book room", lat + 0.08, lon + 0.03, VILLAGE_HOURS, None))
    orgs.append(("DY-HALL", "hall", "DY", "东阳市文化馆", "Dongyang Cultural Hall", 29.28,
                 120.23, None, None))
    return orgs


@dataclass(frozen=True)
class DemoStaff:
    username: str
    display_name: str
    password: str
    role: Role
    scope_org: str


DEMO_STAFF = (
    DemoStaff("admin", "网络管理员", "unicard-admin-2026", Role.NETWORK_ADMIN, "NET"),
    DemoStaff("city.desk", "市馆流通台", "unicard-city-2026", Role.BRANCH_LIBRARIAN, "CITY"),
    DemoStaff("dy.desk", "东阳流通台", "unicard-dy-2026", Role.BRANCH_LIBRARIAN, "DY"),
    DemoStaff("pj.desk", "浦江流通台", "unicard-pj-2026", Role.BRANCH_LIBRARIAN, "PJ"),
    DemoStaff("wy.desk", "武义流通台", "unicard-wy-2026", Role.BRANCH_LIBRARIAN, "WY"),
    DemoStaff("hall.staff", "文化馆工作人员", "unicard-hall-2026", Role.HALL_STAFF, "CITY-HALL"),
)
DEMO_READER_PIN = "123456"

_CATEGORIES = [
    ("adult", "成人读者", "Adult", 18, None, 60),
    ("child", "少儿读者", "Child", None, 14, 36),
    ("student", "学生读者", "Student", 6, 30, 48),
    ("senior", "老年读者", "Senior", 60, None, 60),
]

_NET_DEFAULTS = {
    "loan_days": 30, "max_loans": 10, "renewals": 1, "fine_per_day": "0.10",
    "max_fine": "20.00", "holds_allowed": True, "max_holds": 5, "hold_shelf_days": 7,
    "fines_skip_closed_days": True, "block_fine_threshold": "10.00", "return_mode": "home",
}
_RULES: list[tuple[str, str, str, dict]] = [
    ("NET", "*", "*", _NET_DEFAULTS),
    ("NET", "child", "*", {"max_loans": 5, "loan_days": 21, "max_holds": 3}),
    ("NET", "senior", "*", {"loan_days": 60}),
    ("NET", "*", "reference", {"loan_days": 0, "holds_allowed": False}),
    ("DY", "*", "*", {"loan_days": 45}),  # a county that overrides only the loan days
    ("WY", "*", "*", {"return_mode": "float", "float_scope": "WY"}),
]

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬"
    "芳燕彬鹏辉建国晓梅子涵浩然欣怡"
)
_REGIONS = ["330702", "330703", "330723", "330726", "330781", "330782", "330783", "330784"]


def synthetic_id_number(rng: random.Random, born: date) -> str:
    """Valid in format and check character; the sequence numbers are made up."""
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return body + check_character(body)


def _category_for(age: int, rng: random.Random) -> str:
    if age <= 14:
        return "child"
    if age >= 60:
        return "senior"
    if age <= 22 and rng.random() < 0.7:
        return "student"
    return "adult"


@dataclass(frozen=True)
class DemoResult:
    orgs: int
    readers: int
    sample_cards: tuple[tuple[str, str, str], ...]  # (card number, name, category)


async def load_demo(settings: Settings, clock: Clock, readers: int = 300,
                    progress: Callable[[int], None] | None = None) -> DemoResult:
    """Create the demo network; refuses to run twice on the same database."""
    if await Org.exists().where(Org.code == "NET"):
        raise RuntimeError("demo data is already loaded in this database")
    for code, zh, en, min_age, max_age, months in _CATEGORIES:
        await ReaderCategory.insert(ReaderCategory(code=code, name_zh=zh, name_en=en,
                                                   min_age=min_age, max_age=max_age,
                                                   validity_months=months))
    orgs = demo_orgs()
    for code, kind, parent, zh, en, lat, lon, hours, closed in orgs:
        await create_org(NewOrg(code=code, kind=kind, name_zh=zh, parent_code=parent,
                                name_en=en, address=f"{zh}", latitude=lat, longitude=lon,
                                hours=hours, closed_days=closed), None, clock)
    for org, category, item_type, values in _RULES:
        await set_policy_rule(org, category, item_type, values, None, clock)
    principals: dict[str, StaffPrincipal] = {}
    for s in DEMO_STAFF:
        principals[s.scope_org] = await create_staff(
            NewStaff(s.username, s.display_name, s.password, s.role.value, s.scope_org), None,
            clock)
    admin = principals["NET"]
    rng = random.Random(20261122)
    branches = [o[0] for o in orgs if o[1] in ("system", "service_point")]
    samples: list[tuple[str, str, str]] = []
    today = clock.today()
    for i in range(readers):
        born = today - timedelta(days=rng.randrange(6 * 365, 85 * 365))
        age = (today - born).days // 365
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
        name = rng.choice(_SURNAMES) + given
        category = _category_for(age, rng)
        record = await register_reader(
            Registration(name=name, id_number=synthetic_id_number(rng, born), category=category,
                         home_org=rng.choice(branches), phone=f"13{rng.randrange(10**9):09d}",
                         pin=DEMO_READER_PIN),
            admin, settings, clock)
        if len(samples) < 5:
            samples.append((record.card_number, record.name, record.category))
        if progress:
            progress(i + 1)
    from unicard.catalogue.demo import load_catalogue_demo

    await load_catalogue_demo(admin, branches, clock)
    await load_rooms_demo(clock, admin)
    return DemoResult(len(orgs), readers, tuple(samples))
