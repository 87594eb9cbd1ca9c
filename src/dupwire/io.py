"""Read articles from files, directories, JSON Lines and CSV into :class:`~dupwire.model.Article`.

Text is kept exactly as written (no newline translation), because character offsets into
it are shown to users.  Bytes that are not UTF-8 are decoded with a legacy code page found
by ``charset_normalizer``.  Every problem is a :class:`~dupwire.errors.InputError` whose
one-line message names the input and says how to fix it; when a whole corpus is loaded,
per-article problems are collected as :class:`Failure` records instead, so no article is
lost silently.

>>> decode_bytes(b"\\xef\\xbb\\xbfANKARA -\\r\\nTroops left.", name="a.txt")
'ANKARA -\\r\\nTroops left.'
>>> decode_bytes("The \\u201cCaf\\u00e9\\u201d reopened".encode("cp1252"), name="b.txt")
'The “Café” reopened'
"""

from __future__ import annotations

import bz2
import codecs
import csv
import errno
import gzip
import io
import json
import lzma
import math
import os
import re
import select
import stat
import sys
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, AnyStr, BinaryIO, Generic, Literal, TextIO, cast

import charset_normalizer

from dupwire.errors import (
    BinaryInputError,
    DecodingWarning,
    DupwireWarning,
    EmptyArticleError,
    EncodingError,
    InputError,
    InputTooLargeError,
    NoArticlesError,
    ParamsError,
    SegmentationError,
    kind_of,
    listed,
)
from dupwire.model import Article, Failure

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_LIMIT",
    "SURROGATE_RE",
    "ArticleLike",
    "Corpus",
    "Failure",
    "Note",
    "Skipped",
    "as_articles",
    "check_article",
    "decode_bytes",
    "field_value",
    "load_corpus",
    "read_article",
    "read_named",
    "read_records",
    "read_text",
    "stream_records",
    "surrogates_escaped",
    "without_surrogates",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: The largest ``max_bytes`` accepted (4 GiB): an article is never that long, and a larger
#: limit would only let a mistaken input (a disk image, a log) be read whole into memory.
MAX_BYTES_LIMIT = 4 * 1024**3
_READ_CHUNK = 1024 * 1024
#: Bytes of a JSON Lines file looked at to tell a JSON array from JSON Lines.
_PEEK_BYTES = 4096
#: Bytes of a CSV file read to tell its encoding when none is given.
_SNIFF_BYTES = 256 * 1024
# A JSON line holds a record's text (at most max_bytes of UTF-8) written with JSON escapes,
# which take at most 6 bytes a byte ("\u001f" for a control byte), and its other fields.
_JSON_BYTES_PER_TEXT_BYTE = 6
_LINE_ROOM = 1024 * 1024  # for the id, title, date and the other fields of a record

_ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
# The article files, as messages name them (a saved page's markup, scripts and page furniture
# read as spaces: :func:`dupwire.normalize.as_read`).
_ARTICLE_FILES = ".txt, .md or .html"
# Records files by suffix: what each holds (a .tsv file is CSV cut at tabs).
_RECORD_KINDS: dict[str, RecordsKind] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
# Compressed records files (news.jsonl.gz) are read as they are decompressed: the name of
# each compression by its suffix.
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
# What a damaged compressed file raises while it is read: EOFError when it is cut short,
# OSError (gzip.BadGzipFile, bz2's "Invalid data stream"), zlib.error or LZMAError otherwise.
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)
# Column separators of CSV files as spreadsheets save them in various locales: a header
# that holds the id and text columns only when cut at one of the others picks that one.
_CSV_DELIMITERS = (",", ";", "\t", "|")
_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")
_JSON_ATOM_RE = re.compile(r"[-+.0-9A-Za-z]*")  # the characters of a number, true or null
_PARQUET_BATCH = 4096
_PROGRESS_RECORDS = 2000  # records of a file between two progress reports

# Longest UTF-32 BOM first: the UTF-32-LE mark starts with the UTF-16-LE one.  The codecs
# named here consume the mark themselves.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls and DEL, except the ones plain text uses (tab, newlines, vertical tab, form feed).
_CONTROL_CHARS = tuple(chr(c) for c in [*range(0x20), 0x7F] if chr(c) not in "\t\n\v\f\r")
_MAX_CONTROL_SHARE = 0.05
# The legacy encodings news text is found in: the Windows code pages, their ISO and KOI8
# cousins, and the main CJK ones.  DOS and Mac code pages are left out: charset_normalizer
# often ranks them first for Western text with few accented letters.
_LEGACY_ENCODINGS = (
    *(f"cp{page}" for page in range(1250, 1259)),
    *("iso8859_2", "iso8859_5", "iso8859_7", "iso8859_15", "koi8_r", "koi8_u", "cp874"),
    *("cp932", "euc_jp", "gb18030", "big5", "cp949"),
)
# charset_normalizer cannot tell cp1252 from cp1250 or cp1257 on short texts (they differ
# in a few letters) and sometimes proposes a CJK code page for them.  cp1252 is by far the
# commonest legacy encoding of news text, so it wins unless another code page reads
# clearly better (cp1254 for Turkish, cp1251 for Russian, ...).
_PREFERRED_LEGACY = "cp1252"
_COHERENCE_MARGIN = 0.03
_CSV_FIELD_LIMIT = 2**31 - 1
_STDIN_LABEL = "<stdin>"
# Undecodable bytes kept by the "surrogateescape" error handler (or by _ESCAPE, which
# keeps the bytes below 0x80 too), and lone surrogates.
_ESCAPED_BYTE_RE = re.compile("[\udc00-\udcff]")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
_NON_ASCII_RE = re.compile("[^\x00-\x7f\ud800-\udfff]")
_ACCEPTED = (
    f"pass {_ARTICLE_FILES} articles, a directory of them, .jsonl/.ndjson, .json, .csv/.tsv or "
    ".parquet records (a .parquet directory is a dataset; the others may be compressed as "
    ".gz, .bz2 or .xz), or - for JSON Lines on standard input"
)


