from __future__ import annotations

import csv
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dupwire.cli import app
from dupwire.params import ClusterParams
from dupwire.report import RECORD_FIELDS

from .conftest import FIXTURES, SEED_A, SEED_B

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
        + "\n<script>alert(1)</script> soldiers resumed patrols."
        + "\nA <script>alert(2) tag left open is text, shown escaped.",
        encoding="utf-8",
    )
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["compare", str(evil), str(SEED_B), "--html", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page  # no external assets


def test_a_report_is_written_through_links_pipes_and_devices(tmp_path: Path) -> None:
    # A report replaces a regular file atomically; a symbolic link keeps pointing at its
    # target, which gets the report; a named pipe (or /dev/stdout) is written in place and
    # stays a pipe; a device that refuses the bytes is an error, and stays a device.
    compare = ["compare", str(SEED_A), str(SEED_B), "--html"]
    target = tmp_path / "real.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target.name)
    assert runner.invoke(app, [*compare, str(link)]).exit_code == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("<!DOCTYPE")
    pipe = tmp_path / "pipe.html"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()))
    reader.start()
    written = runner.invoke(app, [*compare, str(pipe)])
    reader.join(timeout=30)
    assert written.exit_code == 0, written.output
    assert got and got[0].startswith(b"<!DOCTYPE html>")
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    full = Path("/dev/full")
    if full.exists() and stat.S_ISCHR(full.stat().st_mode):
        refused = runner.invoke(app, [*compare, str(full)])
        assert refused.exit_code == 2 and "No space left on device" in refused.stderr
        assert stat.S_ISCHR(full.stat().st_mode)


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


def test_compare_two_records_of_records_files(tmp_path: Path) -> None:
    # FILE#ID names one record; the alignment is that of the same texts as text files.
    a_text, b_text = SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps(r) for r in [{"id": "a", "text": a_text}, {"id": 7, "text": "x"}]),
        encoding="utf-8",
    )
    other = tmp_path / "other.csv"
    with other.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=";").writerows([["key", "body"], ["b", b_text]])
    files = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json"])
    records = runner.invoke(
        app,
        [
            "compare",
            f"{feed}#a",
            f"{other}#b",
            "--json",
            "--id-field",
            "key",
            "--text-field",
            "body",
        ],
    )
    assert records.exit_code == 2 and f"{feed} holds no record with key 'a'" in records.stderr
    with other.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=";").writerows([["id", "text"], ["b", b_text]])
    records = runner.invoke(app, ["compare", f"{feed}#a", f"{other}#b", "--json"])
    assert records.exit_code == 0, records.output
    got, expected = json.loads(records.stdout), json.loads(files.stdout)
    assert (got["a_id"], got["b_id"]) == (f"{feed.as_posix()}#a", f"{other.as_posix()}#b")
    assert got["links"] == expected["links"] and got["score"] == expected["score"]
    # A records file named without an id, and an id it does not hold: one line each.
    whole = runner.invoke(app, ["compare", str(feed), str(SEED_B)])
    assert whole.exit_code == 2
    assert "is a file of records, not an article; name one record as FILE#ID" in whole.stderr
    assert f"{feed}#a, {feed}#7" in whole.stderr
    missing = runner.invoke(app, ["compare", f"{feed}#b", str(SEED_B)])
    assert missing.exit_code == 2 and "holds no record with id 'b'" in missing.stderr
    # A file whose name holds a # is that file.
    hashed = tmp_path / "issue#3.txt"
    hashed.write_text(a_text, encoding="utf-8")
    same = runner.invoke(app, ["compare", str(hashed), str(SEED_B), "--json"])
    assert json.loads(same.stdout)["score"] == expected["score"]


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


@pytest.mark.parametrize("command", ["compare", "cluster", "eval"])
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


# --- cluster ------------------------------------------------------------------------------


