"""The search index as independent Pagefind bundles ("shards"), one per year of stories.

One Pagefind process holds the whole index in memory (~100 KB a page: 10 GB at 100,000
stories) and re-indexes everything when one story is added. Here the indexed pages are split
by the year in their URL (``/YYYY/MM/DD/slug/``), a year larger than ``max_pages`` into
consecutive parts, other indexed pages into a shard of their own; each shard is indexed
reproducibly by its own ``pagefind --service`` process (``deterministic.py``), ``jobs`` of
them at a time, so memory is bounded by jobs × the largest shard. A shard whose
fingerprint (see :func:`shard_fingerprint`) has not changed keeps its files.

Layout under ``output/pagefind/`` (every file a pure function of the site's pages)::

    shards.json              the manifest: every shard, its folder, year and page count
    pagefind-entry.json      a summary in Pagefind's entry format (version, pages per
                             language) for tools that check a bundle is there; it names no
                             metadata file: search through the shards
    filters.json             filter value → page count over all shards (the search page's menus)
    pagefind.js, *-ui.js …   Pagefind's runtime and UI files, shared by all shards
    pagefind-shards.js       pagefind.js that also exports its PagefindInstance class, which
                             the search page needs to search the shards one by one
    shards/<name>-<fp>/      one Pagefind bundle: pagefind-entry.json, pagefind.*.pf_meta,
                             wasm.*.pagefind, index/, filter/, fragment/, and shard.json
                             (its fingerprint, pages, sorts and filter counts)

A shard's folder name ends with the first ``FOLDER_HASH_LENGTH`` hex digits of its
fingerprint. Its fragments are named by page number, not by content (``deterministic.py``:
``_compact_pages``), so the same URL would otherwise serve other bytes after a rebuild and a
browser or CDN cache could hand out a stale fragment; with the fingerprint in the folder name
every URL of a shard changes when anything in it changes. The manifest (``shards.json``) is
what names the current folders and must not be cached for long.

Each shard is written into a temporary folder and renamed into place; the manifest is written
next (temporary file + ``os.replace``), and only then are the folders it no longer names
deleted, so a search page that loaded the previous manifest keeps working meanwhile. An
interrupted run leaves shards that carry their own fingerprint, so the next run redoes
exactly the shards that are not up to date.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .deterministic import (
    IndexOptions,
    PagefindError,
    _bundled_executable,
    discard_link_farms_ahead,
    index_files,
    make_link_farm_ahead,
    read_data_file,
)
from .fingerprint import has_body, raw_digest, view_digest

FORMAT = 5  # bump when the layout, the canonical form or the fingerprint's inputs change
MANIFEST = "shards.json"
ENTRY = "pagefind-entry.json"
RUNTIME = "pagefind.js"
SHARDS_RUNTIME = "pagefind-shards.js"
FILTERS = "filters.json"
SHARDS = "shards"
STAMP = "shard.json"
FOLDER_HASH_LENGTH = 12  # hex digits of the fingerprint in a shard's folder name
OTHER = "other"  # indexed pages whose URL does not start with a year
# What Pagefind writes into every bundle that belongs to a shard rather than to the runtime.
SHARD_DATA = re.compile(r"^(pagefind-entry\.json|pagefind\..+\.pf_meta|wasm\..+\.pagefind)$")
SHARD_FOLDERS = ("index", "filter", "fragment")
_YEAR = re.compile(r"^(\d{4})/")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardPlan:
    name: str
    year: str | None
    pages: tuple[str, ...]


@dataclass
class ShardResult:
    name: str
    built: bool
    fingerprint: str
    pages: int
    filters: dict[str, dict[str, int]]
    sorts: list[str]  # the sorts left in the shard's metadata (not page order; see search.js)
    assets: list[str] = field(default_factory=list)
    views: dict[str, list[Any]] = field(default_factory=dict)  # path → cache entry


@dataclass(frozen=True)
class ShardSummary:
    pages: int
    shards: int
    rebuilt: tuple[str, ...]
    removed: tuple[str, ...]


# --- Which pages, which shards --------------------------------------------------------------


def indexed_pages(
    site: Path,
    bundle_dir: str,
    cache: dict[str, list[Any]] | None = None,
    statuses: dict[str, os.stat_result] | None = None,
) -> tuple[list[str], dict[str, list[Any]]]:
    """The pages Pagefind would index: those with ``data-pagefind-body`` if any page has one
    (Pagefind then skips the others), otherwise every HTML page. Sorted POSIX paths, and the
    file stamps of the pages without a body (for the cache: an unchanged file is not read).
    ``statuses``, when given, receives every HTML page's ``os.stat`` (see ``listing``)."""
    cache = cache or {}
    every = site_html_files(site, bundle_dir)
    marked, unmarked = [], {}
    for page in every:
        path = f"{site}/{page}"  # str paths: this loop sees every page of the site
        status = os.stat(path)  # noqa: PTH116 (as above)
        if statuses is not None:
            statuses[page] = status
        stamp = stat_stamp(status)
        known = cache.get(page)
        if known and known[-1] == stamp:
            (marked.append(page) if len(known) > 1 else unmarked.__setitem__(page, known))
            continue
        with open(path, "rb") as handle:  # noqa: PTH123 (as above)
            if has_body(handle.read()):
                marked.append(page)
            else:
                unmarked[page] = [stamp]
    return (marked, unmarked) if marked else (every, {})