@dataclass(frozen=True, slots=True, order=True)
class Note:
    """An article that was read, but not exactly as written: its id and what was changed."""

    id: str
    message: str


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """A file found in a directory that is not an article, and why it was left out."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """What :func:`load_corpus` read: articles sorted by id, plus what failed or was skipped.

    ``order`` holds the ids of the articles and failures in input order: the inputs in the
    order given, a directory's files in the order of the sorted walk (names compared as
    strings, a directory's files before its subdirectories), records in file order.
    ``notes`` lists the articles that were read with changes (bytes that were not valid
    UTF-8 replaced, ...).
    """

    articles: tuple[Article, ...]
    failures: tuple[Failure, ...]
    skipped: tuple[Skipped, ...]
    notes: tuple[Note, ...] = ()
    order: tuple[str, ...] = ()

    def with_failures(self, failures: Sequence[Failure]) -> Corpus:
        """This corpus with the articles ``failures`` name (by id) moved to its failures."""
        if not failures:
            return self
        gone = {f.id for f in failures}
        return replace(
            self,
            articles=tuple(a for a in self.articles if a.id not in gone),
            failures=tuple(sorted((*self.failures, *failures))),
        )


def read_text(
    path: Path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """Read one text file and decode it with :func:`decode_bytes`.

    The size limit is checked before reading, so an oversized file fails at once.
    """
    return decode_bytes(_read_bytes(path, max_bytes), name=str(path), encoding=encoding)


def decode_bytes(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """Decode the bytes of an article, named ``name`` in error messages.

    Without ``encoding``, a UTF-8, UTF-16 or UTF-32 byte-order mark decides; then strict
    UTF-8; then the code page a saved page declares, when its bytes decode in it
    (:func:`_declared_encoding`); then, for text that is UTF-8 apart from a few stray
    bytes (its valid multi-byte characters outnumber the invalid bytes), UTF-8 with each
    invalid byte replaced by U+FFFD and a :class:`~dupwire.errors.DecodingWarning`; else
    the legacy code page ``charset_normalizer`` finds.  A leading byte-order mark is
    removed; everything else, line endings included, is kept as written.
    """
    codec = _bom_codec(data) if encoding is None else _check_encoding(encoding)
    wide = codec is not None and _is_wide(codec)
    if not wide:
        _reject_binary(data.decode("latin-1"), name, "byte")
    text = _decode_detected(data, name) if codec is None else _decode_as(data, codec, name)
    text = text.removeprefix("\ufeff")
    if wide:
        _reject_binary(text, name, "character")
    if not text or text.isspace():
        what = "is empty" if not text else "holds only whitespace"
        msg = f"{name} {what}; pass a file that holds the article text"
        raise EmptyArticleError(msg)
    return text


def read_article(
    path: Path,
    *,
    article_id: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """Read one text file as an article; its id defaults to the file name."""
    text = read_text(path, encoding=encoding, max_bytes=max_bytes)
    return Article(id=path.name if article_id is None else article_id, text=text, source=path)


def read_named(
    name: str,
    *,
    id_field: str = "id",
    text_field: str = "text",
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Article:
    """One article named on a command line (``dupwire compare A B``): a text file, read by
    :func:`read_article` with ``name`` as its id, or one record of a records file, named
    ``FILE#ID`` (``news.jsonl#a1``, with ``name`` as its id; :func:`_named_job`).

    Raises :class:`InputError` with one line for a records file named without an id, an id
    the file does not hold, or a record that cannot be read.  ``-`` is the text of one
    article on standard input, with the id ``<stdin>``.
    """
    if name == "-":
        _check_max_bytes(max_bytes)
        try:
            data = _read_limited(sys.stdin.buffer, max_bytes, _STDIN_LABEL)
        except OSError as exc:
            raise _unreadable(_STDIN_LABEL, exc) from exc
        text = decode_bytes(data, name=_STDIN_LABEL, encoding=encoding)
        return Article(id=_STDIN_LABEL, text=text)
    path = Path(name)
    job = None if path.exists() else _named_job(name)
    if job is not None:
        rules = _record_rules(id_field, text_field, "title", "date", "source", max_bytes)
        for item in _load_records(job, rules, encoding=encoding, stdin=None):
            if isinstance(item, Failure):
                raise InputError(item.reason)
            return replace(item[0], id=name)
    if path.is_file() and _records_file(path):
        _, items = read_records(
            [path], id_field=id_field, text_field=text_field, encoding=encoding, max_bytes=max_bytes
        )
        try:
            ids = [item[0].id for item in islice(items, 50) if isinstance(item, tuple)]
        except InputError:  # none at all
            ids = []
        shown = ", ".join(f"{name}#{i}" for i in ids[:2]) or f"{name}#ID"
        msg = (
            f"{name} is a file of records, not an article; name one record as FILE#ID, "
            f"such as {shown}"
        )
        raise InputError(msg)
    return read_article(path, article_id=name, encoding=encoding, max_bytes=max_bytes)


def _records_file(path: Path) -> bool:
    if not path.is_file() or path.suffix.lower() in _ARTICLE_SUFFIXES:
        return False
    try:
        _records_kind(path)
    except InputError:
        return False
    return True


def _named_job(name: str) -> _RecordsJob | None:
    """The job of one record named ``FILE#ID`` (``news.jsonl#a1``: cut at the last ``#``),
    or None when ``name`` is no such name (its part before ``#`` is not a records file).
    Only a name that is not a file is read so, so a file whose name holds ``#`` is that file."""
    if "#" not in name:
        return None
    file, wanted = name.rsplit("#", 1)
    path = Path(file)
    if not _records_file(path):
        return None
    return replace(_records_job(path), wanted=wanted)


ArticleLike = Article | str | tuple[Any, str] | Mapping[str, Any]


def as_articles(
    items: Iterable[ArticleLike] | Mapping[Any, str],
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    numbered: bool = True,
) -> list[Article]:
    """Articles from what a notebook holds: :class:`Article` objects as they are; texts (the
    id is the text's place, ``"0"``, ``"1"``, ..., unless not ``numbered``); ``(id, text)``
    pairs; records (mappings such as a JSON object), read with the fields and rules of a
    JSONL file; one mapping of ids to texts; a pandas DataFrame (its rows are records) or
    Series of texts (its index gives the ids).

    Raises :class:`InputError` (one line, naming the item) for a record that cannot be an
    article, and TypeError for an item of another kind.

    >>> [(a.id, a.title) for a in as_articles(["Quake hits Iran.", ("b", "Markets rose.")])]
    [('0', 'Quake hits Iran.'), ('b', 'Markets rose.')]
    """
    if isinstance(items, (str, bytes, Article)):
        msg = f"pass a collection of articles, not one {type(items).__name__}; wrap it in a list"
        raise TypeError(msg)
    if isinstance(items, Mapping):
        items = [(key, text) for key, text in items.items()]
    elif hasattr(items, "columns") and hasattr(items, "to_dict"):  # a pandas DataFrame
        items = items.to_dict("records")
    elif hasattr(items, "index") and hasattr(items, "items") and hasattr(items, "dtype"):
        items = list(items.items())  # a pandas Series of texts: ids from its index
    rules = _record_rules(
        id_field, text_field, title_field, date_field, source_field, MAX_BYTES_LIMIT
    )
    job = _RecordsJob("jsonl", None)
    articles: list[Article] = []
    for k, item in enumerate(items):
        if isinstance(item, Article):
            articles.append(item)
            continue
        if isinstance(item, str):
            if not numbered:
                msg = (
                    f"articles[{k}] is a text without an id; pass (id, text) pairs, records "
                    "or Article objects"
                )
                raise TypeError(msg)
            item = {id_field: str(k), text_field: item}
        elif isinstance(item, tuple) and len(item) == 2:
            item = {id_field: item[0], text_field: item[1]}
        elif not isinstance(item, Mapping):
            msg = (
                f"articles[{k}] is {type(item).__name__}; pass Article objects, texts, "
                "(id, text) pairs or records with 'id' and 'text'"
            )
            raise TypeError(msg)
        read = _record_article(f"articles[{k}]", dict(item), job, rules)
        if isinstance(read, Failure):
            raise InputError(read.reason)
        articles.append(read[0])
    return articles


def load_corpus(
    inputs: Sequence[str | Path],
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: TextIO | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    check: bool = True,
) -> Corpus:
    """Read every article under ``inputs``: directories, text files, JSONL, CSV or Parquet,
    ``-``.

    Directories are searched recursively for ``.txt``, ``.md``, ``.html`` and ``.htm`` files
    (id: the path relative to the directory; a saved page's markup, scripts and page
    furniture read as spaces); other and hidden files are listed in ``skipped``.  A
    ``.jsonl``/``.ndjson`` file (UTF-8, or UTF-16/32 with a byte-order mark), ``.csv``
    file or ``.parquet`` file (read with pyarrow, from the ``spark`` extra) holds one
    record per article, and so does a directory named ``.parquet`` (a dataset as Spark
    writes one: its part files in path order); ``-`` reads JSON Lines from ``stdin``.
    Record fields other than id and text go into ``Article.meta``, with the title, date
    and source fields under ``"title"``,
    ``"date"`` and ``"source"`` (with the default ``date_field``, a record without ``date``
    but with ``published`` takes that).  ``encoding`` applies to every file (not standard
    input); without it, a file's encoding is detected (a records file's from its first
    256 KB).

    Articles that cannot be read become ``failures``.  Raises :class:`InputError` for an
    input that does not exist or is of an unknown type, and :class:`NoArticlesError` when
    nothing at all was found.  Of the articles that share an id, the one first by origin
    (file, then line) is read and the others are failures that name it.
    ``on_progress(done, total)`` is called with ``done=0`` and after each of the ``total``
    files, and while a records file is read, with the share of it read added (a fraction).

    With ``check`` (the default) every article is cut into sentences and words once
    (:func:`check_article`); one that cannot be becomes a failure instead of stopping a
    later stage.  :func:`dupwire.cluster.cluster` does the same and lists such articles in
    ``Clustering.failures``, so a corpus read only to be clustered can skip the check
    (``check=False``) and prepare each article once.  Bytes that are not valid UTF-8 and lone
    surrogates are replaced by U+FFFD and listed in ``notes``.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    rules = _record_rules(id_field, text_field, title_field, date_field, source_field, max_bytes)
    if encoding is not None:
        _check_encoding(encoding)
    plan = _plan(inputs)
    loaded: list[tuple[Article, str]] = []
    failures = list(plan.failures)
    notes: list[Note] = []
    order: list[Article | Failure] = list(plan.failures)
    unchecked: list[tuple[Article, str]] = []  # read, not yet checked (check)
    unreadable: dict[int, Failure] = {}  # by id() of an article that failed its check
    if on_progress is not None:
        on_progress(0, len(plan.jobs))
    for done, job in enumerate(plan.jobs, start=1):
        results = _job_items(job, rules, encoding=encoding, stdin=stdin)
        meter = job.meter if isinstance(job, _RecordsJob) else None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DupwireWarning)
            for k, result in enumerate(results, start=1):
                if on_progress is not None and meter is not None and k % _PROGRESS_RECORDS == 0:
                    on_progress(done - 1 + meter.share(), len(plan.jobs))
                if isinstance(result, Failure):
                    item: Article | Failure = result
                    failures.append(result)
                else:
                    item = result[0]
                    (unchecked if check else loaded).append(result)
                    if len(unchecked) >= _CHECKED_AT_ONCE:
                        _check_articles(unchecked, loaded, unreadable)
                order.append(item)
                for warning in caught:
                    if issubclass(warning.category, DupwireWarning):
                        notes.append(Note(item.id, str(warning.message)))
                    else:  # a dependency's warning: pass it on
                        warnings.warn(warning.message, stacklevel=1)
                caught.clear()
        if on_progress is not None:
            on_progress(done, len(plan.jobs))
    _check_articles(unchecked, loaded, unreadable)
    if unreadable:
        failures += unreadable.values()
        order = [unreadable.get(id(item), item) for item in order]
    if not loaded and not failures:
        raise _no_articles(inputs, plan)
    loaded, repeated = _first_of_each_id(loaded)
    if repeated:
        failures += repeated.values()
        order = [repeated.get(id(item), item) for item in order]
    renamed = _unique_failure_ids(failures, {article.id for article, _ in loaded})
    return Corpus(
        articles=tuple(sorted((article for article, _ in loaded), key=lambda a: a.id)),
        failures=tuple(sorted(renamed.get(id(f), f) for f in failures)),
        skipped=tuple(sorted(plan.skipped)),
        notes=tuple(notes),
        order=tuple(
            item.id if isinstance(item, Article) else renamed.get(id(item), item).id
            for item in order
        ),
    )


def _job_items(
    job: _TextJob | _RecordsJob, rules: _RecordRules, *, encoding: str | None, stdin: TextIO | None
) -> Iterator[tuple[Article, str] | Failure]:
    """The articles of one input job, each ``(article, origin)`` or a Failure, read as they
    are asked for: a text file's one, or a records file's one by one."""
    if isinstance(job, _TextJob):
        yield _load_text(job, encoding=encoding, max_bytes=rules.max_bytes)
    else:
        yield from _load_records(job, rules, encoding=encoding, stdin=stdin)


_CHECKED_AT_ONCE = 256  # articles scanned together by load_corpus's check


def _check_articles(
    unchecked: list[tuple[Article, str]],
    loaded: list[tuple[Article, str]],
    unreadable: dict[int, Failure],
) -> None:
    """Check the ``unchecked`` articles (each with its origin) together, as
    :func:`check_article` checks one: those that can be cut into sentences and words go to
    ``loaded``, each other one becomes a Failure in ``unreadable`` (by the ``id()`` of its
    article).  ``unchecked`` is emptied.  One scan of many articles costs about half of as
    many scans of one."""
    from dupwire.cluster.scan import scan_texts

    if not unchecked:
        return
    failed = dict(scan_texts([article.text for article, _ in unchecked]).failed)
    for k, (article, origin) in enumerate(unchecked):
        if k in failed:
            reason = f"{origin}: {failed[k]}"
            unreadable[id(article)] = Failure(article.id, reason, origin)
        else:
            loaded.append((article, origin))
    unchecked.clear()


def check_article(article: Article) -> None:
    """Check that ``article`` can be cut into sentences and words, as every stage does.

    Raises :class:`~dupwire.errors.SegmentationError` naming the article if the sentence
    splitter or the tokeniser fails, whatever the failure (a panic inside a compiled
    dependency included), so that one such text costs only its own article.
    """
    reason = _preparation_problem(article)
    if reason is not None:
        msg = f"{article.id}: {reason}"
        raise SegmentationError(msg)


def _preparation_problem(article: Article) -> str | None:
    """Why ``article`` cannot be segmented and tokenised, or None if it can: the scan of
    clustering (:func:`dupwire.cluster.scan.scan_texts`), which reads it as every stage does.
    """
    from dupwire.cluster.scan import scan_texts

    failed = scan_texts([article.text]).failed
    return failed[0][1] if failed else None


def _unique_failure_ids(failures: Sequence[Failure], article_ids: set[str]) -> dict[int, Failure]:
    """Failures to list under their origin: those whose id another input also uses."""
    counts = Counter(f.id for f in failures)
    renamed: dict[int, Failure] = {}
    for failure in failures:
        if not failure.origin or failure.origin == failure.id:
            continue
        if failure.id in article_ids or counts[failure.id] > 1:
            other = "a record that was read" if failure.id in article_ids else "another input"
            reason = f"{failure.reason} (its id {failure.id!r} is also used by {other})"
            renamed[id(failure)] = Failure(failure.origin, reason, failure.origin)
    return renamed


# --- reading and decoding one file ------------------------------------------------------


def _check_max_bytes(max_bytes: int) -> None:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        msg = f"max_bytes must be a positive number of bytes, got {max_bytes!r}"
        raise ParamsError(msg)
    if max_bytes > MAX_BYTES_LIMIT:
        msg = (
            f"max_bytes is {max_bytes:,}, over the largest accepted limit of "
            f"{MAX_BYTES_LIMIT:,} bytes (4 GiB); pass a smaller --max-bytes"
        )
        raise ParamsError(msg)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    _check_max_bytes(max_bytes)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            msg = (
                f"{path} is a directory; pass a file, or load the directory with "
                f"load_corpus (dupwire cluster) to read every {_ARTICLE_FILES} file in it"
            )
            raise InputError(msg)
        if info.st_size > max_bytes:
            raise _too_large(str(path), f"{info.st_size:,} bytes", max_bytes)
        with path.open("rb") as file:
            return _read_limited(file, max_bytes, str(path))
    except OSError as exc:
        raise _unreadable(str(path), exc) from exc


def _read_limited(file: IO[bytes], max_bytes: int, name: str) -> bytes:
    """The bytes of ``file`` (named ``name``), at most ``max_bytes`` of them (else
    InputTooLargeError).  They are read up to one byte past the limit, a chunk at a time:
    the size of a pipe or a growing file is not known in advance, and a large limit must
    not make every read reserve that much memory."""
    chunks: list[bytes] = []
    left = max_bytes + 1
    while left > 0 and (chunk := file.read(min(left, _READ_CHUNK))):
        chunks.append(chunk)
        left -= len(chunk)
    if left <= 0:
        raise _too_large(name, "longer than that", max_bytes)
    return b"".join(chunks)


def _too_large(name: str, size: str, max_bytes: int) -> InputTooLargeError:
    return InputTooLargeError(_over_limit(name, size, max_bytes, "pass a smaller file"))


def _over_limit(subject: str, size: str, limit: int, remedy: str, *, of: str = "") -> str:
    """How every size limit is reported: what is too large, its size, the limit, the fix."""
    return (
        f"{subject} is {size}, over the {limit:,}-byte limit{of}; {remedy} "
        "or raise the limit (max_bytes, --max-bytes)"
    )


def _line_limit(max_bytes: int) -> int:
    """The longest JSON line read (without its newline): room for a text of ``max_bytes``
    written with JSON escapes, and 1 MiB for the record's other fields."""
    return _JSON_BYTES_PER_TEXT_BYTE * max_bytes + _LINE_ROOM


def _unreadable(name: str, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        msg = f"{name}: no such file; check the path"
    elif isinstance(exc, PermissionError):
        msg = f"{name}: permission denied; make the file readable or pass another file"
    else:
        msg = f"{name}: cannot read ({exc.strerror or exc}); pass a readable file"
    return InputError(msg)


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (an undecodable byte kept by an error handler, or
    a ``\\ud800`` escape of JSON) replaced by U+FFFD, so that it encodes as UTF-8."""
    return SURROGATE_RE.sub("\ufffd", text)


def surrogates_escaped(text: str) -> str:
    """``text`` with each lone surrogate written as its JSON escape (``\\udcff``), so that
    JSON text holding one encodes as UTF-8 and still reads back as the same string."""
    return SURROGATE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Keep each byte a codec cannot decode as the lone surrogate U+DC00 + byte, as the
    "surrogateescape" handler does, but for any byte: a UTF-16 or UTF-32 decoder fails on
    units such as b"\\x00\\xd8", which that handler refuses (it keeps bytes from 0x80 only)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


_ESCAPE = "dupwire.escape"
codecs.register_error(_ESCAPE, _escape_bytes)


def _bom_codec(data: bytes) -> str | None:
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _check_encoding(encoding: str) -> str:
    """Return ``encoding`` if it names a text codec, else raise ParamsError."""
    try:
        info = codecs.lookup(encoding)
        usable = info._is_text_encoding and info.name != "undefined"
    except (LookupError, TypeError, ValueError):
        usable = False
    if not usable:
        msg = (
            f"unknown text encoding {encoding!r}; "
            "pass a codec name such as utf-8, cp1252 or latin-1"
        )
        raise ParamsError(msg)
    return encoding


def _is_wide(codec: str) -> bool:
    return codecs.lookup(codec).name.startswith(("utf-16", "utf-32"))


def _reject_binary(chars: str, name: str, unit: Literal["byte", "character"]) -> None:
    """Raise BinaryInputError for a NUL or a high share of control characters."""
    nul = chars.find("\x00")
    if nul >= 0:
        msg = f"{name} looks like a binary file (NUL {unit} at offset {nul}); pass a text file"
        raise BinaryInputError(msg)
    controls = sum(chars.count(c) for c in _CONTROL_CHARS)
    if controls > len(chars) * _MAX_CONTROL_SHARE:
        msg = (
            f"{name} looks like a binary file ({controls:,} of {len(chars):,} {unit}s "
            "are control codes); pass a text file"
        )
        raise BinaryInputError(msg)


def _decode_as(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        # utf-8-sig reports offsets into the bytes after the BOM it removed.
        offset = exc.start + len(data) - len(exc.object)
        msg = (
            f"{name}: cannot decode as {codec} (byte 0x{data[offset]:02x} at offset "
            f"{offset}); pass --encoding with the file's real encoding"
        )
        raise EncodingError(msg) from None


def _decode_detected(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_encoding(data)
    if declared is not None:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: read the bytes as if there were none
    escaped = data.decode("utf-8", "surrogateescape")
    stray = _ESCAPED_BYTE_RE.findall(escaped)
    if _mostly_utf8(escaped, len(stray)):
        first = _ESCAPED_BYTE_RE.search(escaped)
        assert first is not None
        offset = len(escaped[: first.start()].encode("utf-8", "surrogateescape"))
        count = "1 byte that is" if len(stray) == 1 else f"{len(stray):,} bytes that are"
        warnings.warn(
            f"{name}: {count} not valid UTF-8 (first 0x{data[offset]:02x} at offset "
            f"{offset}) replaced by U+FFFD; the rest was read as UTF-8 (pass --encoding "
            "if the file is in another encoding)",
            DecodingWarning,
            stacklevel=4,
        )
        return _ESCAPED_BYTE_RE.sub("\ufffd", escaped)
    legacy = _guess_legacy_encoding(data)
    if legacy is None:
        msg = (
            f"{name}: cannot decode as UTF-8 or a known 8-bit encoding; "
            "pass --encoding latin-1 (or the file's real encoding)"
        )
        raise EncodingError(msg)
    return _decode_as(data, legacy, name)


# The encoding a saved page declares in its first 1,024 bytes, where browsers look for it: a
# meta element's charset (<meta charset="windows-1250">, or in its http-equiv content) or an
# XML declaration's encoding.
_DECLARED_RE = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)"
    rb"|^\s*<\?xml\b[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)",
    re.IGNORECASE,
)
_DECLARED_BYTES = 1024
# Labels that browsers read as a superset (the WHATWG Encoding standard): Latin-1 and ASCII
# as Windows-1252, the older Chinese, Japanese and Korean code pages as their extensions.
# (Keys are codec names as codecs.lookup gives them, "-" read as "_": every Latin-1 label
# looks up as iso8859-1.)
_READ_AS = {"ascii": "cp1252", "iso8859_1": "cp1252", "gb2312": "gb18030"}
_READ_AS.update(gbk="gb18030", shift_jis="cp932", euc_kr="cp949")


def _declared_encoding(data: bytes) -> str | None:
    """The encoding a page's bytes declare (``_DECLARED_RE``) when it is a known 8-bit or
    CJK code page (not UTF-8, which was tried first); None otherwise.

    >>> _declared_encoding(b'<html><head><meta charset="windows-1250">')
    'cp1250'
    >>> _declared_encoding(b'<meta http-equiv="Content-Type" content="text/html; charset=latin1">')
    'cp1252'
    """
    found = _DECLARED_RE.search(data[:_DECLARED_BYTES])
    if found is None:
        return None
    label = (found[1] or found[2]).decode("ascii").lower()
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    name = _READ_AS.get(name, name)
    return None if name.startswith(("utf_", "utf8")) else name


def _mostly_utf8(escaped: str, stray: int) -> bool:
    """Whether text read as UTF-8 (``escaped``: its undecodable bytes kept as escapes,
    ``stray`` of them) is UTF-8 with a few stray bytes rather than text in another encoding:
    more of its characters beyond ASCII decoded than did not."""
    return len(_NON_ASCII_RE.findall(escaped)) > stray


def _sniffed_encoding(job: _RecordsJob) -> str:
    """The encoding of a records file read without ``--encoding``: the one its byte-order
    mark names; else UTF-8, unless its first bytes (:data:`_SNIFF_BYTES`) are not UTF-8 and
    hold no character beyond ASCII that is, as when a spreadsheet saves CSV in the code page
    of its system: then the 8-bit encoding they read best as (as for a text file).  A named
    pipe is read once, so it is not looked at first: UTF-8."""
    if job.path is None or not job.path.is_file():
        return "utf-8"
    with _open_binary(job) as head:
        data = head.read(_SNIFF_BYTES)
    marked = _bom_codec(data[:4])
    if marked is not None:
        return marked
    # Incremental, so that a character cut at the end of the sample is no stray byte.
    escaped = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(data)
    stray = len(_ESCAPED_BYTE_RE.findall(escaped))
    if not stray or _mostly_utf8(escaped, stray):
        return "utf-8"
    return _guess_legacy_encoding(data) or "utf-8"


def _guess_legacy_encoding(data: bytes) -> str | None:
    candidates = list(charset_normalizer.from_bytes(data, cp_isolation=list(_LEGACY_ENCODINGS)))
    # A short cp1252 text can be missing from the candidates, so ask about it directly.
    preferred = next((m for m in candidates if m.encoding == _PREFERRED_LEGACY), None)
    if preferred is None:
        preferred = charset_normalizer.from_bytes(data, cp_isolation=[_PREFERRED_LEGACY]).best()
    if preferred is not None and not any(
        m.chaos <= preferred.chaos and m.coherence > preferred.coherence + _COHERENCE_MARGIN
        for m in candidates
    ):
        return _PREFERRED_LEGACY
    return candidates[0].encoding if candidates else None


# --- finding the files of a corpus ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _TextJob:
    path: Path
    article_id: str


RecordsKind = Literal["jsonl", "json", "csv", "tsv", "parquet"]


class _Meter:
    """How far a records file has been read: the position of its file descriptor (in the
    compressed bytes, for a compressed file) against its size, or for a Parquet file the
    rows read against its rows."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.rows: tuple[int, int] | None = None  # (read, in all)

    def share(self) -> float:
        """The share of the file read so far, 0 to 1 (0 when unknown)."""
        if self.rows is not None:
            done, total = self.rows
            return min(1.0, done / total) if total else 0.0
        if self.fd is None:
            return 0.0
        try:
            size = os.fstat(self.fd).st_size
            return min(1.0, os.lseek(self.fd, 0, os.SEEK_CUR) / size) if size else 0.0
        except OSError:
            return 0.0


@dataclass(frozen=True, slots=True)
class _RecordsJob:
    kind: RecordsKind
    path: Path | None  # None: standard input
    compression: str | None = None  # a key of _COMPRESSIONS
    wanted: str | None = None  # the id of the one record to read (FILE#ID), if one
    meter: _Meter = field(default_factory=_Meter, compare=False, repr=False)

    @property
    def label(self) -> str:
        return _STDIN_LABEL if self.path is None else self.path.as_posix()


@dataclass(frozen=True, slots=True)
class _Plan:
    jobs: tuple[_TextJob | _RecordsJob, ...]
    skipped: tuple[Skipped, ...]
    failures: tuple[Failure, ...]  # directories that could not be listed


def _plan(inputs: Sequence[str | Path]) -> _Plan:
    """The files to read for ``inputs``, each once (:func:`_each_file_once`)."""
    jobs: list[_TextJob | _RecordsJob] = []
    skipped: list[Skipped] = []
    failures: list[Failure] = []
    if sum(str(item) == "-" for item in inputs) > 1:
        msg = "- (standard input) was given more than once; pass it once"
        raise InputError(msg)
    for item in inputs:
        if str(item) == "-":
            jobs.append(_RecordsJob("jsonl", None))
            continue
        if not str(item).strip():
            msg = (
                f"an empty path ({str(item)!r}) was given; pass a file or a directory "
                "(. for the current directory)"
            )
            raise InputError(msg)
        path = Path(item)
        suffix = path.suffix.lower()
        if path.is_dir() and _RECORD_KINDS.get(suffix) == "parquet":
            _check_pyarrow(path)
            parts = _parquet_parts(path)
            if not parts:
                msg = (
                    f"{path}: a directory named .parquet but with no .parquet part files in "
                    "it; pass the directory Spark or pyarrow wrote, or its files"
                )
                raise InputError(msg)
            jobs.extend(_RecordsJob("parquet", part) for part in parts)
        elif path.is_dir():
            found = _scan_directory(path)
            jobs.extend(found.jobs)
            skipped.extend(found.skipped)
            failures.extend(found.failures)
        elif not path.exists():
            named = _named_job(str(item))
            if named is None:
                msg = f"{path}: no such file or directory; check the path"
                raise InputError(msg)
            jobs.append(named)
        elif suffix in _ARTICLE_SUFFIXES:
            jobs.append(_TextJob(path, path.name))
        else:
            jobs.append(_records_job(path))
    return _Plan(*_each_file_once(jobs, skipped), tuple(failures))


def _each_file_once(
    jobs: list[_TextJob | _RecordsJob], skipped: list[Skipped]
) -> tuple[tuple[_TextJob | _RecordsJob, ...], tuple[Skipped, ...]]:
    """``jobs`` with each file (or one record of it: ``FILE#ID``) read once, whatever the
    order of the inputs: a file given twice, by name and in a directory, in two nested
    directories or through another link is read as the outermost directory given holds it
    (its longest id), else by its first path; the other ways it was reached are added to
    ``skipped``, naming that one."""
    ways: dict[tuple[tuple[int, int], str | None], list[tuple[str, str, int]]] = {}
    for k, job in enumerate(jobs):
        if job.path is None:  # standard input
            continue
        wanted = job.wanted if isinstance(job, _RecordsJob) else None
        article_id = job.article_id if isinstance(job, _TextJob) else ""
        try:
            key = (_inode(job.path.stat()), wanted)
        except OSError:  # reading it says what is wrong
            continue
        ways.setdefault(key, []).append((article_id, job.path.as_posix(), k))
    dropped: set[int] = set()
    for reached in ways.values():
        # The outermost directory holding the file names it (the most parts in its id),
        # then the first path and id.
        (_, first, _), *others = sorted(reached, key=lambda w: (-w[0].count("/"), w[1], w[0]))
        for _, shown, k in others:
            again = "given twice" if shown == first else f"the same file as {first}"
            skipped.append(Skipped(shown, f"{again}; read once"))
            dropped.add(k)
    return tuple(job for k, job in enumerate(jobs) if k not in dropped), tuple(skipped)


def _records_job(path: Path) -> _RecordsJob:
    """The job of a records file by its suffixes (news.jsonl, news.csv.gz, news.parquet,
    ...); raises InputError for a file of another kind, or a Parquet file without pyarrow."""
    kind, compression = _records_kind(path)
    if kind == "parquet":
        _check_pyarrow(path)
    return _RecordsJob(kind, path, compression)


def _records_kind(path: Path) -> tuple[RecordsKind, str | None]:
    """What a records file holds and its compression suffix (or None), by its suffixes;
    raises InputError for a file of another kind."""
    suffix = path.suffix.lower()
    compression = None
    if suffix in _COMPRESSIONS:
        compression, suffix = suffix, Path(path.stem).suffix.lower()
    kind = _RECORD_KINDS.get(suffix)
    if kind is not None and not (kind == "parquet" and compression):
        return kind, compression
    if compression is not None:
        what = f"compressed {suffix} files" if suffix else f"{compression} files"
    else:
        what = f"{suffix or 'suffix-less'} files"
    msg = f"{path}: dupwire does not read {what}; {_ACCEPTED}"
    raise InputError(msg)


def _scan_directory(root: Path) -> _Plan:
    """Walk ``root`` depth-first, following symbolic links but entering each directory once."""
    jobs: list[_TextJob | _RecordsJob] = []
    skipped: list[Skipped] = []
    failures: list[Failure] = []
    seen = {_inode(root.stat())}
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            reason = (
                f"{directory}: cannot list the directory ({exc.strerror}), so its articles "
                "were not read; make it readable"
            )
            failures.append(Failure(directory.as_posix() + "/", reason))
            continue
        for entry in entries:
            path = Path(entry.path)
            shown = path.as_posix()
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:  # a symbolic link loop, or an entry gone meanwhile
                what = "symbolic link loop" if exc.errno == errno.ELOOP else "unreadable entry"
                skipped.append(Skipped(shown, f"{what} ({exc.strerror}), not read"))
                continue
            if entry.name.startswith("."):
                kind = "directory, not searched" if is_dir else "file"
                skipped.append(Skipped(shown, f"hidden {kind} (name starts with a dot)"))
            elif is_dir:
                try:
                    inode = _inode(entry.stat())
                except OSError as exc:
                    skipped.append(Skipped(shown, f"unreadable directory ({exc.strerror})"))
                    continue
                if inode in seen:
                    reason = "directory already searched (reached again through a symbolic link)"
                    skipped.append(Skipped(shown, reason))
                else:
                    seen.add(inode)
                    pending.append(path)
            elif not is_file:
                reason = "broken symbolic link" if entry.is_symlink() else "not a regular file"
                skipped.append(Skipped(shown, reason))
            elif path.suffix.lower() in _ARTICLE_SUFFIXES:
                jobs.append(_TextJob(path, path.relative_to(root).as_posix()))
            else:
                skipped.append(Skipped(shown, _not_article_reason(path)))
    # Input order inside a directory: by relative path (the article id), as strings.
    jobs.sort(key=lambda job: job.article_id if isinstance(job, _TextJob) else "")
    return _Plan(tuple(jobs), tuple(skipped), tuple(failures))


def _parquet_parts(root: Path) -> list[Path]:
    """The part files of a Parquet dataset directory (as Spark and pyarrow write one: its
    ``.parquet`` files, in partition subdirectories too), in path order; markers and hidden
    files (``_SUCCESS``, ``.part-0.parquet.crc``, names starting with ``_`` or ``.``) are
    not parts."""
    parts = [
        path
        for path in root.rglob("*.parquet")
        if path.is_file()
        and not any(name.startswith(("_", ".")) for name in path.relative_to(root).parts)
    ]
    return sorted(parts, key=lambda path: path.relative_to(root).as_posix())


def _inode(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _not_article_reason(path: Path) -> str:
    try:
        _records_job(path)
    except InputError:
        return f"not a {_ARTICLE_FILES} file"
    return f"not a {_ARTICLE_FILES} file (to read its records, pass the file by name)"


# --- reading the articles of a corpus ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RecordRules:
    id_field: str
    text_field: str
    meta_fields: tuple[tuple[str, str], ...]  # (key in Article.meta, field in the record)
    max_bytes: int
    paths: tuple[str, ...] = ()  # the field names with dots (:func:`field_value`)


def _record_rules(
    id_field: str,
    text_field: str,
    title_field: str,
    date_field: str,
    source_field: str,
    max_bytes: int,
) -> _RecordRules:
    """How records are read into articles; raises ParamsError for a ``max_bytes`` that is
    no limit (:func:`_check_max_bytes`)."""
    _check_max_bytes(max_bytes)
    names = (id_field, text_field, title_field, date_field, source_field)
    return _RecordRules(
        id_field=id_field,
        text_field=text_field,
        meta_fields=(("title", title_field), ("date", date_field), ("source", source_field)),
        max_bytes=max_bytes,
        paths=tuple(name for name in names if "." in name),
    )


def _load_text(
    job: _TextJob, *, encoding: str | None, max_bytes: int
) -> tuple[Article, str] | Failure:
    try:
        article = read_article(
            job.path, article_id=job.article_id, encoding=encoding, max_bytes=max_bytes
        )
    except InputError as exc:
        return Failure(job.article_id, str(exc), job.path.as_posix())
    return article, job.path.as_posix()


def _load_records(
    job: _RecordsJob, rules: _RecordRules, *, encoding: str | None, stdin: TextIO | None
) -> Iterator[tuple[Article, str] | Failure]:
    """Yield ``(article, "file:line")`` or a Failure for each record of a JSONL or CSV input."""
    try:
        required = (rules.id_field, rules.text_field)
        limit = _line_limit(rules.max_bytes)
        read = _records(job, required, encoding=encoding, stdin=stdin, line_limit=limit)
        items = (
            item if isinstance(item, Failure) else _record_article(*item, job, rules)
            for item in read
            if item is not None  # a whole input has no flush marks
        )
        yield from items if job.wanted is None else _the_wanted(items, job, rules.id_field)
    except OSError as exc:
        yield Failure(job.label, str(_unreadable(job.label, exc)))


def _the_wanted(
    items: Iterable[tuple[Article, str] | Failure], job: _RecordsJob, id_field: str
) -> Iterator[tuple[Article, str] | Failure]:
    """Of a file's ``items``, the first whose id is ``job.wanted`` (a record, or its failure),
    read up to it; a failure when there is none."""
    for item in items:
        if (item.id if isinstance(item, Failure) else item[0].id) == job.wanted:
            yield item
            return
    name = f"{job.label}#{job.wanted}"
    reason = (
        f"{job.label} holds no record with {id_field} {job.wanted!r}; check the id (or pass "
        "--id-field to name the field that holds ids)"
    )
    yield Failure(name, reason)


def _records(
    job: _RecordsJob,
    required: tuple[str, str],
    *,
    encoding: str | None,
    stdin: TextIO | None,
    line_limit: int,
) -> Iterator[tuple[str, dict[str, Any]] | Failure | None]:
    if job.path is None:
        yield from _stdin_records(stdin, line_limit)
    elif job.kind == "parquet":
        yield from _parquet_records(job.path, job.label, job.meter)
    elif job.compression is None:
        yield from _file_records(job, required, encoding=encoding, line_limit=line_limit)
    else:
        read = 0
        try:
            for item in _file_records(job, required, encoding=encoding, line_limit=line_limit):
                read += 1
                yield item
        except _DECOMPRESSION_ERRORS as exc:
            yield Failure(job.label, _decompression_problem(job, exc, read))


#: How a compressed stream starts, by the suffix of its compression (_COMPRESSIONS).
_MAGIC = {".gz": b"\x1f\x8b", ".bz2": b"BZh", ".xz": b"\xfd7zXZ\x00"}
#: What reads each compression (a path, or a binary file object), by its suffix.
_DECOMPRESSORS: dict[str, Callable[..., Any]] = {
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
}


def _stdin_records(
    stdin: IO[Any] | None, line_limit: int
) -> Iterator[tuple[str, dict[str, Any]] | Failure | None]:
    """The records of standard input, read whole (``cluster -``): JSON Lines, or a JSON
    array of records (it starts with ``[``), decompressed as it is read when it starts as a
    gzip, bzip2 or xz stream does; one Failure when it holds text that is not JSON at all
    (an article's text piped in), rather than one per line."""
    raw = _stdin_bytes(stdin)
    if not hasattr(raw, "peek"):  # a text stream, given by a caller
        yield from _jsonl_records(_read_lines(raw, line_limit), _STDIN_LABEL)
        return
    label = _STDIN_LABEL
    head = raw.peek(8)
    if not head:  # the end already (a terminal's Ctrl-D comes once: do not read on)
        return
    suffix = next((suffix for suffix, magic in _MAGIC.items() if head.startswith(magic)), None)
    if suffix is not None:
        raw = _DECOMPRESSORS[suffix](raw, "rb")
        head = raw.peek(8)
    recoded = _utf8_bytes(cast(BinaryIO, raw))
    if recoded is not raw:
        raw, head = recoded, cast(io.BufferedReader, recoded).peek(8)
    start = _json_start(head)
    read = 0
    try:
        if start == b"[":
            for item in _json_records(raw, label, line_limit):
                read += 1
                yield item
        elif start in (b"{", b""):
            for item in _jsonl_records(_read_lines(raw, line_limit), label):
                read += 1
                yield item
        else:
            shown = start.decode("latin-1")
            reason = (
                f"{label}: not JSON Lines (it starts with {shown!r}, not with the {{ of a "
                'record); pipe one JSON object per line, such as {"id": "a1", "text": "..."}, '
                "or pass an article's text file by its path"
            )
            yield Failure(label, reason)
    except _DECOMPRESSION_ERRORS as exc:
        job = _RecordsJob("jsonl", None, suffix)
        yield Failure(label, _decompression_problem(job, exc, read))


def _open_binary(job: _RecordsJob) -> BinaryIO:
    """The bytes of a records file, decompressed as they are read."""
    assert job.path is not None, "a file"
    if job.compression is None:
        return job.path.open("rb")
    return cast(BinaryIO, _DECOMPRESSORS[job.compression](job.path, "rb"))


class _AsUtf8(io.RawIOBase):
    """A stream of text in another encoding (``codec``: UTF-16 or UTF-32, which its
    byte-order mark names, or an 8-bit code page), read as UTF-8 bytes, so that a JSON file
    saved as Windows PowerShell and Notepad save "Unicode" text, or in the system's code page
    (Python on Windows, ``ensure_ascii=False``), is read as its UTF-8 twin would be.  Bytes
    that do not decode (half of a pair of surrogates, an odd last byte) become bytes that are
    not UTF-8, which fail their record only.  It can go back to its start (``seek(0)``), and
    nowhere else."""

    def __init__(self, raw: BinaryIO, codec: str) -> None:
        super().__init__()
        self._raw = raw
        self._codec = codec
        self._start()

    def _start(self) -> None:
        self._decoder = codecs.getincrementaldecoder(self._codec)(errors=_ESCAPE)
        self._out = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if offset != 0 or whence != io.SEEK_SET:
            msg = "a file recoded as UTF-8 goes back to its start only"
            raise io.UnsupportedOperation(msg)
        self._raw.seek(0)
        self._start()
        return 0

    def tell(self) -> int:
        msg = "a file recoded as UTF-8 has no offsets"
        raise io.UnsupportedOperation(msg)

    def readinto(self, buffer: Any) -> int:
        while not self._out and not self._ended:
            data = self._raw.read(_READ_CHUNK)
            self._ended = not data
            text = self._decoder.decode(data, final=self._ended)
            self._out = text.encode("utf-8", errors="surrogatepass")
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _utf8_bytes(binary: BinaryIO, codec: str | None = None) -> BinaryIO:
    """``binary``, or its text as UTF-8 bytes (:class:`_AsUtf8`) when a UTF-16 or UTF-32
    byte-order mark starts it, or when it is in ``codec``, another encoding."""
    peek = getattr(binary, "peek", None)
    marked = _bom_codec(peek(4)[:4]) if peek is not None else None
    codec = marked or codec
    if codec is None or codecs.lookup(codec).name in ("utf-8", "utf-8-sig"):
        return binary
    return io.BufferedReader(_AsUtf8(binary, codec))


def _file_records(
    job: _RecordsJob, required: tuple[str, str], *, encoding: str | None, line_limit: int
) -> Iterator[tuple[str, dict[str, Any]] | Failure | None]:
    """The records of a JSONL, JSON, CSV or TSV file (decompressed as it is read)."""
    if job.kind in ("csv", "tsv"):
        # Undecodable bytes are kept as escapes, so that they cost only the row holding them.
        # A byte-order mark decides the codec (a UTF-16 CSV as spreadsheets save one); the
        # codec then drops the mark.  A file that is not UTF-8 from its start is read in the
        # 8-bit encoding it reads best as.
        if encoding is None:
            encoding = _sniffed_encoding(job)
        with io.TextIOWrapper(
            _open_binary(job), encoding=encoding, errors=_ESCAPE, newline=""
        ) as file:
            job.meter.fd = file.fileno()
            first = "\t" if job.kind == "tsv" else ","
            yield from _csv_records(file, job.label, encoding, required, first)
        return
    # A file not in UTF-8 from its start is read in the 8-bit encoding it reads best as,
    # or in the one given.
    codec = encoding or _sniffed_encoding(job)
    with _utf8_bytes(_open_binary(job), codec) as binary:
        job.meter.fd = binary.fileno()
        # A .jsonl file that holds one JSON array of records is read as one, as standard
        # input is (and a .json file of JSON Lines as JSON Lines: _json_records).
        peek = getattr(binary, "peek", None)
        if job.kind == "json" or (peek is not None and _json_start(peek(_PEEK_BYTES)) == b"["):
            yield from _json_records(binary, job.label, line_limit)
        else:
            yield from _jsonl_records(_read_lines(binary, line_limit), job.label)


def _decompression_problem(job: _RecordsJob, exc: BaseException, read: int) -> str:
    """Why a compressed file could not be read through, after ``read`` of its records."""
    assert job.compression is not None, "a compressed file"
    name = _COMPRESSIONS[job.compression]
    after = f", after {read:,} records were read" if read else ", so no record was read"
    if isinstance(exc, EOFError):
        return (
            f"{job.label}: the {name} file ends before its end mark (cut short, as by an "
            f"unfinished download or copy){after}; fetch or copy the whole file again"
        )
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"{job.label}: not valid {name} data ({detail}){after}; pass the file whole, "
        f"compressed with {name} as its name says"
    )


def _jsonl_records(
    lines: Iterable[bytes | str | _LongLine | None], label: str
) -> Iterator[tuple[str, dict[str, Any]] | Failure | None]:
    """``("file:line", record)`` or a Failure for each line (a :class:`_LongLine` is one); a
    None among ``lines`` (a stream's flush mark, see :func:`_timed_lines`) is passed on and is
    not a line."""
    lineno = 0
    for raw in lines:
        if raw is None:
            yield None
            continue
        lineno += 1
        where = f"{label}:{lineno}"
        if isinstance(raw, _LongLine):
            yield Failure(where, raw.reason(where))
            continue
        if isinstance(raw, str):
            line = raw
        else:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = (
                    f"{where}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}); re-save the file as UTF-8, or pass --encoding with "
                    "its encoding"
                )
                yield Failure(where, reason)
                continue
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            record = _json_line(line)
        except RecursionError:
            yield Failure(where, f"{where}: {_TOO_DEEP}; write one flat JSON object per line")
            continue
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":
                what = f"a second JSON value starts at column {exc.colno}"
            else:  # one of json's messages ends in "at" where the position would follow
                what = f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
            reason = f"{where}: not valid JSON ({what}); write one JSON object per line"
            yield Failure(where, reason)
            continue
        if not isinstance(record, dict):
            reason = (
                f"{where}: {kind_of(record)}, not a JSON object; write one object "
                'per line, such as {"id": "a1", "text": "..."}'
            )
            yield Failure(where, reason)
            continue
        yield where, record


def _json_line(line: str) -> Any:
    """The JSON value of one line of JSON Lines; a comma after it is allowed, as the lines of
    an array's items have one (``{"id": "a1", ...},``)."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and line[exc.pos :].strip() == ",":
            return json.loads(line[: exc.pos])
        raise


def _json_start(head: bytes) -> bytes:
    """The first byte of a JSON text's first value (``head``: its first bytes), after a
    byte-order mark and white space: ``b"["`` for an array of records."""
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]


#: Why a JSON value nested deeper than Python's decoder goes (about 1,000 levels) is not read.
_TOO_DEEP = "JSON nested too deeply to read (arrays or objects about 1,000 levels deep)"


def _json_records(
    stream: BinaryIO, label: str, limit: int
) -> Iterator[tuple[str, dict[str, Any]] | Failure | None]:
    """The records of a ``.json`` file: the items of one JSON array, ``("file[i]", record)``
    (``i`` from 0, as jq numbers them) or a Failure, decoded as they are read, so memory
    holds one item and one chunk of the file.  A file whose first line is a whole JSON object
    is JSON Lines, as many ``.json`` files are (:func:`_jsonl_records`).

    An item that is not an object fails alone.  Broken JSON, an item of more than ``limit``
    characters or an array cut short fails the rest of the file (one Failure: there is no
    telling where its next item starts); the items before it are read.  Bytes that are not
    UTF-8 are kept as escapes, replaced by U+FFFD with a note when the record is read.
    """
    decoder = json.JSONDecoder()
    utf8 = codecs.getincrementaldecoder("utf-8")(errors=_ESCAPE)
    buf, pos, eof = "", 0, False

    def more(at_least: int = _READ_CHUNK) -> bool:
        """Read at least ``at_least`` more bytes (or to the end); False at the end."""
        nonlocal buf, pos, eof
        data = stream.read(at_least)
        eof = not data
        buf = buf[pos:] + utf8.decode(data, final=eof)
        pos = 0
        return not eof

    def next_char() -> str:
        """The next character that is not white space ('' at the end), not consumed."""
        nonlocal pos
        while True:
            found = _JSON_SPACE_RE.match(buf, pos)
            assert found is not None, "the pattern matches the empty string"
            pos = found.end()
            if pos < len(buf):
                return buf[pos]
            if not more():
                return ""

    first = next_char()
    if first == "\ufeff":
        pos += 1
        first = next_char()
    if first == "{":
        stream.seek(0)
        head = stream.readline(limit)
        stream.seek(0)
        try:
            whole = isinstance(json.loads(head.removeprefix(codecs.BOM_UTF8)), dict)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            whole = False
        if whole or head.rstrip().endswith(b"}"):
            yield from _jsonl_records(_read_lines(stream, limit), label)
            return
        reason = (
            f"{label}: one JSON document, not an array of records or one record per line; "
            f"write its records out, such as jq -c '.articles[]' {Path(label).name} > "
            "articles.jsonl, and pass that file"
        )
        yield Failure(label, reason)
        return
    if first != "[":
        if first:
            shown = first if first.isprintable() else f"U+{ord(first):04X}"
            reason = (
                f"{label}: starts with {shown!r}, not with the [ of an array of records; "
                'write the records as [{"id": "a1", "text": "..."}, ...] or one per line'
            )
            yield Failure(label, reason)
        return
    pos += 1
    index = 0
    while True:
        where = f"{label}[{index}]"
        char = next_char()
        if char == "]" and index == 0:
            pos += 1
            break
        while True:  # decode one item, reading on while it may be cut off
            try:
                item, end = decoder.raw_decode(buf, pos)
            except RecursionError:
                reason = f"{where}: {_TOO_DEEP}; the items from [{index}] on were not read"
                yield Failure(where, reason)
                return
            except json.JSONDecodeError as exc:
                if len(buf) - pos > limit or not more(max(_READ_CHUNK, len(buf) - pos)):
                    rest = f"the items from [{index}] on were not read"
                    if len(buf) - pos > limit:
                        why = f"an item of over {limit:,} characters, or broken JSON"
                    else:
                        why = f"not valid JSON ({exc.msg.removesuffix(' at')})"
                    reason = f"{where}: {why}; {rest}; fix the file or write it as JSON Lines"
                    yield Failure(where, reason)
                    return
                continue
            if not isinstance(item, (dict, list, str)) and not eof:
                atom = _JSON_ATOM_RE.match(buf, pos)
                if atom is not None and atom.end() == len(buf):
                    more()  # a number may go on in the next chunk ("1." of "1.5")
                    continue
            break
        pos = end
        if isinstance(item, dict):
            yield where, item
        else:
            reason = (
                f"{where}: {kind_of(item)}, not a JSON object; write each record as an "
                'object, such as {"id": "a1", "text": "..."}'
            )
            yield Failure(where, reason)
        index += 1
        char = next_char()
        if char == ",":
            pos += 1
            if next_char() == "]":  # a trailing comma, as JavaScript allows
                pos += 1
                break
            continue
        if char == "]":
            pos += 1
            break
        where = f"{label}[{index}]"
        if char:
            reason = f"{where}: {char!r} where a comma or ] should follow item [{index - 1}]"
        else:
            reason = f"{where}: the file ends inside the array (cut short?)"
        yield Failure(where, f"{reason}; the items from [{index}] on, if any, were not read")
        return
    if next_char():
        reason = f"{label}: text after the array's closing ], not read; remove it"
        yield Failure(label, reason)


@dataclass(frozen=True, slots=True)
class _LongLine:
    """A line longer than the line limit, in place of its bytes: they were counted, not kept."""

    size: int  # without its newline
    limit: int

    def reason(self, where: str) -> str:
        return _over_limit(
            f"{where}: the line",
            f"{self.size:,} bytes",
            self.limit,
            "shorten the record",
            of=f" of a line ({_JSON_BYTES_PER_TEXT_BYTE} x max_bytes + 1 MiB), so it was skipped",
        )


class _LineCutter(Generic[AnyStr]):
    """Cuts the chunks of a stream into its lines (each with its newline) and holds at most
    ``limit`` bytes (characters, for a text stream) of a line: a longer line is counted and
    dropped up to its newline, and given as a :class:`_LongLine`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pending = 0  # length of the current line so far, held or dropped (0: none begun)
        self._held: list[AnyStr] = []  # the start of the current line, if it is not too long

    def feed(self, chunk: AnyStr) -> Iterator[AnyStr | _LongLine]:
        """The lines that end in ``chunk``; the rest of it starts the next one."""
        newline = b"\n" if isinstance(chunk, bytes) else "\n"
        start = 0
        while (end := chunk.find(newline, start)) >= 0:
            self._take(chunk[start : end + 1], end - start)
            yield self._end()
            start = end + 1
        if start < len(chunk):
            self._take(chunk[start:], len(chunk) - start)

    def close(self) -> Iterator[AnyStr | _LongLine]:
        """The last line, if the stream does not end with a newline."""
        if self.pending:
            yield self._end()

    def _take(self, piece: AnyStr, length: int) -> None:
        self.pending += length
        if self.pending > self.limit:
            self._held.clear()
        else:
            self._held.append(piece)

    def _end(self) -> AnyStr | _LongLine:
        size, held = self.pending, self._held
        self.pending, self._held = 0, []
        if size > self.limit:
            return _LongLine(size, self.limit)
        return held[0] if len(held) == 1 else held[0][:0].join(held)


def _read_lines(stream: IO[Any], limit: int) -> Iterator[bytes | str | _LongLine]:
    """The lines of a file or stream as they arrive, none longer than ``limit`` held: each
    is read in pieces of at most one chunk."""
    cutter: _LineCutter[Any] = _LineCutter(limit)
    piece = stream.readline(_READ_CHUNK)
    newline = b"\n" if isinstance(piece, bytes) else "\n"
    while piece:
        if not cutter.pending and len(piece) <= limit and piece.endswith(newline):
            yield piece  # a whole line in one piece, the usual case
        else:
            yield from cutter.feed(piece)
        piece = stream.readline(_READ_CHUNK)
    yield from cutter.close()


def _stdin_bytes(stdin: IO[Any] | None) -> IO[Any]:
    """Standard input (or ``stdin``) as its raw bytes when it has them, so that bad UTF-8
    fails one line only; a text stream given by a caller as it is."""
    stream = sys.stdin if stdin is None else stdin
    return stream.buffer if isinstance(stream, io.TextIOWrapper) else stream


def _stdin_lines(stdin: IO[Any] | None, limit: int) -> Iterator[bytes | str | _LongLine]:
    return _read_lines(_stdin_bytes(stdin), limit)


def _timed_lines(fd: int, seconds: float, limit: int) -> Iterator[bytes | _LongLine | None]:
    """The lines of file descriptor ``fd`` as they arrive (the last one may lack its newline),
    and a None each time ``seconds`` have passed since the previous None, whether lines came
    meanwhile or not: the moment to commit what has been read.  ``select`` waits for input,
    so a quiet stream still gets its marks; memory holds one read chunk and at most ``limit``
    bytes of a line (a longer one is a :class:`_LongLine`)."""
    cutter: _LineCutter[bytes] = _LineCutter(limit)
    due = time.monotonic() + seconds
    while True:
        wait = due - time.monotonic()
        if wait <= 0:
            yield None
            due = time.monotonic() + seconds
            continue
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, _READ_CHUNK)
        if not chunk:
            break
        for line in cutter.feed(chunk):
            yield line
            if time.monotonic() >= due:
                yield None
                due = time.monotonic() + seconds
    yield from cutter.close()


def stream_records(
    stdin: TextIO | BinaryIO | None = None,
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    max_bytes: int = DEFAULT_MAX_BYTES,
    flush_seconds: float | None = None,
) -> Iterator[tuple[Article, str] | Failure | None]:
    """The JSON Lines records of ``stdin`` (default: standard input) one at a time, as they
    arrive, for a process that stores them while the stream goes on (``tail -F feed.jsonl |
    dupwire index add - --db news.db``).

    Each line gives ``(article, "<stdin>:LINE")`` or a :class:`Failure` naming its line and
    why (not JSON, no text, ...), read with the same fields and rules as a ``.jsonl`` file in
    :func:`load_corpus`; a broken line costs only itself.  With ``flush_seconds`` (and a
    stream with a file descriptor) a None comes every ``flush_seconds``, also while no line
    arrives: the moment to commit what was read, so a slow feed is stored promptly.  Only
    the line being read is held in memory, up to ``6 * max_bytes`` + 1 MiB: a longer line
    is a Failure, and its bytes are read through to its newline without being kept, as in a
    ``.jsonl`` file.  Articles are not checked for segmentation
    (:func:`check_article`): the stage that stores them prepares each one once.
    """
    rules = _record_rules(id_field, text_field, title_field, date_field, source_field, max_bytes)
    if flush_seconds is not None and not flush_seconds > 0:
        msg = f"flush_seconds must be positive, got {flush_seconds}"
        raise ParamsError(msg)
    job = _RecordsJob("jsonl", None)
    stream = sys.stdin if stdin is None else stdin
    fd = _fileno(stream) if flush_seconds is not None else None
    limit = _line_limit(max_bytes)
    lines: Iterable[bytes | str | _LongLine | None] = (
        _stdin_lines(stream, limit)
        if fd is None or flush_seconds is None
        else _timed_lines(fd, flush_seconds, limit)
    )
    for item in _jsonl_records(lines, job.label):
        if item is None or isinstance(item, Failure):
            yield item
        else:
            yield _record_article(*item, job, rules)


def read_records(
    inputs: str | Path | Sequence[str | Path],
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    date_field: str = "date",
    source_field: str = "source",
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[tuple[Skipped, ...], Iterator[tuple[Article, str] | Failure]]:
    """The articles of ``inputs`` (files and directories, read as :func:`load_corpus` reads
    them) one at a time, in input order, for work that stores them as they come and so
    holds one batch, not the corpus: the files of directories that are not articles (known
    at once), and an iterator of ``(article, origin)`` or :class:`Failure` (origin: the file,
    or ``file:line`` for a record).

    An input that does not exist raises :class:`InputError` here, before anything is read;
    inputs that hold no article at all raise :class:`NoArticlesError` at the end of the
    iteration.  Bytes replaced while decoding are said by a :class:`DecodingWarning` as the
    article is read.  Unlike :func:`load_corpus`, repeated ids are left to the consumer and
    articles are not checked for segmentation (the stage that stores them prepares each
    once).  ``-`` is :func:`stream_records`' to read."""
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    if any(str(item) == "-" for item in inputs):
        msg = "read_records reads files and directories; read - with stream_records"
        raise ParamsError(msg)
    rules = _record_rules(id_field, text_field, title_field, date_field, source_field, max_bytes)
    if encoding is not None:
        _check_encoding(encoding)
    plan = _plan(inputs)

    def items() -> Iterator[tuple[Article, str] | Failure]:
        found = bool(plan.failures)
        yield from plan.failures
        for job in plan.jobs:
            for item in _job_items(job, rules, encoding=encoding, stdin=None):
                found = True
                yield item
        if not found:
            raise _no_articles(list(inputs), plan)

    return plan.skipped, items()


def _fileno(stream: IO[Any]) -> int | None:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):  # io.StringIO, a closed stream, ...
        return None


def _check_pyarrow(path: Path) -> None:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        msg = f"{path}: reading Parquet needs pyarrow; pip install 'dupwire[spark]'"
        raise InputError(msg) from None


def _parquet_records(
    path: Path, label: str, meter: _Meter
) -> Iterator[tuple[str, dict[str, Any]] | Failure]:
    """The rows of a Parquet file as dicts, named ``file:row`` (from 1), in file order;
    ``meter`` follows the rows read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = 0
    try:
        with pq.ParquetFile(path) as file:
            total = file.metadata.num_rows
            for batch in file.iter_batches(batch_size=_PARQUET_BATCH):
                meter.rows = (row, total)
                for record in batch.to_pylist():
                    row += 1
                    yield f"{label}:{row}", record
    except pa.ArrowException as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = label if row == 0 else f"{label}:{row + 1}"
        yield Failure(where, f"{where}: cannot read as Parquet ({detail}); pass a Parquet file")


class _Lines:
    """The lines of a file, remembering those read since :meth:`mark`, how many were read
    and whether the file ended; lines given back (:meth:`again`) are read again first."""

    def __init__(self, file: Iterable[str]) -> None:
        self._file = iter(file)
        self._again: list[str] = []  # lines to read again, last first
        self.current: list[str] = []
        self.number = 0  # lines read, less those given back
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        # Not a generator: lines given back after the end are read too.
        line = self._again.pop() if self._again else next(self._file, None)
        if line is None:
            self.ended = True
            raise StopIteration
        self.current.append(line)
        self.number += 1
        return line

    def mark(self) -> None:
        self.current = []

    def again(self, lines: list[str]) -> None:
        """Read ``lines`` (the last ones read, in order) again, before the rest."""
        self._again.extend(reversed(lines))
        self.number -= len(lines)
        self.ended = False


def _csv_delimiter(header: str, required: tuple[str, str], first: str) -> str:
    """The column separator of a CSV file whose first line is ``header``: ``first`` (a comma,
    or a tab in a .tsv file), unless only another of ``_CSV_DELIMITERS`` cuts the header into
    names that include the ``required`` columns (a semicolon, as spreadsheets save CSV where
    the comma is the decimal mark).

    >>> _csv_delimiter("id;title;text\\r\\n", ("id", "text"), ",")
    ';'
    >>> _csv_delimiter("id,text;note\\n", ("id", "text"), ",")
    ','
    """
    for delimiter in (first, *(d for d in _CSV_DELIMITERS if d != first)):
        names = next(csv.reader([header.removeprefix("\ufeff")], delimiter=delimiter), [])
        if all(name in names for name in required):
            return delimiter
    return first


def _csv_records(
    file: TextIO, label: str, encoding: str, required: tuple[str, str], delimiter: str = ","
) -> Iterator[tuple[str, dict[str, Any]] | Failure]:
    """Yield the rows after the header as dicts; one Failure if a required column is missing.
    Columns are cut at ``delimiter``, or at the separator the header shows
    (:func:`_csv_delimiter`).

    A row that cannot be used (undecodable bytes, a wrong number of fields, broken quoting)
    is one Failure naming its first line; the other rows are read as usual.  The pieces of
    one broken row (rows of the wrong width or broken quoting, one after the other) are one
    Failure, naming their first line and their last.
    """
    run: tuple[Failure, int, int] | None = None  # the failed pieces so far: first line, last
    for first, last, item, piece in _csv_rows(file, label, encoding, required, delimiter):
        if run is not None and piece and first == run[2] + 1:
            run = (run[0], run[1], last)
            continue
        if run is not None:
            yield _pieces(*run)
            run = None
        if piece:
            assert isinstance(item, Failure)
            run = (item, first, last)
        else:
            yield item
    if run is not None:
        yield _pieces(*run)


def _pieces(failure: Failure, first: int, last: int) -> Failure:
    """``failure``, of the first of the broken rows on lines ``first`` to ``last``."""
    if last == first:
        return failure
    reason = f"{failure.reason} (lines {first}-{last} are the pieces of one broken row)"
    return Failure(failure.id, reason, failure.origin)


def _csv_rows(
    file: TextIO, label: str, encoding: str, required: tuple[str, str], delimiter: str
) -> Iterator[tuple[int, int, tuple[str, dict[str, Any]] | Failure, bool]]:
    """The rows of :func:`_csv_records`, each with its first line and its last, and whether
    it is a piece of a broken row (a Failure for a wrong width or broken quoting)."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    header_line = file.readline()
    delimiter = _csv_delimiter(header_line, required, delimiter)
    lines = _Lines(chain([header_line], file) if header_line else file)
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    start = 1
    while True:
        lines.mark()
        where = f"{label}:{start}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            first, start = start, lines.number + 1
            reason = f"{where}: not valid CSV ({exc}); fix the quoting of this row"
            yield first, start - 1, Failure(where, reason), False
            continue
        first, start, last = start, lines.number + 1, lines.number
        broken = _broken_quoting(lines.current, lines.ended, delimiter)
        if broken is not None:
            reason = f"{where}: {broken}"
            if len(lines.current) > 1:
                # A quote left open (or closed early) took the lines after it into this row,
                # and the records among them: the row is its first line, and the lines after
                # it are read again as rows of their own.
                reason += (
                    f"; the row ran on to line {last}, over the records there, so this line "
                    "was skipped and the lines after it read as rows of their own"
                )
                lines.again(lines.current[1:])
                start = first + 1
            reason += '; write a quote inside a quoted field twice ("")'
            yield first, start - 1, Failure(where, reason), True
            continue
        if not row:
            continue
        if header is None:
            header = [row[0].removeprefix("\ufeff"), *row[1:]]
            unusable = _header_problem(header, required)
            if unusable is not None:
                yield first, last, Failure(where, f"{where}: {unusable}"), False
                return
            continue
        bad = next((k for k, cell in enumerate(row) if _ESCAPED_BYTE_RE.search(cell)), None)
        if bad is not None:
            cell = row[bad]
            found = _ESCAPED_BYTE_RE.search(cell)
            assert found is not None
            column = header[bad] if bad < len(header) else f"#{bad + 1}"
            reason = (
                f"{where}: cannot decode as {encoding} (byte 0x{ord(found.group()) - 0xDC00:02x} "
                f"in the {column!r} field), so this row was not read; pass --encoding cp1252 "
                "(or the file's real encoding), or re-save the file as UTF-8"
            )
            yield first, last, Failure(where, reason), False
            continue
        if len(row) != len(header):
            reason = (
                f"{where}: {len(row)} fields but the header has {len(header)}; "
                "quote fields that hold commas or line breaks"
            )
            yield first, last, Failure(where, reason), True
            continue
        yield first, last, (where, dict(zip(header, row, strict=True))), False


def _header_problem(header: list[str], required: tuple[str, str]) -> str | None:
    """Why a CSV ``header`` cannot give the ``required`` columns (id and text), or None."""
    twice = [name for name in required if header.count(name) > 1]
    if twice:
        return (
            f"the header names the {' and '.join(map(repr, twice))} column more than once "
            f"(columns: {', '.join(header)}), so which one holds the articles is unclear; "
            "rename the others"
        )
    missing = [name for name in required if name not in header]
    if missing:
        return (
            f"the header has no {' or '.join(map(repr, missing))} column (columns: "
            f"{', '.join(header)}); pass --id-field and --text-field with the columns that "
            "hold the id and the article text"
        )
    return None


def _broken_quoting(lines: list[str], ended: bool, delimiter: str) -> str | None:
    """What is wrong with the quoting of the CSV row read from ``lines`` (the file's last
    row when ``ended``), or None: a quoted field never closed, or, in a row of several
    lines, anything the csv module's strict reading finds (text after a closing quote).  A
    one-line row with a stray quote is read as the csv module reads it."""
    if len(lines) < 2 and not ended:
        return None
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        if "end of data" in str(exc):
            return "a quoted field opened in this row is never closed"
        return f"broken quoting ({exc})" if len(lines) > 1 else None
    return None


_NO_DEFAULT: Any = object()


def field_value(record: Mapping[str, Any], name: str, default: Any = _NO_DEFAULT) -> Any:
    """The value of the field ``name`` of ``record``: its key ``name``, or else, for a name
    written with dots, the path of keys into nested objects (``source.name``, as news APIs
    nest an article's outlet).  When it has neither: ``default`` if given, else KeyError.

    >>> field_value({"source": {"name": "Reuters"}}, "source.name")
    'Reuters'
    """
    if name in record:
        return record[name]
    value: Any = record
    for key in name.split("."):
        if not isinstance(value, Mapping) or key not in value:
            if default is _NO_DEFAULT:
                raise KeyError(name)
            return default
        value = value[key]
    return value


def _with_paths(record: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """``record``, with each of ``paths`` (field names with dots) that is not a key of its
    own but a path into nested objects (:func:`field_value`) added as a key, holding the
    value there."""
    found = {}
    for name in paths:
        if name not in record:
            try:
                found[name] = field_value(record, name)
            except KeyError:
                continue
    return {**record, **found} if found else record


def _record_article(
    where: str, record: dict[str, Any], job: _RecordsJob, rules: _RecordRules
) -> tuple[Article, str] | Failure:
    id_field, text_field = rules.id_field, rules.text_field
    if rules.paths:
        record = _with_paths(record, rules.paths)
    if id_field not in record:
        reason = (
            f"{where}: no {id_field!r} field; give every record an id, or pass --id-field "
            "(id_field=) with the field that holds it"
        )
        return Failure(where, reason)
    raw_id = record[id_field]
    if isinstance(raw_id, bytes):  # a Parquet string column written as plain binary
        raw_id = raw_id.decode("utf-8", "surrogateescape")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int, float)):
        reason = f"{where}: {id_field!r} is {kind_of(raw_id)}; ids must be strings or numbers"
        return Failure(where, reason)
    if isinstance(raw_id, float):
        if not math.isfinite(raw_id):  # NaN: a table's empty cell
            reason = f"{where}: {id_field!r} is {raw_id}, not an id; give every record an id"
            return Failure(where, reason)
        if raw_id.is_integer():  # a column of integer ids with a missing one is stored as floats
            raw_id = int(raw_id)
    article_id = str(raw_id)
    if not article_id or article_id.isspace():
        reason = f"{where}: {id_field!r} is empty; give every record an id"
        return Failure(where, reason)
    if text_field not in record:
        reason = (
            f"{where}: no {text_field!r} field; give every record its article text, "
            "or pass --text-field (text_field=) with the field that holds it"
        )
        return Failure(article_id, reason, where)
    text = record[text_field]
    if isinstance(text, bytes):  # a Parquet string column written as plain binary (Hive)
        try:
            text = decode_bytes(text, name=where)
        except InputError as exc:
            return Failure(article_id, str(exc), where)
    if isinstance(text, list) and text and all(isinstance(part, str) for part in text):
        text = "\n".join(text)  # paragraphs: one a line, as a text file holds them
    if not isinstance(text, str):
        reason = (
            f"{where}: {text_field!r} is {kind_of(text)}, not a string (or an array of "
            "paragraph strings); store the article text as a string"
        )
        return Failure(article_id, reason, where)
    if not text or text.isspace():
        # A headline without its text (a paywalled or teaser item) is read as the headline.
        title = record.get(dict(rules.meta_fields)["title"])
        if not isinstance(title, str) or not title.strip():
            reason = f"{where}: {text_field!r} is empty; give every record its article text"
            return Failure(article_id, reason, where)
        warnings.warn(
            f"{where}: {text_field!r} is empty; the article is read as its title alone",
            DupwireWarning,
            stacklevel=2,
        )
        text = title
    try:  # strict UTF-8 refuses exactly the lone surrogates: one pass of C for both
        size, surrogates = len(text.encode("utf-8")), False
    except UnicodeEncodeError:
        size, surrogates = len(text.encode("utf-8", "surrogatepass")), True
    if size > rules.max_bytes:
        reason = _over_limit(
            f"{where}: {text_field!r}", f"{size:,} bytes", rules.max_bytes, "shorten it"
        )
        return Failure(article_id, reason, where)
    if surrogates:
        n = len(SURROGATE_RE.findall(text))
        warnings.warn(
            f"{where}: {text_field!r} holds {n:,} lone surrogate escape(s) (such as \\ud800), "
            "not characters; each was replaced by U+FFFD",
            DecodingWarning,
            stacklevel=2,
        )
        text = without_surrogates(text)
    meta = {
        k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        for k, v in record.items()
        if k not in (id_field, text_field)
    }
    spoiled = [k for k, v in meta.items() if isinstance(v, str) and SURROGATE_RE.search(v)]
    if spoiled:  # a title is read with the text, and every field may be written out
        warnings.warn(
            f"{where}: {listed(spoiled)} held lone surrogate escapes (such as \\ud800), not "
            "characters; each was replaced by U+FFFD",
            DecodingWarning,
            stacklevel=2,
        )
        meta.update((k, without_surrogates(meta[k])) for k in spoiled)
    for key, name in rules.meta_fields:
        if name in meta:
            meta[key] = meta.pop(name)
        elif key == "date" and name == "date" and "published" in meta:
            meta["date"] = meta["published"]  # the other usual name of the field
    return Article(id=article_id, text=text, source=job.path, meta=meta), where


