"""Cost per stage as the archive grows: one table from several pipeline benchmark runs.

::

    python -m benchmarks.growth RUN [RUN ...]
    python -m benchmarks.growth --run 1000,10000,20000,100000 [--out DIR] [--large 50000]

A ``RUN`` is what ``benchmarks/bench_pipeline.py`` left of one run: the figures it wrote with
``--json FILE``, or its printed output saved to a file (the printed outputs in
``docs/scaling.md`` are such files once pasted out). ``--run`` runs the benchmark once per N,
one after the other (each run's whole output is printed as it comes; its figures are kept
in ``--out``, a new temporary folder by default), then prints the table. From ``--large`` on
(default 50,000) a run skips Hugo, stock Pelican and the one-story rebuilds, as every
100,000-story run in the scaling note did.

The table gives, for our pipeline at each N: each stage's wall time per pass, CPU time (the
mean of the passes) and CPU milliseconds per imported story, peak RSS (the largest pass),
the import's rate, the pages written, the one-story rebuilds and their median, and the bytes
of a first search in chromium; then how much each further story in the archive adds to a
one-story rebuild (the slope between the smallest and the largest N that measured one).
Nothing here is asserted against a bar: ``bench_pipeline`` prints the bars.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from benchmarks.pipeline_report import Report
from benchmarks.stage import ROOT, Stage

STAGES = ("import", "build", "index")
LARGE = 50_000


class GrowthError(Exception):
    """A run cannot be read: the message names the file and the reason."""


# --- Reading runs ------------------------------------------------------------------------------


def load_run(path: Path) -> Report:
    """A run's figures, from ``--json`` output or from the printed report."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GrowthError(f"{path}: cannot read it ({exc})") from None
    if text.lstrip().startswith("{"):
        return _from_json(path, text)
    return parse_printed(text, str(path))


def _from_json(path: Path, text: str) -> Report:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise GrowthError(f"{path}: not valid JSON ({exc})") from None
    known = {f.name for f in fields(Report)}
    if not isinstance(data, dict) or not {"n", "corpus", "stages"} <= data.keys():
        raise GrowthError(f"{path}: not the figures of a bench_pipeline run (--json)")
    try:
        stages = [Stage(**s) for s in data["stages"]]
        return Report(
            **{k: v for k, v in data.items() if k in known and k != "stages"}, stages=stages
        )
    except TypeError as exc:
        raise GrowthError(f"{path}: not the figures of a bench_pipeline run ({exc})") from None


_HEAD = re.compile(r"News archive pipeline benchmark: N=(\d+) (\S+) stories \((\d+) imported\)")
_ROW = re.compile(
    r"^(ours|stock|hugo|incremental)\s+(import|build\+related|build|index|ours import|"
    r"ours build\+index|ours build|ours index)"
    # wall, CPU, sys (printed since 2026-12-07: optional), CPU/wall, peak RSS (an integer,
    # which tells the two layouts apart), other CPU, steal (printed since run M, 2026-12-03)
    r"\s+(\d+\.\d+)\s+(\d+\.\d+)(?:\s+(\d+\.\d+))?\s+\d+\.\d+\s+(\d+)\s+(\d+\.\d+)c"
    r"(?:\s+(\d+\.\d+)c)?(?:  (.*))?$"
)
_PAGES = re.compile(r"^output: ours (\d+) HTML pages")
_BROWSER = re.compile(r"^first search in chromium for .*?: (\d+) KiB until the first results")


