from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"
SEED_A = SEEDS / "000_8f5a9e346875b4fc.txt"
SEED_B = SEEDS / "002_ff4983121d516d6b.txt"


def poison_scan(monkeypatch: pytest.MonkeyPatch, error: Callable[[], BaseException]) -> None:
    """Make the scan of every article (:mod:`dupwire.cluster.scan`) raise ``error()`` on the
    word POISON, as a dependency that fails on one word would."""
    import dupwire.cluster.scan

    real = dupwire.cluster.scan.analyse
    real_entry = dupwire.cluster.scan.word_entry

    def analyse(word: str) -> tuple[str, float]:
        if word == "POISON":
            raise error()
        return real(word)

    def word_entry(word: str) -> tuple[tuple[str, float], int]:
        if word == "POISON":
            raise error()
        return real_entry(word)

    # The reference scan reads words with analyse, the word table with word_entry.
    monkeypatch.setattr(dupwire.cluster.scan, "analyse", analyse)
    monkeypatch.setattr(dupwire.cluster.scan, "word_entry", word_entry)


@pytest.fixture(scope="session")
def seed_a() -> str:
    return SEED_A.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_b() -> str:
    return SEED_B.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_gold() -> dict[str, Any]:
    return json.loads((FIXTURES / "seed-pair.gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ecb_records() -> list[dict[str, Any]]:
    path = FIXTURES / "ecbplus" / "dev.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def forked_pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker counts of the pools :mod:`dupwire.cluster.forked` starts from now on, with
    verification tasks of 100 pairs, so that small corpora use them too."""
    from dupwire.cluster import forked, verify

    pools: list[int] = []

    class Pool(forked.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(forked, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(verify, "_PAIRS_PER_TASK", 100)
    return pools
