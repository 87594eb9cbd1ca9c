"""The HTML cluster report in a real browser: headless Chromium renders it at a desktop and
a phone width, and the rendered page (after its script ran) shows what it should.

Set ``DUPWIRE_SCREENSHOTS`` to a directory to keep the screenshots.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from dupwire.cluster import cluster
from dupwire.io import Corpus
from dupwire.model import Article
from dupwire.report import ClusterReport

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (.ci/run installs Debian's chromium; apt was unreachable)",
)
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def report_file(
    ecb_records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    outlets = ("Daily Courier", "Wire Desk", "Evening Post")
    articles = [
        Article(
            str(r["id"]),
            r["text"],
            meta={"source": outlets[k % 3], "date": f"2008-12-{1 + (k * 7) % 11:02d}"},
        )
        for k, r in enumerate(r for r in ecb_records if r["topic"] in (1, 3, 4, 6))
    ]
    corpus = Corpus(tuple(sorted(articles, key=lambda a: a.id)), (), ())
    path = tmp_path_factory.mktemp("report") / "clusters.html"
    path.write_text(ClusterReport(cluster(corpus.articles), corpus).html(), encoding="utf-8")
    return path


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("width", [1400, 420])
def test_screenshots(report_file: Path, width: int, tmp_path: Path) -> None:
    shot = tmp_path / f"report-{width}.png"
    done = _chromium(f"--screenshot={shot}", f"--window-size={width},900", report_file.as_uri())
    assert shot.exists(), done.stderr
    assert _png_size(shot) == (width, 900)
    assert shot.stat().st_size > 10_000  # a page, not a blank screen
    keep = os.environ.get("DUPWIRE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)


def _dom(url: str) -> str:
    done = _chromium("--dump-dom", "--window-size=1400,900", url)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_rendered_page_shows_overview_and_filter(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    n_clusters = page.count('<section class="cluster"')
    assert n_clusters >= 4
    dom = _dom(report_file.as_uri())
    rows = re.findall(r'<tr data-search="[^"]*"( class="[^"]*")?>', dom)
    assert len(rows) == n_clusters
    assert not any("hidden" in (cls or "") for cls in rows)
    assert re.search(r'<input[^>]*id="dw-filter"', dom)
    assert f">{n_clusters}</span> of {n_clusters} clusters" in dom


def test_filter_hides_other_clusters(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    searches = re.findall(r'<tr data-search="([^"]*)"', page)
    word = "teixeira" if any("teixeira" in s for s in searches) else searches[0].split()[1]
    expected = sum(word in s for s in searches)
    assert 0 < expected < len(searches)
    dom = _dom(report_file.as_uri() + "#q=" + word)
    shown = [
        s for s, cls in re.findall(r'<tr data-search="([^"]*)"( class="hidden")?>', dom) if not cls
    ]
    assert len(shown) == expected and all(word in s for s in shown)
    assert f">{expected}</span> of {len(searches)} clusters" in dom
