"""Work over many items split between processes forked from this one, and work begun in a
forked process beside what this one does next.

Verification and the members' relations are one independent computation per pair, over
arrays the pipeline already holds (the sentence bags).  Forked processes read those arrays
in place (the pages are shared until written), so nothing is copied or sent but the ranges
of items to do and the answers.  Where the platform cannot fork (or safely: macOS), or for
few items, the work runs in this process: the answers are the same either way.

:class:`Ahead` runs one computation in a forked process while this one goes on (the
candidate pairs, MinHash and banding, while the word vectors are built): its answer is
sent back when asked for, or computed here should the process die.

Objects alive at the fork are frozen out of the garbage collector (:func:`gc.freeze`) while
the workers run, so that a collection in a worker does not walk (and so copy) the parent's
whole heap.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

__all__ = ["LOST_WORKERS", "Ahead", "can_fork", "forked_map", "ignore_interrupts"]

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


class Ahead(Generic[T]):
    """``compute()``, begun now in a process forked from this one (when ``fork`` and the
    platform can), while this process goes on; :meth:`result` waits for its answer.

    The forked process reads this one's arrays in place and sends back only the answer
    (pickled through a pipe).  Without a fork, or should the process die (killed, out of
    memory) or not start, :meth:`result` computes it in this process: the same answer.  An
    exception ``compute`` raises there is raised by :meth:`result`.  :meth:`close` (or
    leaving a ``with`` block) stops a process whose answer is no longer wanted.

    >>> with Ahead(lambda: sum(range(10))) as ahead:
    ...     ahead.result()
    45
    """

    def __init__(self, compute: Callable[[], T], *, fork: bool = True) -> None:
        self._compute: Callable[[], T] | None = compute
        self._process: Any = None
        self._recv: Connection | None = None
        if not (fork and can_fork()):
            return
        context = multiprocessing.get_context("fork")
        recv, send = context.Pipe(duplex=False)
        freeze = gc.get_freeze_count() == 0  # else the caller froze the heap: leave it so
        if freeze:
            gc.freeze()
        try:
            process = context.Process(target=_ahead, args=(compute, send), daemon=True)
            process.start()
        except OSError:  # the system refused the fork
            recv.close()
            return
        finally:
            send.close()  # the forked process holds its own end
            if freeze:
                gc.unfreeze()
        self._process, self._recv = process, recv

    def result(self) -> T:
        """The answer of ``compute()`` (asked for once: ``compute`` and what it holds are
        let go then)."""
        compute, self._compute = self._compute, None
        if compute is None:
            msg = "the answer was already given"
            raise RuntimeError(msg)
        if self._process is None or self._recv is None:
            return compute()
        try:
            data = self._recv.recv_bytes()
        except (EOFError, OSError):  # the process died before answering
            data = None
        finally:
            self.close()
        if data is None:
            return compute()
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        answer: T = value
        return answer

    def close(self) -> None:
        """Stop the forked process, if any, without its answer."""
        self._compute = None
        if self._recv is not None:
            self._recv.close()
            self._recv = None
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._process = None

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ahead(compute: Callable[[], Any], send: Connection) -> None:
    """A forked process of :class:`Ahead`: sends ``(True, answer)`` or ``(False, exception)``."""
    ignore_interrupts()
    try:
        out: tuple[bool, Any] = (True, compute())
    except Exception as exc:  # raised again by the caller
        out = (False, exc)
    try:
        send.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # an answer that cannot be sent: the caller computes it
        pass
    finally:
        send.close()