def parse_printed(text: str, name: str = "output") -> Report:
    """A Report rebuilt from ``format_report``'s text: stages (wall, CPU, peak RSS, passes,
    rounds), pages and the first search; the rest of the figures are not needed here.
    CPU comes back as ``user`` and ``sys`` (as ``user`` alone from runs that printed no sys
    column), peak RSS to the megabyte."""
    head = _HEAD.search(text)
    if head is None:
        raise GrowthError(f"{name}: no 'News archive pipeline benchmark: N=…' line")
    report = Report(int(head.group(1)), head.group(2), stories=int(head.group(3)))
    incremental_round = 0
    for line in text.splitlines():
        pages = _PAGES.match(line)
        if pages:
            report.pages["ours"] = int(pages.group(1))
        browser = _BROWSER.match(line)
        if browser:
            report.first_search_browser = {"until results total": int(browser.group(1)) * 1024}
        row = _ROW.match(line)
        if row is None:
            continue
        system, stage, wall, cpu, kernel, rss, other, steal, note = row.groups()
        kernel_s = float(kernel or 0)
        note = note or ""
        if system == "incremental":
            if stage == "ours import":
                incremental_round += 1
            round = max(incremental_round, 1)
        else:
            passed = re.match(r"pass (\d+):", note)
            round = int(passed.group(1)) if passed else 1
        wall_s = float(wall)
        report.stages.append(
            Stage(
                system,
                stage,
                wall=wall_s,
                user=float(cpu) - kernel_s,
                sys=kernel_s,
                peak_rss=int(rss) * 2**20,
                other_cpu=float(other) * wall_s,
                steal=float(steal or 0) * wall_s,
                note=note,
                round=round,
            )
        )
    if not report.stages:
        raise GrowthError(f"{name}: no stage rows (is it bench_pipeline's printed output?)")
    return report


# --- The table ---------------------------------------------------------------------------------


def _stage_rows(report: Report, stage: str) -> list:
    return [
        s
        for r in report.passes("ours") or [1]
        if (s := report.get("ours", stage, r)) is not None and not s.skipped
    ]


def _walls(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) if values else "—"


def ms_a_story(report: Report, *stages: str) -> float | None:
    """CPU milliseconds per imported story of our ``stages`` (the mean of the passes)."""
    cpu = report.cpu("ours", *stages)
    return None if cpu is None or not report.stories else cpu / report.stories * 1000


def _per_story(report: Report, *stages: str) -> str:
    ms = ms_a_story(report, *stages)
    return "—" if ms is None else f"{report.cpu('ours', *stages):.1f} ({ms:.2f})"


def _mb(rows: Sequence[Stage]) -> str:
    return f"{max(s.peak_rss for s in rows) / 2**20:,.0f} MB" if rows else "—"


def columns(report: Report) -> dict[str, str]:
    """One run's cells, by row label."""
    cells: dict[str, str] = {}
    stories = report.stories
    for stage in STAGES:
        rows = _stage_rows(report, stage)
        cells[f"{stage}, wall s"] = _walls([s.wall for s in rows])
        cells[f"{stage}, CPU s (ms a story)"] = _per_story(report, stage)
        cells[f"{stage}, peak RSS"] = _mb(rows)
        if stage == "import":
            rates = [stories / s.wall for s in rows if s.wall]
            cells["import, dumps/s"] = ", ".join(f"{r:.0f}" for r in rates) or "—"
    totals = [report.total("ours", STAGES, "wall", r) for r in report.passes("ours") or [1]]
    cells["full pipeline, wall s"] = _walls([t for t in totals if t is not None])
    cells["full pipeline, CPU s (ms a story)"] = _per_story(report, *STAGES)
    pages = report.pages.get("ours")
    cells["HTML pages"] = f"{pages:,}" if pages else "—"
    walls = report.incremental_walls()
    cells["one story added, build + index"] = (
        f"{_walls(walls)}: median {report.incremental_wall():.2f}" if walls else "not run"
    )
    shown = report.first_search_browser.get("until results total")
    cells["first search (chromium)"] = f"{shown / 1024:.0f} KiB" if shown else "—"
    return cells


def rebuild_slope(reports: Sequence[Report]) -> tuple[Report, Report, float] | None:
    """Seconds a one-story rebuild grows by per story in the archive, between the smallest and
    the largest run that measured one (None with fewer than two such runs)."""
    measured = [r for r in reports if r.incremental_wall() is not None and r.stories]
    if len(measured) < 2:
        return None
    small = min(measured, key=lambda r: r.stories)
    large = max(measured, key=lambda r: r.stories)
    if large.stories == small.stories:
        return None
    slope = (large.incremental_wall() - small.incremental_wall()) / (large.stories - small.stories)
    return small, large, slope


