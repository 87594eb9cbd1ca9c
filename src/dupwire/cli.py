"""The ``dupwire`` command: a thin layer over the library.

Exit codes: 0 done; 1 done, but some input articles could not be read (they are listed with
the reason, in the output and on stderr); 2 bad usage or no usable input (one line on stderr
says what and how to fix it); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from dupwire import __version__
from dupwire.errors import DupwireError, InputError
from dupwire.params import ClusterParams
from dupwire.report import ClusterReport

if TYPE_CHECKING:
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
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2

_err = Console(stderr=True, highlight=False, soft_wrap=True)

EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="Decode input files with this codec instead of detecting it."),
]
MaxBytesOpt = Annotated[
    int,
    typer.Option("--max-bytes", min=1, help="Refuse input files larger than this many bytes."),
]
_DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CLUSTER_DEFAULTS = ClusterParams()


def fail(message: str) -> NoReturn:
    """Print one line on stderr and leave with the usage/input exit code."""
    _err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dupwire {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
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


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="First article (a text file).", show_default=False)],
    b: Annotated[Path, typer.Argument(help="Second article (a text file).", show_default=False)],
    json_out: Annotated[bool, typer.Option("--json", help="Print the alignment as JSON.")] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report here.")
    ] = None,
    min_score: Annotated[
        float, typer.Option(min=0, max=100, help="Minimum passage similarity (0-100) for a link.")
    ] = 40.0,
    max_merge: Annotated[
        int, typer.Option(min=1, max=5, help="Most sentences per side merged into one link.")
    ] = 3,
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = _DEFAULT_MAX_BYTES,
) -> None:
    """Show which passages two articles share, which are unique, and a verdict.

    Example: dupwire compare seeds/000_8f5a9e346875b4fc.txt seeds/002_ff4983121d516d6b.txt

    Prints the verdict (same story / partial reuse / unrelated), the coverage of each side,
    the shared passages side by side with word changes highlighted, the passages found in one
    article only, and the site furniture that was set aside.
    """
    from dupwire.align import align
    from dupwire.io import read_article

    try:
        art_a = read_article(a, article_id=str(a), encoding=encoding, max_bytes=max_bytes)
        art_b = read_article(b, article_id=str(b), encoding=encoding, max_bytes=max_bytes)
        result = align(art_a, art_b, min_score=min_score, max_merge=max_merge)
    except DupwireError as exc:
        fail(str(exc))
    if html_out is not None:
        from dupwire.render import alignment_html, html_page

        _write(html_out, html_page(f"dupwire: {a.name} vs {b.name}", alignment_html(result)))
    if json_out:
        typer.echo(result.to_json())
    else:
        Console(highlight=False).print(result)


CorpusInputs = Annotated[
    list[str],
    typer.Argument(
        help="Directories of .txt/.md articles, .jsonl/.csv files of records, or - for JSONL "
        "on stdin.",
        show_default=False,
    ),
]
ClusterMinScoreOpt = Annotated[
    float,
    typer.Option(
        "--min-score",
        min=0,
        max=100,
        help="Clusters merge while their average pair score is at least this.",
    ),
]
IdFieldOpt = Annotated[str, typer.Option("--id-field", help="Record field holding the article id.")]
TextFieldOpt = Annotated[
    str, typer.Option("--text-field", help="Record field holding the article text.")
]
TitleFieldOpt = Annotated[
    str, typer.Option("--title-field", help="Record field holding the title (optional).")
]
DateFieldOpt = Annotated[
    str,
    typer.Option(
        "--date-field",
        help="Record field holding the publication date, ISO 8601 (optional; the default also "
        "reads 'published'). Far-apart pairs need stronger evidence to cluster.",
    ),
]
WindowOpt = Annotated[
    float | None,
    typer.Option(
        "--window",
        min=0,
        help="Never cluster articles published more than this many days apart.",
        show_default=False,
    ),
]


def _load(
    inputs: list[str],
    id_field: str,
    text_field: str,
    title_field: str,
    encoding: str | None,
    max_bytes: int,
    date_field: str = "date",
) -> Corpus:
    from dupwire.io import load_corpus

    with _progress() as bar:
        task = bar.add_task("read", total=None)
        corpus = load_corpus(
            inputs,
            id_field=id_field,
            text_field=text_field,
            title_field=title_field,
            date_field=date_field,
            encoding=encoding,
            max_bytes=max_bytes,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for failure in corpus.failures:
        _err.print(f"[yellow]skipped article[/] {failure.id}: {failure.reason}", markup=True)
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


def _run_cluster(corpus: Corpus, params: ClusterParams) -> Clustering:
    from dupwire.cluster import cluster as run_cluster

    with _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_cluster(corpus.articles, params=params, progress=on_progress)
    for assignment in result.assignments:
        if assignment.warning:
            _err.print(f"warning: {assignment.id}: {assignment.warning}", markup=False)
    return result


@app.command()
def cluster(
    inputs: CorpusInputs,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON document: clusters, records, failures.")
    ] = False,
    jsonl_out: Annotated[
        bool, typer.Option("--jsonl", help="Print one JSON record per article.")
    ] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print one CSV row per article.")] = False,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML report of every cluster."),
    ] = None,
    min_score: ClusterMinScoreOpt = _CLUSTER_DEFAULTS.min_score,
    seed: Annotated[int, typer.Option(help="MinHash seed.")] = _CLUSTER_DEFAULTS.seed,
    num_perm: Annotated[
        int, typer.Option(min=16, max=1024, help="MinHash permutations.")
    ] = _CLUSTER_DEFAULTS.num_perm,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    window: WindowOpt = None,
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = _DEFAULT_MAX_BYTES,
) -> None:
    """Group articles that tell the same story, even after heavy rewording.

    Example: dupwire cluster seeds/

    Reads every .txt/.md file under a directory (recursively), or JSONL/CSV records (one
    article each; --id-field, --text-field), or JSONL on stdin (-). Prints the clusters with
    their representative and scores; --json, --jsonl and --csv give one record per article
    with id, cluster_id, representative_id, score and relation. Articles that cannot be read
    are listed with the reason, never dropped.
    """
    if sum((json_out, jsonl_out, csv_out)) > 1:
        fail("choose one of --json, --jsonl and --csv")
    try:
        params = ClusterParams(min_score=min_score, seed=seed, num_perm=num_perm, window=window)
        corpus = _load(inputs, id_field, text_field, title_field, encoding, max_bytes, date_field)
        result = _run_cluster(corpus, params)
    except DupwireError as exc:
        fail(str(exc))
    report = ClusterReport(result, corpus)
    if html_out is not None:
        _write(html_out, report.html())
    if json_out:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    elif jsonl_out:
        for record in report.records():
            typer.echo(json.dumps(record, ensure_ascii=False))
    elif csv_out:
        typer.echo(report.csv(), nl=False)
    else:
        Console(highlight=False).print(report)
    if corpus.failures:
        raise typer.Exit(EXIT_SOME_FAILED)


@app.command(name="eval")
def evaluate(
    labelled: Annotated[
        Path,
        typer.Argument(help="A .jsonl or .csv file of labelled articles.", show_default=False),
    ],
    label_field: Annotated[
        str, typer.Option("--label-field", help="Record field holding the true story label.")
    ] = "label",
    json_out: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    min_score: ClusterMinScoreOpt = _CLUSTER_DEFAULTS.min_score,
    id_field: IdFieldOpt = "id",
    text_field: TextFieldOpt = "text",
    title_field: TitleFieldOpt = "title",
    date_field: DateFieldOpt = "date",
    window: WindowOpt = None,
    encoding: EncodingOpt = None,
    max_bytes: MaxBytesOpt = _DEFAULT_MAX_BYTES,
) -> None:
    """Cluster a labelled file and score the clusters against the labels.

    Example: dupwire eval fixtures/ecbplus/dev.jsonl --label-field event

    Prints pair precision/recall/F1, the adjusted Rand index, B-cubed precision/recall/F1,
    the number of clusters and the largest cluster, for tuning --min-score on your own data.
    """
    from dupwire.metrics import score_clustering

    try:
        params = ClusterParams(min_score=min_score, window=window)
        corpus = _load(
            [str(labelled)], id_field, text_field, title_field, encoding, max_bytes, date_field
        )
        truth = _labels(corpus, label_field)
        result = _run_cluster(corpus, params)
        scores = score_clustering(truth, result.labels())
    except DupwireError as exc:
        fail(str(exc))
    doc = {"file": str(labelled), "n_failed": len(corpus.failures), **scores.to_dict()}
    if json_out:
        typer.echo(json.dumps(doc, indent=2))
    else:
        from dupwire.render import scores_table

        Console(highlight=False).print(scores_table(doc))
    if corpus.failures:
        raise typer.Exit(EXIT_SOME_FAILED)


def _labels(corpus: Corpus, field: str) -> dict[str, str]:
    truth: dict[str, str] = {}
    missing = []
    for article in corpus.articles:
        label = article.meta.get(field)
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


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}; choose a writable path")
    _err.print(f"wrote {path}", highlight=False)


def main() -> None:
    """Entry point of the ``dupwire`` script."""
    try:
        app()
    except KeyboardInterrupt:
        _err.print("interrupted")
        sys.exit(130)
