"""The growth table (benchmarks/growth.py): cost per stage as N grows, from several runs of
the pipeline benchmark, read from their --json figures or from their printed output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict

import pytest

from benchmarks.growth import columns, format_growth, load_run, main, parse_printed
from benchmarks.pipeline_report import Report, format_report
from benchmarks.stage import Stage
from tests.conftest import ROOT

MB = 2**20


def made_up_run(n: int, scale: float, rounds: tuple[float, ...] = ()) -> Report:
    """Ours measured twice (passes 1 and 2), Hugo once, stock once, one-story rebuilds."""
    report = Report(n, "synth", stories=n - 4, cores=2)
    for round, factor in ((1, 1.0), (2, 1.25)):
        for stage, wall, rss in (("import", 10.0, 300), ("build", 20.0, 1200), ("index", 8.0, 250)):
            report.stages.append(
                Stage(
                    "ours",
                    stage,
                    wall=wall * scale * factor,
                    user=1.5 * wall * scale * factor,
                    sys=0.25 * wall * scale,
                    peak_rss=int(rss * factor) * MB,
                    note=f"pass {round}: x" if round > 1 else "x",
                    round=round,
                )
            )
    report.stages += [
        Stage("stock", "build", wall=30.0 * scale, user=30.0 * scale, peak_rss=200 * MB),
        Stage("hugo", "build", wall=12.0 * scale, user=18.0 * scale, peak_rss=1300 * MB),
        Stage("hugo", "index", wall=11.0 * scale, user=16.0 * scale, peak_rss=2400 * MB),
        Stage("hugo", "build+related", skipped="--skip hugo"),
    ]
    for round, build in enumerate(rounds, start=1):
        report.stages += [
            Stage(
                "incremental",
                "ours import",
                wall=1.0,
                user=1.0,
                note=f"story {n + round}",
                round=round,
            ),
            Stage(
                "incremental", "ours build+index", wall=build + 2.0, user=1.5 * build, round=round
            ),
        ]
    report.pages = {"ours": int(n * 1.7)}
    report.first_search_browser = {
        "query": "minister",
        "until results total": 300 * 1024,
        "seconds to results": 1.5,
        "until results": {"pagefind wasm": 70 * 1024},
        "after results total": 0,
        "after results": {},
        "status": "made up",
    }
    return report


def test_the_table_gives_each_stage_per_story_and_the_rebuilds_growth():
    small = made_up_run(1004, 1.0, rounds=(4.0, 3.0, 5.0))  # 1,000 stories imported
    large = made_up_run(10004, 8.0, rounds=(22.0, 20.0, 30.0))  # 10,000
    cells = columns(small)
    assert cells["import, wall s"] == "10.00, 12.50"
    # CPU: user + sys = 1.75 × wall in pass 1 (17.5), 1.5 × 12.5 + 2.5 = 21.25 in pass 2
    assert cells["import, CPU s (ms a story)"] == "19.4 (19.38)"
    assert cells["import, dumps/s"] == "100, 80"
    assert cells["build, peak RSS"] == "1,500 MB"  # the larger pass
    assert cells["full pipeline, wall s"] == "38.00, 47.50"
    assert cells["HTML pages"] == "1,706"
    assert cells["one story added, build + index"] == "6.00, 5.00, 7.00: median 6.00"
    assert cells["first search (chromium)"] == "300 KiB"
    assert columns(Report(500, "synth"))["one story added, build + index"] == "not run"

    table = format_growth([large, small])  # smallest N first, whatever the order given
    lines = table.splitlines()
    head = next(line for line in lines if line.startswith("| stage |"))
    assert head.index("1,004 (1,000 imported)") < head.index("10,004 (10,000 imported)")
    assert "| build, CPU s (ms a story) | 38.8 (38.75) | 310.0 (31.00) |" in lines
    # medians 6 s at 1,000 stories and 24 s at 10,000 (22 + 2 s of index): 18 s over 9,000
    assert "the rebuild grows by 2.00 ms for every story in the archive" in table
    assert "CPU ms a story across the runs: import 15.50–19.38" in table


def test_a_printed_report_reads_back_as_the_same_table():
    """The printed output (as pasted into docs/scaling.md) is data too: every figure the
    table uses comes back from the text to the printed precision."""
    report = made_up_run(20004, 2.0, rounds=(18.0, 21.0, 17.0))
    again = parse_printed(format_report(report), "printed")
    assert (again.n, again.corpus, again.stories) == (20004, "synth", 20000)
    assert columns(again) == columns(report)
    assert again.passes("ours") == [1, 2]
    assert again.passes("incremental") == [1, 2, 3]
    assert again.get("hugo", "build+related") is None  # skipped rows are not stages
    # Runs before 2026-12-03 (run M) printed no steal column: they read the same.
    older = re.sub(r"(\d\.\d\dc)\s+\d+\.\d\dc", r"\1", format_report(report))
    assert "c   0.00c" not in older
    assert columns(parse_printed(older)) == columns(report)


def test_the_printed_table_gives_each_stages_system_time_and_older_runs_still_read():
    """The kernel's share of a stage's CPU is printed (it is what file-system churn inflates)
    and read back; runs printed before the sys column existed read the same otherwise."""
    report = made_up_run(20004, 2.0)
    printed = format_report(report)
    assert "   sys s" in printed.splitlines()[printed.splitlines().index("") + 1]
    build = report.get("ours", "build")
    assert build is not None and build.sys == 10.0  # 0.25 × 20 s × scale 2
    row = next(line for line in printed.splitlines() if line.startswith("ours        build "))
    assert f"{build.cpu:>9.2f}{build.sys:>8.2f}" in row
    again = parse_printed(printed).get("ours", "build")
    assert again is not None and (again.sys, round(again.cpu, 2)) == (10.0, build.cpu)
    # the same text without the column (wall, CPU, CPU/wall, peak RSS … as runs printed it)
    wall_cpu, kernel = r"( \d+\.\d\d +\d+\.\d\d)", r" +\d+\.\d\d"
    ratio_rss_other = r"(?= +\d+\.\d\d +\d+ +\d+\.\d\dc)"
    older, rows = re.subn(wall_cpu + kernel + ratio_rss_other, r"\1", printed)
    measured = [stage for stage in report.stages if not stage.skipped]
    assert rows == len(measured) + 3  # every measured row and the three totals
    read = parse_printed(older)
    assert columns(read) == columns(report)
    assert read.get("ours", "build").sys == 0.0  # type: ignore[union-attr]


def test_json_figures_read_back(tmp_path):
    report = made_up_run(1004, 1.0, rounds=(4.0,))
    path = tmp_path / "figures.json"
    path.write_text(json.dumps(asdict(report)), encoding="utf-8")
    assert columns(load_run(path)) == columns(report)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read it"),
        ("{not json", "not valid JSON"),
        ('{"n": 3}', "not the figures of a bench_pipeline run"),
        ("some other log\n", "no 'News archive pipeline benchmark: N=…' line"),
        ("News archive pipeline benchmark: N=5 synth stories (5 imported), x\n", "no stage rows"),
    ],
)
def test_a_run_that_cannot_be_read_is_named_with_the_reason(tmp_path, capsys, content, reason):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(asdict(made_up_run(1004, 1.0))), encoding="utf-8")
    bad = tmp_path / "bad.log"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    assert main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"growth: {bad}: {reason}" in err


def test_growth_runs_the_benchmark_and_prints_the_table(tmp_path):
    """A real run at a tiny N through ``--run`` (Hugo, stock and rebuilds skipped by
    ``--large``): the benchmark's own output, its figures kept, then the table."""
    out = tmp_path / "figures"
    command = [sys.executable, "-m", "benchmarks.growth", "--run", "30", "--large", "1"]
    command += ["--out", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "News archive pipeline benchmark: N=30 synth stories" in done.stdout
    assert (out / "n30.json").is_file()
    report = load_run(out / "n30.json")
    assert report.get("hugo", "build").skipped  # --large 1: Hugo skipped at N=30
    table_row = next(line for line in done.stdout.splitlines() if line.startswith("| build, CPU s"))
    assert float(table_row.split("|")[2].split("(")[1].rstrip(") ")) > 0  # ms a story
    assert "| one story added, build + index | not run |" in done.stdout
