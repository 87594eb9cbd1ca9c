from __future__ import annotations

import doctest
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dupwire.shingle
from dupwire import ParamsError
from dupwire.shingle import (
    DEFAULT_LEAD,
    DEFAULT_MAX_ZIPF,
    Shingler,
    key_hashes,
    ngram_hashes,
    shingle_batch,
    shingle_set,
    shingles,
    zipf_of,
    zipf_values,
)
from dupwire.sketch import signatures


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = len(np.union1d(a, b))
    return len(np.intersect1d(a, b)) / union if union else 0.0


def test_docstring_examples() -> None:
    assert doctest.testmod(dupwire.shingle).failed == 0


# --- hashing -------------------------------------------------------------------------------


def test_key_hash_is_blake2b_of_the_key() -> None:
    digest = hashlib.blake2b(b"syria", digest_size=8).digest()
    assert int(key_hashes(["syria"])[0]) == int.from_bytes(digest, "little")


def test_hashes_are_pinned_across_runs_and_platforms() -> None:
    # A changed value would silently invalidate every stored signature and index.
    assert int(key_hashes(["syria"])[0]) == 0xE1459E5AECD53CA5
    assert int(ngram_hashes(key_hashes(["joint", "patrol"]), 2)[0]) == 0x4669317FF4EA75A2


@given(
    st.lists(st.integers(0, 5), max_size=30),
    st.integers(1, 6),
)
def test_ngram_hashes_equal_exactly_when_the_ngrams_are_equal(words: list[int], n: int) -> None:
    keys = [f"w{w}" for w in words]
    got = ngram_hashes(key_hashes(keys), n)
    if not words:
        assert len(got) == 0
        return
    grams = [tuple(keys[i : i + n]) for i in range(max(len(keys) - n + 1, 1))]
    assert len(got) == len(grams)
    for i, gi in enumerate(grams):
        for j, gj in enumerate(grams):
            assert (got[i] == got[j]) == (gi == gj)


def test_ngram_order_matters() -> None:
    ab = ngram_hashes(key_hashes(["a", "b"]), 2)
    ba = ngram_hashes(key_hashes(["b", "a"]), 2)
    assert ab[0] != ba[0]


def test_ngram_of_short_sequence_is_the_whole_sequence() -> None:
    got = ngram_hashes(key_hashes(["a", "b"]), 5)
    assert len(got) == 1
    assert got[0] == ngram_hashes(key_hashes(["a", "b"]), 2)[0]


# --- background rarity ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("common", "rare"),
    [
        pytest.param("the", "troop", id="function-word"),
        pytest.param("troop", "erdogan", id="name"),
        pytest.param("19", "344", id="number"),
    ],
)
def test_zipf_orders_words_by_background_frequency(common: str, rare: str) -> None:
    assert zipf_of(common) > zipf_of(rare)


def test_zipf_sums_the_inflections_of_a_key() -> None:
    # "patrols", "patrolled" and "patrol" all share the key "patrol".
    import wordfreq

    assert zipf_of("patrol") >= wordfreq.zipf_frequency("patrol", "en")


def test_unknown_word_is_rarest() -> None:
    assert zipf_of("qzxvkw") == 0.0


def _zipf_one_by_one(key: str) -> float:
    """The rule of :func:`zipf_of`, written for one key: letter keys from the key table,
    other keys from wordfreq."""
    import wordfreq

    if key.isalpha():
        return dupwire.shingle._key_zipf_table().get(key, 0.0)
    return float(wordfreq.zipf_frequency(key, "en"))


def test_zipf_values_follow_the_rule_on_real_keys(ecb_records: list[dict[str, Any]]) -> None:
    from dupwire.normalize import tokenize

    keys = sorted({t.key for r in ecb_records[:150] for t in tokenize(r["text"])})
    keys += ["", "2019", "3.2", "covid19", "élysée", "東京"]
    expected = [_zipf_one_by_one(k) for k in keys]
    assert zipf_values(keys).tolist() == expected
    assert [zipf_of(k) for k in keys[:300]] == expected[:300]
    assert sum(not k.isalpha() for k in keys) > 20  # numbers and mixed keys are covered


@given(st.lists(st.text(max_size=8), max_size=20))
def test_zipf_values_follow_the_rule_on_any_keys(keys: list[str]) -> None:
    assert zipf_values(keys).tolist() == [_zipf_one_by_one(k) for k in keys]


# --- shingles of articles ------------------------------------------------------------------


def test_shingles_are_sorted_distinct_uint64() -> None:
    got = shingles("Syria Syria patrol Syria patrol", max_zipf=None, lead=None)
    assert got.dtype == np.uint64
    assert np.all(np.diff(got.astype(np.float64)) > 0)
    assert len(got) == 2


def test_common_words_are_dropped() -> None:
    assert len(shingles("The man said that it was in the house.", max_zipf=4.5)) == 0
    assert len(shingles("The man said that it was in the house.", max_zipf=None)) == 8


def test_spelling_and_inflection_do_not_matter() -> None:
    british = shingles("Armoured troops patrolled the centre of Erdoğan's capital")
    american = shingles("armored troop patrols ERDOGAN capital center")
    assert np.array_equal(british, american)


