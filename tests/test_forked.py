"""Work split over forked processes: the same answers, in order, from other processes."""

from __future__ import annotations

import gc
import os
import random
from typing import Any

import numpy as np
import pytest

from dupwire.cluster import forked
from dupwire.cluster.forked import can_fork, forked_map
from dupwire.cluster.scan import scan_corpus
from dupwire.cluster.vectors import sentence_bags
from dupwire.cluster.verify import PAIR_ALIGN, passage_scores, relations

needs_fork = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork workers")


def _squares_and_pids(state: list[int], lo: int, hi: int) -> list[tuple[int, int]]:
    return [(x * x, os.getpid()) for x in state[lo:hi]]


def _dies_in_a_worker(state: tuple[int, list[int]], lo: int, hi: int) -> list[int]:
    parent, values = state
    if os.getpid() != parent:
        os._exit(3)  # as the kernel's out-of-memory killer would end it
    return [v + 1 for v in values[lo:hi]]


@needs_fork
def test_answers_come_in_order_from_other_processes() -> None:
    values = list(range(1000))
    seen: list[int] = []
    got = forked_map(_squares_and_pids, values, len(values), workers=2, chunk=64, done=seen.append)
    assert [square for square, _ in got] == [v * v for v in values]
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # the work left this process
    assert seen == sorted(seen) and seen[-1] == len(values) and len(seen) == -(-1000 // 64)
    assert gc.get_freeze_count() == 0  # the heap frozen for the fork is thawed again
    assert forked._STATE is None  # the state went to the workers only


def test_one_worker_or_few_items_stay_in_this_process() -> None:
    values = list(range(100))
    for workers, chunk in [(1, 10), (2, 60)]:
        seen: list[int] = []
        got = forked_map(
            _squares_and_pids, values, 100, workers=workers, chunk=chunk, done=seen.append
        )
        assert got == [(v * v, os.getpid()) for v in values]
        assert seen[-1] == 100
    seen = []
    assert forked_map(_squares_and_pids, [], 0, workers=2, chunk=10, done=seen.append) == []
    assert seen == [0]


@needs_fork
def test_a_worker_that_dies_costs_time_not_answers() -> None:
    values = list(range(300))
    got = forked_map(_dies_in_a_worker, (os.getpid(), values), 300, workers=2, chunk=50)
    assert got == [v + 1 for v in values]
    assert gc.get_freeze_count() == 0


def test_a_refused_fork_costs_time_not_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    class Refused(forked.ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError(12, "Cannot allocate memory")  # fork(2) failing with ENOMEM

    monkeypatch.setattr(forked, "ProcessPoolExecutor", Refused)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    seen: list[int] = []
    got = forked_map(
        _squares_and_pids, list(range(500)), 500, workers=2, chunk=50, done=seen.append
    )
    assert got == [(v * v, os.getpid()) for v in range(500)]
    assert seen[-1] == 500
    assert gc.get_freeze_count() == 0


@needs_fork
def test_forked_relations_equal_those_of_one_process(
    ecb_records: list[dict[str, Any]], forked_pools: list[int]
) -> None:
    texts = [r["text"] for r in sorted(ecb_records, key=lambda r: r["id"])[:150]]
    text = scan_corpus(texts, 1)
    bags = sentence_bags(text, np.ones(text.n_sents, dtype=bool))
    rng = random.Random(11)
    pairs = [(rng.randrange(150), rng.randrange(150)) for _ in range(900)]
    pairs += [(k, k + 1) for k in range(149)]  # neighbours by id: mostly one topic
    alone = relations(bags, pairs, 1)
    assert alone == [bags.relate(i, j, PAIR_ALIGN) for i, j in pairs]
    assert not forked_pools
    assert relations(bags, pairs, 2) == alone  # bit for bit, in order
    assert forked_pools == [2]
    assert max(score for score, _ in alone) > 50
    assert passage_scores(bags, pairs, workers=2) == passage_scores(bags, pairs)
