"""The ``dupwire`` command: a thin layer over the library.

Exit codes: 0 done; 1 the run worked but an ``--fail-on`` condition was met; 2 bad usage or
unusable input (one line on stderr says what and how to fix it); 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from dupwire import __version__
from dupwire.errors import DupwireError

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
