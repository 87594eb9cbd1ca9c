"""Stage 1, scan: every article cut once into story sentences and weighted word keys.

The result is a :class:`CorpusText` of compact integer arrays (4 bytes per token), so the
later stages never hold prepared articles.  Each token is a *type*: a (word key, background
weight) pair; most words have one weight, so a corpus holds few more types than words.
Large corpora are scanned by several processes.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from dupwire._numeric import F64, I32, I64, ranges
from dupwire.cluster.forked import LOST_WORKERS, ignore_interrupts
from dupwire.errors import SegmentationError
from dupwire.model import Article, Failure
from dupwire.normalize import (
    PLAIN_WORD_RE,
    analyse,
    plain_bytes,
    plain_word,
    raw_words,
    word_entry,
)
from dupwire.segment import split_spans, unit_spans

__all__ = [
    "CorpusText",
    "Progress",
    "auto_workers",
    "drop_failed",
    "merge_parts",
    "preparation_problem",
    "scan_corpus",
    "scan_pool",
    "scan_texts",
    "scanned_in_parts",
]

Progress = Callable[[str, int, int], None]

_SCAN_CHUNK = 500  # articles per scanning task, at least (a corpus this small is one task)
_MAX_CHUNK = 2000  # and at most: fewer, larger tasks send each worker's words back fewer times
_TASKS_PER_WORKER = 4  # unless that would leave a worker fewer tasks than this
_CHUNK_DOCS = 2048  # articles per vectorised step of the corpus-wide tables
PARALLEL_FROM = 2000  # automatic workers only for corpora at least this large
_MAX_AUTO_WORKERS = 8
_TABLE_MAX = 500_000  # words the scan remembers between calls
_TOGETHER = 500  # plain articles read as one text, at most (their words are held at once)


class _Words(dict[str, int]):
    """Numbers words in order of first appearance (``words[word]``), each analysed
    (:func:`dupwire.normalize.analyse`) once, when first seen, into ``analysed``."""

    def __init__(self) -> None:
        super().__init__()
        self.analysed: list[tuple[str, float]] = []

    def __missing__(self, word: str) -> int:
        self.analysed.append(analyse(word))  # raises before the word is numbered
        n = self[word] = len(self)
        return n

    def forget_from(self, n: int) -> None:
        """Forget every word numbered ``n`` or later."""
        while len(self) > n:
            self.popitem()  # the last one numbered
        del self.analysed[n:]


@dataclass(slots=True)
class ScanPart:
    """Story sentences of a batch of articles as arrays, types numbered in ``types``.

    ``failed`` lists the articles (index in the batch) that could not be cut into sentences
    and words, with the reason; each has no sentences here."""

    types: list[tuple[str, float]]
    tokens: I32  # type of each token of a story sentence, in text order
    sent_tokens: I32  # tokens per story sentence
    sent_chars: I32  # characters per story sentence
    doc_sents: I32  # story sentences per article
    failed: list[tuple[int, str]]
    # A part of a merge (:func:`_scan_task`) names its types by their numbers in the word
    # table of the process that scanned it (``source``), in order of first use (``table_ids``):
    # ``types`` then holds only those of them that this process has not sent to the merge
    # before, in that order (``new``: their numbers).  None: ``types`` are all the part's
    # types, in order.
    table_ids: I32 | None = None
    source: tuple[int, int] | None = None
    new: I32 | None = None


_END = b"\0"  # ends a sentence in a stream of words (number -1 in the word table); not a word


class _WordTable(dict[str | bytes, int]):
    """Every word as written that the scan met (a ``str``, or ``bytes`` of
    :func:`dupwire.normalize.plain_bytes`), analysed once, when first met
    (:func:`dupwire.normalize.word_entry`): ``table[word]`` is the number of its type
    (:func:`dupwire.normalize.analyse`) in ``type_list`` shifted left by two bits, over the
    word's :func:`dupwire.normalize.join_flags`.  One table serves call after call (words
    repeat across chunks) while it holds fewer than ``_TABLE_MAX`` words and ``word_entry``
    is the one it was filled with (:func:`_word_table`)."""

    serials = 0  # tables made in this process

    def __init__(self) -> None:
        super().__init__()
        _WordTable.serials += 1
        self.serial = _WordTable.serials
        self.types: dict[tuple[str, float], int] = {}
        self.type_list: list[tuple[str, float]] = []
        self.analyser = word_entry
        self._lock = threading.Lock()  # a type's number and place in type_list agree
        self[_END] = -1

    def __missing__(self, word: str | bytes) -> int:
        raw = plain_word(word) if isinstance(word, bytes) else word
        found, flags = word_entry(raw)  # raises before the word is stored
        with self._lock:
            t = self.types.get(found)
            if t is None:
                t = self.types[found] = len(self.type_list)
                self.type_list.append(found)
            n = self[word] = t << 2 | flags
        return n


_TABLE = _WordTable()


def _word_table() -> _WordTable:
    """The word table, a fresh one when it is full or ``word_entry`` changed (a test that
    replaces it gets its answers).  A call in progress keeps the table it took."""
    global _TABLE
    if len(_TABLE) >= _TABLE_MAX or _TABLE.analyser is not word_entry:
        _TABLE = _WordTable()
    return _TABLE


_NO_WORDS = np.empty(0, np.int64)

# Bytes of plain text (:func:`dupwire.normalize.plain_bytes`) as PLAIN_WORD_RE reads them:
# its letters and digits, its digits, and what it joins words with (an apostrophe between
# two letters or digits, a full stop or comma between two digits).
_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[list(b"0123456789")] = True
_QUOTE = np.zeros(256, dtype=bool)
_QUOTE[[ord("'"), 0x80]] = True
_POINT = np.zeros(256, dtype=bool)
_POINT[[ord("."), ord(",")]] = True
_JOINING = np.flatnonzero(_POINT | _QUOTE).tolist()  # the bytes that may join two words
_SPACED = bytes(c if _ALNUM[c] else 32 for c in range(256))  # any other byte is a space


def _joining(numbers: I64) -> I64:
    """Sentences of ``numbers`` (from the word table, each sentence ended by -1) in which
    two words may join into one number token (:func:`_number_runs`)."""
    words = numbers >= 0
    counts = np.diff(np.flatnonzero(~words), prepend=-1) - 1
    tok_ptr = np.r_[0, np.cumsum(counts)]
    first, _ = _number_runs(numbers[words], tok_ptr)
    return np.unique(np.searchsorted(tok_ptr, first, side="right") - 1)


def _plain_words(plain: bytes, ends: I64) -> tuple[list[bytes], I64, I64]:
    """The words PLAIN_WORD_RE finds in each sentence of a plain text, sentences ending at
    ``ends`` (ascending, with at least one character between two sentences), how many
    words each sentence holds, and where each word starts in ``plain``.

    One pass of C over the whole text: every byte no word can hold becomes a space (letters
    and digits stay, and the apostrophes and points that join two of them), the character
    after each sentence too, and the text is split at spaces.  Each piece is then one word
    of the pattern, except a piece with a point between digits and a letter or apostrophe as
    well ("3.2km", "a1.5"): the pattern is run on those few."""
    a = np.frombuffer(plain, dtype=np.uint8)
    out = bytearray(plain.translate(_SPACED))
    o = np.frombuffer(out, dtype=np.uint8)
    points = _NO_WORDS
    if len(a) > 2:
        # Only a point, comma or apostrophe may join two words: their neighbours alone are
        # looked at (compared in place, which is far cheaper than a table over every byte).
        near = a == _JOINING[0]
        for byte in _JOINING[1:]:
            near |= a == byte
        at = np.flatnonzero(near)
        at = at[(at > 0) & (at < len(a) - 1)]
        mid, before, after = a[at], a[at - 1], a[at + 1]
        point = _POINT[mid] & _DIGIT[before] & _DIGIT[after]
        joins = point | (_QUOTE[mid] & _ALNUM[before] & _ALNUM[after])
        o[at[joins]] = mid[joins]
        points = at[point]
    o[ends[ends < len(o)]] = 32  # no word runs on past its sentence
    words = bytes(out).split()
    word = o != 32
    first = np.flatnonzero(word[1:] & ~word[:-1]) + 1
    if len(word) and word[0]:
        first = np.r_[0, first]
    counts = np.diff(np.searchsorted(first, ends), prepend=0)
    if len(points):
        # The pieces holding such a point, each once, in order, cut as the pattern cuts them.
        parts: list[tuple[int, list[re.Match[bytes]]]] = []
        for k in np.unique(np.searchsorted(first, points, side="right") - 1).tolist():
            piece = words[k]
            if piece.translate(None, b".,").isdigit():
                continue  # digits and points only: one number, as the pattern reads it
            parts.append((k, list(PLAIN_WORD_RE.finditer(piece))))
        if parts:
            cut_words: list[bytes] = []
            cut_first: list[I64] = []
            done = 0  # words[:done] are in cut_words
            for k, found in parts:
                cut_words += words[done:k]
                cut_words += [m.group() for m in found]
                at = first[k] + np.array([m.start() for m in found], dtype=np.int64)
                cut_first += [first[done:k], at]
                counts[np.searchsorted(ends, at[0], side="right")] += len(found) - 1
                done = k + 1
            words = cut_words + words[done:]
            first = np.concatenate([*cut_first, first[done:]])
    return words, counts, first


def _stream(text: str, plain: bytes | None, spans: I64) -> list[str | bytes]:
    """The words of each sentence (``spans``) of ``text``, each sentence ended by ``_END``:
    searched as bytes in a plain text (:func:`dupwire.normalize.plain_bytes`), else read by
    :func:`dupwire.normalize.raw_words`."""
    stream: list[str | bytes] = []
    for s, e in spans[:, :2].tolist():
        stream += raw_words(text, s, e) if plain is None else PLAIN_WORD_RE.findall(plain, s, e)
        stream.append(_END)
    return stream


def _read_again(
    text: str, spans: I64, numbers: I64, slow: list[int], number: Callable[[str], int]
) -> I64:
    """``numbers`` with the words of the sentences ``slow`` replaced by those of
    :func:`dupwire.normalize.raw_words`, numbered by ``number``."""
    ends = np.flatnonzero(numbers < 0).tolist()
    pieces: list[I64] = []
    done = 0  # numbers[:done] are in pieces
    for j in slow:
        first = ends[j - 1] + 1 if j else 0
        words = raw_words(text, int(spans[j, 0]), int(spans[j, 1]))
        pieces += [numbers[done:first], np.fromiter(map(number, words), np.int64, len(words))]
        done = ends[j]
    pieces.append(numbers[done:])
    return np.concatenate(pieces)


# An article cut into sentences: its text, the same as bytes when plain (else None),
# ``(start, end, block)`` of each sentence, and whether each is furniture.
_Cut = tuple[str, bytes | None, I64, list[bool]]
# What the scan keeps of an article: the types (shifted, as in the word table) of the words
# of its story sentences, and the words and characters of each story sentence.
_Scanned = tuple[I64, I64, I64]


def _cut(text: str) -> _Cut:
    units, furniture = unit_spans(text)
    spans = np.fromiter(chain.from_iterable(units), np.int64, 3 * len(units)).reshape(-1, 3)
    return text, plain_bytes(text), spans, furniture


def _kept(numbers: I64, spans: I64, furniture: list[bool]) -> _Scanned:
    """What the scan keeps of an article whose words are ``numbers``, each sentence ended
    by -1."""
    ends = np.flatnonzero(numbers < 0)
    counts = np.diff(ends, prepend=-1) - 1
    story = ~np.array(furniture, dtype=bool)
    return (
        numbers[numbers >= 0][np.repeat(story, counts)],
        counts[story],
        (spans[:, 1] - spans[:, 0])[story],
    )


def _scan_article(cut: _Cut, table: _WordTable) -> _Scanned:
    """One article on its own: every word is analysed, furniture included, and a plain
    sentence where words may join into a number (:func:`_joining`) is read again by
    :func:`dupwire.normalize.raw_words`."""
    text, plain, spans, furniture = cut
    stream = _stream(text, plain, spans)
    number = table.__getitem__
    numbers = np.fromiter(map(number, stream), np.int64, len(stream))
    if plain is not None:
        slow = _joining(numbers).tolist()
        if slow:
            numbers = _read_again(text, spans, numbers, slow, number)
    return _kept(numbers, spans, furniture)


def _number_runs(numbers: I64, tok_ptr: I64) -> tuple[I64, I64]:
    """The first and last token of each stretch of tokens that
    :func:`dupwire.normalize.tokenize` may join into one number.  A stretch lies in one
    sentence (tokens ``tok_ptr[j]:tok_ptr[j + 1]``), each of its tokens is a number word or
    a word whose key starts with a digit (join flags, ``numbers & 3``), and somewhere in it
    a number word follows another of them (``_may_join`` of :mod:`dupwire.normalize`).

    A number token of ``tokenize`` is made of such words only, so reading a stretch alone
    gives the tokens that reading its whole sentence gives there."""
    n = len(numbers)
    flagged = (numbers & 3) != 0
    opens = np.zeros(n + 1, dtype=bool)  # a sentence starts at the token (or ends the text)
    opens[tok_ptr] = True
    joins = (numbers & 1).astype(bool)
    joins[1:] &= flagged[:-1]
    joins &= ~opens[:n]
    if not joins.any():
        return _NO_WORDS, _NO_WORDS
    after = np.r_[False, flagged[:-1]] & ~opens[:n]  # the token before is in the stretch
    before = np.r_[flagged[1:], False] & ~opens[1:]  # the token after is in the stretch
    stretch = np.cumsum(flagged & ~after) - 1
    chosen = np.unique(stretch[joins])
    return np.flatnonzero(flagged & ~after)[chosen], np.flatnonzero(flagged & ~before)[chosen]


def _scan_plain(cuts: list[_Cut], table: _WordTable) -> list[_Scanned]:
    """:func:`_scan_article` of each plain article, all at once: the sentences of them all,
    one space apart, are one text whose words are found (:func:`_plain_words`) and numbered
    in one pass; only the stretches of words that may join into a number
    (:func:`_number_runs`) are read again by :func:`dupwire.normalize.raw_words`.
    Raises whatever analysing a word raises."""
    sentences: list[bytes] = []
    for _, plain, spans, _ in cuts:
        assert plain is not None, "plain articles only"
        sentences += [plain[s:e] for s, e in spans[:, :2].tolist()]
    n_sents = np.array([len(spans) for _, _, spans, _ in cuts], dtype=np.int64)
    size = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
    ends = np.cumsum(size + 1) - 1  # the space after each sentence
    words, counts, starts = _plain_words(b" ".join(sentences), ends)
    number = table.__getitem__
    numbers = np.fromiter(map(number, words), np.int64, len(words))
    sent_ptr = np.r_[0, np.cumsum(n_sents)]
    tok_ptr = np.r_[0, np.cumsum(counts)]
    run_first, run_last = _number_runs(numbers, tok_ptr)
    if len(run_first):
        # Offsets in the joined text become offsets in each article's text.
        shift = np.concatenate([spans[:, 0] for _, _, spans, _ in cuts]) - (ends - size)
        sents = np.searchsorted(tok_ptr, run_first, side="right") - 1
        docs = np.searchsorted(sent_ptr, sents, side="right") - 1
        pieces: list[I64] = []
        done = 0  # numbers[:done] are in pieces
        runs = zip(*(x.tolist() for x in (run_first, run_last, sents, docs)), strict=True)
        for t0, t1, j, d in runs:
            at = int(shift[j])
            found = raw_words(
                cuts[d][0], int(starts[t0]) + at, int(starts[t1]) + at + len(words[t1])
            )
            pieces += [numbers[done:t0], np.fromiter(map(number, found), np.int64, len(found))]
            counts[j] += len(found) - (t1 + 1 - t0)
            done = t1 + 1
        pieces.append(numbers[done:])
        numbers = np.concatenate(pieces)
    story = ~np.array([f for _, _, _, furniture in cuts for f in furniture], dtype=bool)
    kept_tokens = numbers[np.repeat(story, counts)]
    kept_ptr = np.r_[0, np.cumsum(np.where(story, counts, 0))]
    out: list[_Scanned] = []
    for d, (_, _, spans, _) in enumerate(cuts):
        s0, s1 = int(sent_ptr[d]), int(sent_ptr[d + 1])
        keep = story[s0:s1]
        out.append(
            (
                kept_tokens[kept_ptr[s0] : kept_ptr[s1]],
                counts[s0:s1][keep],
                (spans[:, 1] - spans[:, 0])[keep],
            )
        )
    return out


def _scan(texts: Sequence[str]) -> tuple[ScanPart, _WordTable, I64]:
    """Cut ``texts`` into story sentences and weighted word keys: the part (without its
    types), the word table, and the table's numbers of the part's types in order of first
    use (the part's tokens number them by that order).

    Each distinct written form is analysed once (:func:`dupwire.normalize.word_entry`) and
    remembered between calls; types are numbered in order of first use with numpy.  Every
    sentence is read, furniture included, so a text that any stage would fail to read fails
    here, whatever the failure (a panic inside a compiled dependency included): it costs only
    its own article, listed in ``failed`` (:func:`preparation_problem`).

    Plain texts (:func:`dupwire.normalize.plain_bytes`) are read ``_TOGETHER`` at a time
    (:func:`_scan_plain`); should a word in them fail, each is read again on its own, so that
    the failure costs only its article.
    """
    table = _word_table()
    scanned: dict[int, _Scanned] = {}
    failed: list[tuple[int, str]] = []
    together: list[tuple[int, _Cut]] = []

    def alone(k: int, cut: _Cut) -> None:
        try:
            scanned[k] = _scan_article(cut, table)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # a panic in compiled code is a BaseException
            failed.append((k, preparation_problem(exc)))

    def read_together() -> None:
        try:
            read = _scan_plain([cut for _, cut in together], table)
            scanned.update(zip([k for k, _ in together], read, strict=True))
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException:
            for k, cut in together:
                alone(k, cut)
        together.clear()

    for k, text in enumerate(texts):
        try:
            cut = _cut(text)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:
            failed.append((k, preparation_problem(exc)))
            continue
        if cut[1] is None:
            alone(k, cut)
            continue
        together.append((k, cut))
        if len(together) == _TOGETHER:
            read_together()
    if together:
        read_together()
    failed.sort()
    numbers: list[I64] = []
    sent_tokens: list[I64] = []
    sent_chars: list[I64] = []
    doc_sents = np.zeros(len(texts), np.int32)
    for k in sorted(scanned):
        found, n_tokens, n_chars = scanned[k]
        numbers.append(found)
        sent_tokens.append(n_tokens)
        sent_chars.append(n_chars)
        doc_sents[k] = len(n_tokens)
    type_numbers = np.concatenate(numbers or [_NO_WORDS]) >> 2
    order, ranks = _first_use(type_numbers, len(table.type_list))
    part = ScanPart(
        [],
        ranks,
        np.concatenate(sent_tokens or [_NO_WORDS]).astype(np.int32),
        np.concatenate(sent_chars or [_NO_WORDS]).astype(np.int32),
        doc_sents,
        failed,
    )
    return part, table, order


def _first_use(numbers: I64, n_types: int) -> tuple[I64, I32]:
    """The types used in ``numbers`` (each below ``n_types``) in order of first use, and
    the rank of each number's type in that order.  When the numbers outnumber the types,
    each type's first position is kept in an array of every type and the types used are
    sorted by it (no sort of the numbers); else the numbers are sorted, so that a single
    article scanned by a process whose word table has grown to hundreds of thousands of
    words costs its own words, not the table's (260 -> 31 us at 450,000 words)."""
    n = len(numbers)
    if n >= n_types:
        first = np.full(n_types, n, np.int64)
        np.minimum.at(first, numbers, np.arange(n, dtype=np.int64))
        used = np.flatnonzero(first < n)
        order = used[np.argsort(first[used])]
        rank = np.empty(n_types, np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        return order, rank[numbers]
    used, first, inverse = np.unique(numbers, return_index=True, return_inverse=True)
    by_first = np.argsort(first)
    rank = np.empty(len(used), np.int32)
    rank[by_first] = np.arange(len(used), dtype=np.int32)
    return used[by_first], rank[inverse.reshape(-1)]


def scan_texts(texts: Sequence[str]) -> ScanPart:
    """Cut ``texts`` into story sentences and weighted word keys (:func:`_scan`): a part
    with all its types, numbered in order of first use."""
    part, table, order = _scan(texts)
    part.types = [table.type_list[t] for t in order.tolist()]
    return part


# What this thread has sent to a merge (:func:`_scan_task`): the merge, the word table (its
# serial) and which of the table's types (a flag for each number).  Per thread: a thread
# runs one merge's tasks at a time, while two threads may each run a merge.
_SENT = threading.local()


def _scan_task(merge: str, texts: Sequence[str]) -> ScanPart:
    """:func:`scan_texts` for the merge ``merge`` (:func:`merge_parts`), which receives this
    process's parts in the order they are made: each part names its types by their numbers
    in this process's word table and sends only those it has not sent to that merge (a
    table holds each type once, so a merge that knows the table's types maps them with one
    array look-up instead of one look-up per type and part)."""
    part, table, order = _scan(texts)
    state = _SENT.__dict__
    if state.get("merge") != merge or state.get("table") != table.serial:
        state.update(merge=merge, table=table.serial, sent=np.zeros(0, bool))
    sent = state["sent"]
    if len(sent) < len(table.type_list):
        sent = state["sent"] = np.concatenate(
            (sent, np.zeros(len(table.type_list) - len(sent), bool))
        )
    ids = order.astype(np.int32)
    new = ids[~sent[ids]]
    sent[new] = True
    part.types = [table.type_list[t] for t in new.tolist()]
    part.table_ids = ids
    part.source = (os.getpid(), table.serial)
    part.new = new
    return part


def _scan_plainly(texts: Sequence[str]) -> ScanPart:
    """:func:`scan_texts` one sentence at a time, each word numbered in order of first use:
    the reference the tests hold :func:`scan_texts` to."""
    seen = _Words()
    number = seen.__getitem__
    raw = array("i")
    sent_tokens = array("i")
    sent_chars = array("i")
    doc_sents = array("i")
    failed: list[tuple[int, str]] = []
    for k, text in enumerate(texts):
        words0, tokens0, sents0 = len(seen), len(raw), len(sent_tokens)
        try:
            for start, end, _, furniture in split_spans(text):
                words = raw_words(text, start, end)
                if furniture:  # read, as the aligner reads it, but not clustered
                    for word in words:
                        analyse(word)
                    continue
                raw.extend(map(number, words))
                sent_tokens.append(len(words))
                sent_chars.append(end - start)
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # a panic in compiled code is a BaseException
            failed.append((k, preparation_problem(exc)))
            seen.forget_from(words0)  # as if the article had never been read
            del raw[tokens0:], sent_tokens[sents0:], sent_chars[sents0:]
        doc_sents.append(len(sent_tokens) - sents0)
    types = {t: i for i, t in enumerate(dict.fromkeys(seen.analysed))}
    type_of = np.fromiter(
        map(types.__getitem__, seen.analysed), dtype=np.int32, count=len(seen.analysed)
    )
    raw_ids = np.frombuffer(raw, dtype=np.int32)
    return ScanPart(
        list(types),
        type_of[raw_ids] if len(raw_ids) else np.empty(0, np.int32),
        np.frombuffer(sent_tokens, dtype=np.int32).copy(),
        np.frombuffer(sent_chars, dtype=np.int32).copy(),
        np.frombuffer(doc_sents, dtype=np.int32).copy(),
        failed,
    )


def drop_failed(
    articles: Sequence[Article], failed: Sequence[tuple[int, str]]
) -> tuple[list[Article], tuple[Failure, ...]]:
    """``articles`` without those the scan could not read (``failed``: their positions and
    reasons), and those as failures."""
    failures = tuple(Failure(articles[d].id, reason) for d, reason in failed)
    gone = {d for d, _ in failed}
    return [a for d, a in enumerate(articles) if d not in gone], failures


def preparation_problem(exc: BaseException) -> str:
    """Why a text that raised ``exc`` while being cut into sentences and words failed."""
    if isinstance(exc, SegmentationError):
        return str(exc)
    detail = str(exc).strip()[:200] or "no message"
    return (
        f"cannot be cut into sentences and words ({type(exc).__name__}: {detail}); "
        "replace unusual characters in it"
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
    failed: list[tuple[int, str]]  # articles that could not be read (no sentences), why

    def fingerprint(self) -> Iterator[bytes | npt.NDArray[Any]]:
        """The words, then the arrays, as they come (what a step computed from this text
        is keyed by; nothing is computed until asked)."""
        yield "\n".join(self.vocab).encode("utf-8", "surrogatepass")
        yield from (self.tokens, self.type_key, self.type_weight, self.tok_ptr)
        yield from (self.sent_chars, self.sent_ptr)

    def without_failed(self) -> CorpusText:
        """The same text without the ``failed`` articles (the others renumbered in order)."""
        if not self.failed:
            return self
        # A failed article has no sentences: dropping its end offset drops it.
        ends = np.array([d + 1 for d, _ in self.failed], dtype=np.int64)
        return CorpusText(
            self.vocab,
            self.tokens,
            self.type_key,
            self.type_weight,
            self.tok_ptr,
            self.sent_chars,
            np.delete(self.sent_ptr, ends),
            [],
        )

    def take(self, docs: I64) -> CorpusText:
        """The articles ``docs`` (positions, repeats allowed), in that order, with the types
        as they are: what scanning their texts in that order gives."""
        sents = ranges(self.sent_ptr, docs)
        n_sents = self.sent_ptr[docs + 1] - self.sent_ptr[docs]
        n_tokens = self.tok_ptr[sents + 1] - self.tok_ptr[sents]
        reasons = dict(self.failed)
        return CorpusText(
            self.vocab,
            self.tokens[ranges(self.tok_ptr, sents)],
            self.type_key,
            self.type_weight,
            np.concatenate(([0], np.cumsum(n_tokens))).astype(np.int64),
            self.sent_chars[sents],
            np.concatenate(([0], np.cumsum(n_sents))).astype(np.int64),
            [(k, reasons[d]) for k, d in enumerate(docs.tolist()) if d in reasons],
        )

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


def auto_workers(workers: int | None, n: int | None) -> int:
    """Scanning processes: ``workers`` if given, else one per CPU (at most 8) for large
    corpora (``n`` texts, None for a stream of unknown length) and none for small ones."""
    if workers is not None:
        return workers
    if n is not None and n < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, _MAX_AUTO_WORKERS))


def scanned_in_parts(n: int) -> bool:
    """Whether :func:`scan_corpus` splits ``n`` texts into more than one task (fewer are
    scanned in the calling process, whatever the workers)."""
    return n > _SCAN_CHUNK


def merge_parts(
    parts: Iterable[ScanPart], total: int, progress: Progress | None = None
) -> CorpusText:
    """One CorpusText of the parts of consecutive articles (``total`` of them in all), types
    renumbered in order of first use.  Each part is renumbered as it arrives, so only its
    integer arrays are kept; a part that names its types by its word table
    (:func:`_scan_task`) is renumbered through what the merge knows of that table."""
    types: dict[tuple[str, float], int] = {}
    tokens: list[I32] = []
    sent_tokens: list[I32] = []
    sent_chars: list[I32] = []
    doc_sents: list[I32] = []
    failed: list[tuple[int, str]] = []
    done = 0
    sources: dict[tuple[int, int], _Source] = {}
    for part in parts:
        failed += [(done + k, reason) for k, reason in part.failed]
        if part.table_ids is None:
            remap = np.array([types.setdefault(t, len(types)) for t in part.types], np.int32)
        else:
            assert part.source is not None
            remap = sources.setdefault(part.source, _Source()).remap(part, types)
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
        failed=failed,
    )