def _seed_dir(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SEED_A.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "b.md").write_text(SEED_B.read_text(encoding="utf-8"), encoding="utf-8")
    return corpus


def test_cluster_seeds_together() -> None:
    result = runner.invoke(app, ["cluster", str(SEED_A.parent), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "dupwire.clustering/2"
    assert doc["n_clusters"] == 1
    assert sorted(doc["clusters"][0]["members"]) == sorted([SEED_A.name, SEED_B.name])
    defaults = ClusterParams()
    assert doc["params"]["seed"] == defaults.seed
    assert doc["params"]["num_perm"] == defaults.num_perm


def test_cluster_lists_failures_and_skipped_files(tmp_path: Path) -> None:
    corpus = _seed_dir(tmp_path)
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = runner.invoke(app, ["cluster", str(corpus), "--jsonl"])
    assert result.exit_code == 1  # done, but one article could not be read
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {r["id"]: r for r in records}
    photo = (corpus / "photo.jpg").as_posix()
    assert set(by_id) == {"a.txt", "b.md", "empty.txt", photo}
    assert by_id["empty.txt"]["relation"] == "failed" and "empty" in by_id["empty.txt"]["error"]
    assert by_id[photo]["relation"] == "skipped" and "not a .txt" in by_id[photo]["error"]
    assert by_id["a.txt"]["cluster_id"] == by_id["b.md"]["cluster_id"] is not None
    assert "empty.txt" in result.stderr
    assert "photo.jpg" in result.stderr  # skipped files are reported on stderr too


def test_cluster_jsonl_stdin_with_bad_lines() -> None:
    text_a = SEED_A.read_text(encoding="utf-8")
    text_b = SEED_B.read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "a", "text": text_a}),
        "{not json",
        json.dumps({"id": "b", "text": text_b}),
        json.dumps({"text": "no id here"}),
    ]
    result = runner.invoke(app, ["cluster", "-", "--csv"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    rows = result.stdout.splitlines()
    assert rows[0] == ",".join(RECORD_FIELDS)
    assert len(rows) == 1 + 4  # every input line accounted for
    assert sum(",failed," in row for row in rows) == 2
    # The CSV keeps each reason whole; the notes and the terminal list name a broken line
    # once, beside its reason.
    assert "<stdin>:2: not valid JSON" in result.stdout
    shown = runner.invoke(app, ["cluster", "-"], input="\n".join(lines) + "\n")
    assert shown.exit_code == 1
    assert "failed article <stdin>:2: not valid JSON" in shown.output
    assert "<stdin>:2  not valid JSON" in shown.output
    assert "<stdin>:2: <stdin>:2" not in shown.output


def test_cluster_output_is_independent_of_input_order(tmp_path: Path) -> None:
    records = [
        json.loads(x)
        for x in (Path(__file__).parent.parent / "fixtures" / "ecbplus" / "dev.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[:60]
    ]
    forward = tmp_path / "f.jsonl"
    backward = tmp_path / "b.jsonl"
    forward.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    backward.write_text("".join(json.dumps(r) + "\n" for r in reversed(records)), encoding="utf-8")
    out_f = runner.invoke(app, ["cluster", str(forward), "--jsonl"])
    out_b = runner.invoke(app, ["cluster", str(backward), "--jsonl"])
    assert out_f.exit_code == out_b.exit_code == 0
    forward_records = [json.loads(line) for line in out_f.stdout.splitlines()]
    backward_records = [json.loads(line) for line in out_b.stdout.splitlines()]
    # Records come in input order; the clusters, ids and representatives do not depend on it.
    assert [r["id"] for r in forward_records] == [str(r["id"]) for r in records]
    assert [r["id"] for r in backward_records] == [str(r["id"]) for r in reversed(records)]
    assert sorted(forward_records, key=lambda r: r["id"]) == sorted(
        backward_records, key=lambda r: r["id"]
    )


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        pytest.param("empty-dir", "holds no .txt, .md or .html", id="empty-directory"),
        pytest.param("missing", "no such file", id="missing-path"),
        pytest.param("pdf", "does not read .pdf", id="unknown-file-type"),
    ],
)
def test_cluster_unusable_input(tmp_path: Path, setup: str, needle: str) -> None:
    if setup == "empty-dir":
        target = tmp_path / "empty"
        target.mkdir()
    elif setup == "missing":
        target = tmp_path / "nowhere"
    else:
        target = tmp_path / "paper.pdf"
        target.write_bytes(b"%PDF-1.4")
    result = runner.invoke(app, ["cluster", str(target)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_cluster_keeps_one_article_of_an_id_read_twice(tmp_path: Path) -> None:
    # A feed's item in two daily files: the first by file and line is clustered, the other
    # is a failed record naming it, and the run goes on (exit 1: some inputs failed).
    day1, day2 = tmp_path / "2024-05-01.jsonl", tmp_path / "2024-05-02.jsonl"
    seed_a = SEED_A.read_text(encoding="utf-8")
    day1.write_text(json.dumps({"id": "a1", "text": seed_a}) + "\n", encoding="utf-8")
    day2.write_text(
        json.dumps({"id": "b1", "text": SEED_B.read_text(encoding="utf-8")})
        + "\n"
        + json.dumps({"id": "a1", "text": seed_a})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["cluster", str(day2), str(day1), "--json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    records = {r["id"]: r for r in doc["records"]}
    assert records["a1"]["cluster_id"] == records["b1"]["cluster_id"] == 0
    (failure,) = doc["failures"]
    assert failure["id"] == f"{day2.as_posix()}:2"
    assert f"is also the id of {day1.as_posix()}:1" in failure["reason"]


def test_cluster_says_when_it_likely_needs_more_memory_than_there_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dupwire.cli
    from dupwire.cluster.pipeline import expected_peak_bytes
    from dupwire.io import load_corpus

    corpus = _seed_dir(tmp_path)
    need = expected_peak_bytes(sum(len(a.text) for a in load_corpus([corpus]).articles))
    for available, said in ((need - 1, True), (need, False), (None, False)):
        monkeypatch.setattr(dupwire.cli, "_available_memory", lambda a=available: a)
        result = runner.invoke(app, ["cluster", str(corpus)])
        assert result.exit_code == 0, result.output
        assert ("of memory at its peak, more than the" in result.stderr) == said
    # The estimate follows the benchmark: about 10 bytes a character over 300 MB.
    assert need == 300 * 2**20 + 10 * sum(len(p.read_text("utf-8")) for p in corpus.iterdir())


def test_cluster_html_report(tmp_path: Path) -> None:
    corpus = _seed_dir(tmp_path)
    report = tmp_path / "clusters.html"
    result = runner.invoke(app, ["cluster", str(corpus), "--html", str(report)])
    assert result.exit_code == 0, result.output
    page = report.read_text(encoding="utf-8")
    assert "Cluster 0" in page and "same story" in page
    assert "Leave a Reply" in page and "site furniture set aside" in page  # listed apart


def test_cluster_rejects_two_formats() -> None:
    result = runner.invoke(app, ["cluster", str(SEED_A.parent), "--json", "--csv"])
    assert result.exit_code == 2


def test_eval_prints_scores(tmp_path: Path, ecb_records: list[dict[str, object]]) -> None:
    subset = [r for r in ecb_records if r["topic"] in (1, 3)]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in subset), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path), "--label-field", "event", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["n_items"] == len(subset)
    assert doc["ari"] > 0.5
    missing = runner.invoke(app, ["eval", str(path), "--label-field", "nope"])
    assert missing.exit_code == 2 and "--label-field" in missing.stderr


def test_package_does_not_shadow_its_modules() -> None:
    import dupwire.align
    import dupwire.cluster

    assert callable(dupwire.align.align)
    assert callable(dupwire.cluster.cluster)


def test_cluster_reads_dates_and_honours_the_window(tmp_path: Path) -> None:
    text_a = SEED_A.read_text(encoding="utf-8")
    text_b = SEED_B.read_text(encoding="utf-8")
    path = tmp_path / "dated.jsonl"
    rows = [
        {"id": "a", "text": text_a, "published": "2019-10-31T10:00:00Z"},
        {"id": "b", "text": text_b, "date": "2019-11-02"},
        {"id": "c", "text": "A short note on markets.", "date": "not a date"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(path), "--jsonl"])
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert records["a"]["date"] == "2019-10-31"
    assert records["b"]["cluster_first_date"] == "2019-10-31"
    assert records["b"]["cluster_last_date"] == "2019-11-02"
    assert records["c"]["date"] is None and "ISO 8601" in records["c"]["warning"]
    assert "warning: c:" in result.stderr
    apart = runner.invoke(app, ["cluster", str(path), "--jsonl", "--window", "1"])
    relations = {json.loads(line)["relation"] for line in apart.stdout.splitlines()}
    assert relations == {"singleton"}
    assert "changed nothing" not in apart.stderr
    # A window over articles none of which has a date says so, naming the field read.
    undated = runner.invoke(app, ["cluster", str(SEED_A), str(SEED_B), "--window", "1"])
    assert undated.exit_code == 0, undated.output
    assert "note: --window 1 changed nothing: no article has a date in its 'date' field" in (
        " ".join(undated.stderr.split())
    )


def test_cluster_workers_change_nothing_but_time() -> None:
    ecb = Path(__file__).parent.parent / "fixtures" / "ecbplus" / "dev.jsonl"
    args = ["cluster", str(ecb), "--jsonl", "--fields", "event"]
    one = runner.invoke(app, [*args, "--workers", "1"])
    two = runner.invoke(app, [*args, "--workers", "2"])  # 575 articles: one alone by default
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    assert one.stdout == two.stdout
    assert len(one.stdout.splitlines()) == 575
    refused = runner.invoke(app, [*args, "--workers", "0"])
    assert refused.exit_code == 2 and "--workers" in refused.output


# --- terminal and machine outputs ---------------------------------------------------------


def test_piped_compare_marks_changed_words() -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B)])
    assert result.exit_code == 0
    assert "[-soldiers-]{+troops+}" in result.output
    assert "\x1b[" not in result.output
    never = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--color", "never"])
    assert never.output == result.output
    always = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--color", "always"])
    assert "\x1b[" in always.output and "[-soldiers-]" not in always.output


