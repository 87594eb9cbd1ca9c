"""The shared numpy basics of ``dupwire._numeric``: membership by binary search and the
ordered, bounded map in threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dupwire._numeric import held_in, threaded

_HASHES = st.lists(st.integers(0, 2**64 - 1), max_size=60)
_SMALL = st.lists(st.integers(0, 20), max_size=60)


@given(st.one_of(st.tuples(_HASHES, _HASHES), st.tuples(_SMALL, _SMALL)))
def test_held_in_is_isin(case: tuple[list[int], list[int]]) -> None:
    values = np.array(case[0], dtype=np.uint64)
    keys = np.unique(np.array(case[1], dtype=np.uint64))
    got = held_in(values, keys)
    assert got.dtype == bool and got.shape == values.shape
    assert np.array_equal(got, np.isin(values, keys))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_threaded_answers_in_order(workers: int) -> None:
    # Later items finish first: the answers still come in the order of the items.
    def slow_first(k: int) -> int:
        time.sleep(0.002 * (10 - k))
        return k * k

    assert list(threaded(slow_first, range(10), workers)) == [k * k for k in range(10)]


def test_threaded_holds_at_most_workers_items() -> None:
    # Items are taken from the input only as answers are given out: never more than
    # ``workers`` ahead of the caller, so memory stays that of a few items.
    taken: list[int] = []
    running = 0
    most = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        for k in range(30):
            taken.append(k)
            yield k

    def work(k: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.001)
        with lock:
            running -= 1
        return k

    for answered, k in enumerate(threaded(work, items(), 3)):
        assert k == answered
        assert len(taken) - (answered + 1) <= 3
    assert most <= 3


def test_threaded_raises_what_the_work_raises() -> None:
    def work(k: int) -> int:
        if k == 4:
            raise ValueError("item 4")
        return k

    answers = threaded(work, range(10), 2)
    assert [next(answers) for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="item 4"):
        next(answers)