class _Source:
    """What a merge knows of one word table (one process's, see :func:`_scan_task`): the
    types it was sent, by their numbers in the table, and the merge's number of each (-1:
    not used in the merge yet)."""

    def __init__(self) -> None:
        self.types: dict[int, tuple[str, float]] = {}
        self.number: I32 = np.empty(0, np.int32)

    def remap(self, part: ScanPart, types: dict[tuple[str, float], int]) -> I32:
        """The merge's numbers of ``part``'s types, in the part's order: those of
        ``types.setdefault`` of each in turn, which is called only for the types the table
        has not used in the merge before."""
        assert part.table_ids is not None
        assert part.new is not None
        self.types.update(zip(part.new.tolist(), part.types, strict=True))
        ids = part.table_ids
        top = int(ids.max()) + 1 if len(ids) else 0
        if top > len(self.number):
            grow = np.full(top - len(self.number), -1, np.int32)
            self.number = np.concatenate((self.number, grow))
        remap = self.number[ids]
        fresh = np.flatnonzero(remap < 0)
        if len(fresh):
            try:
                got = [self.types[t] for t in ids[fresh].tolist()]
            except KeyError:
                msg = "scan part out of order: it uses types that no part has sent"
                raise RuntimeError(msg) from None
            remap[fresh] = [types.setdefault(t, len(types)) for t in got]
            self.number[ids[fresh]] = remap[fresh]
        return remap