def test_only_in_passages_are_shown_whole() -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B)])
    from dupwire.align import align

    al = align(SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8"))
    longest = max((s.slice(al.b_text) for s in al.only_b), key=len)
    assert len(longest) > 200
    assert " ".join(longest.split()) in result.output


def test_explain_lists_the_shared_names_and_figures() -> None:
    result = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--explain"])
    assert result.exit_code == 0
    assert "why they are similar" in result.output
    assert "erdogan" in result.output and "344" in result.output
    doc = json.loads(
        runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--explain", "--json"]).stdout
    )
    words = dict(doc["shared_words"])
    assert words["erdogan"] > words["ground"] > 0


def test_old_min_score_spelling_still_works() -> None:
    new = runner.invoke(
        app, ["compare", str(SEED_A), str(SEED_B), "--json", "--min-passage-score", "60"]
    )
    old = runner.invoke(app, ["compare", str(SEED_A), str(SEED_B), "--json", "--min-score", "60"])
    assert new.exit_code == old.exit_code == 0
    assert new.stdout == old.stdout
    assert json.loads(new.stdout)["params"]["min_score"] == 60
    high = runner.invoke(app, ["cluster", str(SEED_A.parent), "--jsonl", "--min-score", "99"])
    assert all(json.loads(line)["relation"] == "singleton" for line in high.stdout.splitlines())


@pytest.mark.parametrize("command", ["compare", "cluster", "eval"])
def test_help_has_no_type_labels(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    for label in ("<bool>", "<path>", "<str>", "<int", "<float", "list[str]"):
        assert label not in result.output, label
    assert "--min-score" not in result.output  # the old spelling is accepted, not advertised


def test_piped_cluster_lists_each_id_once_and_whole() -> None:
    result = runner.invoke(app, ["cluster", str(SEED_A.parent)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for name in (SEED_A.name, SEED_B.name):
        assert sum(name in line for line in lines) == 1
    assert "Türkiye, Russia resume joint military patrols in Syria" in result.output


def test_records_carry_title_and_requested_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    rows = [
        {"id": "b", "text": SEED_B.read_text(encoding="utf-8"), "title": "Seed B", "url": "u-b"},
        {"id": "a", "text": SEED_A.read_text(encoding="utf-8"), "url": "u-a", "n": 3},
        {"id": "c", "text": ""},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(path), "--jsonl", "--fields", "url,n"])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["b", "a", "c"]  # input order
    assert records[0]["title"] == "Seed B"
    assert records[1]["title"] == "Türkiye, Russia resume joint military patrols in Syria"
    assert [(r["url"], r["n"]) for r in records] == [("u-b", None), ("u-a", 3), (None, None)]
    csv_out = runner.invoke(app, ["cluster", str(path), "--csv", "--fields", "url"])
    assert csv_out.stdout.splitlines()[0].endswith(",error,url")
    clash = runner.invoke(app, ["cluster", str(path), "--fields", "relation"])
    assert clash.exit_code == 2 and "already a record field" in clash.stderr
    assert "no article has" not in result.stderr
    # A name no article has (a typo) still gives its column, with a note naming the fields.
    typo = runner.invoke(app, ["cluster", str(path), "--jsonl", "--fields", "ulr"])
    assert typo.exit_code == 1  # the empty text failed
    assert [json.loads(line)["ulr"] for line in typo.stdout.splitlines()] == [None] * 3
    assert "note: --fields 'ulr': no article has this field; they have 'n', 'title', 'url'" in (
        " ".join(typo.stderr.split())
    )


def test_an_article_without_line_breaks_shows_a_short_headline(tmp_path: Path) -> None:
    """A text of one 2 MB line is listed with its first words, not the whole line, in the
    piped view and in the records."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (SEED_A, SEED_B):
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "one-line.txt").write_text("Quarterly figures filed " * 90_000, encoding="utf-8")
    shown = runner.invoke(app, ["cluster", str(folder)])
    assert shown.exit_code == 0, shown.output[:500]
    (line,) = [x for x in shown.output.splitlines() if "one-line.txt" in x]
    assert "Quarterly figures filed" in line and line.endswith("…")
    assert max(map(len, shown.output.splitlines())) < 400
    records = runner.invoke(app, ["cluster", str(folder), "--jsonl"])
    titles = {r["id"]: r["title"] for r in map(json.loads, records.stdout.splitlines())}
    title = titles["one-line.txt"]
    assert len(title) <= 300 and title.endswith("…")
    assert title[:-1].split()[-1] in {"Quarterly", "figures", "filed"}  # cut at a word


def test_compare_lists_a_long_unsplit_unit_cut(tmp_path: Path) -> None:
    """A text without sentence ends (120,000 characters, cut into pieces of at most 20,000) is
    listed as only in A with each piece cut, not printed whole."""
    long = tmp_path / "long.txt"
    long.write_text("Quarterly figures filed " * 5_000, encoding="utf-8")
    shown = runner.invoke(app, ["compare", str(long), str(SEED_A)], terminal_width=100)
    assert shown.exit_code == 0, shown.output[:300]
    assert "only in A (7)" in shown.output and shown.output.count("…") == 7
    assert len(shown.output) < 20_000


def test_directory_records_come_in_sorted_walk_order(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "z.txt").write_text(SEED_A.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "sub" / "m.txt").write_text(SEED_B.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "a.txt").write_text("Markets rose on Friday in Asian trading.", encoding="utf-8")
    result = runner.invoke(app, ["cluster", str(corpus), "--jsonl"])
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "a.txt",
        "sub/m.txt",
        "z.txt",
    ]


# Run as a script: ``dupwire cluster`` on ECB+ with two scanning workers, held in the middle
# of the scan (the first part merged, the workers done with theirs and waiting for more)
# until Ctrl-C comes.
_HELD_SCAN = """
import sys, time
import dupwire.cluster.scan as scan
merge = scan.merge_parts
def held(parts, total, progress=None):
    parts = iter(parts)
    first = next(parts)
    print("scanning", flush=True)
    time.sleep(120)
    return merge([first, *parts], total, progress)
scan.merge_parts = held
from dupwire.cli import main
sys.argv = ["dupwire", "cluster", sys.argv[1], "--workers", "2"]
main()
"""


def test_ctrl_c_in_the_scan_stops_the_workers_and_says_interrupted(tmp_path: Path) -> None:
    # Ctrl-C from a terminal reaches the whole process group, the workers too: a worker
    # waiting for work used to die on it, and the pool's shutdown then waited for ever.
    proc = subprocess.Popen(
        [sys.executable, "-c", _HELD_SCAN, str(FIXTURES / "ecbplus" / "dev.jsonl")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "scanning\n"
        time.sleep(2.0)  # the workers finish their parts and wait
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err.strip() == "interrupted"


def test_fields_nested_in_objects_on_the_command_line(tmp_path: Path) -> None:
    # Records as a news API writes them: the outlet and the label inside objects.
    seeds = [SEED_A, SEED_B]
    path = tmp_path / "news.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "url": f"https://example.com/{k}",
                    "content": seed.read_text(encoding="utf-8"),
                    "source": {"id": None, "name": name},
                    "labels": {"story": "patrols"},
                }
            )
            + "\n"
            for k, (seed, name) in enumerate(zip(seeds, ["Reuters", "BBC"], strict=True))
        ),
        encoding="utf-8",
    )
    fields = ["--id-field", "url", "--text-field", "content", "--source-field", "source.name"]
    extra = ["--fields", "source,labels.story"]
    result = runner.invoke(app, ["cluster", str(path), *fields, "--jsonl", *extra])
    assert result.exit_code == 0, result.output
    assert "no article has this field" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["source"], r["labels.story"], r["cluster_id"]) for r in records] == [
        ("https://example.com/0", "Reuters", "patrols", 0),
        ("https://example.com/1", "BBC", "patrols", 0),
    ]
    result = runner.invoke(app, ["eval", str(path), *fields, "--label-field", "labels.story"])
    assert result.exit_code == 0, result.output
    assert "ARI" in result.stdout or "ari" in result.stdout


def _dupwire(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "dupwire", *args],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )


def test_standard_input_compressed_as_an_array_or_not_json_at_all() -> None:
    import bz2
    import gzip
    import lzma

    records = [
        {"id": "a", "text": SEED_A.read_text(encoding="utf-8")},
        {"id": "b", "text": SEED_B.read_text(encoding="utf-8")},
    ]
    lines = "".join(json.dumps(r) + "\n" for r in records).encode()
    for data in (lines, gzip.compress(lines), bz2.compress(lines), lzma.compress(lines)):
        done = _dupwire(["cluster", "-", "--jsonl"], data)
        assert done.returncode == 0, done.stderr
        got = [json.loads(line) for line in done.stdout.splitlines()]
        assert [(r["id"], r["cluster_id"]) for r in got] == [("a", 0), ("b", 0)]
    done = _dupwire(["cluster", "-", "--jsonl"], json.dumps(records).encode())
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["a", "b"]
    # An article's text piped in is one failure, not one per line.
    done = _dupwire(["cluster", "-", "--jsonl"], SEED_A.read_bytes())
    assert done.returncode == 1
    (failed,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert failed["id"] == "<stdin>" and "not JSON Lines (it starts with 'T'" in failed["error"]
    # A stream cut short keeps the records before the cut.
    cut = gzip.compress(lines * 3)[:-30]
    done = _dupwire(["cluster", "-", "--jsonl"], cut)
    assert done.returncode == 1
    assert b"<stdin>: the gzip file ends before its end mark" in done.stderr


def test_compare_reads_one_text_from_standard_input() -> None:
    done = _dupwire(["compare", "-", str(SEED_B), "--json"], SEED_A.read_bytes())
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["a_id"], doc["verdict"]) == ("<stdin>", "same_story")
    file_doc = json.loads(_dupwire(["compare", str(SEED_A), str(SEED_B), "--json"], b"").stdout)
    assert doc["links"] == file_doc["links"]
    done = _dupwire(["compare", "-", "-"], b"")
    assert done.returncode == 2 and b"can be only one of the two articles" in done.stderr


def _at_a_terminal(args: list[str], typed: bytes) -> subprocess.CompletedProcess[str]:
    """``dupwire ARGS`` with a terminal (a pty) as standard input, ``typed`` at it, then
    Ctrl-D."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dupwire", *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    try:
        if typed:
            os.write(master, typed)
            time.sleep(0.5)
        os.write(master, b"\x04")  # Ctrl-D
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_cluster_stdin_at_a_terminal_says_how_to_end_and_ends_at_ctrl_d() -> None:
    # A terminal's Ctrl-D ends the input once: what reads standard input must not read on.
    line = json.dumps({"id": "a", "text": SEED_A.read_text(encoding="utf-8")[:300]})
    done = _at_a_terminal(["cluster", "-"], (line.replace("\n", " ") + "\n").encode())
    assert done.returncode == 0, done.stderr
    assert "end with Ctrl-D" in done.stderr
    assert "1 article · 0 story clusters · 1 singleton" in done.stdout
    nothing = _at_a_terminal(["cluster", "-"], b"")
    assert nothing.returncode == 2 and "holds no articles" in nothing.stderr


@pytest.mark.parametrize(("n_bad", "shown"), [(3, 3), (12, 5)])
def test_notes_of_one_kind_are_shown_a_few_times_then_counted(
    tmp_path: Path, n_bad: int, shown: int
) -> None:
    # A feed whose dates are all in a form that is not read (day and month in an order no
    # reader can tell) says so a few times, then counts the rest: one line per article
    # would bury the output of a large run. --json still gives each article its warning.
    records = [json.loads(x) for x in (FIXTURES / "ecbplus" / "dev.jsonl").open()][:20]
    feed = tmp_path / "feed.jsonl"
    with feed.open("w", encoding="utf-8") as out:
        for k, r in enumerate(records):
            date = f"{k % 12 + 1:02d}/03/2024" if k < n_bad else "2024-03-05"
            out.write(json.dumps({"id": r["id"], "text": r["text"], "date": date}) + "\n")
    result = runner.invoke(app, ["cluster", str(feed), "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    warned = [x for x in lines if x.startswith("warning:") and "treated as undated" in x]
    assert len(warned) == shown
    counted = [x for x in lines if "more not shown" in x]
    if n_bad > shown:
        (line,) = counted
        head = f"warning: {n_bad - shown} more not shown (--json lists each), like: date '"
        assert line.startswith(head) and "/03/2024' gives the day and the month in numbers" in line
    else:
        assert counted == []
    doc = json.loads(result.stdout)
    assert sum(r["warning"] is not None for r in doc["records"]) == n_bad
    # The next command counts afresh.
    again = runner.invoke(app, ["cluster", str(feed), "--json"])
    assert again.stderr == result.stderr
