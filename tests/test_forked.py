"""Work split over forked processes: the same answers, in order, from other processes."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import random
import time
from typing import Any

import numpy as np
import pytest

from dupwire.cluster import forked
from dupwire.cluster.forked import Ahead, can_fork, forked_map
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


# --- work begun ahead, beside this process ------------------------------------------------


def _pid_and_sum(values: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(values)


def _dies_unless_in(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)  # as the kernel's out-of-memory killer would end it
    return "here"


def _fails() -> None:
    msg = "no shingles"
    raise ValueError(msg)


@needs_fork
def test_ahead_answers_from_another_process() -> None:
    with Ahead(functools.partial(_pid_and_sum, list(range(100)))) as ahead:
        assert gc.get_freeze_count() == 0  # frozen for the fork only
        pid, total = ahead.result()
    assert total == 4950 and pid != os.getpid()
    with pytest.raises(RuntimeError, match="already given"):
        ahead.result()


def test_ahead_without_a_fork_answers_here_when_asked() -> None:
    calls: list[int] = []
    ahead = Ahead(lambda: calls.append(os.getpid()) or len(calls), fork=False)
    assert not calls  # not computed until asked for
    assert ahead.result() == 1 and calls == [os.getpid()]


@needs_fork
def test_ahead_that_dies_costs_time_not_answers() -> None:
    assert Ahead(functools.partial(_dies_unless_in, os.getpid())).result() == "here"


@needs_fork
def test_ahead_raises_what_the_work_raised() -> None:
    with pytest.raises(ValueError, match="no shingles"):
        Ahead(_fails).result()


@needs_fork
def test_a_closed_ahead_stops_its_process() -> None:
    ahead = Ahead(functools.partial(time.sleep, 60))
    process = ahead._process
    assert process is not None and process.is_alive()
    start = time.monotonic()
    ahead.close()
    assert time.monotonic() - start < 10 and not process.is_alive()


def test_a_refused_fork_answers_here(monkeypatch: pytest.MonkeyPatch) -> None:
    real = multiprocessing.get_context("fork") if can_fork() else multiprocessing.get_context()

    class Refused:
        Pipe = staticmethod(real.Pipe)

        class Process:
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                pass

            def start(self) -> None:
                raise OSError(12, "Cannot allocate memory")  # fork(2) failing with ENOMEM

    monkeypatch.setattr(forked.multiprocessing, "get_context", lambda method: Refused)
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    pid, total = Ahead(functools.partial(_pid_and_sum, [1, 2])).result()
    assert (pid, total) == (os.getpid(), 3)
    assert gc.get_freeze_count() == 0
