"""``dupwire index``: a persistent index that grows all day (add, query, remove, stats).

Registered on the main app by :mod:`dupwire.cli`; each command opens the index, makes one
library call (:class:`dupwire.archive.Index`) and renders the result.
"""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from dupwire.cli import (
    EXIT_SOME_FAILED,
    CorpusInputs,
    DateFieldOpt,
    EncodingOpt,
    Fields,
    IdFieldOpt,
    MaxBytesOpt,
    SourceFieldOpt,
    TextFieldOpt,
    TitleFieldOpt,
    _err,
    _load,
    _note,
    _progress,
    fail,
    record_fields,
    say_warnings,
)
from dupwire.errors import DupwireError, DupwireWarning
from dupwire.io import DEFAULT_MAX_BYTES
from dupwire.render import counted

if TYPE_CHECKING:
    from dupwire.archive import AddResult, Index, IndexStats
    from dupwire.io import Corpus
    from dupwire.model import Article, Failure

index_app = typer.Typer(
    name="index",
    help=(
        "A persistent index of articles in one SQLite file: add articles all day, ask which "
        "stored articles are versions of a new one.\n\nExample: dupwire index add inbox/ --db "
        "news.db"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

DbOpt = Annotated[
    Path,
    typer.Option(
        "--db",
        metavar="FILE",
        help="The index file (SQLite); index add creates it.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
T = TypeVar("T")
# Articles per transaction of index add: a stream commits often, so that queries see its
# records soon; files commit larger batches, which store whole runs instead of staged rows
# (20,000 generated articles from a file: 19-22 s in batches of 1,000, 13-14 s of 5,000).
_STREAM_BATCH = 1000
_FILE_BATCH = 5000


def _open(
    db: Path, *, create: bool = False, store_text: bool = True, read_only: bool = False
) -> Index:
    from dupwire.archive import Index

    try:
        index = Index.open(db, create=create, store_text=store_text, read_only=read_only)
    except DupwireError as exc:
        fail(str(exc))

    def waiting() -> None:
        minutes = round(index.write_wait / 60)
        _note(
            "note:",
            "yellow",
            f"waiting for another process that is writing {db} (an index merge or a large "
            f"batch), up to {minutes} minutes",
        )

    index.on_wait = waiting
    return index


def _on_index(db: Path, action: Callable[[Index], T], *, read_only: bool = False) -> T:
    """``action`` on the existing index at ``db``, closed after; an error is one line.
    ``read_only`` for actions that only read it (they then work on a file this process may
    not write)."""
    index = _open(db, read_only=read_only)
    try:
        return action(index)
    except DupwireError as exc:
        fail(str(exc))
    finally:
        index.close()


@index_app.command()
def add(
    inputs: CorpusInputs,
    db: DbOpt,
    replace: Annotated[
        bool, typer.Option("--replace", help="Store new versions of ids already in the index.")
    ] = False,
    no_text: Annotated[
        bool,
        typer.Option(
            "--no-text",
            help="When creating the index, do not store texts (smaller; no verification, no "
            "cluster --db).",
        ),
    ] = False,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            min=1,
            metavar="N",
            help="Articles per transaction (each is atomic); default 5000 for files, 1000 for "
            "- (a stream).",
            show_default=False,
        ),
    ] = None,
    flush_seconds: Annotated[
        float,
        typer.Option(
            "--flush-seconds",
            min=0.01,
            metavar="S",
            help="With -: also commit what was read every S seconds, so a slow feed is "
            "queryable at once.",
        ),
    ] = 2.0,
    json_out: JsonOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    source_field: SourceFieldOpt = "source",
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Add articles to the index (created if missing), a transaction per batch.

    Example: dupwire index add inbox/ feed.jsonl --db news.db

    Example (an ingest loop): tail -F feed.jsonl | dupwire index add - --db news.db

    Example (a JSON line per committed batch): tail -F feed.jsonl | dupwire index add - --db
    news.db --json

    Takes the same inputs as cluster (directories, JSONL/CSV records with id, text, title,
    date and source fields), read as they are stored, so memory holds one batch however
    large the input. An article that cannot be stored (an id already in the index, unless
    --replace, or read twice; a broken record) is reported with its reason and the others
    are stored (exit 1). A process killed mid-way leaves the batches already committed.

    With - as the only PATH, JSON Lines records are read from stdin as they arrive and
    committed every --batch records and every --flush-seconds; a broken line (not JSON, no
    text, an id already stored, longer than 6 x --max-bytes + 1 MiB) is reported with its
    line number and the stream goes on until the input ends. Ctrl-C commits what was read,
    then stops. With --json, each committed batch prints one JSON line at once (kind
    "batch": added, replaced ids, n_articles, warnings and failures of that batch), and the
    end of the input one with the totals (kind "summary").
    """
    fields = record_fields(id_field, text_field, title_field, date_field, source_field)
    if "-" in inputs:
        if len(inputs) > 1:
            fail("- (JSON Lines from stdin) must be the only PATH; add the files in another run")
        _add_stream(
            db, fields, replace, no_text, batch or _STREAM_BATCH, flush_seconds, max_bytes, json_out
        )
        return
    # A file that is not a usable index, or a path where none can be made, is said before
    # the inputs are read (a large input takes minutes); a new index is made once the first
    # article is read, so a mistyped input leaves no empty index behind.
    index = _open(db, create=True, store_text=not no_text) if db.exists() else None
    if index is None and not db.parent.is_dir():
        fail(f"cannot create {db}: there is no directory {db.parent}; check the path")
    from dupwire.cluster.scan import PARALLEL_FROM, auto_workers
    from dupwire.io import read_records

    lists: tuple[list[str], list[tuple[str, str]], list[Failure]] = ([], [], [])

    def kept(done: AddResult) -> None:  # for the one summary at the end
        lists[0].extend(done.replaced)
        lists[1].extend(done.warnings)
        lists[2].extend(done.failures)

    try:
        skipped, records = read_records(
            inputs,
            **fields,
            encoding=encoding,
            max_bytes=max_bytes,
        )
        for item in skipped:
            _note("skipped file", "yellow", f"{item.path}: {item.reason}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DupwireWarning)
            first = next(records)  # an input of no article at all stops here
            # As for cluster, worker processes only for inputs of PARALLEL_FROM articles
            # or more: the first ones are read ahead to know (a bounded number).
            head = [first, *itertools.islice(records, PARALLEL_FROM - 1)]
        say_warnings(caught)
        if index is None:
            index = _open(db, create=True, store_text=not no_text)
        # The articles are read as they are stored: memory holds one batch.
        workers = auto_workers(None, len(head) if len(head) < PARALLEL_FROM else None)
        stream: Iterator[tuple[Article, str] | Failure] = _drained(head, records)
        totals = _store(
            index, stream, batch or _FILE_BATCH, replace, kept, workers=workers, keep_read=False
        )
    except DupwireError as exc:
        fail(str(exc))
    finally:
        if index is not None:
            index.close()
    _report_added(db, json_out, totals, lists)


def _drained(head: list[T], rest: Iterator[T]) -> Iterator[T]:
    """The items of ``head``, each let go of as it is given, then those of ``rest``."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


@dataclass
class _Totals:
    """What ``index add`` did, in numbers of articles: added (replaced among them), held
    already as they were (not stored again), in the index at the end, failed."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    total: int = 0
    failed: int = 0

    def count(self, done: AddResult) -> None:
        self.added += len(done.added)
        self.replaced += len(done.replaced)
        self.unchanged += len(done.unchanged)
        self.failed += len(done.failures)
        self.total = done.n_articles


def _store(
    index: Index,
    records: Iterable[tuple[Article, str] | Failure | None],
    batch: int,
    replace: bool,
    on_batch: Callable[[AddResult], None],
    *,
    workers: int,
    keep_read: bool,
) -> _Totals:
    """Store ``records`` a transaction per ``batch`` (:meth:`Index.add_stream`), saying
    each batch's warnings and failures as it is committed and giving its result to
    ``on_batch``; full batches are prepared in ``workers`` processes.  Interrupted, it
    stores what was read first when ``keep_read`` (:meth:`Index.add_stream`)."""
    totals = _Totals(total=len(index))
    with _progress() as bar, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DupwireWarning)
        task = bar.add_task("index", total=None)
        # Ctrl-C stores what a stream has read (it cannot be read again), not a file's.
        stream = index.add_stream(
            records, batch=batch, replace=replace, workers=workers, keep_read=keep_read
        )
        for done in stream:
            say_warnings(caught)
            for article_id, reason in done.warnings:
                _note("warning:", "yellow", f"{article_id}: {reason}")
            for failure in done.failures:
                _note("failed article", "yellow", f"{failure.id}: {failure.why}")
            totals.count(done)
            on_batch(done)
            bar.update(task, completed=totals.added)
    return totals


def _report_added(
    db: Path,
    json_out: bool,
    totals: _Totals,
    lists: tuple[list[str], list[tuple[str, str]], list[Failure]],
) -> None:
    """The summary of index add (``lists``: replaced ids, warnings, failures, for --json);
    exit 1 when some articles failed."""
    if json_out:
        replaced, warned, failures = lists
        doc = {
            "db": str(db),
            "added": totals.added,
            "replaced": replaced,
            "unchanged": totals.unchanged,
            "n_articles": totals.total,
            "warnings": [{"id": i, "warning": w} for i, w in warned],
            "failures": [{"id": f.id, "error": f.reason} for f in failures],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        held = f", {totals.unchanged} already held as they are" if totals.unchanged else ""
        typer.echo(
            f"added {counted(totals.added, 'article')} to {db} ({totals.replaced} replaced"
            f"{held}); it holds {totals.total}"
        )
    if totals.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


def _add_stream(
    db: Path,
    fields: Fields,
    replace: bool,
    no_text: bool,
    batch: int,
    flush_seconds: float,
    max_bytes: int,
    json_out: bool,
) -> None:
    """``index add -``: store the records of stdin as they come, reporting each batch; with
    --json, one JSON line per batch as it is committed, then one with the totals."""
    from dupwire.cluster.scan import auto_workers
    from dupwire.io import stream_records

    index = _open(db, create=True, store_text=not no_text)
    n_batches = n_warned = 0

    def said(done: AddResult) -> None:
        nonlocal n_batches, n_warned
        n_batches += 1
        n_warned += len(done.warnings)
        if json_out:  # committed: say so now, and keep nothing of it
            doc = {"kind": "batch", "batch": n_batches, "db": str(db), **done.to_dict()}
            typer.echo(json.dumps(doc, ensure_ascii=False))

    try:
        records = stream_records(
            **fields,
            max_bytes=max_bytes,
            flush_seconds=flush_seconds,
        )
        # Full batches are prepared in one process per CPU, flushes in this one.
        workers = auto_workers(None, None)
        totals = _store(index, records, batch, replace, said, workers=workers, keep_read=True)
    except DupwireError as exc:
        fail(str(exc))
    finally:
        index.close()
    if not json_out:
        _report_added(db, json_out, totals, ([], [], []))
        return
    summary = {
        "kind": "summary",
        "db": str(db),
        "batches": n_batches,
        "added": totals.added,
        "n_replaced": totals.replaced,
        "n_unchanged": totals.unchanged,
        "n_articles": totals.total,
        "n_warnings": n_warned,
        "n_failures": totals.failed,
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))
    if totals.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


@index_app.command()
def query(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="ARTICLE",
            help="Articles to look up: text files, directories, JSONL/CSV records, or -.",
            show_default=False,
        ),
    ],
    db: DbOpt,
    top: Annotated[
        int, typer.Option("--top", min=1, metavar="K", help="Most matches per article.")
    ] = 5,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", metavar="DATE", help="Only matches dated on or after this ISO date."
        ),
    ] = None,
    window: Annotated[
        float | None,
        typer.Option(
            "--window",
            min=0,
            metavar="DAYS",
            help="Only matches within this many days of the query.",
        ),
    ] = None,
    align: Annotated[
        bool, typer.Option("--align", help="Show the passage alignment with each match.")
    ] = False,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Candidates only, without the aligner's check.")
    ] = False,
    json_out: JsonOpt = False,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    source_field: SourceFieldOpt = "source",
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Find the stored versions of each article's story, best first, and which came first.

    Example: dupwire index query new-story.txt --db news.db --top 5 --window 7

    Each match has its verdict (same story / partial reuse / unrelated), score and date and
    says whether it was published before the query (by date when both are dated, else by
    insertion order); the earliest version of the story is named.
    """
    try:
        fields = record_fields(id_field, text_field, title_field, date_field, source_field)
        corpus = _load(inputs, fields, encoding, max_bytes)
    except DupwireError as exc:
        fail(str(exc))
    results = _on_index(
        db,
        lambda index: [
            index.query(a, top=top, since=since, window=window, align=align, verify=not no_verify)
            for a in corpus.articles
        ],
        read_only=True,
    )
    for result in results:
        if result.warning:
            _note("warning:", "yellow", f"{result.query_id}: {result.warning}")
    if json_out:
        doc = {
            "results": [r.to_dict() for r in results],
            "failures": [{"id": f.id, "error": f.reason} for f in corpus.failures],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        console = Console(highlight=False)
        for result in results:
            console.print(result, crop=console.is_terminal)  # piped: lines whole
    if corpus.failures:
        raise typer.Exit(EXIT_SOME_FAILED)


@index_app.command()
def remove(
    ids: Annotated[
        list[str],
        typer.Argument(metavar="ID", help="Ids of stored articles.", show_default=False),
    ],
    db: DbOpt,
    json_out: JsonOpt = False,
) -> None:
    """Remove articles from the index by id (all of them, or none if one is unknown).

    Example: dupwire index remove 2024/05/01/reuters-123.txt --db news.db
    """
    removed, total = _on_index(db, lambda index: (index.remove(ids), len(index)))
    if json_out:
        typer.echo(json.dumps({"removed": removed, "n_articles": total}))
    else:
        typer.echo(f"removed {counted(removed, 'article')} from {db}; it holds {total}")


@index_app.command()
def merge(db: DbOpt, json_out: JsonOpt = False) -> None:
    """Merge the index's runs and staged articles into one run, so that a query reads one
    block a bucket (at a million articles about 3 ms instead of 5). It rewrites every entry
    once, in one transaction: queries from other processes go on meanwhile, adding waits.

    Example: dupwire index merge --db news.db
    """

    def merged(index: Index) -> tuple[int, IndexStats]:
        before = index.stats().delta_rows
        with _progress() as bar:
            task = bar.add_task("merge", total=None)
            index.merge(progress=lambda done, total: bar.update(task, completed=done, total=total))
        return before, index.stats()

    before, result = _on_index(db, merged)
    if json_out:
        typer.echo(json.dumps({"merged_rows": before, **result.to_dict()}))
    else:
        typer.echo(
            f"merged {before:,} newer key rows of {db} into its oldest blocks; "
            f"it holds {result.n_articles:,} articles in {result.file_bytes / 2**20:,.1f} MB"
        )


@index_app.command()
def stats(db: DbOpt, json_out: JsonOpt = False) -> None:
    """What the index holds: articles, key rows, file size per article, dates, settings.

    Example: dupwire index stats --db news.db
    """
    result = _on_index(db, lambda index: index.stats(), read_only=True)
    if json_out:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        Console(highlight=False).print(result)


def load_index_corpus(db: Path) -> Corpus:
    """Every article an index holds, as a corpus for clustering."""
    from dupwire.io import Corpus

    articles = _on_index(db, lambda index: index.articles(), read_only=True)
    if not articles:
        fail(f"{db} holds no articles; add some with: dupwire index add PATH... --db {db}")
    _err.print(f"read {len(articles)} articles from {db}", highlight=False)
    return Corpus(articles=tuple(articles), failures=(), skipped=())
