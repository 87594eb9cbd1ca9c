from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dupwire.cli import app

from .conftest import SEED_A, SEED_B

runner = CliRunner()


def test_compare_seeds_prints_verdict_and_passages() -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B)], terminal_width=140)
    assert result.exit_code == 0, result.output
    assert "same story" in result.output
    assert "only in B" in result.output
    assert "site furniture" in result.output


def test_compare_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["verdict"] == "same_story"
    text_a = SEED_A.read_text(encoding="utf-8")
    link = doc["links"][0]
    assert text_a[link["a_start"] : link["a_end"]].startswith("Turkish and Russian soldiers")


def test_compare_html_report_escapes_text(tmp_path: Path) -> None:
    evil = tmp_path / "evil.txt"
    evil.write_text(
        SEED_A.read_text(encoding="utf-8")
        + "\n<script>alert(1)</script> soldiers resumed patrols.",
        encoding="utf-8",
    )
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["compare", str(evil), str(SEED_B), "--html", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page  # no external assets


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        pytest.param("empty.txt", b"", "empty", id="empty"),
        pytest.param("blank.txt", b"  \n\t\n", "whitespace", id="whitespace-only"),
        pytest.param("nul.txt", b"Troops\x00 resumed patrols.", "binary", id="nul-byte"),
        pytest.param("img.png", bytes(range(256)) * 8, "binary", id="binary"),
    ],
)
def test_compare_bad_input_one_line_error(
    tmp_path: Path, name: str, data: bytes, needle: str
) -> None:
    bad = _bad(tmp_path, name, data)
    result = runner.invoke(app, ["compare", str(bad), str(SEED_B)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0].lower()
    assert "Traceback" not in result.output


def test_compare_missing_file_and_directory(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["compare", str(tmp_path / "nope.txt"), str(SEED_B)])
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr
    directory = runner.invoke(app, ["compare", str(tmp_path), str(SEED_B)])
    assert directory.exit_code == 2 and "directory" in directory.stderr


def test_compare_huge_file_fails_fast(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as fh:  # 50 MB, one line, sparse on disk
        fh.truncate(50 * 1024 * 1024)
    result = runner.invoke(app, ["compare", str(huge), str(SEED_B)])
    assert result.exit_code == 2
    assert "--max-bytes" in result.stderr


def test_compare_legacy_encoding(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(
        "Turkish and Russian soldiers in armoured vehicles have resumed joint ground patrols "
        "in northeastern Syria, the Turkish Defence Ministry said. Türkiye’s café.".encode("cp1252")
    )
    result = runner.invoke(app, ["compare", str(latin), str(SEED_B), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["links"]


def test_bad_option_value_is_usage_error() -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--min-score", "150"])
    assert result.exit_code == 2


@pytest.mark.parametrize("command", ["compare"])
def test_help_has_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "Example: dupwire " + command in result.output


def test_python_dash_m_and_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dupwire", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("dupwire ")


def test_library_import_does_not_load_the_cli() -> None:
    code = "import sys, dupwire.align; print('typer' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
