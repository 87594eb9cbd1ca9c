"""The local engine against the Spark engine (``local[2]``) on generated corpora.

Each run is its own process (one at a time), so peak memory is that run's: the driver's
peak RSS, and for Spark also the peak of its child processes (the JVM and Python workers).
Prints wall time, the pipeline's stage times (``prepare`` is scanning, ``candidates``
includes band grouping) and whether the two engines gave identical clusters.

    python benchmarks/bench_spark.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(engine: str, n: int, master: str, out: Path) -> None:
    sys.path.insert(0, str(HERE))
    from corpus_gen import generate
    from dupwire.cluster import cluster

    articles, _ = generate(n, seed=7)
    start = time.perf_counter()
    if engine == "spark":
        from dupwire.spark import SparkEngine, spark_session

        session = spark_session(master)
        spark_engine = SparkEngine(session, stages=out / f"stages-{n}")
        result = cluster(articles, engine=spark_engine)
    else:
        result = cluster(articles)
    wall = time.perf_counter() - start
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    labels = result.labels()
    reps = {a.id: a.representative_id for a in result.assignments}
    (out / f"{engine}-{n}.json").write_text(
        json.dumps(
            {
                "wall": wall,
                "driver_mb": self_peak,
                "children_mb": child_peak,
                "seconds": result.stats["seconds"],
                "labels": labels,
                "reps": reps,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--out", type=Path, default=Path("/tmp/dupwire-bench-spark"))
    parser.add_argument("--engines", nargs="+", default=["local", "spark"])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.child:
        _run(args.child[0], int(args.child[1]), args.master, args.out)
        return
    print(
        "| articles | engine | wall s | vs local | driver peak MB | child peak MB | "
        "prepare s | candidates s | verify s | cluster s | identical |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        done: dict[str, dict[str, object]] = {}
        for engine in args.engines:
            cmd = [sys.executable, __file__, "--child", engine, str(n), "--master", args.master]
            cmd += ["--out", str(args.out)]
            if subprocess.run(cmd, check=False).returncode != 0:
                print(f"| {n} | {engine} | failed | | | | | | | | |")
                continue
            done[engine] = json.loads((args.out / f"{engine}-{n}.json").read_text())
        base = done.get("local")
        for engine, r in done.items():
            s = r["seconds"]
            assert isinstance(s, dict)
            ratio = f"{r['wall'] / base['wall']:.2f}x" if base else "-"  # type: ignore[operator]
            same = (
                "-"
                if base is None or engine == "local"
                else str(r["labels"] == base["labels"] and r["reps"] == base["reps"])
            )
            print(
                f"| {n} | {engine} | {r['wall']:.1f} | {ratio} | {r['driver_mb']:.0f} | "
                f"{r['children_mb']:.0f} | {s['prepare']:.1f} | {s['candidates']:.1f} | "
                f"{s['verify']:.1f} | {s['cluster']:.1f} | {same} |"
            )


if __name__ == "__main__":
    main()
