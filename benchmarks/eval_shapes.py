"""Score dupwire and the baselines on each corpus shape of :mod:`shapes`; one table a shape.

    python benchmarks/eval_shapes.py                                  # every shape, defaults
    python benchmarks/eval_shapes.py --shapes beat --sizes 20000 100000 --narrow 0 0.5 1
    python benchmarks/eval_shapes.py --shapes copies,incidents --json before.json
    python benchmarks/eval_shapes.py --shapes ecb --methods dupwire --param max_candidates=30

Shapes (``--shapes``, comma-separated): ``copies`` (``copies-seed``, ``copies-1000``,
``copies-1000-mixed``), ``beat`` (one corpus per ``--sizes`` x ``--narrow``), ``incidents``,
``allsides`` (skipped with a message when ``../shared/data`` lacks it), ``ecb`` and
``grown`` (ECB+ dev grown by each ``--grow`` count of unrelated articles; its *bg ARI* is
ECB+ scored inside).

Methods, run in this process one after the other on the same articles:

* **dupwire**: :func:`dupwire.cluster.cluster` with default :class:`~dupwire.params.ClusterParams`,
  or with the options ``--param NAME=VALUE`` gives (repeatable; the value read as a number,
  ``true``/``false`` or ``none`` when it is one).
  Articles carry ``meta["title"]`` and ``meta["date"]`` (the raw ISO 8601 strings) where the
  shape has them, and the text without the title, as ``dupwire cluster`` reads a JSONL
  file; ``--title-in-text`` prepends the title to the text instead.
* **minhash-5**, **minhash-1**, **tfidf-0.275**: the baselines of :mod:`eval_cluster`
  (datasketch ``MinHashLSH`` over word 5-shingles at 0.5 and over words at 0.3, tf-idf
  cosine at 0.275; connected components), on ``title + "\\n" + text``.  They run only up to
  ``--baseline-max`` articles; tf-idf also stops when its dense matrix would pass
  ``--tfidf-max-mb``.

Columns: pair precision/recall/F1, adjusted Rand index and B-cubed precision/recall/F1
(:func:`dupwire.metrics.score_clustering`), predicted clusters (singletons included), the
largest, *planted*: the share of planted articles that share a cluster with their anchor
(copies with their original, follow-ups with their incident's first report; the shape's
docstring says which), *bg ARI*: the ARI of the corpus a shape was mixed into, scored alone
(ECB+ dev; compare with the ``ecb`` row), wall seconds, and peak memory (the process's
high-water mark during the method, or the summed PSS of the process tree while worker
processes run, as :mod:`bench_cluster` measures it; it includes the corpus held in memory).

``--json PATH`` writes every number (and dupwire's ``stats``) with the commit, so two runs
can be compared.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import dupwire  # noqa: E402
import eval_cluster  # noqa: E402
import shapes  # noqa: E402
from bench_cluster import Stages  # noqa: E402
from dupwire.cluster import cluster  # noqa: E402
from dupwire.metrics import ClusterScores, score_clustering  # noqa: E402
from dupwire.model import Article  # noqa: E402
from dupwire.params import ClusterParams  # noqa: E402

METHODS = ("dupwire", "minhash-5", "minhash-1", "tfidf-0.275")
SHAPE_GROUPS = ("copies", "beat", "incidents", "allsides", "ecb", "grown")


@dataclass
class Result:
    method: str
    scores: ClusterScores | None = None
    planted: float | None = None
    background_ari: float | None = None
    seconds: float = 0.0
    peak_mb: float = 0.0
    skipped: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "scores": self.scores.to_dict() if self.scores else None,
            "planted": self.planted,
            "background_ari": self.background_ari,
            "seconds": round(self.seconds, 3),
            "peak_mb": round(self.peak_mb, 1),
            "skipped": self.skipped,
            "stats": self.stats,
        }


def planted_recall(planted: Mapping[str, str], labels: Mapping[str, Hashable]) -> float | None:
    """Share of planted ids whose predicted label is their anchor's."""
    if not planted:
        return None
    return sum(labels[k] == labels[a] for k, a in planted.items()) / len(planted)


def with_title(articles: Sequence[Article]) -> list[Article]:
    """The articles with ``title + "\\n"`` in front of the text where they have a title."""
    out = []
    for a in articles:
        title = a.meta.get("title")
        text = f"{title}\n{a.text}" if isinstance(title, str) and title.strip() else a.text
        out.append(Article(a.id, text, meta=a.meta))
    return out