def test_lead_keeps_the_first_rare_words() -> None:
    text = "Erdogan met Putin in Sochi. Later, Assad spoke in Damascus."
    head = shingles("Erdogan Putin Sochi", max_zipf=4.5, lead=None)
    assert np.array_equal(shingles(text, max_zipf=4.5, lead=3), head)
    everything = shingles("Erdogan Putin Sochi Assad Damascus", max_zipf=4.5, lead=None)
    assert np.array_equal(shingles(text, max_zipf=4.5, lead=None), everything)


def test_batch_equals_one_by_one() -> None:
    texts = ["Erdogan met Putin", "", "the the the", "Assad spoke in Damascus"]
    batch = shingle_batch(texts, n=2, max_zipf=None, lead=10)
    for text, got in zip(texts, batch, strict=True):
        assert np.array_equal(got, shingles(text, n=2, max_zipf=None, lead=10))


@given(
    st.lists(st.lists(st.integers(0, 7), max_size=12), max_size=8),
    st.integers(1, 5),
    st.sampled_from([None, 3, 100]),
    st.sampled_from([None, 5.0]),
)
def test_sets_of_many_articles_equal_each_article_alone(
    articles: list[list[int]], n: int, lead: int | None, max_zipf: float | None
) -> None:
    # Shingler.sets shingles all the articles in one pass; the reference is each article's
    # kept words on their own: the n-grams of the first `lead`, sorted and distinct.
    vocab = ["erdogan", "the", "patrol", "syria", "said", "kobani", "of", "troop"]
    shingler = Shingler(vocab, n=n, max_zipf=max_zipf, lead=lead)
    ids = [w for words in articles for w in words]
    ptr = np.concatenate(([0], np.cumsum([len(words) for words in articles])))
    got = shingler.sets(ids, ptr)
    assert len(got) == len(articles)
    for words, found in zip(articles, got, strict=True):
        kept = [w for w in words if max_zipf is None or zipf_of(vocab[w]) < max_zipf]
        kept = kept[:lead] if lead is not None else kept
        hashes = key_hashes([vocab[w] for w in kept])
        assert found.dtype == np.uint64
        assert np.array_equal(found, np.unique(ngram_hashes(hashes, n)))
    # Shingler.grams: the same n-grams in text order with their repeats, so the same set
    # and the same MinHash signature.
    grams = shingler.grams(ids, ptr)
    for words, found, seen in zip(articles, got, grams, strict=True):
        kept = [w for w in words if max_zipf is None or zipf_of(vocab[w]) < max_zipf]
        kept = kept[:lead] if lead is not None else kept
        assert np.array_equal(seen, ngram_hashes(key_hashes([vocab[w] for w in kept]), n))
        assert np.array_equal(shingle_set(seen), found)
    assert np.array_equal(signatures(grams, num_perm=64), signatures(got, num_perm=64))


def test_seed_pair_overlaps_far_more_with_default_shingles(seed_a: str, seed_b: str) -> None:
    # Word 5-grams barely overlap on the reworded wire story; rare words of the lead do.
    classic = exact_jaccard(
        shingles(seed_a, n=5, max_zipf=None, lead=None),
        shingles(seed_b, n=5, max_zipf=None, lead=None),
    )
    default = exact_jaccard(shingles(seed_a), shingles(seed_b))
    assert classic < 0.1
    assert default > 0.3


def test_defaults_are_the_tuned_ones() -> None:
    assert (DEFAULT_MAX_ZIPF, DEFAULT_LEAD) == (5.0, 100)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"n": 0}, "n must be at least 1, got 0", id="n"),
        pytest.param({"max_zipf": 1.0}, "max_zipf must be in (2.5, 8.0] or None", id="zipf"),
        pytest.param({"lead": 0}, "lead must be at least 1 or None, got 0", id="lead"),
    ],
)
def test_bad_options_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ParamsError, match=message.replace("(", r"\(").replace("]", r"\]")):
        shingles("text", **options)  # type: ignore[arg-type]


def test_key_zipf_table_is_cached_between_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dupwire.shingle import _build_key_zipf_table, _key_zipf_table

    monkeypatch.setenv("DUPWIRE_CACHE_DIR", str(tmp_path))
    built = _build_key_zipf_table()
    _key_zipf_table.cache_clear()
    try:
        assert _key_zipf_table() == built
        (path,) = tmp_path.iterdir()
        assert json.loads(path.read_text(encoding="utf-8")) == built
        path.write_text('{"troop": 9.9', encoding="utf-8")  # a run cut off mid-write
        _key_zipf_table.cache_clear()
        assert _key_zipf_table() == built  # rebuilt, not trusted
        assert json.loads(path.read_text(encoding="utf-8")) == built
        monkeypatch.setenv("DUPWIRE_CACHE_DIR", str(path / "not-a-directory"))
        _key_zipf_table.cache_clear()
        assert _key_zipf_table() == built  # nowhere to write: built each run
    finally:
        _key_zipf_table.cache_clear()
