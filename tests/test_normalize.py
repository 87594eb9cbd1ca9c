from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dupwire.normalize import canonical_word, match_key, normalize, tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("Erdoğan", "Erdogan", id="diacritics"),
        pytest.param("Türkiye", "Turkiye", id="turkish-u"),
        pytest.param("armoured", "armored", id="our-or"),
        pytest.param("Defence", "defense", id="ence-ense"),
        pytest.param("centre", "center", id="tre-ter"),
        pytest.param("organisation", "organization", id="ise-ize"),
        pytest.param("travelled", "traveled", id="double-l"),
        pytest.param("catalogue", "catalog", id="ogue-og"),
        pytest.param("“quoted”", '"quoted"', id="curly-quotes"),
        pytest.param("Turkey’s", "Turkey's", id="apostrophe"),
        pytest.param("pro—Kurdish", "pro-kurdish", id="em-dash"),
        pytest.param("ＡＢＣ", "abc", id="fullwidth-nfkc"),
        pytest.param("İstanbul", "istanbul", id="dotted-capital-i"),
        pytest.param("Yaşar Güler", "Yasar Guler", id="cedilla-umlaut"),
    ],
)
def test_variants_normalise_alike(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("four", "for", id="four-is-not-for"),
        pytest.param("2019", "2018", id="numbers-kept"),
        pytest.param("3.2", "32", id="decimal-kept"),
    ],
)
def test_distinct_words_stay_distinct(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_numbers_are_tokens() -> None:
    assert [t.key for t in tokenize("344 patrols, 3.2 million, F-16")] == [
        "344",
        "patrol",
        "3200000",
        "f",
        "16",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("24 soldiers", "twenty-four soldiers", id="hyphenated"),
        pytest.param("24 soldiers", "twenty four soldiers", id="spaced"),
        pytest.param("3.2 million people", "3,200,000 people", id="scale"),
        pytest.param("1.1 billion", "1,100,000,000", id="billion"),
        pytest.param("three hundred five", "305", id="hundreds"),
        pytest.param("four vehicles", "4 vehicles", id="small"),
    ],
)
def test_numbers_written_differently_share_a_key(a: str, b: str) -> None:
    assert [t.key for t in tokenize(a)] == [t.key for t in tokenize(b)]
    text = "Some " + a + "."
    toks = tokenize(text)
    assert (
        text[toks[1].start : toks[1].end]
        == a.split(" people")[0].split(" soldiers")[0].split(" vehicles")[0]
    )


def test_one_as_a_word_stays_a_word() -> None:
    assert [t.key for t in tokenize("one of them")] == ["one", "of", "them"]


def test_token_offsets_point_into_original() -> None:
    text = "Erdoğan’s troops\r\nresumed patrols."
    for tok in tokenize(text):
        assert text[tok.start : tok.end].strip() == text[tok.start : tok.end]
    first = tokenize(text)[0]
    assert text[first.start : first.end] == "Erdoğan’s"
    assert tokenize(text)[0].key == "erdogan"


def test_match_key_inflections() -> None:
    assert match_key("patrols") == match_key("patrol") == match_key("patrolled")
    assert match_key("northeastern") == match_key("northeast")
    assert match_key("press") == "press"
    assert canonical_word("hour") == "hour"


@given(st.text(max_size=200))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(deadline=None)  # the first example loads frequency lists
@given(st.text(max_size=200))
def test_tokens_slice_the_original(text: str) -> None:
    for tok in tokenize(text):
        piece = text[tok.start : tok.end]
        assert piece and not piece.isspace()