def _plain(value: Any) -> Any:
    """An argument as JSON holds it: a path as text, the cluster options as a dict."""
    if isinstance(value, Path):
        return str(value)
    return value.to_dict() if isinstance(value, ClusterParams) else value


def param_option(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` as ``(name, value)``: the value as an int, a float, a bool (``true`` or
    ``false``) or None (``none``) when it reads as one, else the string.

    >>> param_option("max_candidates=30"), param_option("window=none")
    (('max_candidates', 30), ('window', None))
    """
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        msg = f"--param wants NAME=VALUE, got {text!r}"
        raise ValueError(msg)
    value: Any = raw.strip()
    words = {"true": True, "false": False, "none": None}
    if value.lower() in words:
        return name.strip(), words[value.lower()]
    for kind in (int, float):
        try:
            return name.strip(), kind(value)
        except ValueError:
            pass
    return name.strip(), value


def run_method(method: str, shape: shapes.Shape, args: argparse.Namespace) -> Result:
    """Cluster ``shape`` with ``method``; score, time and measure it."""
    n = len(shape.articles)
    if method != "dupwire" and n > args.baseline_max:
        return Result(method, skipped=f"{n:,} articles > --baseline-max {args.baseline_max:,}")
    stats: dict[str, Any] = {}
    ids = [a.id for a in shape.articles]
    if method == "dupwire":
        inputs = with_title(shape.articles) if args.title_in_text else list(shape.articles)

        def fn() -> dict[str, str]:
            result = cluster(inputs, params=args.params)
            stats.update(getattr(result, "stats", {}) or {})
            return result.labels()

    else:
        inputs = with_title(shape.articles)
        fns: dict[str, Callable[[], list[int]]] = {
            "minhash-5": lambda: eval_cluster.minhash_lsh(inputs, 5, 0.5),
            "minhash-1": lambda: eval_cluster.minhash_lsh(inputs, 1, 0.3),
            "tfidf-0.275": lambda: eval_cluster.tfidf(
                inputs, 0.275, max_bytes=args.tfidf_max_mb * 2**20
            ),
        }
        fn = fns[method]  # type: ignore[assignment]
    stages = Stages()
    start = time.perf_counter()
    try:
        out = fn()
    except eval_cluster.TooLarge as err:
        stages.close()
        return Result(method, skipped=str(err))
    seconds = time.perf_counter() - start
    stages.mark(method)
    stages.close()
    peak = stages.records[-1]["peak_mb"]
    labels: dict[str, Hashable] = (
        dict(out) if isinstance(out, dict) else dict(zip(ids, out, strict=True))
    )
    scores = score_clustering(shape.truth, labels)
    background = None
    if shape.background:
        bg = sorted(shape.background)
        background = score_clustering(
            {k: shape.truth[k] for k in bg}, {k: labels[k] for k in bg}
        ).ari
    return Result(
        method,
        scores=scores,
        planted=planted_recall(shape.planted, labels),
        background_ari=background,
        seconds=seconds,
        peak_mb=peak,
        stats=stats,
    )


def _fmt(x: float | None) -> str:
    return f"{x:7.3f}" if x is not None else f"{'-':>7}"


def table(shape: shapes.Shape, gen_seconds: float, rows: Sequence[Result]) -> str:
    sizes: dict[Hashable, int] = {}
    for label in shape.truth.values():
        sizes[label] = sizes.get(label, 0) + 1
    title = (
        f"{shape.name}: {shape.note}; {len(shape.articles):,} articles, {len(sizes):,} true "
        f"clusters, largest {max(sizes.values(), default=0):,}; built in {gen_seconds:.1f} s"
    )
    head = (
        f"{'method':<12} {'pair P':>7} {'pair R':>7} {'pair F1':>7} {'ARI':>7} {'B3 P':>7} "
        f"{'B3 R':>7} {'B3 F1':>7} {'clusters':>8} {'largest':>7} {'planted':>7} "
        f"{'bg ARI':>7} {'seconds':>8} {'peak MB':>8}"
    )
    lines = [title, head, "-" * len(head)]
    for r in rows:
        s = r.scores
        if s is None:
            lines.append(f"{r.method:<12} skipped: {r.skipped}")
            continue
        lines.append(
            f"{r.method:<12} {s.pair_precision:7.3f} {s.pair_recall:7.3f} {s.pair_f1:7.3f} "
            f"{s.ari:7.3f} {s.bcubed_precision:7.3f} {s.bcubed_recall:7.3f} "
            f"{s.bcubed_f1:7.3f} {s.n_pred_clusters:8,d} {s.largest_pred_cluster:7,d} "
            f"{_fmt(r.planted)} {_fmt(r.background_ari)} {r.seconds:8.2f} {r.peak_mb:8.0f}"
        )
    if shape.planted:
        lines.append(f"planted: {shape.planted_label} ({len(shape.planted):,} articles)")
    return "\n".join(lines)


def build(group: str, args: argparse.Namespace) -> Iterator[Callable[[], shapes.Shape]]:
    """The shapes of one ``--shapes`` group, as builders (built one at a time)."""
    if group == "copies":
        yield lambda: shapes.seed_copies(args.k, args.l, seed=args.seed)
        yield lambda: shapes.many_copies(1000, seed=args.seed)
        yield lambda: shapes.many_copies(1000, mixed=True, seed=args.seed)
    elif group == "beat":
        for n in args.sizes:
            for narrow in args.narrow:
                yield lambda n=n, narrow=narrow: shapes.beat(n, narrow=narrow, seed=args.seed)
    elif group == "incidents":
        yield lambda: shapes.incidents(args.incidents, seed=args.seed)
    elif group == "allsides":
        yield lambda: shapes.allsides(args.allsides)
    elif group == "ecb":
        yield shapes.ecb
    elif group == "grown":
        for n in args.grow:
            yield lambda n=n: shapes.grown(n, seed=args.seed, allsides_path=args.allsides)


def _commit(path: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=",".join(SHAPE_GROUPS), help="comma-separated")
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000], help="beat sizes")
    parser.add_argument(
        "--narrow", type=float, nargs="+", default=[1.0], help="beat narrowing, 0 broad .. 1"
    )
    parser.add_argument("--incidents", type=int, default=3400, help="number of incidents")
    parser.add_argument(
        "--grow", type=int, nargs="+", default=[20_000], help="articles added to ECB+ dev"
    )
    parser.add_argument("--k", type=int, default=60, help="verbatim copies of seed A")
    parser.add_argument("--l", type=int, default=40, help="edited copies of seed A")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated")
    parser.add_argument("--baseline-max", type=int, default=25_000)
    parser.add_argument("--tfidf-max-mb", type=float, default=1500.0)
    parser.add_argument("--title-in-text", action="store_true")
    parser.add_argument("--allsides", type=Path, default=None, help="AllSides dev.jsonl path")
    parser.add_argument("--json", type=Path, default=None, help="write every result here")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a cluster option for dupwire (repeatable), e.g. max_candidates=30",
    )
    args = parser.parse_args(argv)
    try:
        args.params = ClusterParams.from_options(**dict(map(param_option, args.param)))
    except ValueError as err:  # a malformed --param, or a ParamsError naming the option
        parser.error(str(err))
    groups = [g.strip() for g in args.shapes.split(",") if g.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for name, known in (("shape", SHAPE_GROUPS), ("method", METHODS)):
        wanted = groups if name == "shape" else methods
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            parser.error(f"unknown {name} {', '.join(unknown)}; choose from {', '.join(known)}")
    report: dict[str, Any] = {
        "commit": _commit(BENCH_DIR),
        "dupwire": str(Path(dupwire.__file__).parent),
        "dupwire_commit": _commit(Path(dupwire.__file__).parent),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "args": {k: _plain(v) for k, v in vars(args).items()},
        "shapes": [],
    }
    for group in groups:
        for make in build(group, args):
            start = time.perf_counter()
            try:
                shape = make()
            except shapes.ShapeUnavailable as err:
                print(f"{group}: skipped: {err}\n", flush=True)
                report["shapes"].append({"name": group, "skipped": str(err)})
                continue
            gen_seconds = time.perf_counter() - start
            rows = [run_method(m, shape, args) for m in methods]
            print(table(shape, gen_seconds, rows) + "\n", flush=True)
            report["shapes"].append(
                {
                    "name": shape.name,
                    "note": shape.note,
                    "n_articles": len(shape.articles),
                    "n_planted": len(shape.planted),
                    "planted_label": shape.planted_label,
                    "build_seconds": round(gen_seconds, 2),
                    "results": [r.to_dict() for r in rows],
                }
            )
            del shape
            if args.json:  # written after every shape, so a cut-off run keeps what it has
                args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
