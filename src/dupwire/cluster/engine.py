"""Where the heavy, parallel steps of clustering run.

The pipeline (:mod:`dupwire.cluster.pipeline`) asks an *engine* for the steps whose cost
grows with the corpus and that split into independent parts: scanning the articles (one
article at a time), MinHash signatures (one shingle set at a time), grouping band keys
into candidate pairs (a shuffle by key), the passage scores of the verified pairs and the
relation of each cluster member to its representative (one pair at a time, each needing
only its two articles' sentence bags).  Every other step runs in the pipeline itself, on
the arrays these return, so an engine that returns the same arrays gives the same
clusters, ids and representatives.  An engine may also begin a step ahead, beside the
pipeline's next ones (:meth:`Engine.ahead`).

:class:`LocalEngine` runs them in this process, scanning, verifying and relating in
``workers`` processes, and with more than one worker computes the candidates' LSH pairs
in a thread while the pipeline builds the word vectors (:class:`Ahead`: numpy lets go of
the interpreter lock in its sorts and array arithmetic, so the two share the cores with
no copy of the corpus); ``dupwire.spark`` provides an engine on Apache Spark.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar, Union

import numpy.typing as npt

from dupwire._numeric import I64, U64
from dupwire.align.bags import SentenceBags
from dupwire.cluster.scan import CorpusText, Progress, scan_corpus
from dupwire.cluster.verify import passage_scores, relations
from dupwire.index import Candidates, LshLayout, candidate_pairs
from dupwire.model import Verdict
from dupwire.sketch import signatures

__all__ = ["Ahead", "Chunk", "Engine", "LocalEngine"]

#: Bytes a kept step is keyed by: bytes, or a contiguous array (hashed in place).
Chunk = Union[bytes, npt.NDArray[Any]]  # noqa: UP007 - a runtime alias

T = TypeVar("T")


class Ahead(Generic[T]):
    """``compute()``, begun now in a thread of this process (with ``thread``) while the
    caller goes on, or when :meth:`result` asks for it (without).  An exception ``compute``
    raises is raised by :meth:`result`.  The thread is a daemon: a caller that stops (an
    error, Ctrl-C) does not wait for it.

    >>> with Ahead(lambda: sum(range(10))) as ahead:
    ...     ahead.result()
    45
    """

    def __init__(self, compute: Callable[[], T], *, thread: bool = True) -> None:
        self._compute: Callable[[], T] | None = compute
        self._answer: tuple[bool, Any] | None = None
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(target=self._run, name="dupwire-ahead", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        compute, self._compute = self._compute, None
        assert compute is not None
        try:
            self._answer = (True, compute())
        except BaseException as exc:  # raised again by result(), in the caller's thread
            self._answer = (False, exc)

    def result(self) -> T:
        """The answer of ``compute()``, once (what it holds is let go then)."""
        if self._thread is None:
            compute, self._compute = self._compute, None
            if compute is None:
                msg = "the answer was already given"
                raise RuntimeError(msg)
            return compute()
        self._thread.join()
        answer, self._answer = self._answer, None
        if answer is None:
            msg = "the answer was already given"
            raise RuntimeError(msg)
        ok, value = answer
        if not ok:
            raise value
        out: T = value
        return out

    def __enter__(self) -> Ahead[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._compute = None  # unstarted work, and its inputs, let go


class Engine(Protocol):
    """The parallel steps of clustering."""

    def scan(self, texts: list[str], workers: int, progress: Progress | None) -> CorpusText:
        """:func:`dupwire.cluster.scan.scan_corpus` of ``texts`` (article ``k`` = ``texts[k]``)."""
        ...

    def signatures(self, sets: list[U64], num_perm: int, seed: int) -> U64:
        """:func:`dupwire.sketch.signatures` of the shingle sets (row ``k`` = ``sets[k]``)."""
        ...

    def band_pairs(self, sigs: U64, layout: LshLayout, max_bucket: int, workers: int) -> Candidates:
        """:func:`dupwire.index.candidate_pairs` of the signature rows (``workers``: the threads
        of this process it may use)."""
        ...

    def passages(
        self,
        bags: SentenceBags,
        chosen: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> dict[tuple[int, int], float]:
        """:func:`dupwire.cluster.verify.passage_scores` of the chosen pairs."""
        ...

    def relations(
        self,
        bags: SentenceBags,
        pairs: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> list[tuple[float, Verdict]]:
        """:func:`dupwire.cluster.verify.relations` of the pairs (each cluster member with
        its representative), reported as the stage ``relations``."""
        ...

    def components(self, pairs: I64, n: int) -> I64 | None:
        """The connected component of each of ``n`` articles in the graph of ``pairs`` (the
        smallest article of it; -1 for an article on no pair), or None to agglomerate all
        edges at once (:func:`dupwire.cluster.agglomerate.agglomerate`: the same groups)."""
        ...

    def kept(
        self, name: str, inputs: Iterable[Chunk], compute: Callable[[], npt.NDArray[Any]]
    ) -> npt.NDArray[Any]:
        """``compute()``, a step of the pipeline itself whose array an engine that keeps
        stages may keep under ``name``: computed once for the same ``inputs`` (the bytes it
        is computed from, iterated only by such an engine), read back on a rerun."""
        ...

    def ahead(self, compute: Callable[[], T], workers: int) -> Ahead[T]:
        """``compute()``, a step whose answer the pipeline needs after its next steps: begun
        now beside them where the engine can (``Ahead.result`` gives the answer)."""
        ...


class LocalEngine:
    """Every step in this process."""

    def scan(self, texts: list[str], workers: int, progress: Progress | None) -> CorpusText:
        return scan_corpus(texts, workers, progress)

    def signatures(self, sets: list[U64], num_perm: int, seed: int) -> U64:
        return signatures(sets, num_perm=num_perm, seed=seed)

    def band_pairs(self, sigs: U64, layout: LshLayout, max_bucket: int, workers: int) -> Candidates:
        return candidate_pairs(sigs, layout=layout, max_bucket=max_bucket, workers=workers)

    def passages(
        self,
        bags: SentenceBags,
        chosen: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> dict[tuple[int, int], float]:
        return passage_scores(bags, chosen, progress, workers)

    def relations(
        self,
        bags: SentenceBags,
        pairs: Sequence[tuple[int, int]],
        workers: int,
        progress: Progress | None,
    ) -> list[tuple[float, Verdict]]:
        return relations(bags, pairs, workers, progress, "relations")

    def components(self, pairs: I64, n: int) -> I64 | None:
        return None

    def kept(
        self, name: str, inputs: Iterable[Chunk], compute: Callable[[], npt.NDArray[Any]]
    ) -> npt.NDArray[Any]:
        return compute()

    def ahead(self, compute: Callable[[], T], workers: int) -> Ahead[T]:
        return Ahead(compute, thread=workers > 1)
