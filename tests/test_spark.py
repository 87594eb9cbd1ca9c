"""The Spark engine gives the local engine's arrays, clusters, ids and representatives."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dupwire.cluster import cluster
from dupwire.cluster.scan import merge_parts, scan_corpus, scan_texts
from dupwire.index import LshLayout, candidate_pairs
from dupwire.io import load_corpus
from dupwire.model import Article, Clustering
from tests.conftest import FIXTURES, SEEDS, poison_scan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

if importlib.util.find_spec("pyspark") is None:
    pytest.skip("PySpark is not installed: pip install '.[spark]'", allow_module_level=True)
if shutil.which("java") is None:
    pytest.skip(
        "Java is not installed: apt-get install default-jre-headless", allow_module_level=True
    )

from dupwire.spark import (
    SparkEngine,
    cluster_spark,
    connected_components,
    spark_session,
)


@pytest.fixture(scope="module")
def spark() -> Any:
    return spark_session("local[2]")


@pytest.fixture
def engine(spark: Any, tmp_path: Path) -> SparkEngine:
    return SparkEngine(spark, stages=tmp_path / "stages")


def _same(a: Clustering, b: Clustering) -> None:
    assert a.clusters == b.clusters
    assert a.singletons == b.singletons
    assert a.assignments == b.assignments


def _ecb() -> list[Article]:
    return list(load_corpus([FIXTURES / "ecbplus" / "dev.jsonl"]).articles)


def test_scan_arrays_match_the_local_scan(engine: SparkEngine) -> None:
    texts = [a.text for a in _ecb()[:200]]
    local, spark = scan_corpus(texts, 1), engine.scan(texts, 2, None)
    assert local.vocab == spark.vocab
    for name in ("tokens", "type_key", "type_weight", "tok_ptr", "sent_chars", "sent_ptr"):
        assert np.array_equal(getattr(local, name), getattr(spark, name)), name


def test_scan_stage_keeps_the_articles_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dupwire.spark import _part_row, _read_parts

    poison_scan(monkeypatch, lambda: RuntimeError("cannot read this word"))
    texts = [a.text for a in _ecb()[:3]]
    texts.insert(1, "Zqxv left. POISON in the text.")  # a new word, then the failing one
    path = tmp_path / "scan.parquet"
    pq.write_table(pa.Table.from_pylist([_part_row(0, scan_texts(texts))]), path)
    text = merge_parts(_read_parts(path, 4), 4)
    assert [d for d, _ in text.failed] == [1] and "cannot read this word" in text.failed[0][1]
    local = scan_corpus([texts[0], *texts[2:]], 1)
    kept = text.without_failed()
    assert local.vocab == kept.vocab
    for name in ("tokens", "type_key", "type_weight", "tok_ptr", "sent_chars", "sent_ptr"):
        assert np.array_equal(getattr(local, name), getattr(kept, name)), name


@pytest.mark.parametrize(
    ("max_bucket", "min_bands", "bands"),
    # 12 bands of 2 rows: refining wraps round to the first bands; 4 of 6: fewer bands
    # follow than MAX_REFINE; 24 of 1: the default's one-row bands.
    [(4, 1, 12), (400, 3, 12), (4, 1, 4), (12, 2, 24)],
)
def test_band_pairs_match_candidate_pairs(
    engine: SparkEngine, max_bucket: int, min_bands: int, bands: int
) -> None:
    # Few distinct values: many buckets over max_bucket, so refinement and chaining run.
    rng = np.random.default_rng(max_bucket)
    sig = rng.integers(0, 2 if bands == 4 else 8, size=(400, 24)).astype(np.uint64)
    sig[7] = np.uint64(2**32 - 1)  # an empty shingle set: never a candidate
    layout = LshLayout(bands=bands, rows=24 // bands, min_bands=min_bands)
    local = candidate_pairs(sig, layout=layout, max_bucket=max_bucket)
    spark = engine.band_pairs(sig, layout, max_bucket, 1)
    assert len(local.pairs) > 0
    assert np.array_equal(local.pairs, spark.pairs)
    assert np.array_equal(local.shared_bands, spark.shared_bands)
    assert local.capped_buckets == spark.capped_buckets
    assert (local.capped_buckets > 0) == (max_bucket < 400)


def test_passages_match_the_local_scores(engine: SparkEngine) -> None:
    from dupwire.cluster.vectors import sentence_bags
    from dupwire.cluster.verify import passage_scores

    texts = [a.text for a in _ecb()[:120]]
    text = scan_corpus(texts, 1)
    keep = np.ones(text.n_sents, dtype=bool)
    keep[text.sent_ptr[3] : text.sent_ptr[4]] = False  # an article with no story sentence
    bags = sentence_bags(text, keep)
    rng = np.random.default_rng(1)
    random_pairs = {(int(min(p)), int(max(p))) for p in rng.integers(0, 120, (400, 2))}
    neighbours = {(k, k + 1) for k in range(119)}  # mostly reports of one topic
    chosen = sorted((i, j) for i, j in random_pairs | neighbours if i != j and i != 3)
    chosen.append((3, 7))
    seen: list[int] = []
    spark = engine.passages(bags, chosen, 2, lambda stage, done, total: seen.append(done))
    assert spark == passage_scores(bags, chosen)  # bit for bit
    assert list(spark) == chosen
    assert spark[(3, 7)] == 0.0 and max(spark.values()) > 50
    assert seen == [len(chosen)]
    assert engine.passages(bags, [], 2, None) == {}


def test_seeds_cluster_alike(engine: SparkEngine) -> None:
    articles = list(load_corpus([SEEDS]).articles)
    spark = cluster(articles, engine=engine)
    _same(cluster(articles), spark)
    assert len(spark.clusters) == 1


def test_ecbplus_dev_clusters_alike_above_the_edge_bound(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No edge is clustered at once: the components come from Spark, one agglomeration each.
    engine = SparkEngine(spark, stages=tmp_path / "stages", edge_bound=0)
    seen: list[tuple[Any, Any]] = []
    components = engine.components

    def recorded(pairs: Any, n: int) -> Any:
        labels = components(pairs, n)
        seen.append((pairs, labels))
        return labels

    monkeypatch.setattr(engine, "components", recorded)
    articles = _ecb()
    result, local = cluster(articles, engine=engine), cluster(articles)
    _same(local, result)
    assert result.stats == {**local.stats, "seconds": result.stats["seconds"]}
    assert len(result.clusters) > 40
    ((pairs, labels),) = seen
    expected = _union_find(len(articles), [(int(a), int(b)) for a, b in pairs])
    assert {k: int(c) for k, c in enumerate(labels) if c >= 0} == expected
    # Components alone would chain stories together: agglomeration splits them further.
    assert 10 < len(set(expected.values())) < len(result.clusters)


def test_generated_corpus_clusters_alike(engine: SparkEngine) -> None:
    from corpus_gen import generate

    articles, _ = generate(1000, seed=3)
    spark = cluster(articles, engine=engine)
    _same(cluster(articles), spark)
    assert spark.stats["candidate_pairs"] > 300


def test_cluster_spark_writes_records_and_resumes(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    import dupwire.cluster.pipeline as pipeline
    from dupwire.report import ClusterReport

    source = _ecb_jsonl(tmp_path / "in.jsonl", 150)
    out = tmp_path / "out"
    stages = out / "_stages"

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("stage failed")

    def no_rerun(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a finished stage was run again")

    # Banding fails: scanning and signatures are finished and kept.
    with monkeypatch.context() as m:
        m.setattr(SparkEngine, "_band", broken)
        with pytest.raises(RuntimeError, match="stage failed"):
            cluster_spark([source], out, spark=spark)
    assert (stages / "scan.json").is_file()
    assert (stages / "furniture.json").is_file()  # a driver step kept as a stage
    assert (stages / "signatures.json").is_file()
    assert not (stages / "candidates.json").exists()
    signed = sorted(p.stat().st_mtime_ns for p in (stages / "signatures").iterdir())

    # Similarities fail: the rerun reads scan, furniture and signatures, and runs banding.
    with monkeypatch.context() as m:
        m.setattr(SparkEngine, "_scan", no_rerun)
        m.setattr(pipeline, "corpus_furniture", no_rerun)
        m.setattr(SparkEngine, "_sign", no_rerun)
        m.setattr(pipeline, "similarities", broken)
        with pytest.raises(RuntimeError, match="stage failed"):
            cluster_spark([source], out, spark=spark)
    assert (stages / "candidates.json").is_file()
    assert not (stages / "passages.json").exists()
    assert sorted(p.stat().st_mtime_ns for p in (stages / "signatures").iterdir()) == signed
    assert not (out / "clusters.jsonl").exists()

    # Agglomeration fails: the rerun reads the candidates and verifies the pairs on Spark.
    with monkeypatch.context() as m:
        m.setattr(SparkEngine, "_band", no_rerun)
        m.setattr(pipeline, "agglomerate", broken)
        with pytest.raises(RuntimeError, match="stage failed"):
            cluster_spark([source], out, spark=spark)
    assert (stages / "passages.json").is_file()

    # The last rerun runs no Spark stage and gives the local engine's records.
    monkeypatch.setattr(SparkEngine, "_scan", no_rerun)
    monkeypatch.setattr(SparkEngine, "_sign", no_rerun)
    monkeypatch.setattr(SparkEngine, "_band", no_rerun)
    monkeypatch.setattr(SparkEngine, "_relate", no_rerun)
    with monkeypatch.context() as m:  # not for the local engine's run below
        m.setattr(pipeline, "corpus_furniture", no_rerun)
        result, corpus = cluster_spark([source], out, spark=spark)
    expected = ClusterReport(cluster(corpus.articles), corpus).records()
    lines = (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert pq.read_table(out / "clusters.parquet").to_pylist() == expected
    _same(cluster(corpus.articles), result)

    # Other signature options are another stage: it is computed again.
    from dupwire.params import ClusterParams

    with pytest.raises(AssertionError, match="run again"):
        cluster_spark([source], out, spark=spark, params=ClusterParams(seed=2))


def test_parquet_input_gives_the_jsonl_records(spark: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [json.loads(line) for line in (FIXTURES / "ecbplus" / "dev.jsonl").open()][:60]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    parquet = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"id": [r["id"] for r in records], "text": [r["text"] for r in records]}),
        parquet,
    )
    cluster_spark([jsonl], tmp_path / "a", spark=spark)
    cluster_spark([parquet], tmp_path / "b", spark=spark)
    a = (tmp_path / "a" / "clusters.jsonl").read_text()
    assert a == (tmp_path / "b" / "clusters.jsonl").read_text()
    assert '"cluster_id": 0' in a


def _ecb_jsonl(path: Path, n: int) -> Path:
    """The first ``n`` records of the ECB+ dev fixture, written to ``path``."""
    lines = (FIXTURES / "ecbplus" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    return path


def _union_find(n: int, edges: list[tuple[int, int]]) -> dict[int, int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    nodes = {x for e in edges for x in e}
    return {x: min(y for y in nodes if find(y) == find(x)) for x in nodes}


@pytest.mark.parametrize("seed", [0])
def test_connected_components_match_union_find(spark: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    m = int(rng.integers(50, 260))
    edges = [(int(a), int(b)) for a, b in rng.integers(0, n, size=(m, 2)) if a != b]
    edges += [(i, i + 1) for i in range(150, 199)]  # one long path: many rounds
    frame = spark.createDataFrame(edges, "src long, dst long")
    got = {r["node"]: r["component"] for r in connected_components(spark, frame).collect()}
    assert got == _union_find(n, edges)


def test_cli_input_and_cluster_options_match_the_local_engine(tmp_path: Path) -> None:
    # Dated reports under other field names: --id/--text/--title/--date-field, --window and
    # --fields must act as with the local engine.
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from dupwire.cli import app
    from incident_gen import generate

    articles, _, _ = generate(60, seed=5)
    source = tmp_path / "reports.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for a in articles:
            record = {"key": a.id, "body": a.text, "headline": a.meta["title"]}
            record |= {"published_at": a.meta["date"], "outlet": a.meta["source"]}
            out.write(json.dumps(record) + "\n")
    options = ["--jsonl", "--id-field", "key", "--text-field", "body", "--title-field"]
    options += ["headline", "--date-field", "published_at", "--window", "1", "--fields", "outlet"]
    runner = CliRunner()
    local = runner.invoke(app, ["cluster", str(source), *options])
    assert local.exit_code == 0, local.output
    out = tmp_path / "out"
    spark = runner.invoke(
        app, ["cluster", str(source), *options, "--engine", "spark", "--output", str(out)]
    )
    assert spark.exit_code == 0, spark.output
    records = [json.loads(line) for line in local.stdout.splitlines()]
    assert [json.loads(line) for line in spark.stdout.splitlines()] == records
    assert [json.loads(line) for line in (out / "clusters.jsonl").open()] == records
    assert pq.read_table(out / "clusters.parquet").to_pylist() == records
    # The options took effect: titles, dates and outlets were read, and the window split
    # clusters that form without it.
    assert all(r["title"] and r["date"] and r["outlet"] for r in records)
    assert any(r["cluster_id"] is not None for r in records)
    unbounded = runner.invoke(app, ["cluster", str(source), *options[:-4], "--fields", "outlet"])
    assert [json.loads(line) for line in unbounded.stdout.splitlines()] != records


def test_cli_cluster_db_matches_the_local_engine(spark: Any, tmp_path: Path) -> None:
    # cluster --db: the articles an index holds (read back sorted by id, with their titles)
    # give the local engine's clusters, ids, representatives and records on Spark too.
    from typer.testing import CliRunner

    from dupwire.cli import app

    source = _ecb_jsonl(tmp_path / "in.jsonl", 100)
    db = str(tmp_path / "news.db")
    runner = CliRunner()
    for inputs in (source, SEEDS):
        added = runner.invoke(app, ["index", "add", str(inputs), "--db", db])
        assert added.exit_code == 0, added.output
    local = runner.invoke(app, ["cluster", "--db", db, "--json"])
    assert local.exit_code == 0, local.output
    out = tmp_path / "out"
    options = ["--json", "--engine", "spark", "--output", str(out)]
    on_spark = runner.invoke(app, ["cluster", "--db", db, *options])
    assert on_spark.exit_code == 0, on_spark.output
    assert (out / "_stages" / "candidates.json").is_file()  # the Spark stages ran
    expected, got = json.loads(local.stdout), json.loads(on_spark.stdout)
    assert got["clusters"] == expected["clusters"]
    assert got["records"] == expected["records"]
    assert got["stats"] == {**expected["stats"], "seconds": got["stats"]["seconds"]}
    assert [json.loads(line) for line in (out / "clusters.jsonl").open()] == expected["records"]
    assert len(expected["clusters"]) > 5
    seeds = {p.name for p in SEEDS.iterdir()}
    assert any(seeds <= set(c["members"]) for c in expected["clusters"])


def test_cli_bad_input_stops_before_spark_starts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dupwire.cli import app

    runner = CliRunner()
    out = tmp_path / "out"
    missing = runner.invoke(
        app, ["cluster", str(tmp_path / "nope"), "--engine", "spark", "--output", str(out)]
    )
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    no_db = runner.invoke(
        app, ["cluster", "--db", str(empty), "--engine", "spark", "--output", str(out)]
    )
    assert no_db.exit_code == 2 and "Traceback" not in no_db.output
    assert not out.exists()  # no Spark session, no stage directory left behind
    unset = runner.invoke(app, ["cluster", str(SEEDS), "--engine", "spark"])
    assert unset.exit_code == 2 and "--output DIR" in unset.stderr


def test_written_records_escape_lone_surrogates(tmp_path: Path) -> None:
    # The id of a file whose name is not valid UTF-8 holds a lone surrogate: the JSON Lines
    # escape it (reading back the same id) and Parquet, whose strings are UTF-8, stores
    # that escaped spelling, as the local engine's --csv writes it.
    import pyarrow.parquet as pq

    from dupwire.spark import write_records

    odd = "x\udcff.txt"
    records = [
        {"id": odd, "title": "t", "cluster_id": None},
        {"id": "b", "title": None, "cluster_id": 1},
    ]
    write_records(records, tmp_path)
    lines = (tmp_path / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [odd, "b"]
    table = pq.read_table(tmp_path / "clusters.parquet")
    assert table.column("id").to_pylist() == ["x\\udcff.txt", "b"]


def test_location_helpers() -> None:
    from dupwire.errors import ParamsError
    from dupwire.spark_files import is_uri, join, location

    assert is_uri("hdfs://namenode:8020/data") and is_uri("s3a://bucket/out")
    assert is_uri("file:///tmp/out") and is_uri("abfss://c@a.dfs.core.windows.net/x")
    assert not is_uri("out") and not is_uri("/data/out") and not is_uri("-")
    assert not is_uri(Path("hdfs:/namenode/data"))  # a Path is never a URI
    assert location("hdfs://nn/out") == "hdfs://nn/out"
    assert location("out/dir") == Path("out/dir") and location(Path("/a")) == Path("/a")
    assert join("hdfs://nn/out/", "_stages", "scan.json") == "hdfs://nn/out/_stages/scan.json"
    assert join(Path("/a"), "_stages") == Path("/a/_stages")
    # pathlib folds hdfs://nn/out into hdfs:/nn/out: refused, with the string to pass.
    with pytest.raises(ParamsError, match="'hdfs://nn/out'"):
        location(Path("hdfs://nn/out"))


def test_cluster_spark_reads_and_writes_uris(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # file:// URIs go through Hadoop's file system like hdfs:// or s3a://.  Run from an empty
    # directory: a URI taken for a local relative path would write under it (file:/...).
    from typer.testing import CliRunner

    from dupwire.cli import app
    from dupwire.report import ClusterReport

    source = _ecb_jsonl(tmp_path / "in.jsonl", 80)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = tmp_path / "out"
    inputs = [source.as_uri(), SEEDS.as_uri()]  # a file, and a directory of text files
    result, corpus = cluster_spark(inputs, out.as_uri(), spark=spark)
    assert list(cwd.iterdir()) == []
    local = load_corpus([source, SEEDS])
    assert [a.id for a in corpus.articles] == [a.id for a in local.articles]
    _same(cluster(local.articles), result)
    expected = ClusterReport(cluster(local.articles), local).records()
    assert [json.loads(line) for line in (out / "clusters.jsonl").open()] == expected
    assert (out / "_stages" / "passages.json").is_file()
    assert not [p for p in (out / "_stages").iterdir() if p.name.endswith(".tmp")]

    # The rerun reads the manifests and stages through the URIs: no stage runs again.
    def no_rerun(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a finished stage was run again")

    (out / "clusters.jsonl").unlink()
    with monkeypatch.context() as m:
        for step in ("_scan", "_sign", "_band", "_relate"):
            m.setattr(SparkEngine, step, no_rerun)
        again, _ = cluster_spark(inputs, out.as_uri() + "/", spark=spark)
    _same(result, again)
    assert [json.loads(line) for line in (out / "clusters.jsonl").open()] == expected

    # The command line takes URIs too (--output is not folded into a path).
    cli_out = tmp_path / "cli"
    ran = CliRunner().invoke(
        app,
        ["cluster", SEEDS.as_uri(), "--jsonl", "--engine", "spark", "--output", cli_out.as_uri()],
    )
    assert ran.exit_code == 0, ran.output
    assert (cli_out / "clusters.jsonl").read_text() == ran.stdout
    assert list(cwd.iterdir()) == []


def test_unusable_uris_fail_in_one_line(spark: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dupwire.cli import app
    from dupwire.errors import InputError, OutputError

    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text((FIXTURES / "ecbplus" / "dev.jsonl").open().readline(), encoding="utf-8")
    with pytest.raises(OutputError) as refused:
        cluster_spark([jsonl], "nosuchfs://host/out", spark=spark)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("nosuchfs://host/out: the file system refused it")
    assert "handles nosuchfs://" in message
    with pytest.raises(InputError, match="no such file or directory; check the URI"):
        cluster_spark([(tmp_path / "nope.jsonl").as_uri()], tmp_path / "out", spark=spark)
    with pytest.raises(InputError, match=r"^nosuchfs://host/in\.jsonl: the file system refused"):
        cluster_spark(["nosuchfs://host/in.jsonl"], tmp_path / "out", spark=spark)
    runner = CliRunner()
    local = runner.invoke(app, ["cluster", jsonl.as_uri()])
    assert local.exit_code == 2 and "pass --engine spark" in local.stderr
