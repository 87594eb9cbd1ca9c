"""Stage 1, scan: every article cut once into story sentences and weighted word keys.

The result is a :class:`CorpusText` of compact integer arrays (4 bytes per token), so the
later stages never hold prepared articles.  Each token is a *type*: a (word key, background
weight) pair; most words have one weight, so a corpus holds few more types than words.
Large corpora are scanned by several processes.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from dupwire._numeric import F64, I32, I64
from dupwire.normalize import analyse, raw_words
from dupwire.segment import split_spans

__all__ = [
    "CorpusText",
    "Progress",
    "auto_workers",
    "merge_parts",
    "scan_corpus",
    "scan_texts",
]

Progress = Callable[[str, int, int], None]

_SCAN_CHUNK = 500  # articles per scanning task
_CHUNK_DOCS = 2048  # articles per vectorised step of the corpus-wide tables
_PARALLEL_FROM = 2000  # automatic workers only for corpora at least this large
_MAX_AUTO_WORKERS = 8


class _Numbering(dict[str, int]):
    """Numbers words in order of first appearance: ``numbering[word]``."""

    def __missing__(self, word: str) -> int:
        n = self[word] = len(self)
        return n


@dataclass(slots=True)
class ScanPart:
    """Story sentences of a batch of articles as arrays, types numbered in ``types``."""

    types: list[tuple[str, float]]
    tokens: I32  # type of each token of a story sentence, in text order
    sent_tokens: I32  # tokens per story sentence
    sent_chars: I32  # characters per story sentence
    doc_sents: I32  # story sentences per article


def scan_texts(texts: Sequence[str]) -> ScanPart:
    """Cut ``texts`` into story sentences and weighted word keys.

    Words are numbered as written first (one dictionary lookup per token); each distinct
    written form is then analysed once (:func:`dupwire.normalize.analyse`) and the forms
    that share a (key, weight) type are merged with numpy.
    """
    seen = _Numbering()
    number = seen.__getitem__
    raw = array("i")
    sent_tokens = array("i")
    sent_chars = array("i")
    doc_sents = array("i")
    for text in texts:
        count = 0
        for start, end, _, furniture in split_spans(text):
            if furniture:
                continue
            words = raw_words(text, start, end)
            raw.extend(map(number, words))
            sent_tokens.append(len(words))
            sent_chars.append(end - start)
            count += 1
        doc_sents.append(count)
    analysed = [analyse(w) for w in seen]
    types = {t: i for i, t in enumerate(dict.fromkeys(analysed))}
    type_of = np.fromiter(map(types.__getitem__, analysed), dtype=np.int32, count=len(analysed))
    raw_ids = np.frombuffer(raw, dtype=np.int32)
    return ScanPart(
        list(types),
        type_of[raw_ids] if len(raw_ids) else np.empty(0, np.int32),
        np.frombuffer(sent_tokens, dtype=np.int32).copy(),
        np.frombuffer(sent_chars, dtype=np.int32).copy(),
        np.frombuffer(doc_sents, dtype=np.int32).copy(),
    )


@dataclass(slots=True)
class CorpusText:
    """The story sentences of the whole corpus (article index = position in id order)."""

    vocab: list[str]  # word keys
    tokens: I32  # type of each token
    type_key: I32  # word key (index into vocab) of each type
    type_weight: F64  # background weight of each type
    tok_ptr: I64  # token offsets per sentence
    sent_chars: I32
    sent_ptr: I64  # sentence offsets per article

    @property
    def n_docs(self) -> int:
        return len(self.sent_ptr) - 1

    @property
    def n_sents(self) -> int:
        return len(self.tok_ptr) - 1

    def keys(self, t0: int, t1: int) -> I32:
        """Word keys of tokens ``t0:t1``."""
        return np.asarray(self.type_key[self.tokens[t0:t1]], dtype=np.int32)

    def sentence_doc(self) -> I64:
        return np.repeat(np.arange(self.n_docs, dtype=np.int64), np.diff(self.sent_ptr))

    def doc_chunks(self) -> Iterator[tuple[int, int]]:
        """Ranges of articles processed together, to keep temporary arrays small."""
        for d0 in range(0, self.n_docs, _CHUNK_DOCS):
            yield d0, min(self.n_docs, d0 + _CHUNK_DOCS)

    def sentence_chunks(self) -> Iterator[tuple[int, int]]:
        for d0, d1 in self.doc_chunks():
            yield int(self.sent_ptr[d0]), int(self.sent_ptr[d1])


def auto_workers(workers: int | None, n: int) -> int:
    """Scanning processes: ``workers`` if given, else one per CPU (at most 8) for large
    corpora and none for small ones."""
    if workers is not None:
        return workers
    if n < _PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, _MAX_AUTO_WORKERS))


def merge_parts(
    parts: Iterable[ScanPart], total: int, progress: Progress | None = None
) -> CorpusText:
    """One CorpusText of the parts of consecutive articles (``total`` of them in all), types
    renumbered in order of first use.  Each part is renumbered as it arrives, so only its
    integer arrays are kept."""
    types: dict[tuple[str, float], int] = {}
    tokens: list[I32] = []
    sent_tokens: list[I32] = []
    sent_chars: list[I32] = []
    doc_sents: list[I32] = []
    done = 0
    for part in parts:
        remap = np.array([types.setdefault(t, len(types)) for t in part.types], dtype=np.int32)
        tokens.append(remap[part.tokens] if len(part.tokens) else part.tokens)
        sent_tokens.append(part.sent_tokens)
        sent_chars.append(part.sent_chars)
        doc_sents.append(part.doc_sents)
        done += len(part.doc_sents)
        if progress:
            progress("prepare", done, total)
    vocab: dict[str, int] = {}
    type_key = np.array([vocab.setdefault(k, len(vocab)) for k, _ in types], dtype=np.int32)
    type_weight = np.array([w for _, w in types], dtype=np.float64)
    n_tokens = np.concatenate(sent_tokens or [np.empty(0, np.int32)])
    n_sents = np.concatenate(doc_sents or [np.empty(0, np.int32)])
    return CorpusText(
        vocab=list(vocab),
        tokens=np.concatenate(tokens or [np.empty(0, np.int32)]).astype(np.int32),
        type_key=type_key,
        type_weight=type_weight,
        tok_ptr=np.concatenate(([0], np.cumsum(n_tokens, dtype=np.int64))),
        sent_chars=np.concatenate(sent_chars or [np.empty(0, np.int32)]),
        sent_ptr=np.concatenate(([0], np.cumsum(n_sents, dtype=np.int64))),
    )


def scan_corpus(texts: list[str], workers: int, progress: Progress | None = None) -> CorpusText:
    """Scan every text (in ``workers`` processes when more than one) into one CorpusText."""
    chunks = [texts[k : k + _SCAN_CHUNK] for k in range(0, len(texts), _SCAN_CHUNK)]
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return merge_parts(pool.map(scan_texts, chunks), len(texts), progress)
    return merge_parts(map(scan_texts, chunks), len(texts), progress)
