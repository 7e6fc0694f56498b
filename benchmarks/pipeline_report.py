"""The pipeline benchmark's figures and how they are printed: per-stage rows, totals, the
ratios against Hugo + Pagefind and stock Pelican, and the issue's bars (printed, never asserted)."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.stage import Stage

SYSTEMS = ("ours", "stock", "hugo")

# The bars (printed, never asserted).
BAR_20K_RSS = 2 * 2**30
BAR_100K_RSS = 8 * 2**30
BAR_100K_WALL = 600.0
BAR_INCREMENTAL_WALL = 10.0
BAR_FIRST_SEARCH = 2**20
BAR_IMPORT_RATE = 200.0
# The one-story rebuild: one `pelican` that indexes at the end (as `make html` runs), or,
# in runs before 2026-12-07, a build and an index in processes of their own.
INCREMENTAL_ONE = ("ours build+index",)
INCREMENTAL_TWO = ("ours build", "ours index")


@dataclass(slots=True)
class Report:
    n: int
    corpus: str
    stories: int = 0  # imported
    started: str = ""
    machine: str = ""
    cores: int = 0  # os.cpu_count() of the machine measured; 0: unknown
    # CPU seconds a story of the import's own work, in one process with nothing written
    # (benchmarks/import_work.py); 0: not measured.
    import_work: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)
    indexer: str = ""
    prep: dict[str, float] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)
    output_mb: dict[str, float] = field(default_factory=dict)
    first_search: dict[str, dict[str, int]] = field(default_factory=dict)
    # Measured in chromium on our search page (benchmarks/first_search.py); {} when skipped.
    first_search_browser: dict[str, object] = field(default_factory=dict)
    profile: list[str] = field(default_factory=list)

    def get(self, system: str, name: str, round: int = 1) -> Stage | None:
        return next(
            (s for s in self.stages if (s.system, s.name, s.round) == (system, name, round)),
            None,
        )

    def incremental_walls(self) -> list[float]:
        """Build + index wall time of each story added in turn (one per round): one
        ``pelican`` that indexes at the end, or (runs before 2026-12-07) a build and an
        index each in a process of its own."""
        walls = [self.incremental_total("wall", r) for r in self.passes("incremental")]
        return [w for w in walls if w is not None]

    def incremental_total(self, what: str, round: int) -> float | None:
        one = self.total("incremental", INCREMENTAL_ONE, what, round)
        return one if one is not None else self.total("incremental", INCREMENTAL_TWO, what, round)

    def incremental_wall(self) -> float | None:
        """The median of ``incremental_walls`` (one rebuild is noisy on a shared host)."""
        walls = self.incremental_walls()
        return statistics.median(walls) if walls else None

    def wall(self, system: str, *names: str) -> float | None:
        """The stages' wall time summed; with several passes (ours and Hugo, measured from
        nothing twice in ABBA order), the mean over the passes that measured them all."""
        return self._mean(system, names, "wall")

    def cpu(self, system: str, *names: str) -> float | None:
        return self._mean(system, names, "cpu")

    def passes(self, system: str) -> list[int]:
        """The rounds measured: passes (ours, Hugo) or stories added (incremental)."""
        return sorted({s.round for s in self.stages if s.system == system and not s.skipped})

    def total(self, system: str, names: Sequence[str], what: str, round: int = 1) -> float | None:
        """The stages' ``what`` (wall, cpu) summed for one pass; None if one is missing."""
        found = [self.get(system, name, round) for name in names]
        if any(s is None or s.skipped for s in found):
            return None
        return sum(getattr(s, what) for s in found)

    def _mean(self, system: str, names: Sequence[str], what: str) -> float | None:
        sums = [self.total(system, names, what, r) for r in self.passes(system) or [1]]
        measured = [x for x in sums if x is not None]
        if not measured or sums[0] is None:
            return None
        return statistics.fmean(measured)


# --- Printing ---------------------------------------------------------------------------------

HEADER = (
    f"{'system':<12}{'stage':<18}{'wall s':>9}{'CPU s':>9}{'sys s':>8}{'CPU/wall':>9}"
    f"{'peak RSS MB':>13}{'other CPU':>11}{'steal':>8}  note"
)


def _row(stage: Stage) -> str:
    if stage.skipped:
        return f"{stage.system:<12}{stage.name:<18}{'skipped: ' + stage.skipped:>40}"
    ratio = stage.cpu / stage.wall if stage.wall else 0.0
    other = stage.other_cpu / stage.wall if stage.wall else 0.0
    steal = stage.steal / stage.wall if stage.wall else 0.0
    return (
        f"{stage.system:<12}{stage.name:<18}{stage.wall:>9.2f}{stage.cpu:>9.2f}{stage.sys:>8.2f}"
        f"{ratio:>9.2f}"
        f"{stage.peak_rss / 2**20:>13.0f}{other:>10.2f}c{steal:>7.2f}c  {stage.note}"
    )


