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

import codecs
import csv
import io
import json
import os
import stat
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import charset_normalizer

from dupwire.errors import (
    BinaryInputError,
    DuplicateIdError,
    EmptyArticleError,
    EncodingError,
    InputError,
    InputTooLargeError,
    NoArticlesError,
    ParamsError,
)
from dupwire.model import Article

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Corpus",
    "Failure",
    "Skipped",
    "decode_bytes",
    "load_corpus",
    "read_article",
    "read_text",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

_ARTICLE_SUFFIXES = frozenset({".txt", ".md"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_CSV_SUFFIXES = frozenset({".csv"})

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
_ACCEPTED = (
    "pass .txt or .md articles, a directory of them, .jsonl/.ndjson or .csv records, "
    "or - for JSON Lines on standard input"
)


@dataclass(frozen=True, slots=True, order=True)
class Failure:
    """An article that could not be read: its id (or ``file:line``) and why."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """A file found in a directory that is not an article, and why it was left out."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """What :func:`load_corpus` read: articles sorted by id, plus what failed or was skipped."""

    articles: tuple[Article, ...]
    failures: tuple[Failure, ...]
    skipped: tuple[Skipped, ...]


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
    UTF-8; then the legacy code page ``charset_normalizer`` finds.  A leading byte-order
    mark is removed; everything else, line endings included, is kept as written.
    """
    codec = _bom_codec(data) if encoding is None else _check_encoding(encoding)
    wide = codec is not None and _is_wide(codec)
    if not wide:
        _reject_binary(data.decode("latin-1"), name, "byte")
    text = _decode_detected(data, name) if codec is None else _decode_as(data, codec, name)
    text = text.removeprefix("\ufeff")
    if wide:
        _reject_binary(text, name, "character")
    if not text.strip():
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
    on_progress: Callable[[int, int], None] | None = None,
) -> Corpus:
    """Read every article under ``inputs``: directories, text files, JSONL or CSV, ``-``.

    Directories are searched recursively for ``.txt`` and ``.md`` files (id: the path
    relative to the directory); other and hidden files are listed in ``skipped``.  A
    ``.jsonl``/``.ndjson`` file (always UTF-8) or ``.csv`` file holds one record per
    article; ``-`` reads JSON Lines from ``stdin``.  Record fields other than id and text
    go into ``Article.meta``, with the title, date and source fields under ``"title"``,
    ``"date"`` and ``"source"`` (with the default ``date_field``, a record without ``date``
    but with ``published`` takes that).  ``encoding`` applies to text and CSV files.

    Articles that cannot be read become ``failures``.  Raises :class:`InputError` for an
    input that does not exist or is of an unknown type, :class:`NoArticlesError` when
    nothing at all was found and :class:`DuplicateIdError` when ids clash.
    ``on_progress(done, total)`` is called with ``done=0`` and after each file.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    _check_max_bytes(max_bytes)
    if encoding is not None:
        _check_encoding(encoding)
    rules = _RecordRules(
        id_field=id_field,
        text_field=text_field,
        meta_fields=(("title", title_field), ("date", date_field), ("source", source_field)),
        max_bytes=max_bytes,
    )
    plan = _plan(inputs)
    loaded: list[tuple[Article, str]] = []
    failures = list(plan.failures)
    if on_progress is not None:
        on_progress(0, len(plan.jobs))
    for done, job in enumerate(plan.jobs, start=1):
        if isinstance(job, _TextJob):
            results: Iterable[tuple[Article, str] | Failure] = [
                _load_text(job, encoding=encoding, max_bytes=max_bytes)
            ]
        else:
            results = _load_records(job, rules, encoding=encoding, stdin=stdin)
        for result in results:
            if isinstance(result, Failure):
                failures.append(result)
            else:
                loaded.append(result)
        if on_progress is not None:
            on_progress(done, len(plan.jobs))
    if not loaded and not failures:
        raise _no_articles(inputs, plan)
    _reject_duplicate_ids(loaded)
    return Corpus(
        articles=tuple(sorted((article for article, _ in loaded), key=lambda a: a.id)),
        failures=tuple(sorted(failures)),
        skipped=tuple(sorted(plan.skipped)),
    )


# --- reading and decoding one file ------------------------------------------------------


def _check_max_bytes(max_bytes: int) -> None:
    if max_bytes < 1:
        msg = f"max_bytes must be a positive number of bytes, got {max_bytes}"
        raise ParamsError(msg)


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    _check_max_bytes(max_bytes)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            msg = (
                f"{path} is a directory; pass a file, or load the directory with "
                "load_corpus (dupwire cluster) to read every .txt and .md file in it"
            )
            raise InputError(msg)
        if info.st_size > max_bytes:
            raise _too_large(path, f"{info.st_size:,} bytes", max_bytes)
        with path.open("rb") as file:
            # Read one byte past the limit: the size of a pipe or a growing file is not
            # known in advance.
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise _unreadable(str(path), exc) from exc
    if len(data) > max_bytes:
        raise _too_large(path, "longer than that", max_bytes)
    return data


def _too_large(path: Path, size: str, max_bytes: int) -> InputTooLargeError:
    msg = (
        f"{path} is {size}, over the {max_bytes:,}-byte limit; pass a smaller file "
        "or raise the limit (max_bytes, --max-bytes)"
    )
    return InputTooLargeError(msg)


def _unreadable(name: str, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        msg = f"{name}: no such file; check the path"
    elif isinstance(exc, PermissionError):
        msg = f"{name}: permission denied; make the file readable or pass another file"
    else:
        msg = f"{name}: cannot read ({exc.strerror or exc}); pass a readable file"
    return InputError(msg)


def _bom_codec(data: bytes) -> str | None:
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def _check_encoding(encoding: str) -> str:
    """Return ``encoding`` if it names a text codec, else raise ParamsError."""
    try:
        "".encode(encoding)
    except LookupError:
        msg = (
            f"unknown text encoding {encoding!r}; "
            "pass a codec name such as utf-8, cp1252 or latin-1"
        )
        raise ParamsError(msg) from None
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
        legacy = _guess_legacy_encoding(data)
    if legacy is None:
        msg = (
            f"{name}: cannot decode as UTF-8 or a known 8-bit encoding; "
            "pass --encoding latin-1 (or the file's real encoding)"
        )
        raise EncodingError(msg)
    return _decode_as(data, legacy, name)


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


@dataclass(frozen=True, slots=True)
class _RecordsJob:
    kind: Literal["jsonl", "csv"]
    path: Path | None  # None: standard input

    @property
    def label(self) -> str:
        return _STDIN_LABEL if self.path is None else self.path.as_posix()


@dataclass(frozen=True, slots=True)
class _Plan:
    jobs: tuple[_TextJob | _RecordsJob, ...]
    skipped: tuple[Skipped, ...]
    failures: tuple[Failure, ...]  # directories that could not be listed


def _plan(inputs: Sequence[str | Path]) -> _Plan:
    jobs: list[_TextJob | _RecordsJob] = []
    skipped: list[Skipped] = []
    failures: list[Failure] = []
    for item in inputs:
        if str(item) == "-":
            jobs.append(_RecordsJob("jsonl", None))
            continue
        path = Path(item)
        suffix = path.suffix.lower()
        if path.is_dir():
            found = _scan_directory(path)
            jobs.extend(found.jobs)
            skipped.extend(found.skipped)
            failures.extend(found.failures)
        elif not path.exists():
            msg = f"{path}: no such file or directory; check the path"
            raise InputError(msg)
        elif suffix in _ARTICLE_SUFFIXES:
            jobs.append(_TextJob(path, path.name))
        elif suffix in _JSONL_SUFFIXES:
            jobs.append(_RecordsJob("jsonl", path))
        elif suffix in _CSV_SUFFIXES:
            jobs.append(_RecordsJob("csv", path))
        else:
            msg = f"{path}: dupwire does not read {suffix or 'suffix-less'} files; {_ACCEPTED}"
            raise InputError(msg)
    return _Plan(tuple(jobs), tuple(skipped), tuple(failures))


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
            if entry.name.startswith("."):
                kind = "directory, not searched" if entry.is_dir() else "file"
                skipped.append(Skipped(shown, f"hidden {kind} (name starts with a dot)"))
            elif entry.is_dir():
                inode = _inode(entry.stat())
                if inode in seen:
                    reason = "directory already searched (reached again through a symbolic link)"
                    skipped.append(Skipped(shown, reason))
                else:
                    seen.add(inode)
                    pending.append(path)
            elif not entry.is_file():
                reason = "broken symbolic link" if entry.is_symlink() else "not a regular file"
                skipped.append(Skipped(shown, reason))
            elif path.suffix.lower() in _ARTICLE_SUFFIXES:
                jobs.append(_TextJob(path, path.relative_to(root).as_posix()))
            else:
                skipped.append(Skipped(shown, _not_article_reason(path)))
    return _Plan(tuple(jobs), tuple(skipped), tuple(failures))


def _inode(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _not_article_reason(path: Path) -> str:
    if path.suffix.lower() in _JSONL_SUFFIXES | _CSV_SUFFIXES:
        return "not a .txt or .md file (to read records, pass .jsonl and .csv files by name)"
    return "not a .txt or .md file"


# --- reading the articles of a corpus ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RecordRules:
    id_field: str
    text_field: str
    meta_fields: tuple[tuple[str, str], ...]  # (key in Article.meta, field in the record)
    max_bytes: int


def _load_text(
    job: _TextJob, *, encoding: str | None, max_bytes: int
) -> tuple[Article, str] | Failure:
    try:
        article = read_article(
            job.path, article_id=job.article_id, encoding=encoding, max_bytes=max_bytes
        )
    except InputError as exc:
        return Failure(job.article_id, str(exc))
    return article, job.path.as_posix()


def _load_records(
    job: _RecordsJob, rules: _RecordRules, *, encoding: str | None, stdin: TextIO | None
) -> Iterator[tuple[Article, str] | Failure]:
    """Yield ``(article, "file:line")`` or a Failure for each record of a JSONL or CSV input."""
    try:
        required = (rules.id_field, rules.text_field)
        for item in _records(job, required, encoding=encoding, stdin=stdin):
            yield item if isinstance(item, Failure) else _record_article(*item, job, rules)
    except OSError as exc:
        yield Failure(job.label, str(_unreadable(job.label, exc)))


def _records(
    job: _RecordsJob, required: tuple[str, str], *, encoding: str | None, stdin: TextIO | None
) -> Iterator[tuple[str, dict[str, Any]] | Failure]:
    if job.path is None:
        stream = sys.stdin if stdin is None else stdin
        # Read the raw bytes when there are any, so that bad UTF-8 fails one line only.
        lines = stream.buffer if isinstance(stream, io.TextIOWrapper) else stream
        yield from _jsonl_records(lines, job.label)
    elif job.kind == "jsonl":
        with job.path.open("rb") as file:
            yield from _jsonl_records(file, job.label)
    else:
        with job.path.open(encoding=encoding or "utf-8", newline="") as file:
            yield from _csv_records(file, job.label, encoding or "utf-8", required)


def _jsonl_records(
    lines: Iterable[bytes | str], label: str
) -> Iterator[tuple[str, dict[str, Any]] | Failure]:
    for lineno, raw in enumerate(lines, start=1):
        where = f"{label}:{lineno}"
        if isinstance(raw, str):
            line = raw
        else:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = (
                    f"{where}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}); JSON Lines files must be UTF-8, so re-save it as UTF-8"
                )
                yield Failure(where, reason)
                continue
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = (
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                "write one JSON object per line"
            )
            yield Failure(where, reason)
            continue
        if not isinstance(record, dict):
            reason = (
                f"{where}: {_json_type(record)}, not a JSON object; write one object "
                'per line, such as {"id": "a1", "text": "..."}'
            )
            yield Failure(where, reason)
            continue
        yield where, record


def _csv_records(
    file: TextIO, label: str, encoding: str, required: tuple[str, str]
) -> Iterator[tuple[str, dict[str, Any]] | Failure]:
    """Yield the rows after the header as dicts; one Failure if a required column is missing."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(file)
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            where = f"{label}:{start}"
            start = reader.line_num + 1
            if not row:
                continue
            if header is None:
                header = [row[0].removeprefix("\ufeff"), *row[1:]]
                missing = [name for name in required if name not in header]
                if missing:
                    reason = (
                        f"{where}: the header has no {' or '.join(map(repr, missing))} column "
                        f"(columns: {', '.join(header)}); pass --id-field and --text-field "
                        "with the columns that hold the id and the article text"
                    )
                    yield Failure(where, reason)
                    return
                continue
            if len(row) != len(header):
                reason = (
                    f"{where}: {len(row)} fields but the header has {len(header)}; "
                    "quote fields that hold commas or line breaks"
                )
                yield Failure(where, reason)
                continue
            yield where, dict(zip(header, row, strict=True))
    except UnicodeDecodeError:
        where = f"{label}:{start}"
        reason = (
            f"{where}: cannot decode as {encoding} at or after this line, so the rest of the "
            "file was not read; pass --encoding cp1252 (or the file's real encoding)"
        )
        yield Failure(where, reason)


def _record_article(
    where: str, record: dict[str, Any], job: _RecordsJob, rules: _RecordRules
) -> tuple[Article, str] | Failure:
    id_field, text_field = rules.id_field, rules.text_field
    if id_field not in record:
        reason = f"{where}: no {id_field!r} field; give every record an id, or pass --id-field"
        return Failure(where, reason)
    raw_id = record[id_field]
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int, float)):
        reason = f"{where}: {id_field!r} is {_json_type(raw_id)}; ids must be strings or numbers"
        return Failure(where, reason)
    article_id = str(raw_id)
    if not article_id.strip():
        reason = f"{where}: {id_field!r} is empty; give every record an id"
        return Failure(where, reason)
    if text_field not in record:
        reason = (
            f"{where}: no {text_field!r} field; give every record its article text, "
            "or pass --text-field"
        )
        return Failure(article_id, reason)
    text = record[text_field]
    if not isinstance(text, str):
        reason = (
            f"{where}: {text_field!r} is {_json_type(text)}, not a string; "
            "store the article text as a string"
        )
        return Failure(article_id, reason)
    if not text.strip():
        reason = f"{where}: {text_field!r} is empty; give every record its article text"
        return Failure(article_id, reason)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > rules.max_bytes:
        reason = (
            f"{where}: {text_field!r} is {size:,} bytes, over the {rules.max_bytes:,}-byte "
            "limit; shorten it or raise the limit (max_bytes, --max-bytes)"
        )
        return Failure(article_id, reason)
    meta = {k: v for k, v in record.items() if k not in (id_field, text_field)}
    for key, name in rules.meta_fields:
        if name in meta:
            meta[key] = meta.pop(name)
        elif key == "date" and name == "date" and "published" in meta:
            meta["date"] = meta["published"]  # the other usual name of the field
    return Article(id=article_id, text=text, source=job.path, meta=meta), where


