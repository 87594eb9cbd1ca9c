from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "dupwire.normalize",
    "dupwire.weights",
    "dupwire.segment",
    "dupwire.align",
    "dupwire.align.passage",
    "dupwire.align.aligner",
    "dupwire._numeric",
    "dupwire.dates",
    "dupwire.cluster",
    "dupwire.cluster.agglomerate",
    "dupwire.io",
    "dupwire.metrics",
    "dupwire.archive.blocks",
    "dupwire.errors",
    "dupwire.model",
    "dupwire.render",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