def _total(report: Report, system: str, names: Sequence[str], label: str, round: int = 1) -> str:
    found = [report.get(system, n, round) for n in names]
    if any(s is None or s.skipped for s in found):
        return f"{system:<12}{label:<18}{'—':>9}"
    total = Stage(system, label)
    for s in found:
        total.wall += s.wall  # type: ignore[union-attr]
        total.user += s.user  # type: ignore[union-attr]
        total.sys += s.sys  # type: ignore[union-attr]
        total.other_cpu += s.other_cpu  # type: ignore[union-attr]
        total.steal += s.steal  # type: ignore[union-attr]
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
        "other CPU: cores' worth of CPU other processes used during the stage (shared machine);"
        " steal: cores' worth the hypervisor took from this machine meanwhile (shared host:"
        " every stage is slower by about that much); sys s: the CPU s spent in the kernel (on"
        " an ext4 file system without a journal it rises several times over for a stage that"
        " creates many files in the minutes after many were deleted: see docs/scaling.md)",
        "",
        HEADER,
    ]
    out += [_row(s) for s in report.stages if s.system != "incremental"]
    out += [
        _total(report, "ours", ("import", "build", "index"), "total"),
        _total(report, "ours", ("build", "index"), "build+index"),
        _total(report, "hugo", ("build", "index"), "total"),
    ]
    for round in report.passes("ours")[1:]:
        if round in report.passes("hugo"):
            out += [
                _total(report, "ours", ("import", "build", "index"), f"total, pass {round}", round),
                _total(report, "hugo", ("build", "index"), f"total, pass {round}", round),
            ]
    if len(report.passes("ours")) > 1 and len(report.passes("hugo")) > 1:
        stages = {"ours": ("import", "build", "index"), "hugo": ("build", "index")}
        walls = {
            system: [report.total(system, names, "wall", r) for r in report.passes(system)]
            for system, names in stages.items()
        }
        out.append(
            "two passes from nothing, in ABBA order (ours, Hugo, Hugo, ours); the ratios below "
            "use each system's mean: ours "
            + " and ".join(f"{w:.2f}" for w in walls["ours"] if w is not None)
            + " s, Hugo + Pagefind "
            + " and ".join(f"{w:.2f}" for w in walls["hugo"] if w is not None)
            + " s"
        )
    out += [
        "",
        "incremental: one story added to the built archive, rebuilt in place (again for each"
        " story added: rounds)",
    ]
    for round in report.passes("incremental"):
        out += [_row(s) for s in report.stages if s.system == "incremental" and s.round == round]
        if report.get("incremental", INCREMENTAL_ONE[0], round) is None:
            out.append(_total(report, "incremental", INCREMENTAL_TWO, "ours b+i", round))
    walls = report.incremental_walls()
    if len(walls) > 1:
        out.append(
            f"one story added, build+index per round: {', '.join(f'{w:.2f}' for w in walls)} s;"
            f" median {report.incremental_wall():.2f} s"
        )
    out.append("")
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
        *_budget(report, hugo),
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
    if report.first_search_browser:
        from benchmarks.first_search import summary

        out.append(summary(report.first_search_browser))
    if report.profile:
        out += ["", *report.profile]
    return "\n".join(out)


def _budget(report: Report, hugo: float | None) -> list[str]:
    """What the ratio bar leaves for the build: in Hugo + Pagefind's wall time, a machine
    with ``cores`` cores can spend at most ``cores × wall`` CPU-seconds, however well a
    pipeline is spread over them. The import and the index (mostly Pagefind itself) come out
    of that budget first; what remains is the most the build may use for the ratio to reach
    1.0."""
    importing, building, indexing = (report.cpu("ours", n) for n in ("import", "build", "index"))
    if not report.cores or hugo is None or None in (importing, building, indexing):
        return []
    budget = report.cores * hugo
    fixed = importing + indexing  # type: ignore[operator]
    total = fixed + building  # type: ignore[operator]
    lines = [
        f"CPU budget for a ratio of 1.0: {report.cores} cores × Hugo + Pagefind's {hugo:.2f} s"
        f" = {budget:.1f} CPU-s",
        f"  ours import + index use {fixed:.1f} CPU-s ({fixed / budget:.2f} of the budget),"
        f" which leaves the build {budget - fixed:.1f} CPU-s (it used {building:.1f})",
        f"  best wall ratio with these stages' CPU and every core busy all the time:"
        f" {total / report.cores / hugo:.2f}",
    ]
    if report.import_work and report.stories:
        least = report.import_work * report.stories
        lines.append(
            f"  the import's own work alone (one process, nothing written):"
            f" {report.import_work * 1000:.2f} ms a story = {least:.1f} CPU-s for"
            f" {report.stories} stories; with the index it leaves the build"
            f" {budget - least - indexing:.1f} CPU-s"  # type: ignore[operator]
        )
    return lines


def _bars(report: Report, ours: float | None, hugo: float | None) -> list[str]:
    importing = report.get("ours", "import")
    peak = max((s.peak_rss for s in report.stages if s.system == "ours"), default=0)
    incremental = report.incremental_wall()
    search = report.first_search_browser.get("until results total") or report.first_search.get(
        "ours", {}
    ).get("total")
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
            f"  one story added, build+index {incremental:.1f} s"
            f"{' (median of the rounds)' if len(report.incremental_walls()) > 1 else ''}"
            f" (≤ {BAR_INCREMENTAL_WALL:.0f} s): "
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
