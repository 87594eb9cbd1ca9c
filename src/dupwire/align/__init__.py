"""Passage-by-passage alignment of two articles.

``from dupwire.align import align`` is the entry point.  The package holds one rule per
module: :mod:`~dupwire.align.passage` (the passage scoring rule), :mod:`~dupwire.align.aligner`
(the reference aligner: :func:`align`, :func:`relate`) and :mod:`~dupwire.align.bags` (the
vectorised one-to-one twin of :func:`relate` used when clustering).
"""

from __future__ import annotations

from dupwire.align.aligner import Prepared, Relation, align, prepare, relate
from dupwire.align.passage import (
    PassageScore,
    explain_similarity,
    passage_similarity,
    verdict_for,
)

__all__ = [
    "PassageScore",
    "Prepared",
    "Relation",
    "align",
    "explain_similarity",
    "passage_similarity",
    "prepare",
    "relate",
    "verdict_for",
]
