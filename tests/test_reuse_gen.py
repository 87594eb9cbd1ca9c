"""The reuse-pair generator: deterministic, gold offsets exact, every type really rewritten."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("reuse_gen", ROOT / "benchmarks" / "reuse_gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("reuse_gen", module)
    spec.loader.exec_module(module)
    return module


gen = _load()
PAIRS = list(gen.generate(42, seed=3))


def test_same_seed_same_pairs_and_pairs_are_independent() -> None:
    again = list(gen.generate(42, seed=3))
    assert [p.to_dict() for p in again] == [p.to_dict() for p in PAIRS]
    assert gen.make_pair(17, seed=3) == PAIRS[17]
    assert gen.make_pair(17, seed=4).source != PAIRS[17].source


def test_every_type_and_negatives_appear() -> None:
    assert {p.obfuscation for p in PAIRS} == {*gen.TYPES, gen.NEGATIVE}
    for p in PAIRS:
        assert (p.cases == ()) == (p.obfuscation == gen.NEGATIVE)


def test_gold_offsets_are_exact() -> None:
    changed: dict[str, list[bool]] = {}
    for p in PAIRS:
        for c in p.cases:
            src = p.source[c.src_start : c.src_end]
            susp = p.suspicious[c.susp_start : c.susp_end]
            assert src == src.strip()
            assert susp == susp.strip()
            assert 0 <= c.susp_start < c.susp_end <= len(p.suspicious)
            # Passages are planted as running text: line breaks of the source become spaces.
            if p.obfuscation == "verbatim":
                assert src.split() == susp.split()
            changed.setdefault(p.obfuscation, []).append(src.split() != susp.split())
    # A passage without a word the thesaurus knows can come out unchanged; rarely.
    for kind, flags in changed.items():
        if kind != "verbatim":
            assert sum(flags) >= 0.8 * len(flags), kind


def test_condensation_summarises_the_whole_story() -> None:
    for p in PAIRS:
        if p.obfuscation != "condensation":
            continue
        (case,) = p.cases
        src_words = len(p.source[case.src_start : case.src_end].split())
        summary = p.suspicious[case.susp_start : case.susp_end]
        assert case.src_start == 0
        assert 450 <= src_words <= 700
        assert 80 <= len(summary.split()) <= 200
        # Few exact words of any one source sentence survive in a summary sentence.
        assert summary not in p.source
