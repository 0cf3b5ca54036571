"""Benchmark: 1,000 reader cards on A4 sheets; prints cards/s and the PDF's size.

Run as `.venv/bin/python bench/cards.py`. Targets (issue 7): at least 1,000 cards/s and
under 1 MB. Also reports the same run with back sides, which adds a QR code per card.
"""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

# This file is itself named cards.py and Python puts its folder first on sys.path, which
# would make `import cards` import this script: take the folder out, put the repo in.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from cards import ReaderCard, load_cjk_font, render_cards  # noqa: E402

COUNT = 1000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
RULES = (
    "一、本证为本人借阅凭证，全市各公共图书馆及服务点通借通还。\n"
    "二、请妥善保管，不得转借；遗失请及时到任一服务点挂失补办。\n"
    "三、借阅期限30天，可续借一次；逾期请尽快归还。\n"
    "四、拾到本证请交还任一图书馆。服务热线 0571-12345678"
)


def sample_cards(count: int) -> list[ReaderCard]:
    return [
        ReaderCard(
            card_number=f"2{i:011d}",
            name=SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3) % 23],
            network_name="杭州市公共图书馆联盟",
            branch_name=("西湖区图书馆", "拱墅区图书馆", "滨江区少儿图书馆")[i % 3],
            expires=date(2031, 6, 30),
            rules=RULES,
        )
        for i in range(count)
    ]


def run(with_back: bool, repeat: int = 3) -> tuple[float, float]:
    """Best of `repeat` runs (cards/s, MB): the first run also pays for imports and caches."""
    cards = sample_cards(COUNT)
    best_rate, size = 0.0, 0.0
    for _ in range(repeat):
        buffer = io.BytesIO()
        stats = render_cards(cards, buffer, layout="sheet", with_back=with_back)
        best_rate = max(best_rate, stats.per_second)
        size = len(buffer.getvalue()) / 1_000_000
    return best_rate, size


def main() -> None:
    load_cjk_font()  # registration is once per process; keep it out of the figures
    rate, size = run(with_back=False)
    print(f"cards_per_second: {rate:.1f} cards/s")
    print(f"file_size: {size:.2f} MB")
    rate, size = run(with_back=True)
    print(f"cards_per_second_with_back: {rate:.1f} cards/s")
    print(f"file_size_with_back: {size:.2f} MB")


if __name__ == "__main__":
    main()
