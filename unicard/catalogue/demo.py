"""A demo union catalogue: well-known Chinese and English books with copies spread over the
network's branches (ISBNs are synthetic but check-digit valid)."""

from __future__ import annotations

import random

from unicard.catalogue.services import NewItem, RecordInput, create_item, create_record
from unicard.clock import Clock
from unicard.readers.permissions import StaffPrincipal

__all__ = ["DEMO_BOOKS", "load_catalogue_demo"]

# (title, author, CLC class, year, publisher, language, subjects)
DEMO_BOOKS: tuple[tuple[str, str, str, int, str, str, tuple[str, ...]], ...] = (
    ("红楼梦", "曹雪芹", "I242.47", 1982, "人民文学出版社", "chi", ("章回小说", "中国")),
    ("三国演义", "罗贯中", "I242.43", 1973, "人民文学出版社", "chi", ("章回小说", "历史小说")),
    ("西游记", "吴承恩", "I242.4", 1980, "人民文学出版社", "chi", ("神话小说",)),
    ("水浒传", "施耐庵", "I242.4", 1975, "人民文学出版社", "chi", ("章回小说",)),
    ("平凡的世界", "路遥", "I247.57", 1988, "中国文联出版社", "chi", ("长篇小说", "当代")),
    ("白鹿原", "陈忠实", "I247.57", 1993, "人民文学出版社", "chi", ("长篇小说",)),
    ("围城", "钱锺书", "I246.57", 1991, "人民文学出版社", "chi", ("长篇小说",)),
    ("骆驼祥子", "老舍", "I246.57", 1955, "人民文学出版社", "chi", ("长篇小说", "北京")),
    ("边城", "沈从文", "I246.5", 1934, "生活书店", "chi", ("中篇小说", "湘西")),
    ("活着", "余华", "I247.57", 1993, "南海出版公司", "chi", ("长篇小说",)),
    ("文化苦旅", "余秋雨", "I267", 1992, "知识出版社", "chi", ("散文集",)),
    ("呐喊", "鲁迅", "I210.4", 1923, "北新书局", "chi", ("短篇小说",)),
    ("朝花夕拾", "鲁迅", "I210.4", 1928, "未名社", "chi", ("散文集",)),
    ("家", "巴金", "I246.57", 1933, "开明书店", "chi", ("长篇小说",)),
    ("繁星·春水", "冰心", "I226", 1923, "商务印书馆", "chi", ("诗集", "儿童文学")),
    ("城南旧事", "林海音", "I287.4", 1960, "光启出版社", "chi", ("儿童文学",)),
    ("草房子", "曹文轩", "I287.45", 1997, "江苏少年儿童出版社", "chi", ("儿童文学",)),
    ("三体", "刘慈欣", "I247.55", 2008, "重庆出版社", "chi", ("科幻小说",)),
    ("中国历史常识", "吕思勉", "K20", 2009, "中华书局", "chi", ("中国历史",)),
    ("乡土中国", "费孝通", "C912.82", 1948, "观察社", "chi", ("农村社会学", "中国")),
    ("中国哲学简史", "冯友兰", "B2", 1985, "北京大学出版社", "chi", ("哲学史", "中国")),
    ("万历十五年", "黄仁宇", "K248.3", 1982, "中华书局", "chi", ("明史",)),
    ("本草纲目", "李时珍", "R281.3", 1982, "人民卫生出版社", "chi", ("中药学",)),
    ("家常菜谱", "金华市图书馆编", "TS972.12", 2015, "浙江科学技术出版社", "chi", ("菜谱",)),
    ("书法入门", "田英章", "J292.1", 2012, "湖北美术出版社", "chi", ("书法", "楷书")),
    ("Pride and Prejudice", "Austen, Jane", "I561.44", 1813, "T. Egerton", "eng",
     ("Courtship -- Fiction",)),
    ("The Old Man and the Sea", "Hemingway, Ernest", "I712.45", 1952, "Scribner", "eng",
     ("Fishers -- Fiction",)),
    ("A Brief History of Time", "Hawking, Stephen", "P159", 1988, "Bantam", "eng",
     ("Cosmology",)),
    ("The Little Prince", "Saint-Exupéry, Antoine de", "I565.88", 1943, "Reynal & Hitchcock",
     "eng", ("Children's stories",)),
    ("Python Crash Course", "Matthes, Eric", "TP312", 2019, "No Starch Press", "eng",
     ("Python (Computer program language)",)),
)


def _isbn13(serial: int) -> str:
    body = f"978750{serial:06d}"
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


async def load_catalogue_demo(admin: StaffPrincipal, branches: list[str], clock: Clock,
                              seed: int = 7) -> int:
    """Create the demo books with one to four copies each; returns the number of copies."""
    rng = random.Random(seed)
    copies = 0
    for n, (title, author, clc, year, publisher, language, subjects) in enumerate(DEMO_BOOKS):
        record = await create_record(RecordInput(
            title=title, authors=(author,), isbns=(_isbn13(1000 + n),), publisher=publisher,
            year=year, clc=clc, language=language, subjects=subjects), admin, clock)
        mark = author[0].upper() if language == "eng" else f"{n + 1}"
        for branch in rng.sample(branches, k=rng.randint(1, min(4, len(branches)))):
            await create_item(record["id"], NewItem(branch=branch,
                                                    call_number=f"{clc}/{mark}",
                                                    price=f"{rng.randint(15, 80)}.00"),
                              admin, clock)
            copies += 1
    return copies
