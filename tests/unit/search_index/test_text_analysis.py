"""Text analysis: normalisation, segmentation, pinyin, codes, derived fields, typos, highlights."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search_index import typo
from search_index.embedded.fts_query import compile_text
from search_index.fields import clc_prefixes, clc_top, decade, subject_key
from search_index.highlight import highlight
from search_index.meili.engine import meili_query_text
from search_index.meili.filters import build_filter, quote
from search_index.model import Query
from search_index.text import (
    CHAR_MARK,
    SEGMENTER,
    analyse_field,
    call_number_key,
    exact_key,
    han_chars,
    isbn13,
    looks_like_call_number,
    normalize,
    normalize_char_preserving,
    pinyin_of,
    pinyin_tokens,
    segment,
    title_sort_key,
    words,
)

# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("紅樓夢", "红楼梦"),
        ("三國演義", "三国演义"),
        ("Pride AND Prejudice", "pride and prejudice"),
        ("ＩＳＢＮ　９７８", "isbn 978"),  # full-width forms and ideographic space
        ("Café Müller", "cafe muller"),
        ("Straße", "strasse"),
        ("红楼梦……", "红楼梦......"),
    ],
)
def test_normalize(raw: str, folded: str) -> None:
    assert normalize(raw) == folded


@given(st.text(max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text(max_size=40))
def test_char_preserving_normalisation_maps_back(text: str) -> None:
    folded, origin = normalize_char_preserving(text)
    assert len(folded) == len(origin)
    assert all(0 <= i < len(text) for i in origin)
    assert origin == sorted(origin)


# --- segmentation and tokens ------------------------------------------------------------------


def test_segmenter_is_named() -> None:
    assert SEGMENTER in {"rjieba", "jieba_fast", "jieba"}


def test_segment_chinese_words() -> None:
    assert segment("平凡的世界") == ["平凡", "的", "世界"]
    assert "红楼梦" in segment("红楼梦", for_search=True)
    assert "红楼" in segment("红楼梦", for_search=True)  # search mode adds words inside words


def test_words_mix_scripts() -> None:
    assert words(normalize("三体 The Three-Body Problem 2008")) [-5:] == [
        "the", "three", "body", "problem", "2008",
    ]


def test_han_chars() -> None:
    assert han_chars(normalize("紅樓夢 vol.1")) == ["红", "楼", "梦"]


def test_analyse_field_one_pass() -> None:
    w, chars, py = analyse_field(normalize("红楼梦 (第1版)"), chars=True, pinyin=True)
    assert "红楼梦" in w.split() and "1" in w.split()
    assert chars.split() == [CHAR_MARK + c for c in "红楼梦第版"]
    assert {"hongloumeng", "hlm", "hong", "lou", "meng"} <= set(py.split())


# --- pinyin -----------------------------------------------------------------------------------


def test_pinyin_of_words_handles_polyphones() -> None:
    assert pinyin_of("重庆") == ("chong", "qing")
    assert pinyin_of("银行") == ("yin", "hang")
    assert pinyin_of("绿") == ("lv",)  # ü typed as v


def test_pinyin_tokens_full_initials_syllables() -> None:
    tokens = pinyin_tokens(normalize("平凡的世界"))
    assert {"pingfandeshijie", "pfdsj", "pingfan", "shijie", "ping", "jie"} <= set(tokens)


def test_pinyin_tokens_from_marc() -> None:
    tokens = pinyin_tokens(normalize("红楼梦"), "Hóng lóu mèng")
    assert {"hong", "hongloumeng", "hlm"} <= set(tokens)


def test_pinyin_tokens_ignore_latin() -> None:
    assert pinyin_tokens("pride and prejudice") == []


def test_title_sort_key_orders_chinese_by_pinyin() -> None:
    titles = ["西游记", "Hamlet", "红楼梦", "三体", "平凡的世界", "Pride and prejudice"]
    assert sorted(titles, key=title_sort_key) == [
        "Hamlet", "红楼梦", "平凡的世界", "Pride and prejudice", "三体", "西游记",
    ]


def test_exact_key() -> None:
    assert exact_key("紅樓夢！") == exact_key("红楼梦") == "红楼梦"
    assert exact_key("Pride & Prejudice") == "pride prejudice"


# --- codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("978-7-02-000220-7", "9787020002207"),
        ("9787020002207", "9787020002207"),
        ("7-02-000220-X", "9787020002207"),
        ("702000220x", "9787020002207"),
        ("9787020002208", None),  # bad check digit
        ("1234567890123", None),
        ("hamlet", None),
    ],
)
def test_isbn13(raw: str, expected: str | None) -> None:
    assert isbn13(raw) == expected


def test_call_numbers() -> None:
    assert call_number_key("i247.57 / 4") == "I247.57/4"
    assert looks_like_call_number("I247.57/4")
    assert looks_like_call_number("TP312")
    assert not looks_like_call_number("hamlet")
    assert not looks_like_call_number("红楼梦")


# --- derived fields ---------------------------------------------------------------------------


def test_derived_fields() -> None:
    assert decade(1994) == 1990 and decade(2000) == 2000 and decade(None) is None
    assert clc_top("I247.57") == "I"
    assert clc_top("TP311.1") == "TP"
    assert clc_top("T-0") == "T"
    assert clc_top(None) is None and clc_top("") is None
    assert clc_prefixes("I247.57") == ["I", "I2", "I24", "I247", "I247.5", "I247.57"]
    assert subject_key("  章回小說 ") == "章回小说"
    assert subject_key("Love  Stories") == "love stories"


# --- typos ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "n"), [("lisp", 0), ("hamlet", 1), ("prejudice", 2), ("12345", 0)]
)
def test_typo_budget(word: str, n: int) -> None:
    assert typo.budget(word) == n


def test_typo_cost_first_letter_counts_double() -> None:
    assert typo.cost("hamlte", "hamlet") == 1  # transposition
    assert typo.cost("gamlet", "hamlet") == 2
    assert typo.cost("prejudise", "prejudice") == 1


def test_typo_expand() -> None:
    vocabulary = ["hamlet", "hamlets", "camlet", "helmet", "shakespeare", "prejudice"]
    assert typo.expand("hamlte", vocabulary) == ["hamlet"]
    assert typo.expand("gamlet", vocabulary) == []  # first letter: two typos, budget one
    assert typo.expand("shaekspere", vocabulary) == ["shakespeare"]
    assert typo.expand("lisq", vocabulary) == []


def test_typo_candidate_ranges() -> None:
    assert typo.candidate_ranges("hamlet") == [("h", 5, 7)]
    assert typo.candidate_ranges("prejudice") == [("p", 7, 11), ("r", 8, 10)]
    assert "prejudice" in typo.edits_at_start("brejudice")


def test_pure_python_distance_agrees() -> None:
    for a, b in [("hamlte", "hamlet"), ("abc", "abd"), ("shaekspere", "shakespeare"), ("x", "")]:
        expected = typo._osa_py(a, b, 3)
        if typo._OSA is not None:
            assert typo._OSA.distance(a, b, score_cutoff=3) == expected


# --- query compilation ------------------------------------------------------------------------


def test_compile_chinese_word_matches_word_or_characters() -> None:
    compiled = compile_text("紅樓")
    assert compiled.match == f'("红楼"* OR "{CHAR_MARK}红 {CHAR_MARK}楼")'
    assert compiled.needles == ("红楼",)


def test_compile_short_latin_prefix_uses_completions() -> None:
    compiled = compile_text("pride an", prefixes=lambda p: ["and", "an", "anna"])
    assert compiled.match == '"pride" AND ("an" OR "and" OR "anna")'
    assert compile_text("pride anna", prefixes=lambda p: []).match == '"pride" AND "anna"*'


def test_compile_longer_latin_prefix_lists_its_completions_when_it_can() -> None:
    listed = compile_text("pride prejud", prefixes=lambda p: ["prejudice", "prejudices"])
    assert listed.match == '"pride" AND ("prejud" OR "prejudice" OR "prejudices")'
    # none listed: too many completions, or words the vocabulary does not keep
    assert compile_text("pride prejud", prefixes=lambda p: []).match == '"pride" AND "prejud"*'


def test_repeated_words_are_one_clause_and_common_ones_are_not_ranked() -> None:
    compiled = compile_text("the the hamlet")
    assert compiled.match == '"the" AND "hamlet"*'
    assert compiled.rank_match({}) is None  # nothing to leave out: rank by `match`
    assert compiled.rank_match({"the": 9_000}) == '"hamlet"*'
    assert compiled.rank_match({"the": 9_000, "hamlet": 3_000}) == '"hamlet"*'  # the rarest
    assert compile_text("the").rank_match({"the": 9_000}) is None


def test_compile_latin_with_prefix_and_typos() -> None:
    compiled = compile_text("pride prejudise", typos=lambda w, last: ["prejudice"] if last else [])
    assert compiled.match == '"pride" AND ("prejudise"* OR "prejudice")'
    assert compiled.needles == ("pride", "prejudise", "prejudice")


def test_compile_single_letter_is_not_a_prefix() -> None:
    assert compile_text("a").match == '"a"'


def test_compile_nothing_searchable() -> None:
    assert compile_text("!!! ...").match is None


def test_compile_quotes_are_harmless() -> None:
    assert compile_text('"hamlet" OR x*').match == '"hamlet" AND "or" AND "x"'


# --- highlights -------------------------------------------------------------------------------


def test_highlight_traditional_original() -> None:
    assert highlight("紅樓夢人物論", ["红楼梦"]) == "<mark>紅樓夢</mark>人物論"


def test_highlight_latin_whole_words_and_escaping() -> None:
    assert highlight("Tom & Jerry <b>", ["je"]) == "Tom &amp; <mark>Jerry</mark> &lt;b&gt;"
    assert highlight("Hamlet", ["ham", "let"]) == "<mark>Hamlet</mark>"  # inside words: no
    assert highlight("Hamlet", ["xyz"]) is None


def test_highlight_crops_long_text() -> None:
    text = "甲" * 200 + "红楼梦" + "乙" * 200
    marked = highlight(text, ["红楼梦"], crop=60)
    assert marked is not None and "<mark>红楼梦</mark>" in marked
    assert marked.startswith("…") and marked.endswith("…")
    assert len(marked) < 100


# --- Meilisearch translation (pure, no server) ------------------------------------------------


def test_meili_filter_quotes_values() -> None:
    q = Query(
        available_at='S1"B1', held_by="S\\1", material_type="book", language="chi",
        year_from=1980, year_to=1990, clc="i24", subject="章回小說",
    )
    assert build_filter(q) == [
        'available_at = "S1\\"B1"',
        'held_by = "S\\\\1"',
        'material_type = "book"',
        'language = "chi"',
        "year >= 1980",
        "year <= 1990",
        'clc_prefixes = "I24"',
        'subject_keys = "章回小说"',
    ]
    assert quote('a" OR held_by = "x') == '"a\\" OR held_by = \\"x"'


def test_meili_query_spells_out_short_chinese_words() -> None:
    assert meili_query_text("楼梦") == "楼 梦"
    assert meili_query_text("紅樓夢") == "红楼梦"
    assert meili_query_text("Hamlet 红楼") == "hamlet 红 楼"
