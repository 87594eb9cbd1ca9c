from __future__ import annotations

import html
import math
import os
import random
import threading
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dupwire.cluster.pipeline
import dupwire.cluster.scan as scan_module
import dupwire.cluster.vectors
from dupwire import Article, DuplicateIdError, InputError, ParamsError
from dupwire.cluster import Clustering, cluster, distinct_groups, forked
from dupwire.cluster.agglomerate import Agglomerator
from dupwire.cluster.candidates import article_shingles, find_candidates
from dupwire.cluster.engine import Ahead
from dupwire.cluster.furniture import _private_share, line_hashes
from dupwire.cluster.scan import ScanPart, _scan_plainly, merge_parts, scan_corpus, scan_texts
from dupwire.cluster.vectors import far_damped, word_table, word_vectors
from dupwire.cluster.verify import backgrounds, similarities
from dupwire.index import DEFAULT_LAYOUT, DEFAULT_MAX_BUCKET
from dupwire.metrics import score_clustering
from dupwire.params import ClusterParams
from dupwire.shingle import key_shingles
from dupwire.sketch import DEFAULT_NUM_PERM, DEFAULT_SEED, signatures
from dupwire.weights import corpus_damping

from .conftest import FIXTURES, poison_scan
from .test_corpus_gen import gen

# A newsletter insert of the kind sites append to every article.
BLURB = (
    "Sign up for the Morning Glimmer, our free daily briefing from the Quillhaven Courier. "
    "Every weekday Quillhaven Courier editors Brannoch Velt and Sorcha Dimmery pick the stories "
    "that matter. Quillhaven Courier is an independent newsroom funded by readers like you."
)


def _articles(records: list[dict[str, Any]]) -> list[Article]:
    return [Article(r["id"], r["text"]) for r in records]


def _events(records: list[dict[str, Any]], *events: str) -> list[dict[str, Any]]:
    return [r for r in records if r["event"] in events]


def _together(result: Clustering, a: str, b: str) -> bool:
    labels = result.labels()
    return labels[a] == labels[b]


