from __future__ import annotations

from rich.console import Console

from dupwire.cluster import cluster
from dupwire.model import Article

from .conftest import SEED_A, SEED_B


def _seed_clustering(id_a: str = "a.txt", id_b: str = "b.txt"):  # type: ignore[no-untyped-def]
    return cluster(
        [
            Article(id_a, SEED_A.read_text(encoding="utf-8")),
            Article(id_b, SEED_B.read_text(encoding="utf-8")),
            Article("other.txt", "Markets rose on Friday as oil prices fell in Asian trading."),
        ]
    )


def test_clustering_renders_in_terminal() -> None:
    console = Console(record=True, width=160)
    console.print(_seed_clustering())
    out = console.export_text()
    assert "3 articles · 1 story cluster · 1 singleton" in out
    lines = out.splitlines()
    assert any(line.split() == ["singleton", "other.txt"] for line in lines)
    assert any(line.split()[:2] == ["representative", "a.txt"] for line in lines), out  # tie
    assert any(line.split()[:2] == ["same", "story"] and "b.txt" in line for line in lines), out


def test_clustering_html_escapes_ids() -> None:
    page = _seed_clustering(id_a="<b>a</b>.txt")._repr_html_()
    assert "&lt;b&gt;a&lt;/b&gt;.txt" in page
    assert "<b>a</b>" not in page
