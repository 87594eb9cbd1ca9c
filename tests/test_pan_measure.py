"""The text-alignment measure of benchmarks/eval_align.py against hand-computed cases."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


ev = _load("eval_align")
A = ev.Annotation


def _s(cases: list[object], dets: list[object]) -> tuple[float, float, float, float]:
    s = ev.score(cases, dets)
    return round(s.recall, 6), round(s.precision, 6), round(s.granularity, 6), round(s.plagdet, 6)


CASE = A("p", (0, 100), (0, 100))


@pytest.mark.parametrize(
    ("cases", "dets", "expected"),
    [
        pytest.param([CASE], [CASE], (1.0, 1.0, 1.0, 1.0), id="exact"),
        # Half of each side found: 100 of 200 characters.
        pytest.param(
            [CASE], [A("p", (0, 50), (0, 50))], (0.5, 1.0, 1.0, round(2 / 3, 6)), id="half"
        ),
        # Two pieces: everything found, but in two detections.
        pytest.param(
            [CASE],
            [A("p", (0, 50), (0, 50)), A("p", (50, 100), (50, 100))],
            (1.0, 1.0, 2.0, round(1 / math.log2(3), 6)),
            id="two-pieces",
        ),
        # Overlapping detections: their characters count once.
        pytest.param(
            [CASE],
            [A("p", (0, 60), (0, 60)), A("p", (40, 100), (40, 100))],
            (1.0, 1.0, 2.0, round(1 / math.log2(3), 6)),
            id="overlapping-pieces",
        ),
        # Too wide: the case (20 characters) inside a 70-character detection.
        pytest.param(
            [A("p", (10, 20), (10, 20))],
            [A("p", (0, 40), (0, 30))],
            (1.0, round(20 / 70, 6), 1.0, round(2 * (2 / 7) / (1 + 2 / 7), 6)),
            id="too-wide",
        ),
        # Overlap on the suspicious side only: not a detection of the case.
        pytest.param([CASE], [A("p", (200, 300), (0, 100))], (0.0, 0.0, 1.0, 0.0), id="one-side"),
        # Another pair's detection does not count.
        pytest.param([CASE], [A("q", (0, 100), (0, 100))], (0.0, 0.0, 1.0, 0.0), id="other-pair"),
        # Two cases, one found: recall is the mean over cases.
        pytest.param(
            [CASE, A("p", (500, 600), (300, 400))],
            [CASE],
            (0.5, 1.0, 1.0, round(2 / 3, 6)),
            id="one-of-two",
        ),
        # A false detection elsewhere: precision is the mean over detections.
        pytest.param(
            [CASE],
            [CASE, A("p", (700, 800), (700, 800))],
            (1.0, 0.5, 1.0, round(2 / 3, 6)),
            id="false-detection",
        ),
        # Recall 0.6 over 0.4 per side: (60 + 40) / 200.
        pytest.param(
            [CASE], [A("p", (0, 60), (60, 100))], (0.5, 1.0, 1.0, round(2 / 3, 6)), id="uneven"
        ),
        pytest.param([], [], (1.0, 1.0, 1.0, 1.0), id="nothing-to-find"),
    ],
)
def test_measure_matches_hand_computation(
    cases: list[object], dets: list[object], expected: tuple[float, float, float, float]
) -> None:
    assert _s(cases, dets) == expected


def test_granularity_ignores_undetected_cases() -> None:
    cases = [CASE, A("p", (500, 600), (500, 600))]
    dets = [A("p", (0, 10), (0, 10)), A("p", (20, 30), (20, 30)), A("p", (40, 50), (40, 50))]
    assert ev.granularity(cases, dets) == 3.0