def scan_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for :func:`scan_corpus` that a caller keeps from call to call, so
    their word tables stay warm (an index that adds batch after batch).  They ignore Ctrl-C:
    the caller, which gets it, stops them (``shutdown(cancel_futures=True)``)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=ignore_interrupts)


def _scaled(progress: Progress, total: int) -> Progress:
    """``progress`` with its counts scaled to ``total`` articles."""

    def scaled(stage: str, done: int, of: int) -> None:
        progress(stage, done * total // of if of else total, total)

    return scaled


def scan_corpus(
    texts: list[str],
    workers: int,
    progress: Progress | None = None,
    *,
    pool: Executor | None = None,
) -> CorpusText:
    """Scan every text (in ``workers`` processes when more than one, or in those of
    ``pool``, :func:`scan_pool`, when given) into one CorpusText.  Should a worker die
    (killed, out of memory) or none start, the texts are scanned in this process instead:
    the same CorpusText, later.

    A text given more than once (a wire story run verbatim by many outlets) is scanned
    once; its repeats get copies of its arrays (:meth:`CorpusText.take`), exactly what
    scanning each would give."""
    distinct: dict[str, int] = {}
    first = [distinct.setdefault(text, len(distinct)) for text in texts]
    if len(distinct) < len(texts):
        scaled = _scaled(progress, len(texts)) if progress else None
        once = scan_corpus(list(distinct), workers, scaled, pool=pool)
        return once.take(np.array(first, dtype=np.int64))
    tasks = _TASKS_PER_WORKER * max(1, workers)
    size = min(_MAX_CHUNK, max(_SCAN_CHUNK, -(-len(texts) // tasks)))
    chunks = [texts[k : k + size] for k in range(0, len(texts), size)]
    if (pool is not None or workers > 1) and scanned_in_parts(len(texts)):
        task = functools.partial(_scan_task, uuid.uuid4().hex)  # this merge
        try:
            if pool is not None:
                return merge_parts(pool.map(task, chunks), len(texts), progress)
            own = scan_pool(workers)
            try:
                return merge_parts(own.map(task, chunks), len(texts), progress)
            finally:
                # Ctrl-C (or a failed merge) drops the chunks not yet started.
                own.shutdown(wait=True, cancel_futures=True)
        except LOST_WORKERS:
            pass  # scan here instead
    if len(chunks) == 1:  # every type is new to the merge: the part names them all
        return merge_parts([scan_texts(texts)], len(texts), progress)
    task = functools.partial(_scan_task, uuid.uuid4().hex)  # a merge of its own
    return merge_parts(map(task, chunks), len(texts), progress)
