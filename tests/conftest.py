from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"
SEED_A = SEEDS / "000_8f5a9e346875b4fc.txt"
SEED_B = SEEDS / "002_ff4983121d516d6b.txt"


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
