"""The ``dupwire`` command: a thin layer over the library.

Exit codes: 0 done; 1 done, but some input articles could not be read (they are listed with
the reason, in the output and on stderr); 2 bad usage or no usable input (one line on stderr
says what and how to fix it); 3 the output could not be written (one line on stderr);
130 interrupted; 141 standard output was closed early (a pipe into ``head``), silently.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypedDict

import typer
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.text import Text

from dupwire import __version__
from dupwire.errors import DupwireError, DupwireWarning, InputError, OutputError, listed
from dupwire.io import DEFAULT_MAX_BYTES, MAX_BYTES_LIMIT, field_value, surrogates_escaped
from dupwire.params import ClusterParams
from dupwire.render import ColorMode, counted, printable
from dupwire.report import ClusterReport

if TYPE_CHECKING:
    from dupwire.cluster.engine import Engine
    from dupwire.io import Corpus
    from dupwire.model import Clustering

app = typer.Typer(
    name="dupwire",
    help=(
        "Find news articles that tell the same story and show, passage by passage, what they "
        "share.\n\nExample: dupwire compare a.txt b.txt"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# Help lists arguments by name and help text; typer would add a type label such as
# "<list[str]>" after each, which says nothing the help text does not.
if hasattr(typer.core, "TyperArgument"):
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 141

_SEED_MAX = 2**32 - 1

_err = Console(stderr=True, highlight=False, soft_wrap=True)

EncodingOpt = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        metavar="CODEC",
        help="Decode input files with this codec (utf-8, cp1252, ...) instead of detecting it.",
    ),
]
MaxBytesOpt = Annotated[
    int,
    typer.Option(
        "--max-bytes",
        min=1,
        max=MAX_BYTES_LIMIT,
        metavar="N",
        help="Refuse input files (and record texts) larger than N bytes (at most 4 GiB).",
    ),
]
_CLUSTER_DEFAULTS = ClusterParams()


def fail(message: str) -> NoReturn:
    """Print one line on stderr and leave with the usage/input exit code."""
    _err.print(Text.assemble(("error:", "bold red"), " ", printable(message)))
    raise typer.Exit(EXIT_USAGE)


#: Notes of one kind (one message but for the article it names and the values it quotes)
#: printed before the rest are counted: a problem of a whole feed (every date in another
#: format, every line of a file in another encoding) is shown a few times, then counted,
#: not printed once per article.  Every one is in the command's ``--json``.
_ALIKE_SHOWN = 5
_VALUES_RE = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d,.:]*")


class _Alike:
    """How many notes of each kind (label and message shape) a command has said."""

    def __init__(self) -> None:
        self.said: Counter[tuple[str, str, str]] = Counter()
        self.first: dict[tuple[str, str, str], str] = {}

    def show(self, label: str, style: str, message: str) -> bool:
        """Count the note; whether it is among the first of its kind."""
        _, sep, rest = message.partition(": ")
        kind = (label, style, _VALUES_RE.sub("_", rest if sep else message))
        self.said[kind] += 1
        self.first.setdefault(kind, rest if sep else message)
        return self.said[kind] <= _ALIKE_SHOWN

    def close(self) -> None:
        """Say how many of each kind were not shown, and start again."""
        for kind, n in self.said.items():
            if n > _ALIKE_SHOWN:
                label, style, _ = kind
                like = self.first[kind]
                like = like if len(like) <= 60 else like[:59] + "…"
                more = f"{n - _ALIKE_SHOWN:,} more not shown (--json lists each), like: {like}"
                _err.print(Text.assemble((label, style), " ", printable(more)))
        self.said.clear()
        self.first.clear()


_ALIKE = _Alike()


def _note(label: str, style: str, message: str) -> None:
    if _ALIKE.show(label, style, message):
        _err.print(Text.assemble((label, style), " ", printable(message)))


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dupwire {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Find news articles that tell the same story and show what they share.

    Example: dupwire cluster seeds/
    """
    _ALIKE.said.clear()
    _ALIKE.first.clear()
    ctx.call_on_close(_ALIKE.close)


