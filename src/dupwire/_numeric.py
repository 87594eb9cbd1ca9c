"""Shared numpy basics: dtype aliases, the 64-bit mixer, runs of positions and numpy work
in threads.

Every hash that dupwire combines with numpy (n-gram shingles, band keys, sentence lines,
copy fingerprints) goes through :func:`mix64`, written once here.

>>> int(mix64(np.array([0], dtype=np.uint64))[0])
0
>>> int(mix64(np.array([1], dtype=np.uint64))[0]) != 1
True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "F64",
    "GOLDEN",
    "I32",
    "I64",
    "U64",
    "combine",
    "held_in",
    "mix64",
    "ranges",
    "runs",
    "threaded",
]

T = TypeVar("T")
R = TypeVar("R")

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]

#: An odd 64-bit constant (2**64 / golden ratio) for combining hashes.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def mix64(h: U64) -> U64:
    """The splitmix64 finaliser, a bijection on ``uint64`` that spreads every input bit."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _MIX1
        h = h ^ (h >> np.uint64(27))
        h = h * _MIX2
        out: U64 = h ^ (h >> np.uint64(31))
    return out


def combine(left: U64, right: U64) -> U64:
    """An order-sensitive hash of two hashes: ``mix64(left * GOLDEN + right)``."""
    with np.errstate(over="ignore"):
        return mix64(left * GOLDEN + right)


def runs(lo: I64, hi: I64) -> I64:
    """The positions ``lo[i]:hi[i]`` of every ``i``, one run after another.

    >>> runs(np.array([5, 0]), np.array([6, 2])).tolist()
    [5, 0, 1]
    """
    size = hi - lo
    starts = np.repeat(lo - (np.cumsum(size) - size), size)
    out: I64 = np.arange(int(size.sum()), dtype=np.int64) + starts
    return out


def ranges(ptr: I64, rows: I64) -> I64:
    """The positions ``ptr[r]:ptr[r + 1]`` of every ``r`` in ``rows``, one run after another
    (the entries of some rows of a CSR layout).

    >>> ranges(np.array([0, 2, 5, 6]), np.array([2, 0])).tolist()
    [5, 0, 1]
    """
    return runs(ptr[rows], ptr[rows + 1])


def held_in(values: npt.NDArray[Any], keys: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Whether each of ``values`` is one of ``keys`` (sorted ascending): ``np.isin(values,
    keys)`` by one binary search per value, where ``np.isin`` sorts both arrays or compares
    every value with every key (0.09 against 0.63 s for 2.9 million values and 50 keys).

    >>> held_in(np.array([3, 1, 7, 3]), np.array([1, 2, 3])).tolist()
    [True, True, False, True]
    """
    if not len(keys):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(keys, values)
    at[at == len(keys)] = 0
    out: npt.NDArray[np.bool_] = keys[at] == values
    return out


def threaded(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)``, with up to ``workers`` threads computing ahead, answers in order.

    For numpy work: its sorts, gathers and arithmetic on large arrays let go of the
    interpreter lock, so threads share out the cores.  At most ``workers`` items are in
    hand at a time (computing, or done and waiting to be taken), so memory stays that of
    ``workers`` items however many there are.  With one worker, plain ``map``.

    >>> list(threaded(lambda x: x * x, range(5), 2))
    [0, 1, 4, 9, 16]
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            if len(pending) >= workers:
                yield pending.popleft().result()
            pending.append(pool.submit(fn, item))
        while pending:
            yield pending.popleft().result()
