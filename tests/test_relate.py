"""One parity suite for the two implementations of one-to-one ``relate``.

The reference (:func:`dupwire.align.relate` on prepared articles) and its vectorised twin
(:class:`dupwire.align.bags.SentenceBags`, built either from prepared articles or from the
clustering scan of a corpus) must give the same passage score and verdict on every case.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dupwire.align.bags
from dupwire.align import Prepared, prepare, relate
from dupwire.align.bags import SentenceBags
from dupwire.align.passage import Candidate, select_links, select_single_links
from dupwire.cluster.furniture import corpus_furniture
from dupwire.cluster.scan import scan_corpus
from dupwire.cluster.vectors import sentence_bags
from dupwire.params import AlignParams, ClusterParams

ONE_TO_ONE = AlignParams(max_merge=1)
Relate = Callable[[list[str], int, int], tuple[float, str]]


def reference(texts: list[str], i: int, j: int) -> tuple[float, str]:
    r = relate(prepare(texts[i]), prepare(texts[j]), ONE_TO_ONE)
    return r.score, r.verdict


def from_prepared(texts: list[str], i: int, j: int) -> tuple[float, str]:
    bags = SentenceBags.from_prepared([prepare(texts[i]), prepare(texts[j])])
    return bags.relate(0, 1, ONE_TO_ONE)


def from_scan(texts: list[str], i: int, j: int) -> tuple[float, str]:
    text = scan_corpus([texts[i], texts[j]], 1)
    bags = sentence_bags(text, np.ones(text.n_sents, dtype=bool))
    return bags.relate(0, 1, ONE_TO_ONE)


FAST = [pytest.param(from_prepared, id="from-prepared"), pytest.param(from_scan, id="from-scan")]


def _cases(seed_a: str, seed_b: str, ecb: list[dict[str, Any]]) -> list[tuple[str, str]]:
    texts = [r["text"] for r in ecb[:40]]
    rng = random.Random(7)
    pairs = [(seed_a, seed_b), (seed_b, seed_a), (seed_a, seed_a)]
    pairs += [(rng.choice(texts), rng.choice(texts)) for _ in range(40)]
    pairs += [("It was.\nSo it was.", "It was."), ("Quake hits Iran.", "Markets rose.")]
    return pairs


@pytest.mark.parametrize("fast", FAST)
def test_fast_relate_equals_the_reference(
    fast: Relate, seed_a: str, seed_b: str, ecb_records: list[dict[str, Any]]
) -> None:
    for a, b in _cases(seed_a, seed_b, ecb_records):
        score, verdict = fast([a, b], 0, 1)
        ref_score, ref_verdict = reference([a, b], 0, 1)
        assert score == pytest.approx(ref_score, abs=1e-3)
        assert verdict == ref_verdict


@pytest.mark.parametrize("impl", [pytest.param(reference, id="reference"), *FAST])
def test_seed_pair_relates_as_one_story(impl: Relate, seed_a: str, seed_b: str) -> None:
    score, verdict = impl([seed_a, seed_b], 0, 1)
    assert verdict == "same_story"
    assert 30 < score < 100
    same, _ = impl([seed_a, seed_a], 0, 1)
    assert same == pytest.approx(100.0)


def _filtered(text: str, keep: list[bool]) -> Prepared:
    p = prepare(text)
    idx = [k for k, flag in enumerate(keep) if flag]
    return Prepared(
        p.text,
        p.units,
        [p.story[k] for k in idx],
        [p.tokens[k] for k in idx],
        [p.bags[k] for k in idx],
    )


def test_corpus_bags_equal_the_reference_after_furniture(
    ecb_records: list[dict[str, Any]],
) -> None:
    records = sorted([r for r in ecb_records if r["topic"] in (7, 27)], key=lambda r: r["id"])
    texts = [r["text"] for r in records]
    text = scan_corpus(texts, 1)
    p = ClusterParams()
    keep = ~corpus_furniture(
        text,
        min_articles=p.boilerplate_min_articles,
        share=p.boilerplate_share,
        private=p.boilerplate_private,
        link_score=p.link_score,
    )
    bags = sentence_bags(text, keep)
    prepared = []
    for d, t in enumerate(texts):
        lo, hi = int(text.sent_ptr[d]), int(text.sent_ptr[d + 1])
        prepared.append(_filtered(t, keep[lo:hi].tolist()))
    rng = random.Random(5)
    pairs = [(i, j) for i in range(len(texts)) for j in range(len(texts))]
    for i, j in [*rng.sample(pairs, 300), (0, 0), (1, 1)]:
        ref = relate(prepared[i], prepared[j], ONE_TO_ONE)
        score, verdict = bags.relate(i, j, ONE_TO_ONE)
        assert score == pytest.approx(ref.score, abs=1e-3), (i, j)
        assert verdict == ref.verdict, (i, j)


def test_taken_bags_relate_as_the_corpus_bags(ecb_records: list[dict[str, Any]]) -> None:
    # The bags of a few articles alone (as the Spark engine ships them) relate bit for bit as
    # the whole corpus's bags do, whatever order the articles are taken in.
    texts = [r["text"] for r in sorted(ecb_records, key=lambda r: r["id"])[:60]]
    text = scan_corpus(texts, 1)
    keep = np.ones(text.n_sents, dtype=bool)
    keep[::7] = False  # some sentences set aside, as furniture would be
    bags = sentence_bags(text, keep)
    rng = random.Random(3)
    for _ in range(150):
        i, j = rng.sample(range(len(texts)), 2)
        taken = bags.take([j, rng.randrange(len(texts)), i])
        assert taken.relate(2, 0, ONE_TO_ONE) == bags.relate(i, j, ONE_TO_ONE)
    alone = bags.take([5])
    assert alone.sent_ptr.tolist() == [0, int(bags.sent_ptr[6] - bags.sent_ptr[5])]
    assert alone.relate(0, 0, ONE_TO_ONE) == bags.relate(5, 5, ONE_TO_ONE)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_relate_equals_the_reference_on_mixed_texts(
    data: st.DataObject, ecb_records: list[dict[str, Any]]
) -> None:
    pool = [line for r in ecb_records[:60] for line in r["text"].split("\n") if line.strip()]
    pick = st.lists(st.sampled_from(pool), min_size=1, max_size=8)
    a = "\n".join(data.draw(pick))
    b = "\n".join(data.draw(pick) + data.draw(st.lists(st.sampled_from(a.split("\n")), max_size=3)))
    ref = reference([a, b], 0, 1)
    for fast in (from_prepared, from_scan):
        score, verdict = fast([a, b], 0, 1)
        assert score == pytest.approx(ref[0], abs=1e-3)
        assert verdict == ref[1]


def test_long_articles_are_scored_in_blocks(
    seed_a: str, seed_b: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of a few sentences must give the same links as one block.
    a = "\n".join([seed_a] * 3)
    b = "\n".join([seed_b] * 3)
    whole = from_prepared([a, b], 0, 1)
    monkeypatch.setattr(dupwire.align.bags, "_BLOCK_CELLS", 50)
    assert from_prepared([a, b], 0, 1) == whole == pytest.approx(reference([a, b], 0, 1))


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from([40.0, 55.5, 70.0, 100.0])),
        max_size=30,
    ),
    st.sampled_from([40.0, 60.0]),
)
def test_single_links_are_the_links_of_select_links(
    cells: list[tuple[int, int, float]], min_score: float
) -> None:
    # Few sentences and few scores: equal scores and mirrored pairs ((2, 5) and (5, 2)) tie
    # often, so the order of ties is exercised.
    cands = [Candidate(i, i + 1, j, j + 1, s) for i, j, s in cells]
    got = select_single_links(
        [i for i, _, _ in cells], [j for _, j, _ in cells], [s for _, _, s in cells], min_score
    )
    assert got == select_links(cands, min_score)


def test_verification_aligns_the_first_sentences_of_a_long_text(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A text longer than MAX_ALIGNED_SENTENCES story sentences (a book, a page dump) is
    # verified on its first ones, by the reference and its vectorised twin alike: its pairs
    # cost at most that much, and score as its beginning alone does.
    import dupwire.align.aligner as aligner
    from dupwire.cluster.vectors import first_sentences

    monkeypatch.setattr(aligner, "MAX_ALIGNED_SENTENCES", 12)
    texts = [r["text"] for r in ecb_records[:6]]
    long_text = "\n".join(texts)  # every line a sentence or more: far over 12
    text = scan_corpus([long_text, *texts], 1)
    keep = np.ones(text.n_sents, dtype=bool)
    keep[3] = False  # set aside, as furniture would be: the next sentence takes its place
    first = first_sentences(text, keep)
    per_doc = np.add.reduceat(first, text.sent_ptr[:-1])
    assert per_doc.tolist() == np.minimum(np.add.reduceat(keep, text.sent_ptr[:-1]), 12).tolist()
    assert np.flatnonzero(first)[:4].tolist() == [0, 1, 2, 4]
    bags = sentence_bags(text, np.ones(text.n_sents, dtype=bool))
    assert np.diff(bags.sent_ptr).max() == 12
    head = "\n".join(long_text.splitlines()[:12])  # the first 12 lines: 12 sentences or more
    for j, other in enumerate(texts, start=1):
        ref = relate(prepare(long_text), prepare(other), ONE_TO_ONE)
        assert (ref.score, ref.verdict) == bags.relate(0, j, ONE_TO_ONE)
        assert ref == relate(prepare(head), prepare(other), ONE_TO_ONE)