def _one_per_topic(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One article of each ECB+ topic: articles about unrelated events."""
    seen: dict[int, dict[str, Any]] = {}
    for r in records:
        seen.setdefault(r["topic"], r)
    return list(seen.values())


# --- behaviour -----------------------------------------------------------------------------


def test_seed_pair_clusters_together(
    seed_a: str, seed_b: str, ecb_records: list[dict[str, Any]]
) -> None:
    others = _articles(_one_per_topic(ecb_records))
    result = cluster([Article("seed-a", seed_a), Article("seed-b", seed_b), *others])
    assert _together(result, "seed-a", "seed-b")
    (group,) = [c for c in result.clusters if "seed-a" in c.members]
    assert set(group.members) == {"seed-a", "seed-b"}
    record = {r["id"]: r for r in result.to_records()}
    member = "seed-b" if group.representative == "seed-a" else "seed-a"
    assert record[member]["relation"] == "same_story"
    assert record[group.representative]["relation"] == "representative"


def test_unrelated_events_stay_apart(ecb_records: list[dict[str, Any]]) -> None:
    records = _events(ecb_records, "3_ecb", "22_ecbplus")
    result = cluster(_articles(records))
    event = {r["id"]: r["event"] for r in records}
    for c in result.clusters:
        assert len({event[m] for m in c.members}) == 1, c.members
    assert result.clusters, "each event should form at least one cluster"


def test_no_chaining_through_a_roundup(ecb_records: list[dict[str, Any]]) -> None:
    # A and C report unrelated events; B is a roundup made of both, so A~B and B~C.
    a = next(r["text"] for r in ecb_records if r["id"] == "26_1ecb")
    c = next(r["text"] for r in ecb_records if r["id"] == "31_1ecb")
    b = f"{a}\n{c}"
    result = cluster([Article("A", a), Article("B", b), Article("C", c)])
    assert not _together(result, "A", "C")
    # The roundup may join one side, never both.
    assert sum(len(cl) for cl in result.clusters) <= 2


def test_no_chaining_between_two_groups(ecb_records: list[dict[str, Any]]) -> None:
    # Two groups of real reports of unrelated events, joined only by two roundups.
    left = [r for r in ecb_records if r["event"] == "26_ecb"][:4]
    right = [r for r in ecb_records if r["event"] == "31_ecb"][:4]
    bridges = [Article(f"roundup-{k}", f"{left[k]['text']}\n{right[k]['text']}") for k in range(2)]
    result = cluster([*_articles(left), *_articles(right), *bridges])
    labels = result.labels()
    assert {labels[r["id"]] for r in left}.isdisjoint({labels[r["id"]] for r in right})


@pytest.mark.parametrize(
    "topic",
    [
        pytest.param(14, id="two-store-fires"),
        pytest.param(29, id="two-playoff-clinches"),
        pytest.param(33, id="two-shooting-trials"),
    ],
)
def test_cohesion_keeps_two_events_of_one_kind_apart(
    ecb_records: list[dict[str, Any]], topic: int
) -> None:
    # Two reports of each of a topic's two events: too few for the contrast rule, but each
    # pair resembles itself far more than the other pair.  The lead-day rule is off, so
    # that this rule alone is tested (in topics 14 and 33 the leads name different days,
    # which keeps the events apart already).
    events = sorted({r["event"] for r in ecb_records if r["topic"] == topic})
    records = [r for e in events for r in _events(ecb_records, e)[:2]]
    event = {r["id"]: r["event"] for r in records}
    result = cluster(_articles(records), params=ClusterParams(lead_day_cost=0.0))
    assert sorted(len(c.members) for c in result.clusters) == [2, 2]
    for c in result.clusters:
        assert len({event[m] for m in c.members}) == 1, c.members
    assert result.stats["refused_cohesion"] >= 1
    merged = cluster(_articles(records), params=ClusterParams(cohesion=0.0, lead_day_cost=0.0))
    assert any(len({event[m] for m in c.members}) == 2 for c in merged.clusters)


def test_same_result_in_any_input_order(ecb_records: list[dict[str, Any]]) -> None:
    records = [r for r in ecb_records if r["topic"] in (7, 20, 25)]
    arts = _articles(records)
    shuffled = list(arts)
    random.Random(3).shuffle(shuffled)
    one, two = cluster(arts), cluster(shuffled)
    assert one.clusters == two.clusters  # members, representatives, ids and scores
    assert one.singletons == two.singletons
    assert one.assignments == two.assignments
    assert [c.id for c in one.clusters] == list(range(len(one.clusters)))
    firsts = [c.members[0] for c in one.clusters]
    assert firsts == sorted(firsts)


def test_every_article_appears_exactly_once(ecb_records: list[dict[str, Any]]) -> None:
    records = [r for r in ecb_records if r["topic"] in (1, 9)]
    result = cluster([*_articles(records), Article("empty", ""), Article("blank", "  \n ")])
    ids = [a.id for a in result.assignments]
    assert sorted(ids) == ids
    assert Counter(ids) == Counter([r["id"] for r in records] + ["empty", "blank"])
    in_clusters = [m for c in result.clusters for m in c.members]
    assert len(in_clusters) + len(result.singletons) == len(ids)
    assert set(in_clusters).isdisjoint(result.singletons)
    assert {"empty", "blank"} <= set(result.singletons)
    records_out = result.to_records()
    assert [r["id"] for r in records_out] == ids
    by_id = {a.id: a for a in result.assignments}
    for c in result.clusters:
        assert c.representative in c.members
        assert 0 <= c.min_score <= c.median_score <= 100
        for m in c.members:
            a = by_id[m]
            assert a.cluster_id == c.id and a.representative_id == c.representative
            if m == c.representative:
                assert (a.relation, a.score) == ("representative", None)
            else:
                assert a.relation in {"same_story", "partial_reuse", "unrelated"}
                assert a.score is not None
    for s in result.singletons:
        assert by_id[s].relation == "singleton"
        assert by_id[s].cluster_id is None and by_id[s].representative_id == s
    for r in records_out:
        assert set(r) >= {"id", "cluster_id", "representative_id", "score", "relation"}


def test_newsletter_blurb_does_not_join_unrelated_articles(
    ecb_records: list[dict[str, Any]],
) -> None:
    records = _one_per_topic(ecb_records)
    wrapped = [Article(r["id"], f"{r['text']}\n{BLURB}") for r in records]
    result = cluster(wrapped)
    assert result.clusters == ()
    assert result.stats["furniture_sentences"] >= 3 * len(records)
    # The rule is what keeps them apart: without it the shared blurb joins articles.
    off = ClusterParams(boilerplate_min_articles=10**6)
    assert cluster(wrapped, params=off).clusters != ()


def test_wire_copies_are_not_mistaken_for_furniture(ecb_records: list[dict[str, Any]]) -> None:
    wire = next(r["text"] for r in ecb_records if r["id"] == "7_1ecbplus")
    copies = [Article(f"copy-{k}", f"Posted by Site {k}\n{wire}") for k in range(6)]
    others = _articles(_one_per_topic(ecb_records))
    result = cluster([*copies, *others])
    (group,) = [c for c in result.clusters if "copy-0" in c.members]
    assert set(group.members) >= {a.id for a in copies}
    reps = {a.id: a for a in result.assignments}
    assert all(reps[a.id].relation in ("same_story", "representative") for a in copies)


def test_private_share_is_the_plain_rule(ecb_records: list[dict[str, Any]]) -> None:
    """The furniture test (a) on real articles: the vectorised share equals the rule written
    out (each article's distinct lines found in no other sampled article), bit for bit."""
    records = ecb_records[:120]
    wrapped = [r["text"] + (f"\n{BLURB}" if k % 3 == 0 else "") for k, r in enumerate(records)]
    text = scan_corpus(wrapped, 1, None)
    lines = line_hashes(text)

    def plain(docs: list[int]) -> float:
        own = {d: set(lines[text.sent_ptr[d] : text.sent_ptr[d + 1]].tolist()) for d in docs}
        seen = Counter(k for d in docs for k in own[d])
        shares = [sum(1 for k in own[d] if seen[k] == 1) / len(own[d]) for d in docs]
        return sum(shares) / len(shares)

    rng = random.Random(7)
    samples = [list(range(0, 120, 3)), [0, 3], [1, 2, 3, 4]]
    samples += [sorted(rng.sample(range(120), rng.randint(2, 50))) for _ in range(60)]
    for docs in samples:
        assert _private_share(docs, lines, text.sent_ptr) == plain(docs)
    assert _private_share(list(range(0, 120, 3)), lines, text.sent_ptr) < 1.0  # the blurb


def test_a_candidate_pairs_block_is_its_edge(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Agglomeration links two articles by their edge instead of scoring the pair again:
    the two must agree to the last bit, dates and time penalties included."""
    seen: dict[str, Any] = {}
    real = dupwire.cluster.pipeline.agglomerate

    def spy(scorer: Any, contrast: Any, edges: dict[tuple[int, int], float], *a: Any) -> Any:
        seen.update(scorer=scorer, edges=edges)
        return real(scorer, contrast, edges, *a)

    monkeypatch.setattr(dupwire.cluster.pipeline, "agglomerate", spy)
    real_copies = dupwire.cluster.pipeline.copy_groups
    monkeypatch.setattr(
        dupwire.cluster.pipeline,
        "copy_groups",
        lambda *a, **k: seen.setdefault("copies", real_copies(*a, **k)),
    )
    rng = random.Random(3)
    dated = [
        Article(
            r["id"], r["text"], meta={"date": f"2020-{rng.randint(1, 12):02d}-{k % 28 + 1:02d}"}
        )
        for k, r in enumerate(ecb_records)
    ]
    result = cluster(dated)
    scorer, edges = seen["scorer"], seen["edges"]
    assert len(edges) > 1000 and scorer.dates is not None
    assert sum(scorer.penalty([i], [j])[0, 0] > 0 for i, j in list(edges)[:200]) > 100
    for (i, j), score in edges.items():
        assert scorer.block([i], [j])[0, 0] == score
        assert scorer.block([j], [i])[0, 0] == score
    # So a cluster's representative may be chosen from the edges of its members.
    index = {a.id: k for k, a in enumerate(sorted(dated, key=lambda a: a.id))}
    choose = dupwire.cluster.pipeline._representative
    for c in result.clusters:
        members = sorted(index[m] for m in c.members)
        from_edges = choose(members, scorer, seen["copies"], edges)
        assert from_edges == choose(members, scorer, seen["copies"], {}) == index[c.representative]
    assert sum(len(c.members) > 2 for c in result.clusters) > 10


def test_far_damped_is_the_plain_rule(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each article with at least ``min_far`` far candidates: each word weighted by the
    share of them lacking it, then normalised again (the rule written out here, on real
    articles); the others untouched, bit for bit; a vector whose every word they all hold
    goes to zero."""
    texts = [r["text"] for r in ecb_records[:150]]
    texts += [texts[0]] * 3  # three copies of article 0, "published" months apart
    text = scan_corpus(texts, 1, None)
    keep = np.ones(text.n_sents, dtype=bool)
    vectors = word_vectors(text, word_table(text, keep), damping=0.02)
    rng = random.Random(5)
    pairs = {tuple(sorted(rng.sample(range(1, 150), 2))) for _ in range(400)}
    pairs |= {(0, 150), (0, 151), (0, 152)}
    far = np.array(sorted(pairs), dtype=np.int64)
    got, n_damped = far_damped(vectors, far, 3)

    partners: dict[int, set[int]] = {d: set() for d in range(len(texts))}
    for i, j in far.tolist():
        partners[i].add(j)
        partners[j].add(i)
    for d, others in partners.items():
        keys, values = vectors.row(d)
        new_keys, new_values = got.row(d)
        assert np.array_equal(keys, new_keys)
        if len(others) < 3:
            assert np.array_equal(values, new_values)
            continue
        held = [set(vectors.row(o)[0].tolist()) for o in others]
        words = zip(keys.tolist(), values.tolist(), strict=True)
        damped = [v * sum(k not in h for h in held) / len(held) for k, v in words]
        norm = math.sqrt(sum(v * v for v in damped))
        expected = [v / norm for v in damped] if norm > 0 else damped
        assert np.allclose(new_values, expected, rtol=1e-12, atol=0)
    assert not got.row(0)[1].any()  # its three far copies hold every word
    # A few entries and pairs at a time, the same values to the last bit.
    monkeypatch.setattr(dupwire.cluster.vectors, "_ENTRIES_AT_ONCE", 50)
    monkeypatch.setattr(dupwire.cluster.vectors, "_PAIRS_AT_ONCE", 3)
    assert np.array_equal(far_damped(vectors, far, 3)[0].values, got.values)
    assert n_damped == sum(len(o) >= 3 for o in partners.values()) > 100
    kept, none = far_damped(vectors, far[:0], 3)
    assert kept is vectors and none == 0


def test_candidates_are_each_articles_most_similar_partners(
    ecb_records: list[dict[str, Any]],
) -> None:
    """Each article keeps the LSH pairs it is in that score highest by word vectors (the
    rule written out here over every LSH pair, on real articles), with those scores; not
    the pairs sharing the most MinHash values, which keep other partners here."""
    texts = [r["text"] for r in ecb_records[:200]]
    text = scan_corpus(texts, 1, None)
    keep = np.ones(text.n_sents, dtype=bool)
    vectors = word_vectors(text, word_table(text, keep), damping=0.02)
    sets = article_shingles(text, keep)
    options: dict[str, Any] = {
        "num_perm": DEFAULT_NUM_PERM,
        "seed": DEFAULT_SEED,
        "layout": DEFAULT_LAYOUT,
        "max_bucket": DEFAULT_MAX_BUCKET,
        "max_candidates": 4,
    }
    seen: list[np.ndarray] = []

    def similarity(pairs: np.ndarray) -> np.ndarray:
        seen.append(pairs)
        return similarities(vectors, pairs)

    found = find_candidates(sets, similarity=similarity, **options)
    (lsh,) = seen
    assert found.raw == len(lsh) > 3 * len(found.pairs) > 0
    score = similarities(vectors, lsh).tolist()
    best: set[tuple[int, int]] = set()
    for d in range(len(texts)):
        mine = [k for k, (i, j) in enumerate(lsh.tolist()) if d in (i, j)]
        mine.sort(key=lambda k: (-score[k], int(lsh[k, 0] + lsh[k, 1] - d)))
        best |= {tuple(lsh[k].tolist()) for k in mine[:4]}
    assert set(map(tuple, found.pairs.tolist())) == best
    assert np.array_equal(found.similarity, similarities(vectors, found.pairs))
    # Ranked by the share of MinHash values the two signatures hold in common instead:
    sigs = signatures(sets, num_perm=DEFAULT_NUM_PERM, seed=DEFAULT_SEED)
    by_minhash = find_candidates(
        sets, similarity=lambda p: (sigs[p[:, 0]] == sigs[p[:, 1]]).mean(axis=1), **options
    )
    assert len(set(map(tuple, by_minhash.pairs.tolist())) - best) > len(best) // 10


# --- quality gate ----------------------------------------------------------------------------

# Measured with defaults on fixtures/ecbplus/dev.jsonl: ARI 0.920, B-cubed F1 0.942,
# largest cluster 22 (largest true event 22); 0.909 / 0.933 before the lead-day rule of
# dupwire.dates.  Floors sit a little below.
ECB_MIN_ARI = 0.90
ECB_MIN_BCUBED_F1 = 0.93


def test_ecb_dev_quality_gate(ecb_records: list[dict[str, Any]]) -> None:
    result = cluster(_articles(ecb_records))
    truth = {r["id"]: r["event"] for r in ecb_records}
    scores = score_clustering(truth, result.labels())
    assert scores.ari >= ECB_MIN_ARI, scores
    assert scores.bcubed_f1 >= ECB_MIN_BCUBED_F1, scores
    assert scores.largest_pred_cluster <= 2 * scores.largest_true_cluster, scores


def test_worker_processes_change_nothing(
    ecb_records: list[dict[str, Any]], forked_pools: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    arts = _articles(ecb_records)  # 575 articles: two scanning tasks
    banded_in: list[int] = []
    real = dupwire.cluster.pipeline._lsh_pairs
    rank = dupwire.cluster.pipeline.ranked_candidates

    def lsh_pairs(*args: Any) -> Any:
        return real(*args), threading.get_ident()  # where the LSH pairs were computed

    def ranked(found: Any, **kwargs: Any) -> Any:
        pairs, thread = found
        banded_in.append(thread)
        return rank(pairs, **kwargs)

    monkeypatch.setattr(dupwire.cluster.pipeline, "_lsh_pairs", lsh_pairs)
    monkeypatch.setattr(dupwire.cluster.pipeline, "ranked_candidates", ranked)
    one = cluster(arts, params=ClusterParams(workers=1))
    assert not forked_pools
    two = cluster(arts, params=ClusterParams(workers=2))  # verification, relations forked
    assert one.assignments == two.assignments
    assert one.clusters == two.clusters
    assert two.stats["workers"] == 2
    assert forked_pools == ([2, 2] if forked.can_fork() else [])
    # With two workers, MinHash and banding ran in a thread beside the word vectors.
    here = threading.get_ident()
    assert banded_in[0] == here and banded_in[1] != here


def test_work_ahead_answers_once_from_its_thread() -> None:
    def where() -> int:
        return threading.get_ident()

    with Ahead(where) as ahead:
        assert ahead.result() != threading.get_ident()
    with pytest.raises(RuntimeError, match="already given"):
        ahead.result()
    calls: list[int] = []
    lazy = Ahead(lambda: calls.append(threading.get_ident()) or len(calls), thread=False)
    assert not calls  # computed when asked for, in the caller's thread
    assert lazy.result() == 1 and calls == [threading.get_ident()]


def test_work_ahead_raises_what_it_raised() -> None:
    def fails() -> None:
        msg = "no shingles"
        raise ValueError(msg)

    for thread in (True, False):
        with pytest.raises(ValueError, match="no shingles"):
            Ahead(fails, thread=thread).result()


def _same_text(a: Any, b: Any) -> bool:
    return a.vocab == b.vocab and all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in ("tokens", "type_key", "type_weight", "tok_ptr", "sent_chars", "sent_ptr")
    )


def _dies_in_a_worker(merge: str, texts: Any) -> Any:
    if os.getpid() != _PARENT[0]:
        os._exit(3)  # as the kernel's out-of-memory killer would end it
    return _SCAN_TASK(merge, texts)


_PARENT = [os.getpid()]
_SCAN_TASK = scan_module._scan_task


def test_a_scan_worker_that_dies_costs_time_not_articles(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [r["text"] for r in ecb_records]  # 575 articles: two scanning tasks
    alone = scan_corpus(texts, 1)
    _PARENT[0] = os.getpid()
    monkeypatch.setattr(scan_module, "_scan_task", _dies_in_a_worker)
    assert _same_text(scan_corpus(texts, 2), alone)


def test_a_refused_scan_worker_costs_time_not_articles(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refused(scan_module.ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError(11, "Resource temporarily unavailable")  # fork(2): EAGAIN

    texts = [r["text"] for r in ecb_records]
    alone = scan_corpus(texts, 1)
    monkeypatch.setattr(scan_module, "ProcessPoolExecutor", Refused)
    assert _same_text(scan_corpus(texts, 2), alone)


# --- stats, parameters, errors ---------------------------------------------------------------


def test_stats_record_the_run(seed_a: str, seed_b: str) -> None:
    result = cluster([Article("a", seed_a), Article("b", seed_b)])
    stats = result.stats
    assert (stats["num_perm"], stats["seed"]) == (DEFAULT_NUM_PERM, DEFAULT_SEED)
    assert stats["lsh"] == {
        "bands": DEFAULT_LAYOUT.bands,
        "rows": DEFAULT_LAYOUT.rows,
        "min_bands": DEFAULT_LAYOUT.min_bands,
        "max_bucket": DEFAULT_MAX_BUCKET,
    }
    assert stats["candidate_pairs"] == 1 and stats["candidates_per_article"] == 0.5
    assert set(stats["seconds"]) >= {"prepare", "candidates", "verify", "cluster"}
    assert result.params == ClusterParams()


def test_defaults_follow_the_sketch_module() -> None:
    assert (ClusterParams().num_perm, ClusterParams().seed) == (DEFAULT_NUM_PERM, DEFAULT_SEED)


def test_progress_reports_stages(seed_a: str, seed_b: str) -> None:
    seen: list[tuple[str, int, int]] = []
    cluster([Article("a", seed_a), Article("b", seed_b)], progress=lambda *x: seen.append(x))
    stages = [s for s, _, _ in seen]
    assert stages.index("prepare") < stages.index("candidates") < stages.index("verify")
    assert ("prepare", 2, 2) in seen
    # The steps between prepare and verification, in order, so a long run never looks
    # stalled there.
    corpus = [(done, total) for s, done, total in seen if s == "corpus"]
    assert corpus == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert stages.index("prepare") < stages.index("corpus")
    assert max(i for i, s in enumerate(stages) if s == "corpus") < stages.index("verify")


def test_empty_input_gives_empty_clustering() -> None:
    result = cluster([])
    assert (result.clusters, result.singletons, result.assignments) == ((), (), ())
    assert result.duplicate_ratio == 0.0


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(DuplicateIdError, match="repeated: 'x'"):
        cluster([Article("x", "One."), Article("x", "Two.")])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"min_score": -1.0}, r"min_score must be in \[0, 100\]", id="min-score"),
        pytest.param({"contrast_alpha": 2.0}, r"contrast_alpha must be in", id="alpha"),
        pytest.param({"max_candidates": 0}, r"max_candidates must be a positive", id="cap"),
        pytest.param({"workers": 0}, r"workers must be a positive integer or None", id="workers"),
        pytest.param({"bands": 0}, r"bands must be a positive integer or None", id="bands"),
        pytest.param({"cohesion": 1.5}, r"cohesion must be in \[0, 1\]", id="cohesion"),
    ],
)
def test_params_are_validated(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        ClusterParams(**options)


def test_unknown_option_names_the_valid_ones() -> None:
    with pytest.raises(ParamsError, match="unknown cluster option 'min_scor'; valid options: "):
        ClusterParams.from_options(min_scor=3.0)


# --- the building blocks against their references ----------------------------------------------


def test_shingles_equal_the_shingle_module(ecb_records: list[dict[str, Any]]) -> None:
    texts = [r["text"] for r in ecb_records[:80]]
    text = scan_corpus(texts, 1)
    keep = np.ones(len(text.sent_chars), dtype=bool)
    keep[::3] = False  # some sentences set aside as furniture
    sent_of_token = np.repeat(np.arange(len(keep)), np.diff(text.tok_ptr))
    got = article_shingles(text, keep)
    for d in range(len(texts)):
        lo, hi = text.sent_ptr[d], text.sent_ptr[d + 1]
        mine = (sent_of_token >= lo) & (sent_of_token < hi) & keep[sent_of_token]
        words = [text.vocab[k] for k in text.keys(0, len(text.tokens))[mine].tolist()]
        assert np.array_equal(got[d], key_shingles(words)), d


@pytest.mark.parametrize("workers", [1, 2])
def test_a_repeated_text_is_scanned_once_with_the_same_arrays(
    monkeypatch: pytest.MonkeyPatch,
    ecb_records: list[dict[str, Any]],
    seed_a: str,
    workers: int,
) -> None:
    # Verbatim repeats (a wire story run by many outlets), an empty text and a text that
    # cannot be read, each several times, in shuffled order: the arrays are those of
    # scanning every text, and every copy of the unreadable text fails with its reason.
    poison_scan(monkeypatch, lambda: RuntimeError("bad word"))
    once = [r["text"] for r in ecb_records] + ["", "A POISON word."]  # two scan chunks
    rng = random.Random(3)
    texts = once + [rng.choice([seed_a, *once[:5], "", "A POISON word."]) for _ in range(900)]
    rng.shuffle(texts)
    seen: list[tuple[str, int, int]] = []
    got = scan_corpus(texts, workers, lambda s, done, total: seen.append((s, done, total)))
    chunks = [texts[k : k + 500] for k in range(0, len(texts), 500)]
    want = merge_parts(map(scan_texts, chunks), len(texts))
    assert got.vocab == want.vocab and got.failed == want.failed
    assert len(got.failed) == texts.count("A POISON word.") > 1
    for name in ("tokens", "type_key", "type_weight", "tok_ptr", "sent_chars", "sent_ptr"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert seen[-1] == ("prepare", len(texts), len(texts))


def _assert_same_text(got: Any, want: Any) -> None:
    assert got.vocab == want.vocab and got.failed == want.failed
    for name in ("tokens", "type_key", "type_weight", "tok_ptr", "sent_chars", "sent_ptr"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


@pytest.mark.parametrize("table_max", [50, 500_000])
def test_parts_named_by_their_word_table_merge_to_the_same_arrays(
    monkeypatch: pytest.MonkeyPatch, ecb_records: list[dict[str, Any]], table_max: int
) -> None:
    # A merge's parts send only the types their process has not sent to that merge: the
    # arrays are those of parts with all their types, when one process makes several parts,
    # when its word table fills up and is replaced between parts (table_max 50), and when
    # one pool of processes serves merge after merge.
    import dupwire.cluster.scan as scan

    monkeypatch.setattr(scan, "_TABLE_MAX", table_max)
    texts = [r["text"] for r in ecb_records] + [r["text"].upper() for r in ecb_records]
    chunks = [texts[k : k + 500] for k in range(0, len(texts), 500)]
    assert len(chunks) == 3
    _assert_same_text(scan_corpus(texts, 1), merge_parts(map(scan_texts, chunks), len(texts)))
    pool = scan.scan_pool(2)
    try:
        for part in (texts, texts[:700], texts[200:]):
            want = merge_parts(map(scan_texts, [part]), len(part))
            _assert_same_text(scan_corpus(part, 2, pool=pool), want)
    finally:
        pool.shutdown()
    scan._scan_task("an earlier merge", texts)  # a worker kept from merge to merge
    part = scan._scan_task("a merge", texts[:3])
    assert part.table_ids is not None and part.types  # the first part of a merge: its types,
    assert len(part.types) == len(part.table_ids) < 1000  # not the whole table's
    again = scan._scan_task("a merge", texts[:3])
    if table_max > 1000:  # the same table: nothing new to send
        assert again.source == part.source and again.types == []
        assert np.array_equal(again.table_ids, part.table_ids)
        with pytest.raises(RuntimeError, match="out of order"):
            merge_parts([again], 3)  # a merge that missed the part with the types
    else:  # a fresh table: its types from the first
        assert again.source != part.source and again.types == part.types


def test_each_thread_keeps_what_it_sent_to_its_merge(ecb_records: list[dict[str, Any]]) -> None:
    # Two threads, each kept for its own merge (as a worker process is), one part after the
    # other: a thread's second part sends nothing its first sent, whatever the other thread
    # sent to its merge meanwhile.
    from concurrent.futures import ThreadPoolExecutor

    import dupwire.cluster.scan as scan

    texts = [r["text"] for r in ecb_records[:3]]
    with ThreadPoolExecutor(1) as a, ThreadPoolExecutor(1) as b:
        first = a.submit(scan._scan_task, "merge a", texts).result()
        other = b.submit(scan._scan_task, "merge b", texts).result()
        second = a.submit(scan._scan_task, "merge a", texts).result()
    assert first.types and other.types == first.types
    assert second.types == [] and np.array_equal(second.table_ids, first.table_ids)
    merged = merge_parts([first, second], 6)
    half = len(merged.tokens) // 2
    assert half and np.array_equal(merged.tokens[:half], merged.tokens[half:])


@pytest.mark.parametrize("rows_at_once", [1, 7, 150])
def test_word_vectors_worked_in_chunks_are_the_same(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, rows_at_once: int
) -> None:
    # word_vectors works its table in chunks of rows (whole articles for the norms); with
    # chunks far smaller than the table (and than one article: 1 row), the same vectors,
    # bit for bit, with and without damping by counted articles.
    text = scan_corpus([r["text"] for r in ecb_records[:80]], 1)
    keep = np.ones(len(text.sent_chars), dtype=bool)
    table = word_table(text, keep)
    counted = np.arange(text.n_docs) % 3 > 0
    cases = [(0.02, None), (0.02, counted), (None, None)]
    whole = [word_vectors(text, table, damping=d, counted=c) for d, c in cases]
    monkeypatch.setattr(dupwire.cluster.vectors, "_ROWS_AT_ONCE", rows_at_once)
    assert len(table.doc) > 50 * rows_at_once
    for (damping, c), want in zip(cases, whole, strict=True):
        got = word_vectors(text, table, damping=damping, counted=c)
        for name in ("ptr", "keys", "values"):
            a, b = getattr(got, name), getattr(want, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name


@pytest.mark.parametrize("workers", [2, 3])
def test_word_table_and_bags_in_threads_are_the_same(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    # Chunks of 7 articles (some with no kept sentence) sorted by threads: the same word
    # table and sentence bags, array for array, as one chunk after another.
    from dupwire.cluster.vectors import sentence_bags

    text = scan_corpus([r["text"] for r in ecb_records[:80]], 1)
    keep = np.ones(len(text.sent_chars), dtype=bool)
    keep[text.sent_ptr[7] : text.sent_ptr[14]] = False
    keep[::5] = False
    monkeypatch.setattr(dupwire.cluster.scan, "_CHUNK_DOCS", 7)
    assert len(list(text.doc_chunks())) > 10
    for one, many in (
        (word_table(text, keep), word_table(text, keep, workers)),
        (sentence_bags(text, keep), sentence_bags(text, keep, workers)),
    ):
        for name in one.__dataclass_fields__:
            a, b = getattr(one, name), getattr(many, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name


def test_vector_products_equal_dense_ones(ecb_records: list[dict[str, Any]]) -> None:
    # The sparse products (dots, block, mean_score) against dense rows of the same vectors.
    text = scan_corpus([r["text"] for r in ecb_records[:120]], 1)
    keep = np.ones(len(text.sent_chars), dtype=bool)
    keep[::4] = False
    vectors = word_vectors(text, word_table(text, keep), damping=0.02)
    dense = np.zeros((text.n_docs, len(text.vocab)))
    for d in range(text.n_docs):
        keys, values = vectors.row(d)
        dense[d, keys] = values
    cosine = dense @ dense.T
    assert np.allclose(np.diag(cosine)[cosine.any(axis=1)], 1.0)
    rng = random.Random(7)
    for _ in range(30):
        docs = rng.sample(range(text.n_docs), rng.randint(2, 40))
        assert np.allclose(vectors.dots(docs[0], docs[1:]), cosine[docs[0], docs[1:]])
        assert np.allclose(vectors.block(docs[:3], docs), cosine[np.ix_(docs[:3], docs)])
        m = len(docs)
        pairs = cosine[np.ix_(docs, docs)].sum() - np.trace(cosine[np.ix_(docs, docs)])
        assert math.isclose(vectors.mean_score(docs), 50.0 * pairs / (m * (m - 1)))
    assert vectors.mean_score(docs[:1]) == 100.0
    assert not vectors.scratch.any()  # left clean for the next call


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.floats(-5.0, 100.0)),
        max_size=40,
    ),
    st.integers(1, 5),
)
def test_background_is_the_rank_th_best_partner(
    triples: list[tuple[int, int, float]], rank: int
) -> None:
    pairs = [(min(i, j), max(i, j), s) for i, j, s in triples if i != j]
    unique = {(i, j): s for i, j, s in pairs}
    arr = np.array(list(unique), dtype=np.int64).reshape(-1, 2)
    got = backgrounds(arr, np.array(list(unique.values())), 8, rank)
    for d in range(8):
        mine = sorted((s for (i, j), s in unique.items() if d in (i, j)), reverse=True)
        assert got[d] == (max(mine[rank - 1], 0.0) if len(mine) >= rank else 0.0)


def test_corpus_damping_matches_the_formula() -> None:
    rng = random.Random(2)
    docs = [[f"w{rng.randrange(60)}" for _ in range(rng.randrange(1, 30))] for _ in range(200)]
    df = Counter(w for d in docs for w in set(d))
    words = sorted(df)
    floor = 0.02 * len(docs)

    def reference(count: int) -> float:  # the documented rule, one word at a time
        if count <= floor:
            return 1.0
        return max(0.0, math.log(len(docs) / count) / math.log(len(docs) / floor))

    got = corpus_damping(np.array([df[w] for w in words]), len(docs), 0.02)
    assert got.tolist() == pytest.approx([reference(df[w]) for w in words])
    assert corpus_damping(np.array([5, 9]), 10, 0.02).tolist() == [1.0, 1.0]  # too small to say


def test_contrast_counts_are_those_of_the_members(
    ecb_records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cluster's word counts are kept from merge to merge once the contrast rule has asked
    # for them, and built from the members otherwise: every time the rule reads them, they
    # must be the counts over the cluster's members.
    asked: list[int] = []
    lazy = Agglomerator.group_terms

    def checked(self: Agglomerator, g: int) -> Counter[int]:
        got = lazy(self, g)
        expected: Counter[int] = Counter()
        for m in self.members[g]:
            expected.update(self.contrast[m].tolist())
        assert got == expected
        asked.append(len(self.members[g]))
        return got

    monkeypatch.setattr(Agglomerator, "group_terms", checked)
    result = cluster(_articles(ecb_records))
    assert result.stats["refused_contrast"] > 0
    assert max(asked) >= 10  # large clusters' counts, kept across merges, were checked


@given(
    a=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 6), max_size=8),
    b=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 6), max_size=8),
    alpha=st.sampled_from([0.001, 0.01, 0.05]),
)
def test_contrast_rule_is_symmetric(a: dict[str, int], b: dict[str, int], alpha: float) -> None:
    ca, cb = Counter(a), Counter(b)
    assert distinct_groups(ca, 6, cb, 6, alpha) == distinct_groups(cb, 6, ca, 6, alpha)
    assert not distinct_groups(ca, 6, ca, 6, alpha)


# --- copies first ------------------------------------------------------------------------------


def _edited_copy(text: str, k: int, rng: random.Random) -> str:
    """An outlet's light edit: its header and footer added, one long sentence line dropped."""
    lines = text.split("\n")
    long_lines = [i for i, line in enumerate(lines) if len(line) > 80]
    del lines[rng.choice(long_lines)]
    body = "\n".join(lines)
    return f"The Daily Outlet {k} | Home | World\n{body}\n© 2019 Outlet {k} Media. Contact desk{k}"


def test_wire_copies_mixed_into_ecb_form_one_cluster(
    seed_a: str, seed_b: str, ecb_records: list[dict[str, Any]]
) -> None:
    rng = random.Random(0)
    copies = [Article(f"verbatim-{k:02d}", seed_a) for k in range(60)]
    copies += [Article(f"edited-{k:02d}", _edited_copy(seed_a, k, rng)) for k in range(40)]
    wire = [*copies, Article("seed-b", seed_b)]
    result = cluster([*_articles(ecb_records), *wire])
    labels = result.labels()
    assert len({labels[a.id] for a in wire}) == 1
    (group,) = [c for c in result.clusters if "seed-b" in c.members]
    assert len(group) == len(wire)
    assert result.stats["copies"] >= 99
    truth = {r["id"]: r["event"] for r in ecb_records}
    ecb_only = {k: v for k, v in labels.items() if k in truth}
    assert score_clustering(truth, ecb_only).ari >= ECB_MIN_ARI


def test_a_thousand_copies_are_one_cluster(seed_a: str) -> None:
    result = cluster([Article(f"copy-{k:04d}", seed_a) for k in range(1000)])
    assert [len(c) for c in result.clusters] == [1000]
    assert result.singletons == ()
    (group,) = result.clusters
    assert group.representative == "copy-0000"  # equal versions: the smallest id
    relations = {a.relation for a in result.assignments}
    assert relations == {"representative", "same_story"}


def test_copy_leader_is_the_shortest_version(ecb_records: list[dict[str, Any]]) -> None:
    # B is A with C appended; C is most of B, so B and C are copies; A is not C's story.
    a = next(r["text"] for r in ecb_records if r["id"] == "26_1ecb")
    c = next(r["text"] for r in ecb_records if r["id"] == "31_1ecb")
    result = cluster([Article("A", a), Article("B", f"{a}\n{c}"), Article("C", c)])
    assert result.stats["copies"] == 1
    assert not _together(result, "A", "C")


def test_a_record_title_is_read_as_the_headline() -> None:
    # Two bare excerpts that share little; their titles tell the same story.
    a = Article(
        "a", "Patrols were halted last year.", meta={"title": "Turkey, Russia resume patrols"}
    )
    b = Article(
        "b", "The ministry said on Friday.", meta={"title": "Russia and Turkey resume patrols"}
    )
    assert cluster([a, b]).clusters != ()
    assert cluster([Article("a", a.text), Article("b", b.text)]).clusters == ()


# --- the scan against its plain reference ---------------------------------------------------


def _assert_scans_alike(texts: list[str]) -> None:
    """scan_texts gives what the plain sentence-by-sentence scan gives, array types included."""
    fast, plain = scan_texts(texts), _scan_plainly(texts)
    assert fast.types == plain.types
    assert fast.failed == plain.failed
    for name in ("tokens", "sent_tokens", "sent_chars", "doc_sents"):
        a, b = getattr(fast, name), getattr(plain, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


def _scan_fields(part: ScanPart) -> tuple[Any, ...]:
    return part.types, part.tokens.tolist(), part.sent_tokens.tolist(), part.failed


def test_scan_is_the_plain_scan_on_news(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    texts = [r["text"] for r in ecb_records] + [seed_a, seed_b]
    texts += [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "cjk").glob("*.txt"))]
    texts += [a.text for a in gen.generate(300, seed=5)[0]]
    random.Random(3).shuffle(texts)
    for k in range(0, len(texts), 250):
        _assert_scans_alike(texts[k : k + 250])
    _assert_scans_alike(texts[:1])
    _assert_scans_alike([])


@settings(deadline=None, max_examples=200)
@given(st.lists(st.integers(0, 40), max_size=60))
def test_types_in_order_of_first_use_both_ways(numbers: list[int]) -> None:
    """Through an array of every type (more numbers than types) and by sorting the numbers
    (fewer): the same order, and the same rank of each number, as a plain reading."""
    from dupwire.cluster.scan import _first_use

    seen = list(dict.fromkeys(numbers))
    want_rank = [seen.index(x) for x in numbers]
    tokens = np.asarray(numbers, dtype=np.int64)
    for n_types in {max(numbers, default=0) + 1, len(numbers), len(numbers) + 1, 1000}:
        if n_types <= max(numbers, default=-1):
            continue
        order, rank = _first_use(tokens, n_types)
        assert order.tolist() == seen and rank.tolist() == want_rank
        assert rank.dtype == np.int32


_SCAN_PIECES = st.sampled_from(
    [
        *["one", "Two", "twenty-four", "four", "hundred", "Million", "3", "3.2", "1,200"],
        *["24", "tens", "said", "U.S.", "Gen.", "Troops\u2019", "don't", "\u201cquoted\u201d"],
        *["Erdo\u011fan", "\u5de1\u903b\u961f", "\u0e1c\u0e39\u0e49", "\u0661\u0662", "_"],
        *["\x80", "\ud800", "POISON", "Leave a Reply", "Share this story", "May 2, 2013"],
        "Read more:",
        # Points and apostrophes that join words, or not: "3.2km" is "3.2" and "km".
        *["3.2km", "a1.5", "1.5'x", "x'1.5", "90's", "$1.5bn", "rock'n'roll", "''", "1..2"],
        *["12'34.5", "3.2.1", "1,2,3x", "'tis", "5.", ".5"],
        # HTML character references, and a run of characters that is not prose.
        *["&amp;", "actress&#8217;s", "troops&#8217;", "caf&eacute;", "&Eacute;cole", "&bogus;"],
        *[
            "AT&T",
            "&#39;",
            "&nbsp;",
            "&#x201C;",
            "&",
            "x" * 70,
            "data:image/png;base64," + "Q" * 64,
        ],
        # Mojibake of UTF-8 read as Windows-1252, and text that only looks like it.
        *["don\u00e2\u20ac\u2122t", "caf\u00c3\u00a9", "\u00d0\u00a2\u00d1\u0192", "\u00c2\u00a0"],
        *["S\u00c3O", "3\u00d74"],
        # HTML markup, and angle brackets that are none.
        *["<p>", "</p>", '<a href="https://x.org/a?b=1">', "<br/>", "<!-- c -->", "<b and c>"],
        *[
            "<script>var x = 1;</script>",
            "5 < 6",
            "<!DOCTYPE html>",
            "<nav><a href='/'>Home</a></nav>",
        ],
    ]
)
_SCAN_GAPS = st.sampled_from(
    [" ", "-", ", ", ". ", "! ", "\n", "\r\n", "\n\n", "\xa0. ", "\u2013", "", "'", ".", ","]
)
_SCAN_TEXTS = st.lists(
    st.lists(st.tuples(_SCAN_PIECES, _SCAN_GAPS), max_size=16).map(
        lambda pieces: "".join(word + gap for word, gap in pieces)
    ),
    max_size=6,
)


@settings(deadline=None, max_examples=300)
@given(_SCAN_TEXTS)
def test_scan_is_the_plain_scan_on_number_runs_and_hostile_text(texts: list[str]) -> None:
    _assert_scans_alike(texts)


def test_scan_fails_the_articles_the_plain_scan_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import dupwire.segment

    texts = [
        "Zqxv left. Twenty four POISON in the text.",
        "He got an A\xa0. Then left.",
        "Troops left. Two hundred five stayed.",
        "Twenty four POISON, and more.\nLeave a Reply\nPOISON again",
    ]
    poison_scan(monkeypatch, lambda: RuntimeError("bad word"))
    monkeypatch.setattr(dupwire.segment, "_splitter_safe", lambda chunk: chunk)
    _assert_scans_alike(texts)
    assert [k for k, _ in scan_texts(texts).failed] == [0, 1, 3]


def test_scan_with_a_small_word_table_is_the_plain_scan(
    monkeypatch: pytest.MonkeyPatch, ecb_records: list[dict[str, Any]]
) -> None:
    """A full word table is replaced by a fresh one between calls, never during one."""
    import dupwire.cluster.scan

    monkeypatch.setattr(dupwire.cluster.scan, "_TABLE_MAX", 50)
    texts = [r["text"] for r in ecb_records[:40]]
    for k in range(0, len(texts), 10):
        _assert_scans_alike(texts[k : k + 10])
    assert len(dupwire.cluster.scan._word_table()) < 2000


def test_texts_pairs_and_records_cluster_as_their_articles(
    ecb_records: list[dict[str, Any]], seed_a: str, seed_b: str
) -> None:
    # What a notebook holds (a list of texts, (id, text) pairs, records, a dict of texts)
    # clusters as the Article objects it stands for.
    records = [r for r in ecb_records if r["topic"] in (1, 3)][:30]
    texts = [seed_a, seed_b, *(r["text"] for r in records)]
    expected = cluster([Article(str(k), t) for k, t in enumerate(texts)]).to_records()
    assert cluster(texts).to_records() == expected
    assert cluster([(str(k), t) for k, t in enumerate(texts)]).to_records() == expected
    assert cluster({str(k): t for k, t in enumerate(texts)}).to_records() == expected
    dated = [
        {"id": k, "text": t, "date": "2019-11-01", "outlet": "AP"} for k, t in enumerate(texts)
    ]
    got = cluster(dated)
    assert [r["id"] for r in got.to_records()] == [r["id"] for r in expected]
    assert {c.first_date for c in got.clusters} == {"2019-11-01"}
    with pytest.raises(TypeError, match=r"articles\[1\] is int; pass Article objects, texts"):
        cluster([seed_a, 7])
    with pytest.raises(InputError, match=r"articles\[0\]: no 'id' field"):
        cluster([{"text": seed_a}])
    # One text is not a collection of its characters.
    with pytest.raises(TypeError, match="not one str; wrap it in a list"):
        cluster(seed_a)


def test_the_index_takes_pairs_and_records_but_no_texts_without_ids(
    tmp_path: Any, seed_a: str, seed_b: str
) -> None:
    from dupwire.archive import Index

    with Index.open(tmp_path / "n.db") as index:
        assert index.add([("a", seed_a), {"id": "b", "text": seed_b}]).added == ("a", "b")
        with pytest.raises(TypeError, match="a text without an id; pass"):
            index.add([seed_a])
        assert [m.id for m in index.query(Article("q", seed_b)).matches] == ["b", "a"]


def test_a_dataframe_clusters_as_its_records_and_a_series_by_its_index(
    seed_a: str, seed_b: str
) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "id": ["x", "y", "z"],
            "text": [seed_a, seed_b, "Markets rose on Monday."],
            "date": pd.to_datetime(["2019-11-01", "2019-11-01", None]),  # NaT: undated
        }
    )
    got = cluster(frame)
    assert [(r["id"], r["relation"], r["date"]) for r in got.to_records()] == [
        ("x", "representative", "2019-11-01"),
        ("y", "same_story", "2019-11-01"),
        ("z", "singleton", None),
    ]
    assert not got.stats["date_warnings"]
    series = pd.Series([seed_a, seed_b], index=["p", "q"])
    assert [r["id"] for r in cluster(series).to_records()] == ["p", "q"]