ColorOpt = Annotated[
    ColorMode,
    typer.Option(
        "--color",
        metavar="WHEN",
        help="Colour the output: auto (when standard output is a terminal), always or never. "
        "Without colour, changed words are marked [-old-]{+new+}.",
    ),
]


@app.command()
def compare(
    a: Annotated[
        str,
        typer.Argument(
            metavar="A",
            help="First article: a text file, one record of a records file as FILE#ID "
            "(news.jsonl#a1), or - for a text on standard input.",
            show_default=False,
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            metavar="B", help="Second article, as A (FILE, FILE#ID or -).", show_default=False
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print the alignment as JSON.")] = False,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write a self-contained HTML report."),
    ] = None,
    min_passage_score: Annotated[
        float,
        typer.Option(
            "--min-passage-score",
            min=0,
            max=100,
            metavar="N",
            help="A sentence pair needs a passage score of at least N (0-100) to be linked.",
        ),
    ] = 40.0,
    old_min_score: Annotated[
        float | None, typer.Option("--min-score", min=0, max=100, hidden=True)
    ] = None,
    max_merge: Annotated[
        int,
        typer.Option(
            min=1, max=5, metavar="N", help="At most N sentences per side merged into one link."
        ),
    ] = 3,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also list the shared names, figures and rare words that make the two "
            "articles similar, with the weight of each.",
        ),
    ] = False,
    color: ColorOpt = ColorMode.auto,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Show which passages two articles share, which are unique, and a verdict.

    Example: dupwire compare seeds/000_8f5a9e346875b4fc.txt seeds/002_ff4983121d516d6b.txt

    Example (two records of one file): dupwire compare news.jsonl#a1 news.jsonl#b7

    Example (a text on standard input): xclip -o | dupwire compare - saved.txt

    Prints the verdict (same story / partial reuse / unrelated), the coverage of each side,
    the shared passages side by side with word changes marked, the passages found in one
    article only, and the site furniture that was set aside.  With --explain, also why the
    two articles are similar: the shared words that weigh most.
    """
    from dupwire.align import align, explain_similarity
    from dupwire.io import check_article, read_named
    from dupwire.render import shared_words_renderable

    threshold = min_passage_score if old_min_score is None else old_min_score
    fields = {"id_field": id_field, "text_field": text_field}
    if a == b == "-":
        fail("standard input (-) can be only one of the two articles; name the other's file")
    try:
        with _notes_on_stderr():
            art_a = read_named(a, **fields, encoding=encoding, max_bytes=max_bytes)
            art_b = read_named(b, **fields, encoding=encoding, max_bytes=max_bytes)
        # Long texts (a whole page or a report of megabytes) take seconds to minutes: an
        # elapsed-time bar at a terminal says the work goes on.
        with _progress() as bar:
            bar.add_task("compare", total=None)
            check_article(art_a)
            check_article(art_b)
            result = align(art_a, art_b, min_score=threshold, max_merge=max_merge)
            why = explain_similarity(art_a.text, art_b.text) if explain else None
    except DupwireError as exc:
        fail(str(exc))
    if html_out is not None:
        from dupwire.render import alignment_html, html_page

        title = f"dupwire: {printable(Path(a).name)} vs {printable(Path(b).name)}"
        _write(html_out, html_page(title, alignment_html(result)))
    if json_out:
        doc = result.to_dict()
        if why is not None:
            doc["shared_words"] = [[word, weight] for word, weight in why.shared]
        _echo(_json_text(doc, indent=2))
    else:
        console = _stdout_console(color)
        from dupwire.render import alignment_renderable

        colored = console.is_terminal and not console.no_color
        view = alignment_renderable(result, marks=not colored, linear=not _stdout_is_terminal())
        _show(console, view)
        if why is not None:
            _show(console, shared_words_renderable(why))


CorpusInputs = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Directories of .txt/.md/.html articles, .jsonl/.json/.csv/.tsv files of records "
        "(also compressed: .gz, .bz2, .xz; FILE#ID for one record), or - for JSONL on stdin.",
        show_default=False,
    ),
]
MinPairScoreOpt = Annotated[
    float,
    typer.Option(
        "--min-pair-score",
        min=0,
        max=100,
        metavar="N",
        help="Clusters merge while the average pair score (0-100) between them is at least N.",
    ),
]
OldMinScoreOpt = Annotated[float | None, typer.Option("--min-score", min=0, max=100, hidden=True)]
IdFieldOpt = Annotated[
    str, typer.Option("--id-field", metavar="NAME", help="Record field holding the article id.")
]
TextFieldOpt = Annotated[
    str,
    typer.Option("--text-field", metavar="NAME", help="Record field holding the article text."),
]
TitleFieldOpt = Annotated[
    str,
    typer.Option(
        "--title-field", metavar="NAME", help="Record field holding the title (optional)."
    ),
]
DateFieldOpt = Annotated[
    str,
    typer.Option(
        "--date-field",
        metavar="NAME",
        help="Record field holding the publication date: ISO 8601, RFC 2822, 'March 5, 2024', "
        "'05.03.2024' (day first) or Unix time (optional; the default also reads "
        "'published'). Far-apart pairs need stronger evidence to cluster.",
    ),
]
SourceFieldOpt = Annotated[
    str,
    typer.Option(
        "--source-field",
        metavar="NAME",
        help="Record field holding the outlet (optional), shown beside each article.",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        metavar="N",
        min=1,
        max=256,
        help="Processes that prepare the articles and align the pairs, and threads that band "
        "the signatures (default: one per CPU, at most 8, from 2,000 articles; 1 for none). "
        "Any number gives the same clusters.",
        show_default=False,
    ),
]
WindowOpt = Annotated[
    float | None,
    typer.Option(
        "--window",
        metavar="DAYS",
        min=0,
        help="Never cluster articles published more than this many days apart.",
        show_default=False,
    ),
]


class Fields(TypedDict):
    """The record fields a command reads (--id-field, --text-field, ...), as the keyword
    arguments of the readers of :mod:`dupwire.io`.  A name with dots is a path into nested
    objects (``source.name``)."""

    id_field: str
    text_field: str
    title_field: str
    date_field: str
    source_field: str


def record_fields(
    id_field: str, text_field: str, title_field: str, date_field: str, source_field: str
) -> Fields:
    """The :class:`Fields` of a command's field options."""
    return Fields(
        id_field=id_field,
        text_field=text_field,
        title_field=title_field,
        date_field=date_field,
        source_field=source_field,
    )


