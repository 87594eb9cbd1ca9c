"""A persistent index of articles that grows all day: :class:`Index`.

``Index.open("news.db")`` opens (or creates) one SQLite file; ``.add(articles)`` stores
them, ``.query(article)`` finds the stored versions of its story with the candidate rules of
batch clustering and verifies them with the aligner, ``.remove(ids)`` deletes, and
``.articles()`` gives everything back for :func:`dupwire.cluster.cluster`.
"""

from __future__ import annotations

from dupwire.archive.keys import KeySettings
from dupwire.archive.results import AddResult, IndexStats, Match, QueryResult
from dupwire.archive.store import SCHEMA_VERSION, Index

__all__ = [
    "SCHEMA_VERSION",
    "AddResult",
    "Index",
    "IndexStats",
    "KeySettings",
    "Match",
    "QueryResult",
]
