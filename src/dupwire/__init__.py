"""dupwire: find news articles that tell the same story and show what they share.

The entry points live in their modules, which the package does not shadow::

    from dupwire.align import align
    from dupwire.cluster import cluster
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from dupwire.align import explain_similarity, passage_similarity
from dupwire.archive import Index, IndexStats, Match, QueryResult
from dupwire.errors import (
    BinaryInputError,
    DuplicateIdError,
    DupwireError,
    EmptyArticleError,
    EncodingError,
    IndexFileError,
    InputError,
    InputTooLargeError,
    NoArticlesError,
    ParamsError,
)
from dupwire.io import Corpus, load_corpus, read_article
from dupwire.model import Alignment, Article, Cluster, Clustering, Link, Span, WordEdit
from dupwire.params import AlignParams, ClusterParams

try:
    __version__ = version("dupwire")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "AlignParams",
    "Alignment",
    "Article",
    "BinaryInputError",
    "Cluster",
    "ClusterParams",
    "Clustering",
    "Corpus",
    "DuplicateIdError",
    "DupwireError",
    "EmptyArticleError",
    "EncodingError",
    "Index",
    "IndexFileError",
    "IndexStats",
    "InputError",
    "InputTooLargeError",
    "Link",
    "Match",
    "NoArticlesError",
    "ParamsError",
    "QueryResult",
    "Span",
    "WordEdit",
    "__version__",
    "explain_similarity",
    "load_corpus",
    "passage_similarity",
    "read_article",
]