def format_growth(reports: Sequence[Report], names: Sequence[str] | None = None) -> str:
    """The table, one column per run, smallest N first (Markdown, so it pastes into docs)."""
    order = sorted(range(len(reports)), key=lambda i: (reports[i].stories, i))
    runs = [reports[i] for i in order]
    cells = [columns(r) for r in runs]
    heads = [
        f"{r.n:,} ({r.stories:,} imported)" + (f" {names[i]}" if names else "")
        for r, i in zip(runs, order, strict=True)
    ]
    labels = list(cells[0]) if cells else []
    out = [
        "cost per stage as N grows (ours; CPU: the mean of the passes, in brackets CPU ms per"
        " imported story; peak RSS: the largest pass)",
        "",
        "| stage | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(heads),
    ]
    out += [f"| {label} | " + " | ".join(c[label] for c in cells) + " |" for label in labels]
    slope = rebuild_slope(runs)
    if slope is not None:
        small, large, seconds = slope
        out += [
            "",
            f"one story added: the rebuild grows by {seconds * 1000:.2f} ms for every story in"
            f" the archive (medians {small.incremental_wall():.2f} s at {small.stories:,}"
            f" stories, {large.incremental_wall():.2f} s at {large.stories:,})",
        ]
    per_story = {
        stage: [ms for report in runs if (ms := ms_a_story(report, stage)) is not None]
        for stage in STAGES
    }
    if len(runs) > 1 and all(per_story.values()):
        spread = ", ".join(f"{stage} {min(v):.2f}–{max(v):.2f}" for stage, v in per_story.items())
        out.append(f"CPU ms a story across the runs: {spread}")
    return "\n".join(out)


# --- Running the benchmark -----------------------------------------------------------------------


def run_benchmarks(sizes: Sequence[int], out: Path, large: int) -> list[Path]:
    """``bench_pipeline`` once per N, one after the other; its output passes through."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n in sizes:
        figures = out / f"n{n}.json"
        command = [sys.executable, "-m", "benchmarks.bench_pipeline", "--n", str(n)]
        command += ["--json", str(figures)]
        if n >= large:
            command += ["--skip", "hugo,stock,incremental"]
        print(f"growth: {' '.join(command[1:])}", flush=True)
        done = subprocess.run(command, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise GrowthError(f"bench_pipeline --n {n} failed (exit status {done.returncode})")
        written.append(figures)
    return written


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"numbers of stories must be at least 1: {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.growth",
        description="Cost per stage as the archive grows, from several bench_pipeline runs.",
    )
    parser.add_argument(
        "runs", nargs="*", type=Path, help="a run's --json figures or its printed output"
    )
    parser.add_argument(
        "--run", type=_sizes, metavar="N,N,…", help="run bench_pipeline at each N first"
    )
    parser.add_argument("--out", type=Path, help="where --run keeps each run's figures")
    parser.add_argument(
        "--large",
        type=int,
        default=LARGE,
        help=f"from this N on, --run skips Hugo, stock Pelican and the one-story rebuilds "
        f"(default: {LARGE})",
    )
    args = parser.parse_args(argv)
    if not args.runs and not args.run:
        parser.error("give runs to read, or --run N,N,…")
    try:
        paths = list(args.runs)
        if args.run:
            out = args.out or Path(tempfile.mkdtemp(prefix="growth-"))
            paths += run_benchmarks(args.run, out, args.large)
            print(f"growth: the runs' figures are in {out}")
        reports = [load_run(p) for p in paths]
    except GrowthError as exc:
        print(f"growth: {exc}", file=sys.stderr)
        return 2
    print()
    print(format_growth(reports, [p.name for p in paths]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