# --- checks on the whole corpus ---------------------------------------------------------


def _origin_order(origin: str) -> tuple[str, int]:
    """An origin (``file:line`` of a record, else a path) as it sorts: by file, then line."""
    path, _, line = origin.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (origin, 0)


def _first_of_each_id(
    loaded: list[tuple[Article, str]],
) -> tuple[list[tuple[Article, str]], dict[int, Failure]]:
    """``loaded`` with one article of each id, and a Failure for each other one (keyed by
    ``id()`` of its article).  The one kept is the one first by origin (file, then line),
    whatever order the inputs were given in; the others name it."""
    first: dict[str, tuple[Article, str]] = {}
    for article, origin in loaded:
        kept = first.get(article.id)
        if kept is None or _origin_order(origin) < _origin_order(kept[1]):
            first[article.id] = (article, origin)
    if len(first) == len(loaded):
        return loaded, {}
    repeated: dict[int, Failure] = {}
    for article, origin in loaded:
        kept_article, kept_origin = first[article.id]
        if article is not kept_article:
            reason = (
                f"{origin}: id {article.id!r} is also the id of {kept_origin}, which is read "
                "instead; give each record a unique --id-field value, and do not pass two "
                "files or folders with the same names"
            )
            repeated[id(article)] = Failure(article.id, reason, origin)
    return [item for item in loaded if id(item[0]) not in repeated], repeated


def _no_articles(inputs: Sequence[str | Path], plan: _Plan) -> NoArticlesError:
    names = [_STDIN_LABEL if str(item) == "-" else str(item) for item in inputs]
    if not names:
        msg = "no input given; pass files, directories or - for standard input"
        return NoArticlesError(msg)
    subject = f"{names[0]} holds" if len(names) == 1 else f"{', '.join(names)} hold"
    what = (
        f"no {_ARTICLE_FILES} articles" if all(Path(n).is_dir() for n in names) else "no articles"
    )
    if plan.skipped:
        what += f" (other files skipped: {len(plan.skipped)}, such as {min(plan.skipped).path})"
    if names == [_STDIN_LABEL]:
        msg = (
            f"{subject} {what} (nothing was read from it); send JSON Lines on standard input, "
            'one object a line such as {"id": "a1", "text": "..."}'
        )
        return NoArticlesError(msg)
    msg = (
        f"{subject} {what}; put each article in a {_ARTICLE_FILES} file, "
        "or pass a records file (.jsonl, .json, .csv) with one record per article"
    )
    return NoArticlesError(msg)
