"""Benchmark of the embedded search engine: build docs/s, index size, query latency p50/p99.

    .venv/bin/python bench/search.py                 # 1,000,000 records (takes minutes)
    .venv/bin/python bench/search.py --n 50000       # quicker

Records are generated deterministically from ``--seed``: half Chinese (words drawn from
jieba's dictionary by frequency, Chinese names, 中图法 classes), half English (common words
plus a long tail of made-up ones), with realistic field lengths (titles of 2–6 words, summaries
on ~70% of records of 40–300 characters) and holdings at 1–5 of 200 branches in 10 systems.
Queries are a fixed list of 1–3 word searches drawn the same way (Chinese words, English words,
author names, pinyin, prefixes), each asking two facets (branch availability, material type).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jieba

from search_index import Document, Facet, Query
from search_index.embedded import EmbeddedEngine
from search_index.text import pinyin_of

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯"
    "健俊帆帅旭宁颖琳晨欣怡婷雪倩梅琴云莲真环建国志文晓春海波林峰"
)
EN_WORDS = [
    "the", "of", "and", "a", "to", "in", "history", "china", "world", "new", "introduction",
    "guide", "modern", "theory", "life", "art", "science", "war", "story", "people", "culture",
    "study", "city", "river", "mountain", "love", "time", "light", "house", "book", "children",
    "garden", "education", "library", "computer", "network", "data", "system", "design",
    "practice", "english", "chinese", "reader", "handbook", "essays", "letters", "poems",
    "selected", "collected", "complete", "short", "stories", "economic", "social", "political",
    "development", "policy", "management", "law", "language", "literature", "music", "painting",
    "health", "medicine", "nature", "animals", "travel", "journey", "revolution", "empire",
    "dynasty", "ancient", "century", "early", "late", "north", "south", "east", "west", "great",
    "small", "young", "old", "first", "last", "secret", "hidden", "lost", "found", "return",
    "road", "sea", "island", "forest", "winter", "summer", "spring", "autumn", "night", "day",
    "family", "women", "men", "child", "mother", "father", "brother", "sister", "friend",
    "king", "queen", "emperor", "general", "teacher",
]
PUBLISHERS_ZH = [
    "人民文学出版社", "商务印书馆", "中华书局", "上海译文出版社", "作家出版社", "译林出版社",
    "三联书店", "北京大学出版社", "科学出版社", "机械工业出版社", "清华大学出版社", "中信出版社",
]
PUBLISHERS_EN = [
    "Penguin", "Oxford University Press", "Cambridge University Press", "Vintage", "Random House",
    "HarperCollins", "Springer", "Wiley", "Routledge", "Norton",
]
CLC = "ABCDEFGHIJKNOPQRSTUVXZ"
T_SUB = ["TB", "TD", "TE", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TP", "TQ", "TS", "TU"]
MATERIALS = ["book"] * 16 + ["serial", "audio", "video", "ebook"]


class Generator:
    """Deterministic record and query generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        dict_path = Path(jieba.__file__).parent / "dict.txt"
        entries = []
        with open(dict_path, encoding="utf-8") as fh:
            for line in fh:
                word, freq, *_ = line.split()
                if 2 <= len(word) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in word):
                    entries.append((int(freq), word))
        entries.sort(reverse=True)
        top = entries[:40_000]
        self.zh_words = [w for _, w in top]
        self.zh_weights = list(itertools.accumulate(f**0.75 for f, _ in top))
        syll = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
        tail = {
            "".join(self.rng.choice(syll) for _ in range(self.rng.randint(2, 4)))
            for _ in range(30_000)
        }
        self.en_words = EN_WORDS + sorted(tail)
        self.en_weights = list(
            itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(len(self.en_words)))
        )
        self.subjects_zh = [
            "".join(self.zh_pick(2)) for _ in range(2_000)
        ]
        self.subjects_en = [" ".join(self.en_pick(2)).title() for _ in range(2_000)]
        self.systems = [f"S{i:02d}" for i in range(10)]
        self.branches = [(s, f"{s}B{j:02d}") for s in self.systems for j in range(20)]

    def zh_pick(self, k: int) -> list[str]:
        return self.rng.choices(self.zh_words, cum_weights=self.zh_weights, k=k)

    def en_pick(self, k: int) -> list[str]:
        return self.rng.choices(self.en_words, cum_weights=self.en_weights, k=k)

    def zh_name(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def en_name(self) -> str:
        first = self.rng.choice(self.en_words[len(EN_WORDS):]).title()
        last = self.rng.choice(self.en_words[len(EN_WORDS):]).title()
        return f"{first} {last}"

    def clc(self) -> str:
        r = self.rng
        top = r.choice(CLC)
        if top == "T":
            top = r.choice(T_SUB)
        return f"{top}{r.randint(0, 9)}{r.randint(0, 99)}.{r.randint(1, 9)}"

    def holdings(self) -> tuple[list[str], list[str], dict[str, dict[str, int]]]:
        r = self.rng
        held: dict[str, None] = {}
        avail: dict[str, None] = {}
        display: dict[str, dict[str, int]] = {}
        for system, branch in r.sample(self.branches, r.choice((1, 1, 2, 2, 3, 5))):
            total = r.choice((1, 1, 2, 3))
            available = r.randint(0, total)
            display[branch] = {"total": total, "available": available}
            for code in ("NET", system, branch):
                held[code] = None
                if available:
                    avail[code] = None
        return list(held), list(avail), display

    def document(self, i: int) -> Document:
        r = self.rng
        held, avail, display = self.holdings()
        clc = self.clc()
        year = r.randint(1950, 2025) if r.random() < 0.97 else None
        if i % 2 == 0:
            title = "".join(self.zh_pick(r.randint(2, 5)))
            if r.random() < 0.25:
                title += "：" + "".join(self.zh_pick(r.randint(2, 3)))
            notes = ""
            if r.random() < 0.7:
                n = r.randint(15, 110)
                sentences = [self.zh_pick(r.randint(4, 10)) for _ in range(max(1, n // 7))]
                notes = "，".join("".join(s) for s in sentences) + "。"
            fields = {
                "title": title,
                "authors": [self.zh_name() for _ in range(r.choice((1, 1, 1, 2)))],
                "subjects": r.sample(self.subjects_zh, r.randint(1, 3)),
                "publisher": r.choice(PUBLISHERS_ZH),
                "language": "chi",
            }
        else:
            title = " ".join(self.en_pick(r.randint(2, 7))).capitalize()
            notes = ""
            if r.random() < 0.7:
                notes = " ".join(self.en_pick(r.randint(8, 50))).capitalize() + "."
            fields = {
                "title": title,
                "authors": [self.en_name() for _ in range(r.choice((1, 1, 2)))],
                "subjects": r.sample(self.subjects_en, r.randint(1, 3)),
                "publisher": r.choice(PUBLISHERS_EN),
                "language": "eng",
            }
        isbn12 = f"978{r.randint(0, 999_999_999):09d}"
        weighted = sum(int(c) * (1 if k % 2 == 0 else 3) for k, c in enumerate(isbn12))
        check = (10 - weighted % 10) % 10
        return Document(
            id=f"rec{i:08d}",
            notes=notes,
            year=year,
            material_type=r.choice(MATERIALS),
            clc=clc,
            isbns=[isbn12 + str(check)],
            call_numbers=[f"{clc}/{r.randint(1, 999)}"],
            held_by=held,
            available_at=avail,
            availability=display,  # type: ignore[arg-type]
            **fields,
        )

    def queries(self, n: int, seed: int) -> list[str]:
        """A fixed mix of 1–3 word searches, the kinds readers type (the same for any --n)."""
        r = self.rng = random.Random(seed)
        out = []
        for k in range(n):
            kind = k % 8
            words = r.choice((1, 1, 2, 2, 3))
            if kind in (0, 1):
                out.append(" ".join(self.zh_pick(words)))
            elif kind in (2, 3):
                out.append(" ".join(self.en_pick(words)))
            elif kind == 4:
                out.append(self.zh_name())
            elif kind == 5:
                word = self.zh_pick(1)[0]
                out.append("".join(pinyin_of(word)))
            elif kind == 6:
                w = self.en_pick(1)[0]
                out.append(w[: max(2, len(w) - 2)])  # typing, not finished
            else:
                out.append(self.zh_pick(1)[0][:1] + " " + self.en_pick(1)[0])
        return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(engine: EmbeddedEngine, queries: list[str]) -> None:
    """Query latency over the fixed query list, each asking two facets.

    Two figures: each query's first run (its index pages may have to come from disk; on this
    machine the kernel reclaims file pages that sit unused for seconds), and the same query
    run again at once (its pages cached, as for a busy server).
    """
    facets = (Facet.AVAILABLE_AT, Facet.MATERIAL_TYPE)
    for text in queries[-20:]:  # open connections, load the segmenter and pinyin tables
        engine.search(Query(text=f"{text} warm"))
    first: list[float] = []
    again: list[float] = []
    totals = []
    estimated = 0
    load_before = os.getloadavg()[0]
    for text in queries:
        for out in (first, again):
            t = time.perf_counter()
            result = engine.search(Query(text=text, facets=facets))
            out.append((time.perf_counter() - t) * 1000)
        totals.append(result.total)
        estimated += result.facets_are_estimates
    for label, values in (("first run", first), ("repeated", again)):
        print(f"query p50 ({label}): {statistics.median(values):.2f} ms")
        print(f"query p99 ({label}): {percentile(values, 0.99):.2f} ms")
    print(
        f"queries: {len(queries)}, 1-3 words, facets available_at+material_type; "
        f"median hits {statistics.median(totals):,.0f}, max {max(totals):,}, "
        f"window-estimated facets on {estimated}; load average {load_before:.1f}"
    )
    if os.environ.get("BENCH_SLOWEST"):
        slow = sorted(zip(first, again, queries, totals, strict=True), reverse=True)[:15]
        for ms, ms2, text, total in slow:
            print(f"  {ms:8.1f} ms  {ms2:8.1f} ms  {total:>8,}  {text}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="records to index")
    ap.add_argument("--seed", type=int, default=20241122)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--dir", default=None, help="where to put the index (default: a temp dir)")
    ap.add_argument("--workers", type=int, default=None, help="analysis processes")
    ap.add_argument("--keep", action="store_true", help="keep the index file")
    ap.add_argument("--reuse", default=None, help="only measure queries on this index file")
    args = ap.parse_args()

    gen = Generator(args.seed)
    queries = gen.queries(args.queries, args.seed + 1)
    if args.reuse:
        engine = EmbeddedEngine(args.reuse)
        print(f"records: {engine.count()} (index {args.reuse} reused)")
        measure(engine, queries)
        return
    gen.rng = random.Random(args.seed)
    t0 = time.perf_counter()
    docs = [gen.document(i) for i in range(args.n)]
    gc.freeze()  # a million live documents: keep the collector from rescanning them
    gen_s = time.perf_counter() - t0

    workdir = Path(args.dir or tempfile.mkdtemp(prefix="unicard-bench-"))
    path = workdir / "search.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = EmbeddedEngine(path, workers=args.workers)
    load_before = os.getloadavg()[0]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    builder = engine.rebuild()
    builder.add(docs)
    builder.commit()
    build_s = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the analysis workers, once joined
    main_cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    workers_cpu = kids.ru_utime + kids.ru_stime
    del docs
    engine.close()
    engine = EmbeddedEngine(path)  # a fresh reader, as the app would have
    with engine._guard():
        engine._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    print(f"records: {args.n} (generated in {gen_s:.1f} s, seed {args.seed})")
    print(f"build: {args.n / build_s:,.0f} docs/s ({build_s:.1f} s, {engine.workers} workers)")
    # Other work on the machine steals cores; CPU time shows what the build itself needed.
    # With two idle cores the build could take no less than max(main, (main + workers) / 2):
    # an upper bound on throughput, reported as such.
    bound = max(main_cpu, (main_cpu + workers_cpu) / 2)
    print(
        f"build cpu: main {main_cpu:.1f} s, workers {workers_cpu:.1f} s, "
        f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after; "
        f"best case on 2 idle cores {args.n / bound:,.0f} docs/s"
    )
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in builder.timings.items())
    print(f"build phases: {phases}")
    print(f"index size: {engine.file_size() / 2**20:,.1f} MB")
    measure(engine, queries)
    engine.close()
    if not args.keep and args.dir is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.rmdir(workdir)


if __name__ == "__main__":
    main()
