"""Prices as catalogued (010 $d, 020 $c, 365): currency, exact amount and what was said.

Real values mix forms: `CNY18.00`, `￥0.40`, `0.38元`, `CNY68.00（含光盘）`,
`CNY2650.00(全42册)`, `RMB25.00`, `$12.95`, `124,95 €`. In a Chinese catalogue `¥`/`￥`
and `元` mean yuan (CNY), as dp2 assumes when it normalises them all to `CNY…`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Price", "format_price", "parse_price"]


@dataclass(frozen=True, slots=True)
class Price:
    """`currency` is an ISO 4217 code, or None when the text names none."""

    currency: str | None
    amount: Decimal
    note: str | None = None


# Longest first, so "US$" wins over "$" and "CNY" over "CN".
_CURRENCIES = {
    "CNY": "CNY",
    "RMB": "CNY",
    "CN¥": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "圆": "CNY",
    "¥": "CNY",
    "CN": "CNY",
    "US$": "USD",
    "USD": "USD",
    "HK$": "HKD",
    "HKD": "HKD",
    "NT$": "TWD",
    "NTD": "TWD",
    "TWD": "TWD",
    "NT": "TWD",
    "JPY": "JPY",
    "円": "JPY",
    "EUR": "EUR",
    "€": "EUR",
    "GBP": "GBP",
    "£": "GBP",
    "DM": "DEM",
    "$": "USD",
}
# Currency names written in Chinese; they decide over a trailing 元 (新臺幣120元 is TWD).
_WORDS = {
    "新臺幣": "TWD",
    "新台幣": "TWD",
    "新台币": "TWD",
    "臺幣": "TWD",
    "台幣": "TWD",
    "台币": "TWD",
    "港幣": "HKD",
    "港币": "HKD",
    "港元": "HKD",
    "美元": "USD",
    "美金": "USD",
    "日元": "JPY",
    "日圓": "JPY",
    "日圆": "JPY",
    "歐元": "EUR",
    "欧元": "EUR",
    "英鎊": "GBP",
    "英镑": "GBP",
    "人民幣": "CNY",
    "人民币": "CNY",
}
_WORD = re.compile("|".join(sorted(_WORDS, key=len, reverse=True)))
_UNIT_WORDS = re.compile("[元圓圆]")
_LABELS = re.compile("^(?:定价|定價|价格|價格|售价|售價)")
_SYMBOL = "|".join(re.escape(k) for k in sorted(_CURRENCIES, key=len, reverse=True))
_AMOUNT = r"\d+(?:[.,]\d+)*"
_PRICE = re.compile(
    rf"(?P<pre>{_SYMBOL})?\s*(?P<amount>{_AMOUNT})\s*(?P<post>{_SYMBOL})?", re.IGNORECASE
)
_NOTE = re.compile(r"\(([^)]*)\)|\[([^\]]*)\]")


def _amount(text: str) -> Decimal | None:
    """`1,234.50` → 1234.50, `124,95` → 124.95 (a comma before two final digits)."""
    if "," in text and "." not in text and re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    if text.count(".") > 1:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_price(text: str) -> Price | None:
    """Currency, amount and note (`含光盘`, `全42册`) from a price text; None without a number."""
    if not text or not text.strip():
        return None
    # ￥→¥, （）→(), full-width digits
    folded = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()
    notes = [a or b for a, b in _NOTE.findall(folded)]
    rest = _NOTE.sub(" ", folded)
    found = _PRICE.search(rest)
    if found is None:
        return None
    amount = _amount(found.group("amount"))
    if amount is None:
        return None
    symbol = found.group("pre") or found.group("post")
    currency = _CURRENCIES.get(symbol.upper(), _CURRENCIES.get(symbol)) if symbol else None
    leftover = (rest[: found.start()] + " " + rest[found.end() :]).strip(" /:;,.")
    word = _WORD.search(leftover) if not leftover.isascii() else None
    if word is not None:
        currency = _WORDS[word.group()]
        leftover = _UNIT_WORDS.sub("", _WORD.sub("", leftover)).strip(" /:;,.")
    if leftover and not leftover.isascii():
        leftover = _LABELS.sub("", leftover).strip(" /:;,.")
    notes += [leftover] if leftover else []
    note = "; ".join(n.strip() for n in notes if n.strip()) or None
    return Price(currency, amount, note)


def format_price(price: Price) -> str:
    """dp2's normal form: `CNY68.00`, the note in parentheses after it."""
    head = f"{price.currency or ''}{price.amount}"
    return f"{head}({price.note})" if price.note else head