def _json_type(value: object) -> str:
    """Name the JSON type of a decoded value, with its article: "a number", "null", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


# --- checks on the whole corpus ---------------------------------------------------------


def _reject_duplicate_ids(loaded: Sequence[tuple[Article, str]]) -> None:
    origins: defaultdict[str, list[str]] = defaultdict(list)
    for article, origin in loaded:
        origins[article.id].append(origin)
    duplicated = sorted(article_id for article_id, found in origins.items() if len(found) > 1)
    if not duplicated:
        return
    shown = "; ".join(
        f"{article_id!r} in {', '.join(sorted(origins[article_id]))}"
        for article_id in duplicated[:3]
    )
    more = f"; and {len(duplicated) - 3} more" if len(duplicated) > 3 else ""
    msg = (
        f"article ids used more than once ({len(duplicated)}): {shown}{more}; give each "
        "record a unique --id-field value, and do not pass two files or folders with the same names"
    )
    raise DuplicateIdError(msg)


def _no_articles(inputs: Sequence[str | Path], plan: _Plan) -> NoArticlesError:
    names = [_STDIN_LABEL if str(item) == "-" else str(item) for item in inputs]
    if not names:
        msg = "no input given; pass files, directories or - for standard input"
        return NoArticlesError(msg)
    subject = f"{names[0]} holds" if len(names) == 1 else f"{', '.join(names)} hold"
    what = "no .txt or .md articles" if all(Path(n).is_dir() for n in names) else "no articles"
    if plan.skipped:
        what += f" (other files skipped: {len(plan.skipped)}, such as {min(plan.skipped).path})"
    msg = (
        f"{subject} {what}; put each article in a .txt or .md file, "
        "or pass a .jsonl or .csv file with one record per article"
    )
    return NoArticlesError(msg)
