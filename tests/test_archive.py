from __future__ import annotations

import bisect
import itertools
import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from dupwire.archive import Index, KeySettings
from dupwire.archive import blocks as index_blocks
from dupwire.archive import store as index_store
from dupwire.archive.blocks import LOW_BITS, Entries, decode, encode, merge_plan, of_rows, rows
from dupwire.archive.keys import (
    article_keys,
    pack_prefix_rows,
    pack_prefixes,
    shingle_sets,
    signature_of,
    unpack_prefixes,
)
from dupwire.archive.store import SCHEMA_VERSION
from dupwire.cli import app
from dupwire.cluster import cluster
from dupwire.errors import DuplicateIdError, IndexFileError, InputError, ParamsError
from dupwire.index import DEFAULT_LAYOUT, DEFAULT_MAX_BUCKET, candidate_pairs
from dupwire.model import Article, Failure
from dupwire.sketch import signatures

from .conftest import FIXTURES, SEED_A, SEED_B, SEEDS, poison_scan

ECB = FIXTURES / "ecbplus" / "dev.jsonl"
runner = CliRunner()


def _articles(records: list[dict[str, Any]]) -> list[Article]:
    return sorted((Article(r["id"], r["text"]) for r in records), key=lambda a: a.id)


def _batch_partners(texts: list[str], i: int, max_bucket: int = DEFAULT_MAX_BUCKET) -> set[int]:
    """Batch clustering's LSH partners of article ``i`` among ``texts``."""
    sigs = signatures(shingle_sets(texts))
    pairs = candidate_pairs(sigs, layout=DEFAULT_LAYOUT, max_bucket=max_bucket).pairs
    return {int(b) if a == i else int(a) for a, b in pairs.tolist() if i in (a, b)}


def _key_rows(path: Path) -> int:
    """The stored entries (one per winning shingle of an article), over all blocks and the
    staging table."""
    with sqlite3.connect(path) as conn:
        blocked = conn.execute("SELECT coalesce(sum(n), 0) FROM blocks").fetchone()[0]
        return int(blocked) + int(conn.execute("SELECT count(*) FROM staged").fetchone()[0])


@pytest.fixture
def unstaged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch goes into the blocks (none is staged)."""
    monkeypatch.setattr(index_store, "_STAGE_BELOW", 0)


@pytest.fixture(params=[index_blocks.BIG_KEY, 2, 1], ids=["big-keys-rare", "big-2", "big-1"])
def big_keys(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The entries a key needs in a block to be stored band by band: the default (which
    these small indexes never reach), 2 (some keys are, some not) and 1 (every key is)."""
    monkeypatch.setattr(index_blocks, "BIG_KEY", request.param)
    return int(request.param)


@pytest.fixture(scope="module")
def ecb_articles(ecb_records: list[dict[str, Any]]) -> list[Article]:
    return _articles(ecb_records)


def test_stored_rows_are_the_signature(ecb_articles: list[Article]) -> None:
    texts = [a.text for a in ecb_articles[:40]]
    sigs = signatures(shingle_sets(texts))
    batch = article_keys(texts)
    for d in range(len(texts)):
        assert np.array_equal(signature_of(batch.rows_of(d)), sigs[d])
        # one row per distinct winning shingle, far fewer than one per band
        assert len(batch.rows_of(d)) < 120


@given(st.sets(st.integers(0, 2**16 - 1), max_size=256))
def test_key_prefixes_pack_and_unpack(values: set[int]) -> None:
    ordered = sorted(values)
    blob = pack_prefixes(ordered)
    assert unpack_prefixes(blob).tolist() == ordered
    assert len(blob) <= 1 + 2 * len(ordered) or len(ordered) < 8


@given(st.lists(st.sets(st.integers(0, 2**16 - 1), max_size=256), max_size=12))
def test_key_prefixes_are_packed_a_length_at_a_time(rows: list[set[int]]) -> None:
    # Rows of one length are packed together: each comes back as itself, in its place.
    ordered = [sorted(r) for r in rows]
    ptr = np.cumsum([0] + [len(r) for r in ordered])
    values = np.array([v for r in ordered for v in r], dtype=np.int64)
    blobs = pack_prefix_rows(values, ptr)
    assert [unpack_prefixes(b).tolist() for b in blobs] == ordered