def _load(
    inputs: list[str],
    fields: Fields,
    encoding: str | None,
    max_bytes: int,
    *,
    check: bool = True,
) -> Corpus:
    from dupwire.io import load_corpus

    if "-" in inputs and sys.stdin.isatty():
        typed = "reading JSON Lines typed here, one record a line; end with Ctrl-D"
        _note("note:", "yellow", typed)
    with _progress() as bar:
        task = bar.add_task("read", total=None)
        corpus = load_corpus(
            inputs,
            **fields,
            encoding=encoding,
            max_bytes=max_bytes,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            check=check,
        )
    for note in corpus.notes:
        _note("note:", "yellow", note.message)
    for failure in corpus.failures:
        _note("failed article", "yellow", f"{failure.id}: {failure.why}")
    for skipped in corpus.skipped:
        _note("skipped file", "dim", f"{skipped.path}: {skipped.reason}")
    return corpus


def _progress() -> Progress:
    """Progress bars on stderr, shown only when stderr is a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
        disable=not _err.is_terminal,
    )


def _run_cluster(corpus: Corpus, params: ClusterParams, engine: Engine | None = None) -> Clustering:
    from dupwire.cluster import cluster as run_cluster

    with _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_cluster(corpus.articles, params=params, progress=on_progress, engine=engine)
    for failure in result.failures:  # articles it could not cut into sentences and words
        _note("failed article", "yellow", f"{failure.id}: {failure.why}")
    for assignment in result.assignments:
        if assignment.warning:
            _note("warning:", "yellow", f"{assignment.id}: {assignment.warning}")
    return result


def _say_absent_fields(fields: tuple[str, ...], corpus: Corpus) -> None:
    """A note for each ``--fields`` name that no article has (a typo gives a column of
    nulls), with the fields the articles do have."""
    if not fields:
        return
    held = {key for article in corpus.articles for key in article.meta}
    absent = object()
    for name in fields:
        found = any(field_value(a.meta, name, absent) is not absent for a in corpus.articles)
        if not found and corpus.articles:
            have = f"they have {listed(sorted(held), 8)}" if held else "they have no other field"
            _note("note:", "yellow", f"--fields {name!r}: no article has this field; {have}")


def _field_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    names = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    if not names:
        msg = f"--fields {value!r} names no field; pass names separated by commas, such as date,url"
        raise InputError(msg)
    return names


ClusterInputs = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PATH",
        help="Directories of .txt/.md/.html articles, .jsonl/.json/.csv/.tsv files of records "
        "(also compressed: .gz, .bz2, .xz; FILE#ID for one record), .parquet files, or - for "
        "JSONL on stdin (or none, with --db); with --engine spark, also URIs such as "
        "hdfs://namenode/articles.parquet.",
        show_default=False,
    ),
]


@app.command()
def cluster(
    inputs: ClusterInputs = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON document: clusters, records, failures.")
    ] = False,
    jsonl_out: Annotated[
        bool, typer.Option("--jsonl", help="Print one JSON record per input.")
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print one CSV row per input.")] = False,
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write a self-contained HTML report: an overview and every cluster.",
        ),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            metavar="A,B",
            help="Add these fields of the input records (or meta fields) to every record.",
        ),
    ] = None,
    min_pair_score: MinPairScoreOpt = _CLUSTER_DEFAULTS.min_score,
    old_min_score: OldMinScoreOpt = None,
    seed: Annotated[
        int, typer.Option(min=0, max=_SEED_MAX, metavar="N", help="MinHash seed (32-bit).")
    ] = _CLUSTER_DEFAULTS.seed,
    num_perm: Annotated[
        int, typer.Option(min=16, max=1024, metavar="N", help="MinHash permutations.")
    ] = _CLUSTER_DEFAULTS.num_perm,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    source_field: SourceFieldOpt = "source",
    window: WindowOpt = None,
    workers: WorkersOpt = None,
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", metavar="FILE", help="Cluster the articles an index file holds (dupwire index)."
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            metavar="ENGINE", help="Where to run: local, or spark (pip install 'dupwire[spark]')."
        ),
    ] = "local",
    master: Annotated[
        str, typer.Option(metavar="URL", help="Spark master URL for --engine spark.")
    ] = "local[2]",
    output: Annotated[
        str | None,
        typer.Option(
            metavar="DIR",
            help="With --engine spark: directory for clusters.parquet, clusters.jsonl and "
            "the stages a rerun resumes from (_stages/); a path or a URI such as "
            "hdfs://namenode/out.",
        ),
    ] = None,
) -> None:
    """Group articles that tell the same story, even after heavy rewording.

    Example: dupwire cluster seeds/   (or: dupwire cluster --db news.db)

    Reads every .txt/.md/.html file under a directory (recursively), or JSONL/CSV records (one
    article each; --id-field, --text-field), or JSONL on stdin (-). Prints the clusters with
    their representative and scores; --json, --jsonl and --csv give one record per input
    with id, title, cluster_id, representative_id, pair_score and relation. Inputs that
    cannot be read are listed with the reason, never dropped.
    """
    if sum((json_out, jsonl_out, csv_out)) > 1:
        fail("choose one of --json, --jsonl and --csv")
    threshold = min_pair_score if old_min_score is None else old_min_score
    try:
        extra = _field_list(fields)
        params = ClusterParams(
            min_score=threshold, seed=seed, num_perm=num_perm, window=window, workers=workers
        )
        if engine not in ("local", "spark") or (engine == "local" and output is not None):
            fail("--engine must be local or spark; --output goes with --engine spark")
        spark_output = None
        if engine == "spark":
            from dupwire.spark import check_spark_usage

            spark_output = check_spark_usage(output)
        from dupwire.spark_files import fetch_inputs, is_uri

        spark = None
        if spark_output is not None and any(is_uri(item) for item in inputs or ()):
            from dupwire.spark import spark_engine

            spark = spark_engine(spark_output, master=master)  # it reads the input URIs
        with fetch_inputs(inputs or [], spark.spark if spark else None) as local_inputs:
            fields_read = record_fields(id_field, text_field, title_field, date_field, source_field)
            corpus = _cluster_corpus(
                [str(item) for item in local_inputs], db, fields_read, encoding, max_bytes
            )
        _say_memory(corpus)
        if spark_output is not None and spark is None:
            from dupwire.spark import spark_engine

            # Only now, so that unreadable input stops the run before a Spark session starts.
            spark = spark_engine(spark_output, master=master)
        result = _run_cluster(corpus, params, spark)
        if window is not None and result.stats["n_articles"] and not result.stats["dated_articles"]:
            also = " (or 'published')" if date_field == "date" else ""
            _note(
                "note:",
                "yellow",
                f"--window {window:g} changed nothing: no article has a date in its "
                f"{date_field!r} field{also}; pass --date-field with the field that holds it",
            )
        _say_absent_fields(extra, corpus)
        report = ClusterReport(result, corpus, fields=extra)
        if spark_output is not None:
            from dupwire.spark import write_records

            write_records(report.records(), spark_output, spark.files if spark else None)
    except DupwireError as exc:
        fail(str(exc))
    if html_out is not None:
        from dupwire.cluster.scan import auto_workers

        with _progress() as bar:
            task = bar.add_task("report", total=None)
            page = report.html(
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                workers=auto_workers(workers, len(report.corpus.articles)),
            )
        _write(html_out, page)
    if json_out:
        _echo(_json_text(report.to_dict(), indent=2))
    elif jsonl_out:
        _echo("".join(_json_text(record) + "\n" for record in report.records()), nl=False)
    elif csv_out:
        _echo(report.csv(), nl=False)
    else:
        console = _stdout_console(ColorMode.auto)
        _show(console, report.renderable(width=console.width if console.is_terminal else None))
    if report.corpus.failures:
        raise typer.Exit(EXIT_SOME_FAILED)


def _available_memory() -> int | None:
    """Bytes of memory available to a new process now (Linux's MemAvailable), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _say_memory(corpus: Corpus) -> None:
    """A note before a run that is likely to need more memory than there is, rather than a
    process stopped for memory minutes later."""
    from dupwire.cluster.pipeline import expected_peak_bytes

    available = _available_memory()
    if available is None or not corpus.articles:
        return
    chars = sum(len(a.text) for a in corpus.articles)
    need = expected_peak_bytes(chars)
    if need > available:
        _note(
            "note:",
            "yellow",
            f"clustering {counted(len(corpus.articles), 'article')} ({chars / 1e6:,.0f} million "
            f"characters) takes about {need / 2**30:.1f} GB of memory at its peak, more than "
            f"the {available / 2**30:.1f} GB available now; if the run is stopped for memory, "
            "cluster fewer articles at a time (a range of dates, say) or on a machine with more",
        )


def _cluster_corpus(
    inputs: list[str] | None,
    db: Path | None,
    fields: Fields,
    encoding: str | None,
    max_bytes: int,
) -> Corpus:
    if db is not None:
        if inputs:
            fail("give either input paths or --db, not both")
        from dupwire.cli_index import load_index_corpus

        return load_index_corpus(db)
    if not inputs:
        fail("give the articles to cluster (PATH...), or --db with an index file")
    # Clustering prepares every article once and lists those it cannot as failures.
    return _load(inputs, fields, encoding, max_bytes, check=False)


@app.command(name="eval")
def evaluate(
    labelled: Annotated[
        Path,
        typer.Argument(
            metavar="LABELLED",
            help="A file of labelled records: .jsonl, .json, .csv or .tsv (each also as "
            ".gz, .bz2 or .xz), or .parquet.",
            show_default=False,
        ),
    ],
    label_field: Annotated[
        str,
        typer.Option(
            "--label-field", metavar="NAME", help="Record field holding the true story label."
        ),
    ] = "label",
    json_out: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    min_pair_score: MinPairScoreOpt = _CLUSTER_DEFAULTS.min_score,
    old_min_score: OldMinScoreOpt = None,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    source_field: SourceFieldOpt = "source",
    window: WindowOpt = None,
    workers: WorkersOpt = None,
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = DEFAULT_MAX_BYTES,
) -> None:
    """Cluster a labelled file and score the clusters against the labels.

    Example: dupwire eval fixtures/ecbplus/dev.jsonl --label-field event

    Prints pair precision/recall/F1, the adjusted Rand index, B-cubed precision/recall/F1,
    the number of clusters and the largest cluster, for tuning --min-pair-score on your own
    data.
    """
    from dupwire.metrics import score_clustering

    threshold = min_pair_score if old_min_score is None else old_min_score
    try:
        params = ClusterParams(min_score=threshold, window=window, workers=workers)
        fields_read = record_fields(id_field, text_field, title_field, date_field, source_field)
        # Clustering prepares every article once and lists those it cannot as failures.
        corpus = _load([str(labelled)], fields_read, encoding, max_bytes, check=False)
        if not corpus.articles:
            msg = (
                f"{labelled}: none of its {len(corpus.failures)} records could be read, so "
                "there is nothing to score; fix the records listed above"
            )
            raise InputError(msg)
        truth = _labels(corpus, label_field)
        result = _run_cluster(corpus, params)
        predicted = result.labels()
        scores = score_clustering({k: v for k, v in truth.items() if k in predicted}, predicted)
    except DupwireError as exc:
        fail(str(exc))
    failed = len(corpus.failures) + len(result.failures)
    doc = {"file": str(labelled), "n_failed": failed, **scores.to_dict()}
    if json_out:
        _echo(_json_text(doc, indent=2))
    else:
        from dupwire.render import scores_table

        _show(_stdout_console(ColorMode.auto), scores_table(doc))
    if failed:
        raise typer.Exit(EXIT_SOME_FAILED)


def _labels(corpus: Corpus, field: str) -> dict[str, str]:
    truth: dict[str, str] = {}
    missing = []
    for article in corpus.articles:
        label = field_value(article.meta, field, None)
        if label is None:
            missing.append(article.id)
        else:
            truth[article.id] = str(label)
    if missing:
        msg = (
            f"{len(missing)} records have no {field!r} field (first: {missing[0]!r}); "
            "pass --label-field with the field that holds the true story label"
        )
        raise InputError(msg)
    return truth


# --- output -------------------------------------------------------------------------------


@contextmanager
def _notes_on_stderr() -> Iterator[None]:
    """Print dupwire's warnings (bytes replaced while decoding, ...) on stderr as notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DupwireWarning)
        yield
    say_warnings(caught)


def say_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print the warnings dupwire issued among ``caught`` (bytes replaced while decoding,
    ...) on stderr as notes, and forget them all."""
    for warning in caught:
        if issubclass(warning.category, DupwireWarning):
            _note("note:", "yellow", str(warning.message))
    caught.clear()


def _stdout_is_terminal() -> bool:
    return Console().is_terminal


def _stdout_console(color: ColorMode) -> Console:
    """The console for standard output: soft-wrapped when piped, so no line is cut."""
    piped = not _stdout_is_terminal()
    if color is ColorMode.always:
        return Console(highlight=False, force_terminal=True, soft_wrap=piped)
    if color is ColorMode.never:
        return Console(highlight=False, no_color=True, soft_wrap=piped)
    return Console(highlight=False, soft_wrap=piped)


def _json_text(doc: Any, *, indent: int | None = None) -> str:
    """JSON that any standard output can take: lone surrogates (ids from file names that are
    not valid UTF-8) as escapes, and everything non-ASCII escaped when the output is ASCII."""
    text = json.dumps(doc, indent=indent, ensure_ascii=not _unicode_stdout(), default=str)
    return surrogates_escaped(text)


def _unicode_stdout() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        "\u2194\U0001f600".encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


class _StdoutError(OutputError):
    """Standard output could not be written."""

    def __init__(self, exc: OSError) -> None:
        self.errno = exc.errno
        reason = exc.strerror or str(exc)
        super().__init__(
            f"cannot write to standard output: {reason}; redirect it to a writable file"
        )


def _echo(text: str, *, nl: bool = True) -> None:
    try:
        sys.stdout.write(text + ("\n" if nl else ""))
        sys.stdout.flush()
    except OSError as exc:
        raise _StdoutError(exc) from None


def _show(console: Console, *renderables: Any) -> None:
    try:
        console.print(*renderables)
    except OSError as exc:
        raise _StdoutError(exc) from None


def _write(path: Path, text: str) -> None:
    """Write a report atomically: a temporary file beside it, renamed over it when complete.
    A symbolic link is written through (its target is replaced, the link stays), and a path
    that is not a regular file (``/dev/stdout``, a named pipe, a device) is written in place:
    renaming over it would replace the device or pipe with a file."""
    data = text.encode("utf-8", "backslashreplace")
    shown = printable(str(path))
    try:
        if path.is_dir():
            fail(f"cannot write {shown}: it is a directory; pass a file name such as report.html")
        if path.exists() and not path.is_file():
            with path.open("wb") as stream:
                stream.write(data)
        else:
            _replace(Path(os.path.realpath(path)) if path.is_symlink() else path, data)
    except OSError as exc:
        fail(f"cannot write {shown}: {exc.strerror or exc}; choose a writable path")
    _err.print(Text(f"wrote {shown}"))


def _replace(target: Path, data: bytes) -> None:
    """Replace the file ``target`` with ``data`` at once: written beside it, then renamed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- entry point ---------------------------------------------------------------------------


def _safe_streams() -> None:
    """Never fail on a character the terminal's encoding lacks: write an escape instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with suppress(ValueError, OSError):  # a stream that cannot change: left as it is
                reconfigure(errors="backslashreplace")


def _usage_line(exc: Exception, argv: Sequence[str]) -> str:
    ctx = getattr(exc, "ctx", None)  # the command that refused its arguments, when known
    if ctx is not None and ctx.command_path:
        where = f"{ctx.command_path} --help"
    else:
        command = next((arg for arg in argv if arg in ("compare", "cluster", "eval")), None)
        where = f"dupwire {command} --help" if command else "dupwire --help"
    message = " ".join(str(getattr(exc, "format_message", lambda: str(exc))()).split())
    return f"{message.rstrip('.')}; see {where}"


def _silence_stdout() -> None:
    """After a failed write to standard output, point it at /dev/null so that the final flush
    at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - no file descriptor (captured output)
        pass


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    args = list(sys.argv[1:] if argv is None else argv)
    _safe_streams()
    try:
        code = app(args=args, prog_name="dupwire", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        sys.stdout.write(exc.format_message() + "\n")
        return EXIT_OK
    except ClickException as exc:
        _err.print(Text.assemble(("error:", "bold red"), " ", printable(_usage_line(exc, args))))
        return EXIT_USAGE
    except (KeyboardInterrupt, typer.Abort):
        code = EXIT_INTERRUPTED
    except OutputError as exc:
        if isinstance(exc, _StdoutError):
            _silence_stdout()
            if exc.errno == errno.EPIPE:
                return EXIT_PIPE_CLOSED
        _err.print(Text.assemble(("error:", "bold red"), " ", printable(str(exc))))
        return EXIT_OUTPUT
    except OSError as exc:
        # Input problems are DupwireErrors, so an OSError here is standard output failing.
        _silence_stdout()
        if exc.errno == errno.EPIPE:
            return EXIT_PIPE_CLOSED
        reason = exc.strerror or str(exc)
        line = f"cannot write to standard output: {reason}; redirect it to a writable file"
        _err.print(Text.assemble(("error:", "bold red"), " ", line))
        return EXIT_OUTPUT
    if code == EXIT_INTERRUPTED:  # Typer returns Ctrl-C in a command as this code
        _err.print("interrupted")
    return int(code or 0)


def _register_index() -> None:
    from dupwire.cli_index import index_app

    app.add_typer(index_app, name="index")


_register_index()


def main() -> None:
    """Entry point of the ``dupwire`` script."""
    sys.exit(run())