def stat_stamp(status: os.stat_result) -> list[int]:
    """A file's stamp: size, inode and modification and change times. Any write or
    replacement changes one (the change time cannot be set back, unlike the modification
    time)."""
    return [status.st_size, status.st_ino, status.st_mtime_ns, status.st_ctime_ns]


def page_entry(data: bytes, status: os.stat_result) -> list[Any]:
    """A page's cache entry from its bytes and its file's status, as ``indexed_pages`` and
    ``check_shard`` make it: ``[raw digest, view digest, stamp]`` when the page has a
    ``data-pagefind-body``, ``[stamp]`` when not."""
    stamp = stat_stamp(status)
    if not has_body(data):
        return [stamp]
    return [raw_digest(data), view_digest(data), stamp]


def record_pages(cache_file: Path, entries: dict[str, list[Any]]) -> None:
    """Put pages' entries (``page_entry``) into the cache before an index run reads it."""
    cache = _load_cache(cache_file)
    cache.update(entries)
    _save_cache(cache_file, cache)


def site_html_files(site: Path, bundle_dir: str) -> list[str]:
    """Every ``*.html`` file under ``site`` outside the bundle folder, as ``html_files`` in
    deterministic.py finds them, with ``os.scandir`` (pathlib's rglob + resolve took 9 s for
    34,000 files; a directory entry knows its type without another ``stat``)."""
    bundle = str(site / bundle_dir)
    found: list[str] = []
    folders = [(str(site), "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.path != bundle:
                        folders.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.name.endswith(".html") and entry.is_file():
                    found.append(prefix + entry.name)
    return sorted(found)


def plan_shards(pages: Iterable[str], max_pages: int) -> list[ShardPlan]:
    """Group sorted page paths by URL year; split a year of more than ``max_pages`` pages into
    consecutive parts of near-equal size (``2019-1``, ``2019-2`` …) so memory stays bounded."""
    if max_pages < 1:
        raise PagefindError(f"PAGEFIND_SHARD_MAX_PAGES must be at least 1, not {max_pages}")
    groups: dict[str, list[str]] = defaultdict(list)
    for page in sorted(pages):
        found = _YEAR.match(page)
        groups[found.group(1) if found else OTHER].append(page)
    plans = []
    for key in sorted(groups):
        members = groups[key]
        year = None if key == OTHER else key
        parts = math.ceil(len(members) / max_pages)
        if parts <= 1:
            plans.append(ShardPlan(key, year, tuple(members)))
            continue
        width = len(str(parts))
        for part in range(parts):
            chunk = members[len(members) * part // parts : len(members) * (part + 1) // parts]
            plans.append(ShardPlan(f"{key}-{part + 1:0{width}d}", year, tuple(chunk)))
    return plans


# executable → (its file's stamp, its version): a build asks twice (``speculate`` and
# ``prepare_shards``), each time a process started from a large Pelican process.
_versions: dict[str, tuple[list[int], str]] = {}


def pagefind_version(executable: Path) -> str:
    key = str(executable)
    stamp = _file_stamp(key)
    known = _versions.get(key)
    if known is not None and stamp is not None and known[0] == stamp:
        return known[1]
    done = subprocess.run([key, "--version"], capture_output=True, text=True)
    if done.returncode != 0:
        raise PagefindError(f"{executable} --version failed: {done.stderr.strip()}")
    version = done.stdout.strip()
    if stamp is not None:
        _versions[key] = (stamp, version)
    return version


def shard_fingerprint(
    plan: ShardPlan, views: Sequence[tuple[str, str]], version: str, options: IndexOptions
) -> str:
    """Hash of everything a shard's bundle depends on: this module's format, the Pagefind
    version, the index options (``PAGEFIND_ARGS``) and each page's path and what Pagefind
    reads of it (``fingerprint.view_digest``), in path order."""
    hasher = hashlib.sha256()
    head = {"format": FORMAT, "pagefind": version, "options": asdict(options), "name": plan.name}
    hasher.update(json.dumps(head, sort_keys=True).encode("utf-8") + b"\n")
    for path, digest in views:
        hasher.update(f"{path}\t{digest}\n".encode())
    return hasher.hexdigest()


# --- One shard (runs in a worker process) ---------------------------------------------------


@dataclass(frozen=True)
class ShardTask:
    site: str
    root: str  # output/pagefind
    plan: ShardPlan
    options: IndexOptions
    executable: str
    version: str
    cached: dict[str, list[Any]]  # path → [raw digest, view digest, file stamp], last run
    statuses: dict[str, os.stat_result]  # every page's os.stat, taken by indexed_pages
    force: bool = False
    indexer: str = "auto"  # see deterministic.index_files (the bytes are the same either way)
    # page → file stamp, when the stamps come from the page cache rather than ``statuses``
    # (``speculate``: the pages' files are not looked at)
    stamps: dict[str, list[int]] | None = None


@dataclass
class ShardCheck:
    """A shard's fingerprint worked out (``check_shard``), and its result when its folder
    already holds that fingerprint (``kept``); otherwise ``finish_shard`` indexes it."""

    task: ShardTask
    views: dict[str, list[Any]]
    fingerprint: str
    kept: ShardResult | None


def check_shard(task: ShardTask) -> ShardCheck:
    """Fingerprint one shard and see whether its folder already holds that fingerprint."""
    site, root = Path(task.site), Path(task.root)
    views: dict[str, list[Any]] = {}
    for page in task.plan.pages:
        old = task.cached.get(page)
        stamp = task.stamps[page] if task.stamps is not None else stat_stamp(task.statuses[page])
        if old and len(old) == 3 and old[2] == stamp:
            views[page] = old  # the same file as last time: not even read
            continue
        data = (site / page).read_bytes()
        raw = raw_digest(data)
        views[page] = [raw, old[1] if old and old[0] == raw else view_digest(data), stamp]
    fingerprint = shard_fingerprint(
        task.plan, [(page, views[page][1]) for page in task.plan.pages], task.version, task.options
    )
    folder = root / SHARDS / shard_folder(task.plan.name, fingerprint)
    stamp = _read_json(folder / STAMP)
    kept = None
    if not task.force and stamp and stamp.get("fingerprint") == fingerprint and "sorts" in stamp:
        kept = ShardResult(
            task.plan.name,
            False,
            fingerprint,
            stamp["pages"],
            stamp["filters"],
            stamp["sorts"],
            views=views,
        )
    return ShardCheck(task, views, fingerprint, kept)


def finish_shard(check: ShardCheck) -> ShardResult:
    """A stale shard (``check.kept`` is None) indexed into its new folder."""
    task, fingerprint = check.task, check.fingerprint
    site, root = Path(task.site), Path(task.root)
    folder = root / SHARDS / shard_folder(task.plan.name, fingerprint)
    staging = root / SHARDS / f".new-{task.plan.name}"
    if staging.exists():
        shutil.rmtree(staging)
    summary = index_files(
        site, task.plan.pages, staging, task.options, Path(task.executable), task.indexer
    )
    assets = _move_runtime_files(staging, root)
    filters, sorts = filter_counts(staging), sort_names(staging)
    stamp = {"fingerprint": fingerprint, "name": task.plan.name, "pages": summary.pages}
    write_json(staging / STAMP, {**stamp, "sorts": sorts, "filters": filters})
    _swap_in(staging, folder)
    return ShardResult(
        task.plan.name, True, fingerprint, summary.pages, filters, sorts, assets, check.views
    )


def shard_folder(name: str, fingerprint: str) -> str:
    """The folder of shard ``name`` under ``shards/``: new URLs whenever its content changes."""
    return f"{name}-{fingerprint[:FOLDER_HASH_LENGTH]}"


def _move_runtime_files(bundle: Path, root: Path) -> list[str]:
    """Move Pagefind's runtime (JS, CSS: the same bytes in every bundle of one Pagefind
    version) up to ``root`` once, and keep only the shard's data in the shard's folder."""
    assets = []
    for path in sorted(bundle.iterdir()):
        if path.is_dir() or SHARD_DATA.match(path.name):
            continue
        assets.append(path.name)
        target = root / path.name
        if not target.is_file() or target.read_bytes() != path.read_bytes():
            path.replace(target)  # atomic; workers writing the same file write equal bytes
        else:
            path.unlink()
    return assets


def _swap_in(staging: Path, folder: Path) -> None:
    if folder.exists():
        retired = folder.with_name(f".old-{folder.name}")
        if retired.exists():
            shutil.rmtree(retired)
        folder.replace(retired)
        staging.replace(folder)
        shutil.rmtree(retired)
    else:
        staging.replace(folder)


def sort_names(bundle: Path) -> list[str]:
    """The sorts in a bundle's metadata. A page-order sort (``date``) is not there: the
    canonical form leaves it out; it stays only when it is not page order, and then the
    search page must ask Pagefind for it (the manifest lists it for the shard)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    names: set[str] = set()
    for info in entry["languages"].values():
        meta = read_data_file(bundle / f"pagefind.{info['hash']}.pf_meta")
        names.update(name for name, _pages in meta[4])
    return sorted(names)


def filter_counts(bundle: Path) -> dict[str, dict[str, int]]:
    """Pages per filter value in one bundle: what ``pagefind.filters()`` would count."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    counts: dict[str, dict[str, int]] = {}
    for info in entry["languages"].values():
        meta = read_data_file(bundle / f"pagefind.{info['hash']}.pf_meta")
        for name, filter_hash in meta[3]:
            values = read_data_file(bundle / "filter" / f"{filter_hash}.pf_filter")[1]
            merged = counts.setdefault(name, {})
            for value, pages in values:
                merged[value] = merged.get(value, 0) + len(pages)
    return {name: dict(sorted(values.items())) for name, values in sorted(counts.items())}


# --- The whole index ------------------------------------------------------------------------


def build_shards(
    site: Path,
    options: IndexOptions | None = None,
    *,
    jobs: int | None = None,
    max_pages: int = 5000,
    cache_file: Path | None = None,
    executable: Path | None = None,
    indexer: str = "auto",
) -> ShardSummary:
    """Bring ``site/<bundle_dir>`` up to date with the site's pages, shard by shard."""
    prepared = prepare_shards(
        site,
        options,
        max_pages=max_pages,
        cache_file=cache_file,
        executable=executable,
        indexer=indexer,
    )
    return prepared.finish(jobs)


def prepare_shards(
    site: Path,
    options: IndexOptions | None = None,
    *,
    max_pages: int = 5000,
    cache_file: Path | None = None,
    executable: Path | None = None,
    indexer: str = "auto",
    ahead: int = 0,
    wait: Callable[[], None] | None = None,
) -> PreparedShards:
    """The first half of ``build_shards``, in Python alone: find the pages and plan the
    shards. ``finish`` fingerprints each shard, runs Pagefind on those that must be indexed
    again (its own processes: the calling process may do other work meanwhile) and writes
    the manifest; it checks each shard just before it would start it, so the first
    Pagefind runs while the other shards are still read. ``ahead``: the shards are
    fingerprinted here instead, and for that many of those ``finish`` indexes first, the
    folders of links ``pagefind --site`` walks are made here, in the calling thread
    (``deterministic.make_link_farm_ahead``). ``wait``: called by ``finish`` before it
    fingerprints the shards (a ``speculate`` run still going: the shards it indexes are
    then found up to date); ``ahead`` is then not used."""
    options = options or IndexOptions()
    site = Path(site).resolve()
    root = site / options.bundle_dir
    executable = Path(executable or _bundled_executable())
    version = pagefind_version(executable)
    cache = _load_cache(cache_file)
    statuses: dict[str, os.stat_result] = {}
    pages, unmarked = indexed_pages(site, options.bundle_dir, cache, statuses)
    plans = plan_shards(pages, max_pages)
    if not plans:
        raise PagefindError(f"no HTML pages to index in {site}")
    (root / SHARDS).mkdir(parents=True, exist_ok=True)
    previous = _read_json(root / MANIFEST) or {}
    tasks = _tasks(
        site, root, plans, options, executable, version, cache, previous, indexer, statuses=statuses
    )
    prepared = PreparedShards(root, version, plans, None, unmarked, previous, cache_file, statuses)
    if wait is not None or not ahead:
        # ``finish`` checks each shard just before it would start it, so the first Pagefind
        # runs while the later shards are still being read and fingerprinted.
        prepared.tasks, prepared.wait = tasks, wait
        return prepared
    prepared.checks = [check_shard(task) for task in tasks]
    _farms_ahead(site, [c for c in prepared.checks if c.kept is None], ahead, options, indexer)
    return prepared


def _farms_ahead(
    site: Path, stale: list[ShardCheck], count: int, options: IndexOptions, indexer: str
) -> None:
    """Make the folders of links of the first ``count`` shards ``_run`` will index, here."""
    if indexer == "auto":
        for check in _in_index_order(stale)[:count]:
            make_link_farm_ahead(site, check.task.plan.pages, options)


def _tasks(
    site: Path,
    root: Path,
    plans: list[ShardPlan],
    options: IndexOptions,
    executable: Path,
    version: str,
    cache: dict[str, list[Any]],
    previous: dict[str, Any],
    indexer: str,
    *,
    statuses: dict[str, os.stat_result] | None = None,
    stamps: dict[str, list[int]] | None = None,
) -> list[ShardTask]:
    # The shared runtime files must be there; if not (or from another Pagefind version), the
    # first shard is indexed again, which writes them.
    runtime_ok = (
        previous.get("pagefind") == version
        and all((root / name).is_file() for name in previous.get("runtime", []))
        and bool(previous.get("runtime"))
    )
    statuses = {} if statuses is None else statuses
    return [
        ShardTask(
            str(site),
            str(root),
            plan,
            options,
            str(executable),
            version,
            {page: cache[page] for page in plan.pages if page in cache},
            statuses,
            force=not runtime_ok and index == 0,
            indexer=indexer,
            stamps=stamps,
        )
        for index, plan in enumerate(plans)
    ]


def speculate(
    site: Path,
    options: IndexOptions | None = None,
    *,
    max_pages: int = 5000,
    cache_file: Path,
    executable: Path | None = None,
    indexer: str = "auto",
    jobs: int | None = None,
) -> threading.Thread | None:
    """Start indexing, in a thread, the shards that the page cache says are out of date,
    before the site is listed: in a build, as soon as the pages are written (render_pool
    has put each written page's entry in the cache by then), while the main thread lists
    the output and writes its caches. The site's files are not looked at: the pages and
    their stamps are the cache's. A shard indexed so lands in the folder its fingerprint
    names, which the index proper (``prepare_shards`` with ``wait``, then ``finish``) then
    finds up to date; where the cache was wrong (a page removed or added since), the index
    proper finds other fingerprints and indexes those shards itself, and the folders made
    here go as any stale folder does. None: nothing to start."""
    options = options or IndexOptions()
    site = Path(site).resolve()
    root = site / options.bundle_dir
    cache = _load_cache(cache_file)
    marked = sorted(page for page, entry in cache.items() if len(entry) == 3)
    if not marked:
        return None
    executable = Path(executable or _bundled_executable())
    version = pagefind_version(executable)
    previous = _read_json(root / MANIFEST) or {}
    stamps = {page: cache[page][2] for page in marked}
    plans = plan_shards(marked, max_pages)
    tasks = _tasks(
        site, root, plans, options, executable, version, cache, previous, indexer, stamps=stamps
    )
    stale = [check for check in map(check_shard, tasks) if check.kept is None]
    if not stale:
        return None
    (root / SHARDS).mkdir(parents=True, exist_ok=True)
    count = index_jobs(jobs, len(stale))
    _farms_ahead(site, stale, count, options, indexer)

    built: list[tuple[str, str]] = []  # (name, fingerprint) of what it indexed: thread.built

    def run() -> None:
        try:
            built.extend(sorted((r.name, r.fingerprint) for r in _run(stale, count) if r.built))
        except Exception as exc:  # the index proper indexes these shards again
            log.debug("pagefind: shards indexed ahead failed (%s); indexed again", exc)

    thread = threading.Thread(target=run, name="pagefind-ahead")
    thread.built = built  # type: ignore[attr-defined]
    thread.start()
    return thread


@dataclass
class PreparedShards:
    root: Path
    version: str
    plans: list[ShardPlan]
    checks: list[ShardCheck] | None  # None: worked out by ``finish`` (see ``wait``)
    unmarked: dict[str, list[Any]]
    previous: dict[str, Any]
    cache_file: Path | None
    # Every HTML page outside the bundle folder (relative POSIX path) and its os.stat, as
    # the site stood when the index was prepared: the sitemap takes it instead of walking
    # the output again (site_extras, through pagefind_index's OUTPUT_LISTING signal).
    listing: dict[str, os.stat_result] = field(default_factory=dict)
    tasks: list[ShardTask] = field(default_factory=list)
    wait: Callable[[], None] | None = None

    def finish(self, jobs: int | None = None) -> ShardSummary:
        root, plans, previous = self.root, self.plans, self.previous
        try:
            if self.checks is None:
                if self.wait is not None:
                    self.wait()
                self.checks, done = _check_and_run(self.tasks, jobs)
            else:
                done = _run(self.checks, jobs)
            results = {result.name: result for result in done}
        finally:
            discard_link_farms_ahead()  # made ahead for a shard the service indexed instead
        runtime = sorted(
            {a for r in results.values() for a in r.assets} or previous.get("runtime", [])
        )
        write_text(
            root / SHARDS_RUNTIME, instances_module((root / RUNTIME).read_text(encoding="utf-8"))
        )
        folders = {
            plan.name: shard_folder(plan.name, results[plan.name].fingerprint) for plan in plans
        }
        shards = [
            {
                "name": plan.name,
                "path": f"{SHARDS}/{folders[plan.name]}/",
                "year": plan.year,
                "pages": results[plan.name].pages,
                "sorts": results[plan.name].sorts,
            }
            for plan in plans
        ]
        totals: dict[str, dict[str, int]] = {}
        for result in results.values():
            for name, values in result.filters.items():
                merged = totals.setdefault(name, {})
                for value, count in values.items():
                    merged[value] = merged.get(value, 0) + count
        write_json(root / FILTERS, {k: dict(sorted(v.items())) for k, v in sorted(totals.items())})
        manifest = {
            "format": FORMAT,
            "pagefind": self.version,
            "pages": sum(shard["pages"] for shard in shards),
            "filters": FILTERS,
            "runtime": runtime,
            "shards": shards,
        }
        write_json(root / ENTRY, summary_entry(root, [folders[plan.name] for plan in plans]))
        write_json(root / MANIFEST, manifest)
        # Only now that the manifest names the new folders: the old ones go.
        removed = _remove_stale(root, folders, runtime)
        if self.cache_file is not None:
            views = {page: v for result in results.values() for page, v in result.views.items()}
            _save_cache(self.cache_file, {**self.unmarked, **views})
        return ShardSummary(
            pages=manifest["pages"],
            shards=len(shards),
            rebuilt=tuple(sorted(name for name, r in results.items() if r.built)),
            removed=tuple(removed),
        )


def _run(checks: list[ShardCheck], jobs: int | None) -> list[ShardResult]:
    """Index the stale shards ``jobs`` at a time (largest first, so they finish together).

    Each shard is indexed by its own Pagefind process (``pagefind --site`` over links, or
    ``--service``: see ``deterministic.index_files``), where the work and the memory are; a
    thread here starts it (feeds it pages, for the service) and canonicalises its output.
    (Python worker processes were tried: "spawn" needs an importable ``__main__`` and "fork"
    would copy a large Pelican process, for a share of the CPU time that is small next to
    Pagefind's.)"""
    kept = [check.kept for check in checks if check.kept is not None]
    stale = [check for check in checks if check.kept is None]
    jobs = index_jobs(jobs, len(stale))
    if jobs == 1:
        return kept + [finish_shard(check) for check in stale]
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        return kept + list(pool.map(finish_shard, _in_index_order(stale)))


def _check_and_run(
    tasks: list[ShardTask], jobs: int | None
) -> tuple[list[ShardCheck], list[ShardResult]]:
    """What ``_run`` does with every shard checked first (``check_shard``), in a pipeline:
    the shards are checked in the order ``_run`` starts them (largest first), each stale one
    started as soon as it is found so, while this thread reads and fingerprints the next.
    Checking 20,000 pages took 2.3 s of one core before any Pagefind started (docs/scaling.md,
    twenty-third pass). Returns the checks (in ``tasks`` order) and the results."""
    checks: dict[int, ShardCheck] = {}
    order = sorted(range(len(tasks)), key=lambda i: _index_order(tasks[i].plan))
    kept: list[ShardResult] = []
    with concurrent.futures.ThreadPoolExecutor(index_jobs(jobs)) as pool:
        started = []
        try:
            for i in order:
                check = checks[i] = check_shard(tasks[i])
                if check.kept is not None:
                    kept.append(check.kept)
                else:
                    started.append(pool.submit(finish_shard, check))
        except BaseException:
            for future in started:
                future.cancel()
            raise
        results = [future.result() for future in started]
    return [checks[i] for i in range(len(tasks))], kept + results


def index_jobs(jobs: int | None, stale: int | None = None) -> int:
    """Pagefind processes at once: ``jobs`` (``PAGEFIND_JOBS``), by default one more than the
    cores (each shard ends with Python alone, the page-order check and the canonical form,
    which a third shard's Pagefind fills: 20k: 11.3-11.5 s against 12.4-15.5 s with two;
    docs/scaling.md, nineteenth pass); no more than the ``stale`` shards there are."""
    count = jobs or (os.cpu_count() or 1) + 1
    return max(1, count if stale is None else min(count, stale))


def _index_order(plan: ShardPlan) -> tuple[int, str]:
    """The order shards are started in: largest first, so they finish together."""
    return -len(plan.pages), plan.name


def _in_index_order(stale: list[ShardCheck]) -> list[ShardCheck]:
    return sorted(stale, key=lambda check: _index_order(check.task.plan))


_EXPORT = re.compile(r"export\s*\{([\w\s,$]+)\}\s*;?\s*$")


def instances_module(source: str) -> str:
    """``pagefind.js`` with its ``PagefindInstance`` class added to the exports.

    Hand-made because the search page must search each shard on its own (to order dated
    results shard by shard and to see which index words each shard matched; see search.js),
    and Pagefind's public API only offers a merged search. Checked against the runtime's
    shape: a release that changes it stops the build instead of shipping a broken page."""
    found = _EXPORT.search(source)
    if not found or source.count("export{") + source.count("export {") != 1:
        raise PagefindError(f"{RUNTIME}: expected exactly one final export{{…}} list")
    if "var PagefindInstance=class" not in source:
        raise PagefindError(f"{RUNTIME}: no PagefindInstance class to export")
    names = [name.strip() for name in found.group(1).split(",") if name.strip()]
    return f"{source[: found.start()]}export{{{','.join([*names, 'PagefindInstance'])}}};\n"


def summary_entry(root: Path, folders: Sequence[str]) -> dict[str, Any]:
    """``pagefind-entry.json`` for the whole index: the shards' versions and page counts."""
    version, languages = "", {}
    for folder in folders:
        entry = json.loads((root / SHARDS / folder / ENTRY).read_text(encoding="utf-8"))
        version = entry.get("version", version)
        for language, info in entry["languages"].items():
            total = languages.setdefault(language, {"page_count": 0, "wasm": info.get("wasm")})
            total["page_count"] += int(info.get("page_count", 0))
    return {"version": version, "shards": MANIFEST, "languages": dict(sorted(languages.items()))}


_FOLDER = re.compile(rf"^(.+)-[0-9a-f]{{{FOLDER_HASH_LENGTH}}}$")


def _remove_stale(root: Path, folders: dict[str, str], runtime: list[str]) -> list[str]:
    """Delete the folders of shards that no longer exist and of earlier versions of shards
    (``folders``: shard name → current folder), interrupted runs' leftovers and, at the top
    level, anything that is not part of this layout (e.g. an unsharded bundle). Returns the
    names of the shards that are gone (not those that were rebuilt)."""
    removed = set()
    current = set(folders.values())
    for path in sorted((root / SHARDS).iterdir()):
        if path.name not in current:
            _remove(path)
            found = _FOLDER.match(path.name)
            name = found.group(1) if found else path.name  # an older layout: shards/<name>/
            if not name.startswith(".") and name not in folders:
                removed.add(name)
    keep = {SHARDS, MANIFEST, FILTERS, ENTRY, SHARDS_RUNTIME, *runtime}
    for path in sorted(root.iterdir()):
        if path.name not in keep:
            _remove(path)
    return sorted(removed)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


# The page cache as this process last read or wrote it, under its file's stamp then. In a
# build the writer records the pages it wrote (``record_pages``) and the index starts right
# after (``prepare_shards``) and ends (``finish``): three reads or writes of a 5 MB file
# (~0.07 s to parse, ~0.1 s to write, at 20,000 stories) where one read and the writes of
# what changed will do. A file changed by anything else has another stamp and is read again.
_cache_memo: dict[str, tuple[list[int], dict[str, list[Any]]]] = {}


def _load_cache(cache_file: Path | None) -> dict[str, list[Any]]:
    """Per page, from the last run: ``[raw digest, view digest, file stamp]`` for indexed
    pages, ``[file stamp]`` for the others (see ``indexed_pages`` and ``check_shard``). A
    new dict each time (the lists in it are shared: callers replace entries, never edit
    them)."""
    if not cache_file:
        return {}
    key = str(Path(cache_file).absolute())
    memo = _cache_memo.get(key)
    if memo is not None and _file_stamp(key) == memo[0]:
        return dict(memo[1])
    stamp = _file_stamp(key)
    data = _read_json(cache_file)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    pages = data.get("pages")
    loaded = (
        {k: v for k, v in pages.items() if isinstance(v, list)} if isinstance(pages, dict) else {}
    )
    if stamp is not None and stamp == _file_stamp(key):  # not replaced while it was read
        _cache_memo[key] = (stamp, loaded)
    return dict(loaded)


def _save_cache(cache_file: Path, pages: dict[str, list[Any]]) -> None:
    """Write the page cache (sorted by page), unless the file holds exactly these entries."""
    key = str(Path(cache_file).absolute())
    memo = _cache_memo.get(key)
    if memo is not None and memo[1] == pages and _file_stamp(key) == memo[0]:
        return
    ordered = dict(sorted(pages.items()))
    write_json(cache_file, {"format": FORMAT, "pages": ordered})
    stamp = _file_stamp(key)
    if stamp is not None:
        _cache_memo[key] = (stamp, ordered)


def _file_stamp(path: str) -> list[int] | None:
    try:
        return stat_stamp(Path(path).stat())
    except OSError:
        return None


def _read_json(path: Path | None) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None


def write_text(path: Path, text: str) -> None:
    """Write a file atomically (temporary file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    temporary.replace(path)


def write_json(path: Path, value: Any) -> None:
    """Compact, sorted-as-given JSON, written atomically (temporary file + ``os.replace``)."""
    write_text(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n")
