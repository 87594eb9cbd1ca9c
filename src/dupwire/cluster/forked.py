"""Work over many items split between processes forked from this one.

Verification and the members' relations are one independent computation per pair, over
arrays the pipeline already holds (the sentence bags).  Forked processes read those arrays
in place (the pages are shared until written), so nothing is copied or sent but the ranges
of items to do and the answers.  Where the platform cannot fork (or safely: macOS), or for
few items, the work runs in this process: the answers are the same either way.

Objects alive at the fork are frozen out of the garbage collector (:func:`gc.freeze`) while
the workers run, so that a collection in a worker does not walk (and so copy) the parent's
whole heap.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["LOST_WORKERS", "can_fork", "forked_map", "ignore_interrupts"]

T = TypeVar("T")

#: What a pool raises when a worker died (killed, out of memory) or none could be started
#: (the system refused the fork): the work can still be done in the calling process.
LOST_WORKERS = (BrokenProcessPool, OSError)

#: What a task reads, in a worker: handed over at the fork (inherited, never pickled).
_STATE: Any = None


def can_fork() -> bool:
    """Whether work may be split over forked processes here."""
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def ignore_interrupts() -> None:
    """A worker's start: Ctrl-C is left to its parent, which gets it too and stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(state: Any) -> None:
    """A worker's start: it keeps ``state`` (:func:`ignore_interrupts` as well)."""
    global _STATE
    _STATE = state
    ignore_interrupts()


def _run(task: Callable[[Any, int, int], list[T]], lo: int, hi: int) -> list[T]:
    return task(_STATE, lo, hi)


def _here(
    task: Callable[[Any, int, int], list[T]],
    state: Any,
    n: int,
    chunk: int,
    done: Callable[[int], None] | None,
) -> list[T]:
    """:func:`forked_map` in this process, range after range."""
    out: list[T] = []
    for lo in range(0, n, chunk):
        out += task(state, lo, min(n, lo + chunk))
        if done:
            done(len(out))
    if done and not n:
        done(0)
    return out


def forked_map(
    task: Callable[[Any, int, int], list[T]],
    state: Any,
    n: int,
    *,
    workers: int,
    chunk: int,
    done: Callable[[int], None] | None = None,
) -> list[T]:
    """``task(state, 0, n)``: the answers for items ``0..n-1`` in order, from
    ``task(state, lo, hi)`` on ranges of ``chunk`` items run in ``workers`` forked processes
    (in this process when ``workers`` is 1, fewer than two ranges need doing or the platform
    cannot fork).  ``task`` must be a module-level function (it is sent by name) and give
    one answer per item.  ``done(k)`` is called with the items answered so far, in order.

    Should a worker die (killed, out of memory) or the fork fail (the system refuses a new
    process or the memory for one), the work is done again in this process.
    """
    if workers <= 1 or n < 2 * chunk or not can_fork():
        return _here(task, state, n, chunk, done)
    freeze = gc.get_freeze_count() == 0  # else the caller froze the heap: leave it so
    if freeze:
        gc.freeze()
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start,
            initargs=(state,),
        )
        try:
            futures = [pool.submit(_run, task, lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]
            out: list[T] = []
            for future in futures:
                out += future.result()
                if done:
                    done(len(out))
            return out
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    except LOST_WORKERS:
        return _here(task, state, n, chunk, done)
    finally:
        if freeze:
            gc.unfreeze()