HINDI = {
    "a1": "भारत के प्रधानमंत्री नरेंद्र मोदी ने आज दिल्ली में एक बैठक की। इस बैठक में कई मंत्री "
    "शामिल हुए। बैठक में बजट पर चर्चा हुई और कई फैसले लिए गए।",
    "a2": "प्रधानमंत्री नरेंद्र मोदी ने सोमवार को दिल्ली में एक अहम बैठक की। बैठक में कई केंद्रीय "
    "मंत्री शामिल हुए। इसमें बजट पर चर्चा की गई।",
    "b1": "पाकिस्तान में बाढ़ से भारी तबाही हुई है और हजारों लोग बेघर हो गए हैं। सरकार ने राहत कार्य "
    "शुरू कर दिया है। कई इलाकों में पानी भरा है।",
    "b2": "पाकिस्तान के कई इलाकों में बाढ़ का पानी भर गया है और हजारों लोग बेघर हैं। सरकार ने राहत "
    "और बचाव कार्य शुरू किया है।",
    "c1": "मुंबई में आज शेयर बाजार में तेजी देखी गई। सेंसेक्स पांच सौ अंक चढ़ा और निफ्टी भी ऊपर बंद "
    "हुआ। निवेशकों में उत्साह है।",
    "d1": "क्रिकेट विश्व कप में भारत ने ऑस्ट्रेलिया को हरा दिया है। विराट कोहली ने शानदार शतक लगाया "
    "और टीम को जीत दिलाई।",
}
RUSSIAN = {
    "r1": "В понедельник в Москве прошло заседание правительства, на котором министры обсудили "
    "бюджет на следующий год. По словам премьера, расходы на образование будут увеличены. Он "
    "также заявил, что в этом году экономика выросла на два процента.",
    "r2": "В Санкт-Петербурге в субботу открылась выставка современного искусства, на которой "
    "представлены работы молодых художников. По словам организаторов, в этом году выставку "
    "посетят более ста тысяч человек. Она продлится до конца месяца.",
    "r3": "Во вторник в Москве правительство обсудило проект бюджета на следующий год. Премьер "
    "заявил, что расходы на образование вырастут, а экономика в этом году увеличилась на два "
    "процента.",
    "r4": "Сборная России по футболу в среду сыграла вничью со сборной Сербии. Матч прошел в "
    "Белграде и закончился со счетом один-один. Тренер сказал, что доволен игрой команды.",
    "r5": "В этом году в Сибири был собран рекордный урожай пшеницы. По словам министра "
    "сельского хозяйства, на это повлияла хорошая погода летом.",
}


