"""The benchmark corpus generator: deterministic, unique ids, versions that really differ."""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    path = ROOT / "benchmarks" / "corpus_gen.py"
    spec = importlib.util.spec_from_file_location("corpus_gen", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_gen", module)
    spec.loader.exec_module(module)
    return module


gen = _load()


@pytest.fixture(scope="module")
def corpus() -> tuple[list, dict[str, int]]:
    return gen.generate(400, seed=11)


def test_same_seed_gives_the_same_corpus(corpus: tuple[list, dict[str, int]]) -> None:
    articles, truth = corpus
    again, again_truth = gen.generate(400, seed=11)
    assert [(a.id, a.text) for a in again] == [(a.id, a.text) for a in articles]
    assert again_truth == truth


def test_another_seed_gives_another_corpus(corpus: tuple[list, dict[str, int]]) -> None:
    articles, _ = corpus
    other, _ = gen.generate(50, seed=12)
    assert {a.text for a in other}.isdisjoint(a.text for a in articles)


def test_streaming_gives_the_same_articles(corpus: tuple[list, dict[str, int]]) -> None:
    articles, truth = corpus
    stream = gen.iter_corpus(400, seed=11)
    for expected, (article, label) in zip(articles[:25], stream, strict=False):
        assert (article.id, article.text, label) == (expected.id, expected.text, truth[article.id])


def test_ids_are_unique_and_all_labelled(corpus: tuple[list, dict[str, int]]) -> None:
    articles, truth = corpus
    ids = [a.id for a in articles]
    assert len(set(ids)) == len(ids) == 400
    assert set(truth) == set(ids)
    assert len({a.text for a in articles}) == 400


def test_planted_clusters_have_the_asked_share_and_sizes(
    corpus: tuple[list, dict[str, int]],
) -> None:
    _, truth = corpus
    sizes = Counter(truth.values())
    clustered = sum(size for size in sizes.values() if size > 1)
    assert clustered == round(400 * gen.DEFAULT_CLUSTER_SHARE)
    assert set(sizes.values()) <= {1, 2, 3, 4, 5}


def test_planted_versions_really_differ(corpus: tuple[list, dict[str, int]]) -> None:
    articles, truth = corpus
    text = {a.id: a.text for a in articles}
    scores = [gen.shingle_jaccard(text[a], text[b]) for a, b in gen.planted_pairs(truth)]
    assert len(scores) > 50
    assert statistics.median(scores) < 0.5
    assert max(scores) < 0.9  # no near-verbatim copies
    assert min(scores) > 0.02  # but they do tell the same story


def test_unrelated_stories_do_not_collide(corpus: tuple[list, dict[str, int]]) -> None:
    articles, truth = corpus
    rng = random.Random(0)
    scores = []
    while len(scores) < 500:
        a, b = rng.sample(articles, 2)
        if truth[a.id] != truth[b.id]:
            scores.append(gen.shingle_jaccard(a.text, b.text))
    assert statistics.mean(scores) < 0.05
    assert max(scores) < 0.2


def test_articles_have_about_the_asked_length(corpus: tuple[list, dict[str, int]]) -> None:
    articles, _ = corpus
    mean = statistics.mean(len(a.text.split()) for a in articles)
    assert gen.DEFAULT_WORDS * 0.85 < mean < gen.DEFAULT_WORDS * 1.15
    short, _ = gen.generate(60, seed=11, words=300)
    assert statistics.mean(len(a.text.split()) for a in short) < mean * 0.7


@pytest.mark.parametrize(
    ("truth", "pairs"),
    [
        pytest.param({"a": 1, "b": 2}, set(), id="singletons"),
        pytest.param({"b": 1, "a": 1, "c": 2}, {("a", "b")}, id="one-pair-sorted"),
        pytest.param({"x": 5, "y": 5, "z": 5}, {("x", "y"), ("x", "z"), ("y", "z")}, id="triple"),
    ],
)
def test_planted_pairs(truth: dict[str, int], pairs: set[tuple[str, str]]) -> None:
    assert gen.planted_pairs(truth) == pairs


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"n_articles": -1}, id="negative-count"),
        pytest.param({"n_articles": 5, "cluster_share": 1.5}, id="share-above-one"),
        pytest.param({"n_articles": 5, "words": 20}, id="too-short"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        gen.generate(**kwargs)