@pytest.mark.usefixtures("big_keys")
def test_query_candidates_are_the_batch_candidates(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    arts = ecb_articles[:200]
    texts = [a.text for a in arts]
    with Index.open(tmp_path / "i.db") as index:
        index.add(arts[:120])
        index.add(arts[120:])  # the second batch goes through the delta table too
        for i in (0, 7, 55, 130, 199):
            found = index.query(arts[i], top=1000, verify=False)
            expected = {arts[j].id for j in _batch_partners(texts, i)}
            assert {m.id for m in found.matches} == expected
            assert found.n_candidates == len(expected) > 0
        # an article not in the index: the batch with it appended
        extra = ecb_articles[300]
        found = index.query(extra, top=1000, verify=False)
        expected = {arts[j].id for j in _batch_partners([*texts, extra.text], 200)}
        assert {m.id for m in found.matches} == expected


def test_titled_records_get_the_candidates_clustering_gives_them(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    # Each article titled with the lead of the article after it: titles add shared words.
    base = ecb_articles[:120]
    arts = [
        Article(a.id, a.text, meta={"title": base[(k + 1) % len(base)].text.split("\n")[0]})
        for k, a in enumerate(base)
    ]
    stories = [a.story_text for a in arts]
    assert all(s != a.text for s, a in zip(stories, arts, strict=True))
    with Index.open(tmp_path / "i.db") as index:
        index.add(arts)
        changed = 0
        for i in range(0, 120, 7):
            found = index.query(arts[i], top=1000, verify=False)
            expected = {arts[j].id for j in _batch_partners(stories, i)}
            assert {m.id for m in found.matches} == expected
            changed += expected != {arts[j].id for j in _batch_partners([a.text for a in arts], i)}
        assert changed > 0  # the titles matter, so the test can tell


@pytest.mark.parametrize("cap", [3, 2])
@pytest.mark.usefixtures("big_keys")
def test_overflowing_buckets_are_refined_as_in_batch(
    tmp_path: Path, ecb_articles: list[Article], cap: int
) -> None:
    # With tiny buckets many overflow: they are refined by further bands and, past
    # MAX_REFINE, chained by id (exact copies never split), exactly as candidate_pairs does.
    # Every article is queried: a key whose buckets are too many rows to read at once, one
    # of them over the cap, is a path only some articles take.
    copies = [Article(f"{ecb_articles[40].id}~{k}", ecb_articles[40].text) for k in range(4)]
    arts = sorted([*ecb_articles[:146], *copies], key=lambda a: a.id)
    texts = [a.text for a in arts]
    sigs = signatures(shingle_sets(texts))
    pairs = candidate_pairs(sigs, layout=DEFAULT_LAYOUT, max_bucket=cap).pairs.tolist()
    with Index.open(tmp_path / "i.db", settings=KeySettings(max_bucket=cap)) as index:
        index.add(arts)
        for i, article in enumerate(arts):
            found = index.query(article, top=1000, verify=False)
            expected = {arts[b if a == i else a].id for a, b in pairs if i in (a, b)}
            assert {m.id for m in found.matches} == expected, i
        extra = ecb_articles[200]
        sig = signatures(shingle_sets([extra.text]))[0]
        found_ids = set(index.candidates(sig, article_id=extra.id))
        batch = [*texts, extra.text]
        order = sorted(range(len(batch)), key=lambda k: [*arts, extra][k].id)
        ordered = [batch[k] for k in order]
        expected = {
            [*arts, extra][order[j]].id
            for j in _batch_partners(ordered, order.index(150), max_bucket=cap)
        }
        assert found_ids == expected


@pytest.mark.parametrize(
    "first_doc",
    [
        pytest.param(1 << 15, id="2-to-3-bytes"),
        pytest.param(1 << 22, id="3-to-4-bytes"),
        pytest.param(1 << 29, id="4-to-5-bytes"),
    ],
)
def test_doc_numbers_of_every_width_keep_the_answers(
    tmp_path: Path, ecb_articles: list[Article], first_doc: int
) -> None:
    # A stored row holds its doc in 2 to 5 bytes: the answers (with tiny buckets, so that
    # buckets are refined and chained) and removals are those of the same articles stored
    # from doc 1, on both sides of each change of width.
    arts = ecb_articles[:120]
    answers = {}
    for start in (1, first_doc - 60):
        path = tmp_path / f"{start}.db"
        with Index.open(path, settings=KeySettings(max_bucket=3)):
            pass
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE meta SET value=? WHERE name='next_doc'", (str(start),))
        with Index.open(path, settings=KeySettings(max_bucket=3)) as index:
            index.add(arts[:90])
            index.merge()
            index.add(arts[90:])  # in the delta table
            found = [index.query(arts[i], top=1000, verify=False) for i in range(0, 120, 3)]
            answers[start] = [
                [(m.id, m.seq - start, m.shared_bands) for m in hit.matches] for hit in found
            ]
            gone = [arts[59].id, arts[60].id, arts[100].id]
            index.remove(gone)
            left = [a.text for a in arts if a.id not in gone]
            assert _key_rows(path) == len(article_keys(left).key)
    assert answers[1] == answers[first_doc - 60]
    assert sum(map(len, answers[1])) > 40


def _staged_entries(path: Path) -> list[tuple[int, int, bytes]]:
    """Every staged entry ``(hash, doc, bands)``, in the order of the staging table."""
    with sqlite3.connect(path) as conn:
        e = of_rows([k for (k,) in conn.execute("SELECT k FROM staged")])
    raw = e.bands.tobytes()
    return [
        (h, d, raw[a:b])
        for h, d, a, b in zip(e.h.tolist(), e.doc.tolist(), e.ptr, e.ptr[1:], strict=False)
    ]


def _stored_entries(path: Path) -> tuple[list[tuple[int, int, bytes]], list[int]]:
    """Every stored entry ``(hash, doc, bands)``, block after block, then the staged ones,
    checking that each block holds its bucket's entries, those of its small keys and those
    of its big keys each sorted by hash, then doc; and the blocks of each bucket."""
    entries: list[tuple[int, int, bytes]] = []
    per_bucket: dict[int, int] = {}
    with sqlite3.connect(path) as conn:
        sql = "SELECT bucket, n, data FROM blocks ORDER BY bucket, block"
        for bucket, n, data in conn.execute(sql):
            e = decode([data], [n], [bucket])
            assert n == len(e) > 0 and encode(e, np.array([0, n])) == [data]
            assert (e.h >> LOW_BITS == bucket).all()
            rows = list(zip(e.h.tolist(), e.doc.tolist(), strict=True))
            small = index_blocks._HEADER.unpack_from(data)[0]
            assert rows[:small] == sorted(rows[:small]) and rows[small:] == sorted(rows[small:])
            assert not {h for h, _ in rows[:small]} & {h for h, _ in rows[small:]}
            assert len(set(rows)) == n
            raw = e.bands.tobytes()
            entries += [
                (h, d, raw[a:b]) for (h, d), a, b in zip(rows, e.ptr, e.ptr[1:], strict=False)
            ]
            per_bucket[bucket] = per_bucket.get(bucket, 0) + 1
    return entries + _staged_entries(path), list(per_bucket.values())


def _key_sections(path: Path) -> tuple[int, int]:
    """The keys stored band by band and the entries stored one by one, in every block."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT data FROM blocks").fetchall()
    heads = [index_blocks._HEADER.unpack_from(data) for (data,) in rows]
    return sum(k for _, _, k in heads), sum(m for m, _, _ in heads)


def _expected_entries(path: Path, articles: list[Article]) -> list[tuple[int, int, bytes]]:
    """The entries of ``articles`` as :func:`article_keys` makes them, with their stored doc."""
    with sqlite3.connect(path) as conn:
        doc_of = dict(conn.execute("SELECT id, doc FROM docs"))
    batch = article_keys([a.story_text for a in articles])
    return [
        (h, doc_of[a.id], bands) for d, a in enumerate(articles) for h, bands in batch.rows_of(d)
    ]


@pytest.mark.parametrize("ratio", [0, 2])
@pytest.mark.usefixtures("unstaged")
def test_blocks_hold_exactly_the_entries_of_the_articles(
    tmp_path: Path,
    ecb_articles: list[Article],
    monkeypatch: pytest.MonkeyPatch,
    ratio: int,
    big_keys: int,
) -> None:
    # Batches of many sizes, so that buckets get blocks of many sizes and merge (ratio 2,
    # the default) or only when they reach the most blocks a bucket holds (ratio 0).
    monkeypatch.setattr(index_store, "_MERGE_RATIO", ratio)
    path = tmp_path / "i.db"
    arts = ecb_articles[:260]
    with Index.open(path) as index:
        for lo, hi in itertools.pairwise([0, 100, 101, 140, 141, 142, 200, 230, 260]):
            index.add(arts[lo:hi])
        entries, blocks = _stored_entries(path)
        assert sorted(entries) == sorted(_expected_entries(path, arts))
        assert max(blocks) <= index_store._MOST_BLOCKS
        assert max(blocks) > 1 or ratio
        big, small = _key_sections(path)
        assert (big > 0, small > 0) == (big_keys <= 2, big_keys > 1)
        for i in (0, 50, 100, 141, 259):
            found = index.query(arts[i], top=1000, verify=False)
            assert {m.id for m in found.matches} == {
                arts[j].id for j in _batch_partners([a.text for a in arts], i)
            }


def _check_runs(path: Path) -> list[int]:
    """Check that ``runs`` accounts for every block (the blocks of run ``i`` are numbered
    from its ``first`` to the next run's, each bucket has at most one of them, and its
    ``entries`` are theirs); the run sizes, oldest first."""
    with sqlite3.connect(path) as conn:
        runs = conn.execute("SELECT first, entries FROM runs ORDER BY run").fetchall()
        blocks = conn.execute("SELECT block, bucket, n FROM blocks ORDER BY block").fetchall()
    firsts = [first for first, _ in runs]
    assert firsts == sorted(firsts) and (not blocks or blocks[0][0] >= firsts[0])
    held = [0] * len(runs)
    seen: set[tuple[int, int]] = set()
    for block, bucket, n in blocks:
        run = bisect.bisect_right(firsts, block) - 1
        assert (run, bucket) not in seen
        seen.add((run, bucket))
        held[run] += n
    assert held == [entries for _, entries in runs]
    return held


@pytest.mark.usefixtures("unstaged")
def test_batches_merge_whole_runs(tmp_path: Path, ecb_articles: list[Article]) -> None:
    # A batch merges with the newest runs (all their blocks, in every bucket) by the rule
    # of merge_plan on run sizes; removal keeps the run sizes right.
    path = tmp_path / "i.db"
    arts = ecb_articles[:300]
    sizes: list[int] = []
    with Index.open(path) as index:
        for lo, hi in itertools.pairwise([0, 120, 160, 175, 180, 181, 230, 240, 300]):
            before = _check_runs(path)
            index.add(arts[lo:hi])
            new = len(article_keys([a.story_text for a in arts[lo:hi]]).key)
            k = merge_plan(before, new, index_store._MERGE_RATIO, index_store._MOST_BLOCKS)
            sizes = _check_runs(path)
            kept = len(before) - k
            assert sizes == [*before[:kept], new + sum(before[kept:])]
            assert len(sizes) <= index_store._MOST_BLOCKS
        assert 1 < len(sizes) < 8  # some batches merged, some did not
        index.remove([arts[k].id for k in (0, 150, 299)])
        assert sum(_check_runs(path)) == sum(sizes) - sum(
            len(article_keys([arts[k].story_text]).key) for k in (0, 150, 299)
        )
        index.merge()
        assert len(_check_runs(path)) == 1


@pytest.mark.usefixtures("unstaged")
@pytest.mark.usefixtures("big_keys")
def test_merge_keeps_the_answers(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_store, "_MERGE_RATIO", 0)  # blocks stay apart until there are 4
    path = tmp_path / "i.db"
    with Index.open(path) as index:
        for lo in range(0, 100, 25):
            index.add(ecb_articles[lo : lo + 25])
        before = [index.query(ecb_articles[i], top=50, verify=False) for i in (3, 30, 99)]
        entries, blocks = _stored_entries(path)
        assert index.stats().delta_rows > 0 and max(blocks) > 1
        done: list[tuple[int, int]] = []
        index.merge(progress=lambda *step: done.append(step))
        assert done[-1] == (1 << 16, 1 << 16) and done == sorted(done) and len(done) > 1
        stats = index.stats()
        assert stats.delta_rows == 0 and stats.key_rows == len(entries)
        merged, blocks = _stored_entries(path)
        assert sorted(merged) == sorted(entries) and set(blocks) == {1}
        assert [index.query(ecb_articles[i], top=50, verify=False) for i in (3, 30, 99)] == before


@pytest.mark.usefixtures("unstaged")
@pytest.mark.usefixtures("big_keys")
def test_removal_rewrites_merged_and_newer_blocks(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Articles removed from merged blocks, from newer blocks of the same buckets, and an
    # article alone in some buckets (those blocks go): the entries left are exactly those
    # of the articles left, and the candidates those of batch clustering over them.
    monkeypatch.setattr(index_store, "_MERGE_RATIO", 0)
    path = tmp_path / "i.db"
    arts = ecb_articles[:150]
    with Index.open(path) as index:
        index.add(arts[:100])
        index.merge()
        index.add(arts[100:130])
        index.add(arts[130:])
        gone = {arts[k].id for k in (0, 7, 64, 99, 100, 129, 149)}
        assert index.remove(sorted(gone)) == len(gone)
        left = [a for a in arts if a.id not in gone]
        entries, _ = _stored_entries(path)
        assert sorted(entries) == sorted(_expected_entries(path, left))
        texts = [a.text for a in left]
        for i in range(0, len(left), 11):
            found = index.query(left[i], top=1000, verify=False)
            assert {m.id for m in found.matches} == {left[j].id for j in _batch_partners(texts, i)}
        index.remove([a.id for a in left])
        assert _stored_entries(path) == ([], []) and index.stats().key_rows == 0


def _staged_count(path: Path) -> tuple[int, int]:
    """The staged entries: as the staging table holds them, and as the index counts them."""
    with sqlite3.connect(path) as conn:
        rows = int(conn.execute("SELECT count(*) FROM staged").fetchone()[0])
        counted = int(conn.execute("SELECT value FROM meta WHERE name='staged'").fetchone()[0])
    return rows, counted


def _answers_are_the_batch_candidates(index: Index, arts: list[Article], step: int) -> None:
    texts = [a.text for a in arts]
    for i in range(0, len(arts), step):
        found = index.query(arts[i], top=1000, verify=False)
        assert {m.id for m in found.matches} == {arts[j].id for j in _batch_partners(texts, i)}


def test_small_batches_are_staged_and_queried_with_the_blocks(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large batch goes into the blocks, small ones into the staging table; queries see
    # both, removal deletes a staged article's rows, and the staged entries are the newest.
    arts = ecb_articles[:200]
    first = len(article_keys([a.story_text for a in arts[:100]]).key)
    monkeypatch.setattr(index_store, "_STAGE_BELOW", first)
    path = tmp_path / "i.db"
    with Index.open(path) as index:
        for lo, hi in itertools.pairwise([0, 100, 101, 120, 130, 150, 151, 170, 185, 200]):
            index.add(arts[lo:hi])
        staged, counted = _staged_count(path)
        assert staged == counted == len(article_keys([a.story_text for a in arts[100:]]).key)
        entries, _ = _stored_entries(path)
        assert sorted(entries) == sorted(_expected_entries(path, arts))
        blocked = entries[: len(entries) - staged]
        assert blocked and max(d for _, d, _ in blocked) < min(d for _, d, _ in entries[-staged:])
        assert index.stats().key_rows == len(entries)
        assert index.stats().delta_rows >= staged
        _answers_are_the_batch_candidates(index, arts, 7)
        gone = {arts[k].id for k in (3, 100, 125, 150, 199)}  # in blocks and staged
        assert index.remove(sorted(gone)) == len(gone)
        left = [a for a in arts if a.id not in gone]
        entries, _ = _stored_entries(path)
        assert sorted(entries) == sorted(_expected_entries(path, left))
        after, counted = _staged_count(path)
        assert after == counted < staged
        _answers_are_the_batch_candidates(index, left, 7)


def test_staged_entries_are_folded_into_the_blocks_past_the_most(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_store, "_STAGE_MOST", 2000)  # about 50 articles
    path = tmp_path / "i.db"
    arts = ecb_articles[:200]
    seen = []
    with Index.open(path) as index:
        for lo in range(0, len(arts), 15):
            index.add(arts[lo : lo + 15])
            staged, counted = _staged_count(path)
            assert staged == counted <= 2000
            seen.append(staged)
            entries, _ = _stored_entries(path)
            assert sorted(entries) == sorted(_expected_entries(path, arts[: lo + 15]))
        folds = sum(b < a for a, b in itertools.pairwise(seen))
        assert folds >= 2 and seen[0] > 0
        _answers_are_the_batch_candidates(index, arts, 9)


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[list[list[tuple[int, int, list[int]]]], int]:
    """Blocks of one bucket, each a list of entries ``(hash, doc, bands)`` sorted by hash
    then doc (the docs of a later block are newer), drawn from few hashes so that blocks
    share keys; and a threshold for big keys."""
    bucket = draw(st.integers(0, (1 << 16) - 1)) << LOW_BITS
    out = []
    for i in range(draw(st.integers(1, 3))):
        block = []
        for low in sorted(draw(st.sets(st.sampled_from([0, 1, 2, 0xFFFF]), min_size=1))):
            for doc in sorted(draw(st.sets(st.integers(100 * i, 100 * i + 99), min_size=1))):
                # An article of one shingle: its entry wins every band (256, one more than
                # a byte counts).
                every = st.just(set(range(256)))
                bands = draw(st.sets(st.integers(0, 255), min_size=1, max_size=5) | every)
                block.append((bucket | low, doc, sorted(bands)))
        out.append(block)
    return out, draw(st.sampled_from([1, 2, 3, index_blocks.BIG_KEY]))


@given(_blocks(), st.data())
def test_blocks_decode_and_match_what_was_encoded(
    drawn: tuple[list[list[tuple[int, int, list[int]]]], int], data: st.DataObject
) -> None:
    # Blocks of a bucket with keys in several of them (a run's block after another's, as a
    # removal rewrites them), each key small or big: every block decodes to its entries,
    # and a query's buckets are the docs, ascending, whose entry of the query's key for a
    # band wins that band.
    blocks, big = drawn
    flat = [row for block in blocks for row in block]
    entries = Entries.of(
        np.array([h for h, _, _ in flat]),
        np.array([d for _, d, _ in flat]),
        np.array([len(b) for _, _, b in flat]),
        np.array([band for _, _, b in flat for band in b], dtype=np.uint8),
    )
    ptr = np.r_[0, np.cumsum([len(b) for b in blocks])]
    blobs = encode(entries, ptr, big=big)
    bucket = flat[0][0] >> LOW_BITS
    for blob, block in zip(blobs, blocks, strict=True):
        got = decode([blob], [len(block)], [bucket])
        raw = got.bands.tolist()
        rows = zip(got.h.tolist(), got.doc.tolist(), got.ptr, got.ptr[1:], strict=False)
        assert sorted((h, d, raw[a:b]) for h, d, a, b in rows) == block
    # All the blocks at once (those without big keys cut out together): block after block.
    alone = [decode([blob], [len(b)], [bucket]) for blob, b in zip(blobs, blocks, strict=True)]
    together = decode(blobs, [len(b) for b in blocks], [bucket] * len(blocks))
    for column in ("h", "doc", "count", "bands"):
        want = np.concatenate([getattr(e, column) for e in alone])
        assert getattr(together, column).tolist() == want.tolist()
    keys = sorted({h for h, _, _ in flat})
    q_keys = np.array(data.draw(st.lists(st.sampled_from(keys), min_size=256, max_size=256)))
    stored = [(len(block), blob) for block, blob in zip(blocks, blobs, strict=True)]
    found = index_blocks.matching([(stored, keys)], q_keys)
    expected: dict[int, list[int]] = {}
    for h, d, bands in flat:
        for band in bands:
            if q_keys[band] == h:
                expected.setdefault(band, []).append(d)
    assert {band: docs.tolist() for band, docs in found.items()} == expected
    # The newest block given as entries (as the staged rows are read) instead: the same.
    newest = Entries.of(
        np.array([h for h, _, _ in blocks[-1]]),
        np.array([d for _, d, _ in blocks[-1]]),
        np.array([len(b) for _, _, b in blocks[-1]]),
        np.array([band for _, _, b in blocks[-1] for band in b], dtype=np.uint8),
    )
    found = index_blocks.matching([(stored[:-1], keys)], q_keys, newest)
    assert {band: docs.tolist() for band, docs in found.items()} == expected


def test_a_brief_of_one_shingle_is_found_staged_and_merged(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    # A one-line brief has one shingle, whose entry wins all 256 bands. Querying its copy
    # once failed (the count of bands kept in a byte wrapped to 0), and so did any query
    # whose key such an entry holds, reported as a damaged index.
    brief = "Another story about the election results in Ohio this week."
    assert [len(bands) for _, bands in article_keys([brief]).rows_of(0)] == [256]
    with Index.open(tmp_path / "i.db") as index:
        index.add([*ecb_articles[:100], Article(id="brief", text=brief)])
        for step in ("staged", "merged"):
            found = index.query(Article(id="copy", text=brief), top=3)
            assert [(m.id, m.shared_bands) for m in found.matches] == [("brief", 256)], step
            index.merge()


def test_the_last_bucket_and_hash_hold_every_row_of_theirs() -> None:
    # The highest row there can be: hash and doc all ones, 256 bands of 255.
    top = Entries.of(
        np.array([(1 << 32) - 1]),
        np.array([(1 << 32) - 1]),
        np.array([256]),
        np.full(256, 255, dtype=np.uint8),
    )
    (row,) = rows(top)
    for prefix, width in (((1 << 16) - 1, 2), ((1 << 32) - 1, 4)):
        lo, hi = index_store._staged_range(prefix, width)
        assert lo <= row < hi
    lo, hi = index_store._staged_range(0x1234, 2)
    assert lo <= b"\x12\x34\xff" < hi and not lo <= b"\x12\x35" < hi


def test_merge_empties_the_staging_table(tmp_path: Path, ecb_articles: list[Article]) -> None:
    path = tmp_path / "i.db"
    arts = ecb_articles[:120]
    with Index.open(path) as index:
        for lo in range(0, len(arts), 40):
            index.add(arts[lo : lo + 40])
        before = [index.query(arts[i], top=50, verify=False) for i in (3, 50, 119)]
        entries, _ = _stored_entries(path)
        assert _staged_count(path)[0] == len(entries) > 0
        index.merge()
        assert _staged_count(path) == (0, 0)
        stats = index.stats()
        assert stats.delta_rows == 0 and stats.key_rows == len(entries)
        merged, blocks = _stored_entries(path)
        assert sorted(merged) == sorted(entries) and set(blocks) == {1}
        assert [index.query(arts[i], top=50, verify=False) for i in (3, 50, 119)] == before


def test_verified_matches_seed_pair(tmp_path: Path) -> None:
    a = Article("a", SEED_A.read_text(encoding="utf-8"))
    b = Article("b", SEED_B.read_text(encoding="utf-8"))
    with Index.open(tmp_path / "i.db") as index:
        index.add([a])
        hit = index.query(b, align=True)
    (match,) = hit.matches
    assert match.id == "a" and match.verdict == "same_story" and match.score
    assert match.alignment is not None and match.alignment.links
    assert 0 < match.coverage_query <= 1  # type: ignore[operator]
    assert "same story" in str(hit._repr_html_()) and "<b>a</b>" in hit._repr_html_()


def test_provenance_by_date_then_insertion(tmp_path: Path) -> None:
    text_a = SEED_A.read_text(encoding="utf-8")
    text_b = SEED_B.read_text(encoding="utf-8")
    with Index.open(tmp_path / "i.db") as index:
        index.add([Article("later", text_a, meta={"date": "2019-10-31"})])
        index.add([Article("first", text_b, meta={"date": "2019-10-30T08:00:00+02:00"})])
        hit = index.query(Article("new", text_a, meta={"date": "2019-11-02"}))
        assert hit.earliest_id == "first"
        assert {m.id: m.earlier for m in hit.matches} == {"first": True, "later": True}
        assert index.query(Article("q", text_a), since="2019-10-31").matches[0].id == "later"
        window = index.query(Article("q", text_a, meta={"date": "2019-11-05"}), window=5)
        assert [m.id for m in window.matches] == ["later"]
        with pytest.raises(ParamsError, match="window needs a dated query"):
            index.query(Article("q", text_a), window=3)
        added = index.add([Article("bad", text_a, meta={"date": "yesterday"})])
        assert [i for i, _ in added.warnings] == ["bad"]
        assert "treated as undated" in added.warnings[0][1]
        assert "bad" in index
        with pytest.raises(ParamsError, match="--since 'last week' is not an ISO 8601 date"):
            index.query(Article("q", text_a), since="last week")
    with Index.open(tmp_path / "u.db") as index:  # undated: insertion order decides
        index.add([Article("z-first", text_b)])
        index.add([Article("a-second", text_a)])
        hit = index.query(Article("a-second", text_a))
        assert hit.earliest_id == "z-first" and hit.matches[0].earlier


def test_adding_an_id_twice_needs_replace(tmp_path: Path, ecb_articles: list[Article]) -> None:
    path = tmp_path / "i.db"
    with Index.open(path) as index:
        index.add(ecb_articles[:10])
        rows = _key_rows(path)
        # The same article again is held already: nothing to store, no error.
        same = index.add([ecb_articles[3], ecb_articles[11]])
        assert (same.added, same.unchanged) == ((ecb_articles[11].id,), (ecb_articles[3].id,))
        index.remove([ecb_articles[11].id])
        rows = _key_rows(path)
        # Another version of a stored id needs replace.
        other = Article(ecb_articles[3].id, ecb_articles[40].text)
        with pytest.raises(DuplicateIdError, match="already in the index"):
            index.add([other])
        for changed in ({"title": "Another headline"}, {"date": "2020-01-02"}, {"source": "AP"}):
            article = ecb_articles[3]
            edited = Article(article.id, article.text, meta={**article.meta, **changed})
            with pytest.raises(DuplicateIdError, match="already in the index"):
                index.add([edited])
        with pytest.raises(DuplicateIdError, match="repeated in this batch"):
            index.add([ecb_articles[20], ecb_articles[20]])
        # Many repeated ids: the message names three and says how many more.
        twice = ecb_articles[20:25] * 2
        first = sorted(a.id for a in twice)[::2][:3]
        with pytest.raises(DuplicateIdError) as many:
            index.add(twice)
        assert str(many.value).endswith(", ".join(map(repr, first)) + " and 2 more")
        assert len(index) == 10 and _key_rows(path) == rows  # nothing half-done
        new = Article(ecb_articles[3].id, ecb_articles[40].text)
        done = index.add([new], replace=True)
        assert done.replaced == (new.id,) and len(index) == 10 == _doc_rows(path)
        hit = index.query(Article("q", ecb_articles[40].text), top=20, verify=False)
        assert hit.n_articles == 10
        assert new.id in {m.id for m in hit.matches}
        assert next(a for a in index.articles() if a.id == new.id).text == new.text


def test_an_index_without_texts_cannot_tell_an_article_read_again(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    with Index.open(tmp_path / "i.db", store_text=False) as index:
        index.add(ecb_articles[:3])
        with pytest.raises(DuplicateIdError, match="already in the index"):
            index.add([ecb_articles[1]])


def test_remove_deletes_exactly_the_rows(tmp_path: Path, ecb_articles: list[Article]) -> None:
    path = tmp_path / "i.db"
    arts = ecb_articles[:60]
    with Index.open(path) as index:
        index.add(arts)
        index.merge()
        index.add(ecb_articles[60:70])  # some rows in keys, some in delta
        gone = [arts[5].id, ecb_articles[65].id]
        per_doc = {a.id: len(article_keys([a.text]).key) for a in ecb_articles[:70]}
        assert index.remove(gone) == 2
        assert _key_rows(path) == sum(v for k, v in per_doc.items() if k not in gone)
        assert arts[5].id not in index
        hit = index.query(arts[5], top=100, verify=False)
        assert arts[5].id not in {m.id for m in hit.matches}
        with pytest.raises(InputError, match="not in the index"):
            index.remove([arts[6].id, "nope"])
        assert arts[6].id in index
        assert len(index) == index.stats().n_articles == hit.n_articles == 68 == _doc_rows(path)


def _doc_rows(path: Path) -> int:
    """The articles the index holds, counted."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])


def _table_rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return [
            row
            for table in ("docs", "blocks", "staged")
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")
        ]


def test_worker_processes_store_what_one_process_stores(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    # A small batch (a stream's flush) is prepared in this process; the first batch of more
    # than one scan chunk (500 articles) starts two worker processes, which the index keeps
    # for the next batch and stops when closed.
    batches = ecb_articles[:20], ecb_articles[20:540], ecb_articles[540:]
    with Index.open(tmp_path / "one.db") as index:
        for batch in batches:
            index.add(batch)
    with Index.open(tmp_path / "two.db") as index:
        index.add(batches[0], workers=2)
        assert index._scanners is None
        index.add(batches[1], workers=2)
        assert index._scanners is not None
        pool = index._scanners[1]
        index.add(batches[2], workers=2)
        assert index._scanners is not None and index._scanners[1] is pool  # kept
        hit = index.query(ecb_articles[3], top=5, verify=False)
    assert index._scanners is None  # stopped by close()
    assert _table_rows(tmp_path / "two.db") == _table_rows(tmp_path / "one.db")
    with Index.open(tmp_path / "one.db") as index:
        assert index.query(ecb_articles[3], top=5, verify=False) == hit


def test_cluster_db_gives_the_same_clusters(tmp_path: Path, ecb_articles: list[Article]) -> None:
    arts = [a for a in ecb_articles if a.id.split("_")[0] in {"1", "3", "7", "22"}]
    with Index.open(tmp_path / "i.db") as index:
        index.add(arts[: len(arts) // 2])
        index.add(arts[len(arts) // 2 :])
        stored = index.articles()
    assert [a.text for a in stored] == [a.text for a in arts]
    direct, via = cluster(arts), cluster(stored)
    assert via.clusters == direct.clusters and len(direct.clusters) >= 3
    assert via.to_records() == direct.to_records()


def test_cli_cluster_db_matches_cluster(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    assert runner.invoke(app, ["index", "add", str(SEEDS), "--db", db]).exit_code == 0
    direct = runner.invoke(app, ["cluster", str(SEEDS), "--json"])
    via = runner.invoke(app, ["cluster", "--db", db, "--json"])
    assert via.exit_code == 0, via.output
    assert json.loads(via.stdout)["clusters"] == json.loads(direct.stdout)["clusters"]
    both = runner.invoke(app, ["cluster", str(SEEDS), "--db", db])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_cli_add_query_remove_stats(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    added = runner.invoke(app, ["index", "add", str(SEED_A), "--db", db, "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["n_articles"] == 1
    # An article read again as it is stored is not stored twice, and is no failure (an
    # ingest loop reads its folder again); another version of a stored id costs its own
    # article (exit 1: some failed), not the others.
    again = runner.invoke(app, ["index", "add", str(SEED_A), str(SEED_B), "--db", db])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        f"added 1 article to {db} (0 replaced, 1 already held as they are); it holds 2"
    )
    edited = tmp_path / SEED_A.name
    edited.write_text(SEED_A.read_text(encoding="utf-8") + "\nCorrection: a date.\n")
    changed = runner.invoke(app, ["index", "add", str(edited), "--db", db, "--json"])
    assert changed.exit_code == 1
    assert "is already in the index, in another version" in changed.stderr
    assert json.loads(changed.stdout)["unchanged"] == 0
    runner.invoke(app, ["index", "remove", SEED_B.name, "--db", db])
    assert runner.invoke(app, ["index", "add", str(SEED_A), "--db", db, "--replace"]).exit_code == 0
    found = runner.invoke(app, ["index", "query", str(SEED_B), "--db", db, "--json", "--align"])
    assert found.exit_code == 0, found.output
    (result,) = json.loads(found.stdout)["results"]
    assert result["matches"][0]["verdict"] == "same_story"
    assert result["matches"][0]["alignment"]["links"]
    shown = runner.invoke(app, ["index", "query", str(SEED_B), "--db", db], terminal_width=40)
    assert "same story" in shown.stdout and "earliest version" in shown.stdout
    # Piped, a match is one line, its id and title whole, however narrow the width.
    (line,) = [x for x in shown.stdout.splitlines() if x.startswith(SEED_A.name)]
    assert line.split()[2:4] == ["same", "story"] and line.endswith("patrols in Syria")
    stats = json.loads(runner.invoke(app, ["index", "stats", "--db", db, "--json"]).stdout)
    assert stats["n_articles"] == 1 and stats["params"]["min_bands"] == 8
    gone = runner.invoke(app, ["index", "remove", SEED_A.name, "--db", db, "--json"])
    assert json.loads(gone.stdout) == {"removed": 1, "n_articles": 0}
    unknown = runner.invoke(app, ["index", "remove", "nope", "--db", db])
    assert unknown.exit_code == 2 and "not in the index" in unknown.stderr


def test_cli_merge_leaves_one_run_and_the_same_answers(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    db = tmp_path / "n.db"
    with Index.open(db) as index:
        for lo in range(0, 90, 30):  # three batches: three runs, or staged rows
            index.add(ecb_articles[lo : lo + 30])
        delta = index.stats().delta_rows
        before = [index.query(ecb_articles[i], top=50, verify=False) for i in (4, 44, 88)]
    assert delta > 0
    done = runner.invoke(app, ["index", "merge", "--db", str(db), "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["merged_rows"] == delta and out["delta_rows"] == 0 and out["n_articles"] == 90
    with Index.open(db) as index:
        assert [index.query(ecb_articles[i], top=50, verify=False) for i in (4, 44, 88)] == before
    shown = runner.invoke(app, ["index", "merge", "--db", str(db)])
    assert shown.stdout.startswith(f"merged 0 newer key rows of {db}")
    missing = runner.invoke(app, ["index", "merge", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no index at" in missing.stderr


def test_cli_query_escapes_control_characters_in_ids(tmp_path: Path) -> None:
    db = str(tmp_path / "n.db")
    records = tmp_path / "r.jsonl"
    row = {"id": "evil\x1b[2J", "text": SEED_A.read_text(encoding="utf-8")}
    records.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["index", "add", str(records), "--db", db]).exit_code == 0
    shown = runner.invoke(app, ["index", "query", str(SEED_B), "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "evil\\x1b[2J" in shown.stdout


@pytest.mark.parametrize("command", ["add", "query", "remove", "stats", "merge"])
def test_cli_help_has_an_example(command: str) -> None:
    result = runner.invoke(app, ["index", command, "--help"], terminal_width=200)
    assert result.exit_code == 0 and "Example: dupwire index " + command in result.output
    for label in ("<bool>", "<path>", "<str>", "<int", "<float", "list[str]"):
        assert label not in result.output, label


def test_no_text_index_is_small_and_unverified(tmp_path: Path, ecb_articles: list[Article]) -> None:
    sizes = {}
    for store in (True, False):
        with Index.open(tmp_path / f"{store}.db", store_text=store) as index:
            index.add(ecb_articles[:150])
            sizes[store] = index.stats().file_bytes
            hit = index.query(ecb_articles[2])
            assert hit.verified is store
            assert all((m.verdict is None) is (not store) for m in hit.matches)
            if not store:
                with pytest.raises(IndexFileError, match="holds no article texts"):
                    index.articles()
    assert sizes[False] < sizes[True]


def _cli_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_index_add_checks_the_index_before_reading_the_inputs(tmp_path: Path) -> None:
    # A foreign file or a path in no directory is said first (reading a large input takes
    # minutes); an input that cannot be read creates no empty index.
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database at all\n" * 200)
    missing = str(tmp_path / "missing.jsonl")
    line = _cli_error(["index", "add", missing, "--db", str(foreign)])
    assert line.startswith(f"error: {foreign} is not a usable dupwire index")
    line = _cli_error(["index", "add", str(SEED_A), "--db", str(tmp_path / "no" / "x.db")])
    assert line == f"error: cannot create {tmp_path / 'no' / 'x.db'}: there is no directory " + (
        f"{tmp_path / 'no'}; check the path"
    )
    new = tmp_path / "new.db"
    assert "missing.jsonl" in _cli_error(["index", "add", missing, "--db", str(new)])
    assert not new.exists()
    new.touch()  # an empty file is made an index, as a missing one is
    assert runner.invoke(app, ["index", "add", str(SEED_A), "--db", str(new)]).exit_code == 0
    with Index.open(new) as index:
        assert len(index) == 1


def test_ids_and_fields_that_are_not_utf8_cost_only_their_article(
    tmp_path: Path, seed_a: str, seed_b: str
) -> None:
    # A file name in another encoding gives an id with a lone surrogate, which SQLite
    # cannot store: that article fails alone with its reason (it stopped the whole batch
    # as "a damaged index"); a lone surrogate in a title, source or text is stored as U+FFFD.
    bad_id = "b\udcffnews.txt"  # the id of b"b\xffnews.txt" read by a UTF-8 file system
    articles = [
        Article(id=bad_id, text=seed_b),
        Article(id="a", text=seed_a, meta={"title": "Patrols \ud800 resume", "source": "x\udc80"}),
    ]
    with Index.open(tmp_path / "i.db") as index:
        done = index.add(articles)
        assert done.added == ("a",)
        (failure,) = done.failures
        assert failure.id == bad_id
        assert "is not valid UTF-8" in failure.reason and "rename the file" in failure.reason
        assert bad_id not in index and index.existing([bad_id, "a"]) == ["a"]
        found = index.query(articles[0], top=3)  # such an id can still ask
        assert [(m.id, m.title, m.source) for m in found.matches] == [
            ("a", "Patrols \ufffd resume", "x\ufffd")
        ]
    out = runner.invoke(app, ["index", "remove", bad_id, "--db", str(tmp_path / "i.db")])
    assert out.exit_code == 2 and "ids not in the index" in out.output


def test_bad_files_give_one_clear_line(tmp_path: Path, ecb_articles: list[Article]) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database at all\n" * 200)
    assert "not a usable dupwire index" in _cli_error(["index", "stats", "--db", str(text_file)])
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t(x)")
    assert "not a dupwire index" in _cli_error(["index", "stats", "--db", str(other)])
    empty = tmp_path / "empty.db"  # as an index add leaves it for an instant when it starts
    with sqlite3.connect(empty) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    said = _cli_error(["index", "query", str(SEED_A), "--db", str(empty)])
    assert "is an empty SQLite database, not an index yet" in said and "index add" in said
    index_added = runner.invoke(app, ["index", "add", str(SEED_A), "--db", str(empty)])
    assert index_added.exit_code == 0, index_added.output  # and an add makes it one
    missing = tmp_path / "missing.db"
    assert "no index at" in _cli_error(["index", "query", str(SEED_A), "--db", str(missing)])
    assert not missing.exists()

    good = tmp_path / "good.db"
    with Index.open(good) as index:
        index.add(ecb_articles[:300])
        index.merge()
    with sqlite3.connect(good) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    line = _cli_error(["index", "query", str(SEED_A), "--db", str(truncated)])
    assert "damaged or truncated" in line
    # Blocks whose bytes are cut short or whose header says more than they hold: SQLite
    # reads them, the index refuses them in one line (queries, removals and merges read
    # blocks; a merge decodes them).
    for damage in ("x'01'", "substr(data, 1, 20)", "x'ffffffff0000000001000000'"):
        damaged = tmp_path / "damaged.db"
        for leftover in tmp_path.glob("damaged.db*"):  # the last one's, WAL included
            leftover.unlink()
        damaged.write_bytes(good.read_bytes())
        with Index.open(damaged) as index:
            # Staged: a merge folds them into the blocks.
            index.add([Article(f"new-{a.id}", a.text) for a in ecb_articles[:5]])
        with sqlite3.connect(damaged) as conn:
            conn.execute(f"UPDATE blocks SET data={damage}")
        commands = (["query", str(SEED_A)], ["remove", ecb_articles[0].id], ["merge"])
        for command in commands:
            line = _cli_error(["index", *command, "--db", str(damaged)])
            assert "is not a usable dupwire index (unexpected content: a block of" in line

    # A stored text that does not decompress: one line, in a real process too (where the
    # reading left unfinished was reported again when its cursor was closed at exit).
    damaged = tmp_path / "texts.db"
    damaged.write_bytes(good.read_bytes())
    with sqlite3.connect(damaged) as conn:
        conn.execute("UPDATE docs SET text=x'78da0102'")
    done = subprocess.run(
        [sys.executable, "-m", "dupwire", "index", "query", str(SEED_A), "--db", str(damaged)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "is not a usable dupwire index (unexpected content" in line

    with sqlite3.connect(good) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE name='schema'")
    assert "schema 99" in _cli_error(["index", "stats", "--db", str(good)])
    with sqlite3.connect(good) as conn:  # a file of the layout before bucket blocks
        conn.execute("UPDATE meta SET value='5' WHERE name='schema'")
    line = _cli_error(["index", "add", str(SEED_A), "--db", str(good)])
    assert f"has index schema 5, this dupwire reads schema {SCHEMA_VERSION}" in line
    assert "rebuild it with dupwire index add" in line
    with sqlite3.connect(good) as conn:
        conn.execute("UPDATE meta SET value=? WHERE name='schema'", (str(SCHEMA_VERSION),))
    with pytest.raises(IndexFileError, match=r"min_bands=8 \(this build: 4\)"):
        Index.open(good, settings=KeySettings(min_bands=4))


def _write_jsonl(path: Path, articles: list[Article]) -> None:
    path.write_text(
        "".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in articles),
        encoding="utf-8",
    )


def _count_docs(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM docs").fetchone()[0])
    except sqlite3.Error:
        return 0


def _adder(db: Path, source: Path, batch: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "dupwire", "index", "add", str(source), "--db", str(db)]
    return subprocess.Popen([*cmd, "--batch", str(batch)], stderr=subprocess.PIPE)


def test_killed_add_leaves_whole_articles(tmp_path: Path, ecb_articles: list[Article]) -> None:
    source, db = tmp_path / "in.jsonl", tmp_path / "n.db"
    _write_jsonl(source, ecb_articles)
    proc = _adder(db, source, batch=3)
    deadline = time.monotonic() + 60
    while _count_docs(db) < 30 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the add finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Index.open(db) as index:
        stored = index.articles()
        n = len(stored)
        assert 30 <= n < len(ecb_articles) and n % 3 == 0  # whole batches only
        assert [a.id for a in stored] == [a.id for a in ecb_articles[:n]]
        # every stored article has exactly its own rows
        assert _key_rows(db) == len(article_keys([a.text for a in stored]).key)
        index.add(ecb_articles[n : n + 3])  # and the index takes more
        assert len(index) == n + 3


def test_an_index_another_process_creates_meanwhile_is_opened_not_made_again(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two `index add` of one new file at once: the second saw no file, and by the time it
    # connects the first has made the index.  It used to make the tables again and call
    # the file damaged ("table meta already exists").
    db = tmp_path / "n.db"
    connect = index_store._connect
    made: list[int] = []

    def connect_after_another_made_it(path: Path, query: str = "") -> sqlite3.Connection:
        if not made:
            made.append(1)
            with Index.open(db) as first:
                first.add(ecb_articles[:3])
        return connect(path, query)

    monkeypatch.setattr(index_store, "_connect", connect_after_another_made_it)
    with Index.open(db) as second:
        second.add(ecb_articles[3:5])
        assert len(second) == 5


def test_two_processes_adding_to_one_new_index_both_store(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    db = tmp_path / "n.db"
    halves = [ecb_articles[:40], ecb_articles[40:80]]
    sources = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for source, half in zip(sources, halves, strict=True):
        _write_jsonl(source, half)
    procs = [_adder(db, source, batch=10) for source in sources]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with Index.open(db, read_only=True) as index:
        assert sorted(a.id for a in index.articles()) == sorted(a.id for a in ecb_articles[:80])


def test_reader_sees_consistent_snapshots_while_a_writer_adds(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    arts, probe = ecb_articles[:240], ecb_articles[300]
    source, db = tmp_path / "in.jsonl", tmp_path / "n.db"
    _write_jsonl(source, arts)
    with Index.open(db):
        pass  # created, so the reader can open it at once
    proc = _adder(db, source, batch=8)
    seen: list[tuple[int, frozenset[str]]] = []
    with Index.open(db, create=False) as index:
        while proc.poll() is None:
            hit = index.query(probe, top=1000, verify=False)
            seen.append((hit.n_articles, frozenset(m.id for m in hit.matches)))
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    sizes = sorted({n for n, _ in seen})
    assert len([n for n in sizes if 0 < n < len(arts)]) >= 3, sizes  # it did read mid-way
    texts = [a.text for a in arts]
    for n, found in set(seen):
        assert n % 8 == 0 or n == len(arts)
        expected = {arts[j].id for j in _batch_partners([*texts[:n], probe.text], n)}
        assert found == expected, n


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "dupwire", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)


def test_cli_add_keeps_a_record_with_a_bad_date_undated_as_cluster_does(tmp_path: Path) -> None:
    records = [
        {"id": "a", "text": SEED_A.read_text(encoding="utf-8"), "date": "last Tuesday"},
        {"id": "b", "text": SEED_B.read_text(encoding="utf-8"), "date": "2019-10-30"},
    ]
    source, db = tmp_path / "in.jsonl", tmp_path / "n.db"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    batch = _run_cli("cluster", str(source), "--json")
    added = _run_cli("index", "add", str(source), "--db", str(db), "--json")
    assert batch.returncode == 0 and added.returncode == 0, added.stderr
    warning = [line for line in added.stderr.splitlines() if line.startswith("warning:")]
    assert warning == [line for line in batch.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and warning[0].startswith("warning: a: date 'last Tuesday'")
    doc = json.loads(added.stdout)
    assert doc["added"] == 2 and doc["n_articles"] == 2 and doc["failures"] == []
    assert [w["id"] for w in doc["warnings"]] == ["a"]
    with sqlite3.connect(db) as conn:
        dates = dict(conn.execute("SELECT id, date FROM docs").fetchall())
    assert dates == {"a": None, "b": "2019-10-30"}
    found = _run_cli("index", "query", str(source), "--db", str(db), "--json")
    assert found.returncode == 0, found.stderr
    results = {r["query_id"]: r for r in json.loads(found.stdout)["results"]}
    assert results["a"]["query_date"] is None and "treated as undated" in results["a"]["warning"]
    assert [m["id"] for m in results["a"]["matches"]] == ["b"]
    assert [m["date"] for m in results["b"]["matches"]] == [None]
    assert found.stderr.count("warning: a: date 'last Tuesday'") == 1


def test_an_article_that_cannot_be_prepared_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison_scan(monkeypatch, lambda: RuntimeError("cannot read this word"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for seed in (SEED_A, SEED_B):
        (inbox / seed.name).write_bytes(seed.read_bytes())
    (inbox / "poison.txt").write_text("Troops left. POISON in the text.\n", encoding="utf-8")
    db = str(tmp_path / "n.db")
    added = runner.invoke(app, ["index", "add", str(inbox), "--db", db, "--json"])
    assert added.exit_code == 1, added.output  # done, one article failed
    doc = json.loads(added.stdout)
    assert doc["added"] == 2 and doc["n_articles"] == 2
    (failure,) = doc["failures"]
    assert failure["id"] == "poison.txt" and "cannot read this word" in failure["error"]
    with Index.open(tmp_path / "n.db") as index:
        assert index.existing(["poison.txt", SEED_A.name]) == [SEED_A.name]
        assert index.query(Article("q", SEED_B.read_text(encoding="utf-8"))).matches
        with pytest.raises(InputError, match="cannot read this word"):
            index.query(Article("q", "POISON again."))


def _streamer(db: Path, *options: str) -> subprocess.Popen[bytes]:
    """``dupwire index add - --db db`` reading from a pipe the test writes."""
    cmd = [sys.executable, "-m", "dupwire", "index", "add", "-", "--db", str(db), *options]
    return subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _send(proc: subprocess.Popen[bytes], *lines: dict[str, Any] | str) -> None:
    assert proc.stdin is not None
    for line in lines:
        text = line if isinstance(line, str) else json.dumps(line)
        proc.stdin.write(text.encode("utf-8") + b"\n")
    proc.stdin.flush()


def _wait_for_docs(db: Path, n: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while _count_docs(db) < n and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the stream ended before the pipe was closed"
    assert _count_docs(db) == n


def test_a_stream_is_queryable_before_it_ends(tmp_path: Path, ecb_articles: list[Article]) -> None:
    db = tmp_path / "n.db"
    proc = _streamer(db, "--json", "--batch", "1000", "--flush-seconds", "0.2")
    seed_a, seed_b = SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")
    others = [{"id": a.id, "text": a.text} for a in ecb_articles[:5]]
    _send(proc, {"id": "a", "text": seed_a, "date": "2019-10-30"}, *others)
    _wait_for_docs(db, 6, proc)  # fewer than --batch: committed because the stream paused
    with Index.open(db, create=False) as index:
        hit = index.query(Article("b", seed_b))
        assert [(m.id, m.verdict, m.date) for m in hit.matches] == [
            ("a", "same_story", "2019-10-30")
        ]
        assert hit.n_articles == 6
    # lines 7 and 8 are broken (not JSON; an id already stored), the stream goes on
    _send(proc, "{broken", {"id": "a", "text": seed_b}, {"id": "c", "text": seed_b})
    _wait_for_docs(db, 7, proc)
    out, err = proc.communicate(timeout=90)  # closes the pipe: the end of the stream
    assert proc.returncode == 1, err  # done, some lines failed
    *batches, summary = [json.loads(line) for line in out.splitlines()]
    assert (summary["added"], summary["n_articles"], summary["n_replaced"]) == (7, 7, 0)
    failures = [f for doc in batches for f in doc["failures"]]
    assert [f["id"] for f in failures] == ["<stdin>:7", "a"]
    assert "not valid JSON" in failures[0]["error"]
    assert failures[1]["error"].startswith("<stdin>:8: 'a' is already in the index")
    assert b"failed article <stdin>:7" in err and b"Traceback" not in err
    with Index.open(db, create=False) as index:
        assert index.existing(["a", "c"]) == ["a", "c"]
        assert [m.id for m in index.query(Article("q", seed_a)).matches] == ["a", "c"]


def test_a_clean_stream_ends_at_eof_and_an_interrupt_keeps_what_was_read(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    records = [{"id": a.id, "text": a.text} for a in ecb_articles[:8]]
    db = tmp_path / "n.db"
    done = subprocess.run(
        [sys.executable, "-m", "dupwire", "index", "add", "-", "--db", str(db), "--batch", "4"],
        input="".join(json.dumps(r) + "\n" for r in records[:5]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"added 5 articles to {db} (0 replaced); it holds 5"
    assert done.stderr == ""
    # Stopped with Ctrl-C, the loop stores the records it has read but not yet committed.
    proc = _streamer(db, "--batch", "2", "--flush-seconds", "600")
    _send(proc, *records[5:7])  # a full batch: stored at once, so the reader is running
    _wait_for_docs(db, 7, proc)
    _send(proc, records[7])
    time.sleep(1.0)  # read by now, and waiting for a second record or the flush time
    assert _count_docs(db) == 7
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=90)
    assert proc.returncode == 130, err
    with Index.open(db, create=False) as index:
        assert len(index) == 8 and records[7]["id"] in index


def _json_line(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The next line ``proc`` prints, read while its input is still open."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 90)
    assert ready, "no line came"
    assert proc.poll() is None, "the stream ended before the pipe was closed"
    doc: dict[str, Any] = json.loads(proc.stdout.readline())
    return doc


def test_a_json_stream_prints_each_batch_as_it_is_committed(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    db = tmp_path / "n.db"
    proc = _streamer(
        db, "--json", "--batch", "3", "--flush-seconds", "600", "--max-bytes", "100000"
    )
    records = [{"id": a.id, "text": a.text} for a in ecb_articles[:5]]
    _send(proc, *records[:3])
    first = _json_line(proc)  # the batch is reported as it lands, long before the end
    assert first == {
        "kind": "batch",
        "batch": 1,
        "db": str(db),
        "added": 3,
        "replaced": [],
        "unchanged": 0,
        "n_articles": 3,
        "warnings": [],
        "failures": [],
    }
    # lines 4-6 fail (not JSON; over the line limit of 6 x 100,000 + 1 MiB; another
    # version of an id stored)
    changed = {"id": records[0]["id"], "text": records[1]["text"]}
    _send(proc, "{broken", "x" * 2 * 2**20, changed)
    second = _json_line(proc)
    assert (second["batch"], second["added"], second["n_articles"]) == (2, 0, 3)
    assert [f["id"] for f in second["failures"]] == ["<stdin>:4", "<stdin>:5", records[0]["id"]]
    assert "over the 1,648,576-byte limit of a line" in second["failures"][1]["error"]
    _send(proc, *records[3:])
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, err  # done, some lines failed
    *rest, summary = [json.loads(line) for line in out.splitlines()]
    batches = [first, second, *rest]
    assert [doc["kind"] for doc in batches] == ["batch"] * 3
    assert [doc["batch"] for doc in batches] == [1, 2, 3]
    assert summary == {
        "kind": "summary",
        "db": str(db),
        "batches": 3,
        "added": sum(doc["added"] for doc in batches),
        "n_replaced": sum(len(doc["replaced"]) for doc in batches),
        "n_unchanged": sum(doc["unchanged"] for doc in batches),
        "n_articles": batches[-1]["n_articles"],
        "n_warnings": sum(len(doc["warnings"]) for doc in batches),
        "n_failures": sum(len(doc["failures"]) for doc in batches),
    }
    assert (summary["added"], summary["n_articles"], summary["n_failures"]) == (5, 5, 3)
    failed = [f["id"] for doc in batches for f in doc["failures"]]
    assert sorted(failed) == sorted(set(failed))  # each broken line once, in its batch only
    assert rest[0]["failures"] == []
    assert err.decode().count("failed article <stdin>:5") == 1


def test_a_stream_skips_a_line_over_the_limit_and_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    proc = _streamer(db, "--max-bytes", "100", "--flush-seconds", "0.2")
    first = {"id": "a", "text": "Turkish troops left the border town on Monday."}
    _send(proc, first)
    _wait_for_docs(db, 1, proc)
    # 3 MiB in one line: over the 1,049,176-byte limit of a line with --max-bytes 100
    assert proc.stdin is not None
    for _ in range(3 * 16):
        proc.stdin.write(b"x" * 2**16)
    proc.stdin.write(b"\n")
    _send(proc, {"id": "b", "text": "Russian patrols resumed near the town on Tuesday."})
    _wait_for_docs(db, 2, proc)  # the line after the long one is stored, the stream goes on
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 1, err  # done, a line failed
    assert out.decode().strip() == f"added 2 articles to {db} (0 replaced); it holds 2"
    assert err.decode().splitlines() == [
        "failed article <stdin>:2: the line is 3,145,728 bytes, over the "
        "1,049,176-byte limit of a line (6 x max_bytes + 1 MiB), so it was skipped; shorten "
        "the record or raise the limit (max_bytes, --max-bytes)"
    ]
    with Index.open(db, create=False) as index:
        assert index.existing(["a", "b"]) == ["a", "b"]


@pytest.mark.parametrize("replace", [False, True], ids=["repeat-fails", "repeat-replaces"])
def test_add_stream_batches_and_repeated_ids(
    tmp_path: Path, ecb_articles: list[Article], replace: bool
) -> None:
    arts = ecb_articles[:5]
    later = Article(arts[1].id, arts[4].text)
    records: list[tuple[Article, str] | Failure | None] = [
        (arts[0], "<stdin>:1"),
        (arts[1], "<stdin>:2"),
        None,  # a flush mark
        (arts[2], "<stdin>:3"),
        (later, "<stdin>:4"),  # read before its first version was stored
        (arts[3], "<stdin>:5"),
        (Article(arts[2].id, arts[0].text), "<stdin>:6"),  # repeats line 3, not yet stored
    ]
    with Index.open(tmp_path / "n.db") as index:
        done = list(index.add_stream(records, batch=10, replace=replace))
        assert [len(d.added) for d in done] == ([2, 3, 1] if replace else [2, 2])
        stored = {a.id: a.text for a in index.articles()}
    assert sorted(stored) == sorted(a.id for a in arts[:4])
    assert stored[later.id] == (later.text if replace else arts[1].text)
    assert stored[arts[2].id] == (arts[0].text if replace else arts[2].text)
    failures = [f for d in done for f in d.failures]
    if replace:
        assert failures == [] and [d.replaced for d in done] == [(), (later.id,), (arts[2].id,)]
    else:
        assert [f.origin for f in failures] == ["<stdin>:4", "<stdin>:6"]
        assert "already in the index" in failures[0].reason
        assert "was already read at <stdin>:3" in failures[1].reason


@pytest.mark.parametrize("keep_read", [True, False])
def test_an_interrupted_stream_keeps_what_it_read_unless_told_not_to(
    tmp_path: Path, ecb_articles: list[Article], keep_read: bool
) -> None:
    # Ctrl-C while reading: a stream (stdin) stores what it has read, since it cannot read
    # it again; records of files (keep_read=False) stop at once. Committed batches stay.
    def records() -> Iterator[tuple[Article, str]]:
        for k, article in enumerate(ecb_articles[:7]):
            yield article, f"feed.jsonl:{k + 1}"
        raise KeyboardInterrupt

    with Index.open(tmp_path / "n.db") as index:
        done: list[int] = []
        stream = index.add_stream(records(), batch=5, keep_read=keep_read)
        with pytest.raises(KeyboardInterrupt):
            done.extend(len(result.added) for result in stream)
        assert done == ([5, 2] if keep_read else [5])
        assert len(index) == (7 if keep_read else 5)


def test_index_add_reports_failures_of_several_files_in_read_order(tmp_path: Path) -> None:
    # Failures of one batch come in the order they were read, file after file (they were
    # ordered by line number, which interleaved the files).
    seed = SEED_A.read_text(encoding="utf-8")
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(
        "\n".join([json.dumps({"id": "a", "text": seed}), "not json", "[1]"]) + "\n",
        encoding="utf-8",
    )
    second.write_text(
        "\n".join([json.dumps({"id": "a", "text": seed}), "{}", "oops"]) + "\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "n.db")
    added = runner.invoke(app, ["index", "add", str(first), str(second), "--db", db, "--json"])
    assert added.exit_code == 1, added.output
    failures = json.loads(added.stdout)["failures"]
    where = [f["error"].split(": ")[0] for f in failures]
    expected = [(first, 2), (first, 3), (second, 1), (second, 2), (second, 3)]
    assert where == [f"{path.as_posix()}:{line}" for path, line in expected]


def test_stdin_stream_must_be_the_only_path(tmp_path: Path) -> None:
    line = _cli_error(["index", "add", str(SEED_A), "-", "--db", str(tmp_path / "n.db")])
    assert "must be the only PATH" in line


def _without_permission_override() -> None:
    """In a child process run as root, before it runs Python: give up the capabilities that
    let root read and write any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that file
    modes bind it as they bind any other user (it stays the owner of its own files).  They
    leave the bounding set, or running a program as root would grant them again."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_without_write_access(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "dupwire", *args]
    drop = _without_permission_override if os.geteuid() == 0 else None
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=120, preexec_fn=drop
        )
    except subprocess.SubprocessError as exc:  # capset refused: file modes cannot bind root
        pytest.skip(f"cannot run a process that file modes bind: {exc}")


def test_an_index_that_may_not_be_written_is_still_read(
    tmp_path: Path, ecb_articles: list[Article]
) -> None:
    # An index shared read-only (the file and its directory not writable by the reader):
    # queries, stats and clustering work; adding says the file cannot be written.
    shared = tmp_path / "shared"
    shared.mkdir()
    db = shared / "news.db"
    with Index.open(db) as index:
        index.add(ecb_articles[:60])
        expected = index.query(Article("probe.txt", ecb_articles[3].text), top=3)
    probe = tmp_path / "probe.txt"
    probe.write_text(ecb_articles[3].text, encoding="utf-8")
    db.chmod(0o444)
    shared.chmod(0o555)
    try:
        found = _run_without_write_access(
            "index", "query", str(probe), "--db", str(db), "--top", "3", "--json"
        )
        stats = _run_without_write_access("index", "stats", "--db", str(db), "--json")
        clustered = _run_without_write_access("cluster", "--db", str(db), "--json")
        added = _run_without_write_access("index", "add", str(probe), "--db", str(db))
        left = list(shared.glob("news.db-*"))  # nothing could be written beside it
        with Index.open(db, read_only=True) as index:
            again = index.query(Article("probe.txt", ecb_articles[3].text), top=3)
            with pytest.raises(IndexFileError, match="cannot be written"):
                index.remove([ecb_articles[0].id])
    finally:
        shared.chmod(0o755)
        db.chmod(0o644)
    assert found.returncode == 0, found.stderr
    (result,) = json.loads(found.stdout)["results"]
    assert [m["id"] for m in result["matches"]] == [m.id for m in expected.matches]
    assert [m.id for m in again.matches] == [m.id for m in expected.matches]
    assert stats.returncode == 0 and json.loads(stats.stdout)["n_articles"] == 60
    assert clustered.returncode == 0 and len(json.loads(clustered.stdout)["records"]) == 60
    assert added.returncode == 2
    assert "cannot be written" in added.stderr and "permissions" in added.stderr
    assert left == []
    with pytest.raises(IndexFileError, match="no index at"):
        Index.open(tmp_path / "none.db", read_only=True)


def test_a_write_waits_for_another_writer_then_goes_on(
    tmp_path: Path, ecb_articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process writing the index (an index merge holds it about 20 s at a million
    # articles) makes a write wait, said once, up to write_wait; past that it is busy.
    import sqlite3
    import threading

    monkeypatch.setattr(index_store, "_BUSY_SECONDS", 0.2)
    db = tmp_path / "n.db"
    blocker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    with Index.open(db) as index:
        index.add(ecb_articles[:3])
        told: list[float] = []
        index.on_wait = lambda: told.append(time.monotonic())
        blocker.execute("BEGIN IMMEDIATE")
        release = threading.Timer(1.5, lambda: blocker.execute("COMMIT"))
        release.start()
        start = time.monotonic()
        index.add(ecb_articles[3:6])  # waits for the other writer, then stores
        release.join()
        assert time.monotonic() - start >= 1.4 and len(told) == 1
        assert len(index) == 6
        index.write_wait = 0.5
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(IndexFileError, match="is busy"):
                index.add(ecb_articles[6:8])
            # A stream whose commit fails says which of its records were not stored.
            records = [(a, f"<stdin>:{k}") for k, a in enumerate(ecb_articles[6:9], start=1)]
            with pytest.raises(IndexFileError) as failed:
                list(index.add_stream(records, batch=2))
        finally:
            blocker.execute("COMMIT")
        assert "(<stdin>:1 to <stdin>:2) were not stored" in str(failed.value)
        assert len(index) == 6