@pytest.mark.parametrize(
    ("texts", "stories"),
    [
        pytest.param(HINDI, [["a1", "a2"], ["b1", "b2"]], id="hindi"),
        pytest.param(RUSSIAN, [["r1", "r3"]], id="russian"),
    ],
)
def test_the_common_words_of_other_scripts_weigh_little(
    texts: dict[str, str], stories: list[list[str]]
) -> None:
    # A small corpus has no corpus damping: the common words of Hindi or Russian ("में",
    # "है", "в", "на") weigh little only by their languages' frequency lists.  Against English
    # they weighed the most, and unrelated reports joined on them.
    result = cluster(texts)
    assert sorted(sorted(c.members) for c in result.clusters) == stories


def test_feed_items_on_one_line_cluster_as_their_plain_texts(
    ecb_records: list[dict[str, Any]],
) -> None:
    # A feed's content:encoded or a CMS export holds each paragraph in <p> on one line: its
    # headline, furniture lines and lead days are those of the plain text, and so are the
    # clusters.  So when the item's HTML comes escaped, as a feed's XML holds it and a tool
    # without an XML parser takes it out ("&lt;p&gt;...").
    plain = [Article(r["id"], r["text"]) for r in ecb_records]
    clusters = cluster(plain).clusters
    one_line = {
        r["id"]: "".join(f"<p>{p}</p>" for p in r["text"].split("\n") if p.strip())
        for r in ecb_records
    }
    for escape in (False, True):
        items = [
            Article(k, html.escape(v, quote=False) if escape else v) for k, v in one_line.items()
        ]
        assert [a.title for a in items] == [a.title for a in plain]
        found = cluster(items).clusters
        if escape:  # the text's own "&" is then "&amp;", read as "&" padded in place
            assert [(c.members, c.representative) for c in found] == [
                (c.members, c.representative) for c in clusters
            ]
        else:
            assert found == clusters
