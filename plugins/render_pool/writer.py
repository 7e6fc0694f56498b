"""A Pelican Writer that renders pages in forked worker processes and skips unchanged ones.

``write_file``/``write_feed`` only *record* a job while the generators run. Once every
generator has produced its output (``flush``, called just before the static generator
copies files, so before the ``finalized`` signal that Pagefind and the sitemap use):

1. the parent prepares what every key needs (templates' analysis, code and settings
   digests) and notes which output files are still the ones the previous build wrote;
2. the jobs are split round-robin over ``RENDER_JOBS`` processes: the parent forks
   ``RENDER_JOBS - 1`` children, which inherit the fully built context and the old
   manifest copy-on-write (nothing is pickled), and does the first share itself; each
   process computes the render key of each of its jobs (``fingerprint.py``), skips a job
   whose key matches the previous build's and whose file is intact, renders and writes
   the others atomically, and reports keys and hashes (JSON); a failing worker fails the
   build with the page. Keys are thus computed in parallel, and a clean build pays for
   them only in its workers (with ``RENDER_SKIP_UNCHANGED = False``, not at all);
3. files the previous build wrote and this one did not are deleted, and the manifest is
   written (atomically) to ``RENDER_CACHE_PATH``.

Everything ``pelican.writers.Writer`` does is kept: pagination (one job per page, built
exactly as Writer builds it), relative URLs (``SITEURL``/``localsiteurl`` per page, and the
``localsiteurl`` that Writer leaves in the shared context, which content links are rewritten
against — replayed per job, see ``_record``), ``override_output`` and duplicate-write errors
(checked when the job is recorded), ``content_written`` (sent in the parent, in write order,
when anything listens), ``feed_generated``/``feed_written`` (feeds are written at once,
serially, when anything listens to those). Writes that arrive after the flush (a plugin
writing at ``finalized``) are rendered at once, in process.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import logging
import os
import pickle
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blinker import signal
from jinja2 import Undefined
from pelican.paginator import Paginator
from pelican.plugins import signals
from pelican.utils import get_relative_path, path_to_url, sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from .born import BORN
from .fingerprint import (
    CodeReads,
    Fingerprinter,
    TemplateAnalyser,
    Volatile,
    _source_reads,
    code_digest,
    digest,
    evaluate,
    project_files,
)

log = logging.getLogger(__name__)

MANIFEST_VERSION = 2
# Below this many pages to render, forking costs more than it saves (page tables of a
# large parent are copied at fork).
MIN_PAGES_TO_FORK = 16
# While a plugin's late fields are worked out, _early_keys asks whether they are there
# every so many pages (a waitpid each time, ~1 µs; the first pages' keys, which describe
# the stories they list, can take 10 ms each).
EARLY_READY_EVERY = 16
_FEED_CONTEXT = ("SITEURL", "FEED_DOMAIN", "SITENAME", "SITESUBTITLE")  # what write_feed reads
_UNSET = object()
BEFORE_RENDER = signal("render_pool.before_render")
# What other plugins learn from each page while its bytes are in memory, instead of reading
# every file back after the build (the search index read 20,000 pages twice, ~5 s). Named
# signals, so a plugin needs no import of this one: a receiver of ``PAGE_FACTS`` (sent with
# the writer when rendering starts) returns ``(name, fact)`` or None; ``fact(rel, data,
# stat)`` runs in the worker that wrote the page (``stat``: the file's, after the write)
# and returns a JSON value or None. The values reach the parent in one ``PAGES_WRITTEN``
# (``send(writer, facts={name: {rel: value}})``) once the pages are written. Only files
# written get facts: a page rendered to the same bytes as its file (or skipped as unchanged,
# RENDER_SKIP_UNCHANGED) is left as it was, so what a plugin learnt about it still holds.
PAGE_FACTS = signal("render_pool.page_facts")
PAGES_WRITTEN = signal("render_pool.pages_written")
# How a plugin's fields on contents enter render keys, so that they need not be walked: a
# receiver returns ``{"derived": [names], "links": {name: fn}}`` or None. "derived": fields
# the plugin sets from the content's own fields alone (with settings and code), covered by
# the stamp of the content's source file (``born.py``). "links": fields naming other
# contents, described by ``fn(value, ref, unread)`` (see ``fingerprint.LinkStamp``), which
# must return parts that change whenever anything a template can read through the field
# changes, other than what ``ref(content)`` of the contents it names already covers.
# "late": link fields the plugin attaches only at ``BEFORE_RENDER`` (and nothing else it
# changes then): pages whose templates cannot read them are keyed before (_early_keys).
# "ready": a callable saying whether the late fields are there to attach without waiting;
# once every plugin's says so, early keying stops and the render processes key the rest.
CONTENT_FIELDS = signal("render_pool.content_fields")
# Settings a plugin reads only once every page is written (at ``finalized``: the search
# index), never while pages render: a receiver returns their names. The render keys' digest
# of the settings leaves them out, so switching the index on for a rebuild of a site built
# with it off (the benchmark's clean build indexes in a stage of its own) renders nothing
# again. A template that reads one is still keyed by it, through the context. fast_reading's
# story snapshot leaves them out of what its stories depend on, for the same reason.
FINISHING_SETTINGS = signal("render_pool.finishing_settings")


class _UsedDict(dict):
    """A dict that remembers which keys were looked up or stored (``used``)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.used: set = set()

    def __contains__(self, key):
        found = super().__contains__(key)
        if found:
            self.used.add(key)
        return found

    def __setitem__(self, key, value):
        self.used.add(key)
        super().__setitem__(key, value)


class RenderPoolError(RuntimeError):
    """A page could not be rendered, in a worker or in the parent."""


@dataclass(slots=True, eq=False)
class Job:
    kind: str  # "page" or "feed"
    path: str  # absolute output path
    rel: str  # relative to the output folder: the manifest key
    context: dict
    name: str = ""  # page: the output name (output_file, relative URLs)
    template: Any = None
    kwargs: dict = field(default_factory=dict)
    relative_urls: bool = False
    local_lsu: Any = None  # localcontext["localsiteurl"]
    render_lsu: Any = None  # context["localsiteurl"] while it renders
    main_lsu: Any = None  # the shared context's localsiteurl while it renders
    feed: tuple = ()  # feed: (elements, url, feed_type, feed_title)
    key: bytes | None = None
    keyed: bool = False  # key computed already (before late fields were attached)
    intact_sha: str | None = None  # the existing file's hash, when it is the one we wrote
    old_entry: list | None = None  # the previous build's manifest entry, when still intact


def _relative_url(name: str) -> str:
    return path_to_url(get_relative_path(name))


# Folders this process has made or found: one makedirs (a stat or mkdir per level) per page
# cost ~8 s at 100,000 stories. A folder removed since is made again (see atomic_write).
_FOLDERS: set[str] = set()


def atomic_write(path: str, data: bytes) -> None:
    """Temporary file in the same folder, then rename: a reader (or a killed build) sees
    the old file or the new one, never half of one."""
    folder = os.path.dirname(path)
    if folder not in _FOLDERS:
        os.makedirs(folder, exist_ok=True)
        _FOLDERS.add(folder)
    tmp = f"{path}.rp-{os.getpid()}.tmp"
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        except FileNotFoundError:  # the folder went away since it was noted
            os.makedirs(folder, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class RenderPoolWriter(Writer):
    """Drop-in for ``pelican.writers.Writer`` (returned from the ``get_writer`` signal)."""

    main_context: dict | None = None  # set by the plugin at all_generators_finalized
    # Pages are rendered at ``flush``, not when written; ``render_pool.before_render`` is sent
    # then, so a plugin may finish attaching what only templates read (related stories).
    defers_rendering = True

    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        self.jobs: dict[str, Job] = {}  # by absolute path, in write order
        self.flushed = False
        self.stats: dict[str, int] = {}
        self.manifest: dict[str, list] = {}
        self._lsu: dict[int, tuple[dict, Any]] = {}  # id(context) → (context, simulated lsu)
        self._analyser = TemplateAnalyser()
        self._global: bytes | None = None
        jobs = self.settings.get("RENDER_JOBS") or os.cpu_count() or 1
        self.workers = max(1, int(jobs))
        self.skip_unchanged = bool(self.settings.get("RENDER_SKIP_UNCHANGED", False))
        self._facts: list[tuple[str, Any]] = []  # (name, fact) from PAGE_FACTS receivers
        # CONTENT_FIELDS' "ready" callables (None: a plugin with late fields gave none)
        self._late_ready: list[Callable[[], bool]] | None = []
        cache = self.settings.get("RENDER_CACHE_PATH") or os.path.join(
            self.settings.get("CACHE_PATH", "cache"), "render_pool"
        )
        out = os.path.realpath(self.output_path)
        self.output_real = out
        # Every recorded path comes from sanitised_join(output_path, …): absolute, normalised
        # and inside the output folder, so its relative form is a slice (os.path.relpath
        # cost ~0.7 s for 34,000 pages).
        self._prefix = os.path.join(os.path.abspath(self.output_path), "")
        name = hashlib.sha256(out.encode()).hexdigest()[:16] + ".json"
        self.manifest_path = os.path.join(cache, name)
        self.analysis_path = os.path.join(cache, "analysis.pickle")

    # --- recording -------------------------------------------------------------------

    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        if not name:  # Writer: False, "" and None write nothing
            return
        # Pagination exactly as Writer.write_file builds it (pelican/writers.py).
        if paginated is None:
            paginated = {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
        pages: list[tuple[str, dict]] = []
        if paginated and template_name in self.settings["PAGINATED_TEMPLATES"]:
            per_page = (
                self.settings["PAGINATED_TEMPLATES"][template_name]
                or self.settings["DEFAULT_PAGINATION"]
            )
            paginators = {
                key: Paginator(name, url, val, self.settings, per_page)
                for key, val in paginated.items()
            }
            for page_num in range(next(iter(paginators.values())).num_pages):
                paginated_kwargs = kwargs.copy()
                for key, paginator in paginators.items():
                    previous_page = paginator.page(page_num) if page_num > 0 else None
                    page = paginator.page(page_num + 1)
                    next_page = (
                        paginator.page(page_num + 2) if page_num + 1 < paginator.num_pages else None
                    )
                    paginated_kwargs.update(
                        {
                            f"{key}_paginator": paginator,
                            f"{key}_page": page,
                            f"{key}_previous_page": previous_page,
                            f"{key}_next_page": next_page,
                        }
                    )
                pages.append((page.save_as, paginated_kwargs))
        else:
            pages.append((name, kwargs))

        recorded = []
        for page_name, page_kwargs in pages:
            job = self._record_page(
                page_name, template, context, page_kwargs, relative_urls, override_output
            )
            if job is not None:
                recorded.append(job)
        if self.flushed and recorded:
            self._run_now(recorded)

    def _rel(self, path: str) -> str:
        """``os.path.relpath(path, output_path)`` for a path under the output folder."""
        if path.startswith(self._prefix):
            return path[len(self._prefix) :]
        return os.path.relpath(path, self.output_path)

    def _record_page(self, name, template, context, kwargs, relative_urls, override):
        path = sanitised_join(self.output_path, name)
        if not self._claim(path, override):
            return None
        # Writer sets context["localsiteurl"] before rendering each page, and content
        # objects rewrite their links against the *shared* context's value at render time;
        # a page rendered later (in a worker) must see what it would have seen in serial
        # order, so the value is replayed here and stored on the job.
        lsu = self._lsu_get(context)
        local = _relative_url(name) if relative_urls else lsu
        if local:
            self._lsu[id(context)] = (context, local)
        main = self.main_context if self.main_context is not None else context
        job = Job(
            kind="page",
            path=path,
            rel=self._rel(path),
            context=context,
            name=name,
            template=template,
            kwargs=kwargs,
            relative_urls=bool(relative_urls),
            local_lsu=local,
            render_lsu=self._lsu_get(context),
            main_lsu=self._lsu_get(main),
        )
        self.jobs[path] = job
        return job

    def _lsu_get(self, context):
        entry = self._lsu.get(id(context))
        if entry is not None:
            return entry[1]
        value = context.get("localsiteurl")
        main = self.main_context
        if main is not None and context is not main and id(main) in self._lsu:
            # A copy of the shared context (period archives) made while nothing had been
            # rendered yet; in serial order it would carry the shared value of that moment.
            if value == main.get("localsiteurl"):
                return self._lsu[id(main)][1]
        return value

    def _claim(self, path: str, override: bool) -> bool:
        """Writer._open_w's bookkeeping, at record time."""
        if path in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" a second time (was previously overwritten)'
                )
            log.info('Skipping "%s", not overwriting', path)
            return False
        if path in self._written_files:
            if override:
                log.info('Overwriting "%s"', path)
            else:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{path}" as Pelican has already '
                    "written to it previously (set `override=True` if intended)"
                )
        if override:
            self._overridden_files.add(path)
        self._written_files.add(path)
        return True

    def write_feed(
        self,
        elements,
        context,
        path=None,
        url=None,
        feed_type="atom",
        override_output=False,
        feed_title=None,
    ):
        if not path or signals.feed_generated.receivers or signals.feed_written.receivers:
            # Someone wants the feed object or its signals: the plain Writer, now.
            feed = super().write_feed(
                elements, context, path, url, feed_type, override_output, feed_title
            )
            if path:
                self._adopt(sanitised_join(self.output_path, path))
            return feed
        complete = sanitised_join(self.output_path, path)
        if not self._claim(complete, override_output):
            return None
        job = Job(
            kind="feed",
            path=complete,
            rel=self._rel(complete),
            context=context,
            feed=(
                list(elements[: self.settings["FEED_MAX_ITEMS"]]),
                url,
                feed_type,
                feed_title,
                path,
            ),
        )
        self.jobs[complete] = job
        if self.flushed:
            self._run_now([job])
        return None

    def _adopt(self, path: str) -> None:
        """A file written by the plain Writer: keep it in the manifest (never skipped)."""
        rel = self._rel(path)
        self.jobs.pop(path, None)
        try:
            with open(path, "rb") as handle:
                sha = hashlib.sha256(handle.read()).hexdigest()
            st = os.stat(path)
            self._adopted = getattr(self, "_adopted", {})
            self._adopted[rel] = [None, sha, st.st_size, st.st_mtime_ns]
        except OSError:
            pass

    # --- rendering -------------------------------------------------------------------

    def render(self, job: Job) -> bytes:
        if job.kind == "feed":
            return self._render_feed(job)
        context = job.context
        context["localsiteurl"] = job.render_lsu
        if self.main_context is not None:
            self.main_context["localsiteurl"] = job.main_lsu
        output = job.template.render(self._localcontext(job))
        return output.encode("utf-8")

    def _localcontext(self, job: Job) -> dict:
        """Writer._get_localcontext."""
        localcontext = job.context.copy()
        localcontext["localsiteurl"] = job.local_lsu
        if job.relative_urls:
            localcontext["SITEURL"] = job.local_lsu
        localcontext["output_file"] = job.name
        localcontext.update(job.kwargs)
        return localcontext

    def _render_feed(self, job: Job) -> bytes:
        """Writer.write_feed without the file: the same feed object, serialised."""
        elements, url, feed_type, feed_title, path = job.feed
        context = job.context
        self.site_url = context.get("SITEURL", path_to_url(get_relative_path(path)))
        self.feed_domain = context.get("FEED_DOMAIN")
        self.feed_url = self.urljoiner(self.feed_domain, url or path)
        feed = self._create_new_feed(feed_type, feed_title, context)
        for element in elements:
            self._add_item_to_the_feed(feed, element)
        buffer = io.StringIO()
        feed.write(buffer, "utf-8")
        return buffer.getvalue().encode("utf-8")

    def _render_share(self, jobs: list[Job], fp: Fingerprinter | None = None) -> list[list]:
        """Key, then render and write unless unchanged, each job (in the worker that owns
        it, so keys are computed in parallel); return its manifest entry
        ``[rel, key hex or None, sha256, size, mtime_ns, rendered, facts]`` for each
        (``facts``: ``{name: value}`` from ``PAGE_FACTS``, or None)."""
        results = []
        facts = self._facts
        if fp is not None:
            # Every key of the share before any page is rendered: rendering may leave
            # traces on the objects (a lazily cached attribute), and a key must not depend
            # on which pages this process happened to render before it.
            # The walk allocates millions of small objects (the memo's tuples and digests)
            # and makes no cyclic garbage; the collector's passes over them cost a third of
            # the keys' time (a warm 20,000-story rebuild) and find nothing, so it is off.
            # In a forked share (objects frozen, unfrozen by _render_parallel when done)
            # the memo joins the frozen objects, so the first collections after the keys
            # do not walk it either (~1.5 s per process at 20,000 stories).
            collecting = gc.isenabled()
            gc.disable()
            try:
                for job in jobs:
                    if not job.keyed:
                        job.key = self._key(job, fp)
                if gc.get_freeze_count():
                    gc.freeze()
            finally:
                if collecting:
                    gc.enable()
        for job in jobs:
            key = job.key if fp is not None else None
            entry = job.old_entry
            if (
                self.skip_unchanged
                and key is not None
                and entry is not None
                and entry[0] == key.hex()
            ):
                results.append([job.rel, entry[0], entry[1], entry[2], entry[3], False, None])
                continue
            try:
                data = self.render(job)
            except Exception as exc:
                raise RenderPoolError(
                    f"rendering {job.rel}"
                    + (f" (template {job.template.name})" if job.template is not None else "")
                    + f" failed: {type(exc).__name__}: {exc}"
                ) from exc
            sha = hashlib.sha256(data).hexdigest()
            written = sha != job.intact_sha  # same bytes as the file we wrote before: keep it
            if written:
                atomic_write(job.path, data)
                log.info('Writing "%s"', job.path)
            st = os.stat(job.path)
            hexkey = key.hex() if key is not None else None
            learnt = None
            if facts and written:
                learnt = {name: fact(job.rel, data, st) for name, fact in facts}
                learnt = {name: value for name, value in learnt.items() if value is not None}
            results.append([job.rel, hexkey, sha, st.st_size, st.st_mtime_ns, True, learnt])
        return results

    def _collect_facts(self) -> None:
        self._facts = [answer for _receiver, answer in PAGE_FACTS.send(self) if answer]

    def _send_facts(self, results: list[list]) -> None:
        if not self._facts:
            return
        facts: dict[str, dict[str, Any]] = {name: {} for name, _fact in self._facts}
        for row in results:
            for name, value in (row[6] or {}).items():
                facts[name][row[0]] = value
        PAGES_WRITTEN.send(self, facts=facts)

    def _processes(self, count: int) -> int:
        workers = min(self.workers, max(1, count))
        return 1 if count < MIN_PAGES_TO_FORK else workers

    def _render_parallel(self, dirty: list[Job], fp: Fingerprinter | None = None) -> list[list]:
        workers = self._processes(len(dirty))
        if workers == 1:
            return self._render_share(dirty, fp)
        shares = [dirty[w::workers] for w in range(workers)]
        results: list[list] = []
        children: list[tuple[int, int, str]] = []
        sys.stdout.flush()
        sys.stderr.flush()
        # Python's reference counting writes to every object it touches, so a child copies
        # the pages it reads; freezing moves all current objects out of the collector's
        # reach, so a collection in a child does not touch (and copy) every page. (No full
        # collection first: it walked every object of the build, ~0.5 s at 20,000 stories,
        # to free garbage that is as well kept frozen until the pages are rendered.)
        gc.freeze()
        tmpdir = tempfile.mkdtemp(prefix="render-pool-")
        parent_error: BaseException | None = None
        try:
            for w in range(1, workers):
                report = os.path.join(tmpdir, f"worker-{w}.json")
                pid = os.fork()
                if pid == 0:  # the child: render its share, report, and leave at once
                    code = 0
                    try:
                        done = self._render_share(shares[w], fp)
                        with open(report, "w", encoding="utf-8") as handle:
                            json.dump({"results": done}, handle)
                    except BaseException as exc:
                        code = 1
                        try:
                            with open(report, "w", encoding="utf-8") as handle:
                                json.dump(
                                    {"error": str(exc), "traceback": traceback.format_exc()},
                                    handle,
                                )
                        except BaseException:
                            pass
                    finally:
                        try:
                            sys.stdout.flush()
                            sys.stderr.flush()
                        finally:
                            os._exit(code)
                children.append((pid, w, report))
            try:
                results.extend(self._render_share(shares[0], fp))
            except BaseException as exc:
                parent_error = exc
            errors = []
            for pid, w, report in children:
                _pid, status = os.waitpid(pid, 0)
                try:
                    with open(report, encoding="utf-8") as handle:
                        outcome = json.load(handle)
                except (OSError, ValueError):
                    outcome = {}
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and "results" in outcome:
                    results.extend(outcome["results"])
                    continue
                if "error" in outcome:
                    log.debug("render_pool worker %d:\n%s", w, outcome.get("traceback", ""))
                    errors.append(f"worker {w}: {outcome['error']}")
                elif os.WIFSIGNALED(status):
                    errors.append(f"worker {w} was killed by signal {os.WTERMSIG(status)}")
                else:
                    errors.append(f"worker {w} exited with status {status} and no report")
        finally:
            gc.unfreeze()
            for name in os.listdir(tmpdir):
                os.unlink(os.path.join(tmpdir, name))
            os.rmdir(tmpdir)
        if parent_error is not None:
            raise parent_error
        if errors:
            raise RenderPoolError("render_pool: " + "; ".join(errors))
        return results

    # --- keys ------------------------------------------------------------------------

    def _fingerprinter(self, jobs: list[Job]) -> Fingerprinter:
        markers = {id(self.settings): "<settings>"}
        if self.main_context is not None:
            markers[id(self.main_context)] = "<context>"
        # Positions of plugin-attached lists that no template or code reads, per template
        # environment; taken only when every environment agrees.
        own = os.path.dirname(os.path.abspath(__file__))
        code = [f for f in self._code_files() if not f.startswith(own + os.sep)]
        unread: dict[str, frozenset[int]] | None = None
        for env in {
            id(j.template.environment): j.template.environment
            for j in jobs
            if j.template is not None
        }.values():
            found = self._analyser.unread_positions(env, code) if env.loader is not None else {}
            unread = (
                found
                if unread is None
                else {a: p & found[a] for a, p in unread.items() if a in found and p & found[a]}
            )
        derived: set[str] = set()
        link_stamps: dict = {}
        late: set[str] = set()
        self._late_ready = []
        for _receiver, answer in CONTENT_FIELDS.send(self):
            if answer:
                derived |= set(answer.get("derived", ()))
                link_stamps.update(answer.get("links", {}))
                late |= set(answer.get("late", ()))
                if answer.get("late"):
                    # None: a plugin with late fields cannot say when they are there
                    ready = answer.get("ready")
                    if ready is None or self._late_ready is None:
                        self._late_ready = None
                    else:
                        self._late_ready.append(ready)
        return Fingerprinter(
            markers,
            unread or {},
            self._code_files(),
            born=BORN,
            derived=derived,
            link_stamps=link_stamps,
            late=late,
        )

    def _readable(self, use, env) -> frozenset[str] | None:
        """Attribute names a page rendered with this template can read: its templates'
        and those of the project code reachable from the filters, tests and globals they
        use (None: anything)."""
        if use.dynamic:
            return None
        cache = self.__dict__.setdefault("_readable_cache", {})
        key = (id(use), id(env))
        store = self._analyser.store
        skey = None
        if key not in cache and store is not None:
            # What the code reachable from this template can read depends only on the code,
            # the environment (its filters, tests, globals and templates) and the template:
            # kept between builds (parsing the project's modules again took ~1 s a build).
            skey = digest(
                "readable", self._code(), self._analyser.environment_digest(env), use.sources
            )
            if skey in store:
                cache[key] = (use, store[skey])
        if key not in cache:
            roots = []
            for kind, table in (
                ("filter", env.filters),
                ("test", env.tests),
                ("global", env.globals),
            ):
                for name, func in sorted(table.items()):
                    # map("name"), select("name") call a filter or test named in a string
                    if (kind, name) in use.callables or name in use.attrs:
                        roots.append(func)
            reads = self._code_reads().reads(roots)
            cache[key] = (use, None if reads is None else use.attrs | reads)
            if skey is not None:
                store[skey] = cache[key][1]
        return cache[key][1]

    def _code(self) -> bytes:
        if not hasattr(self, "_code_digest"):
            self._code_digest = code_digest(self._code_files())
        return self._code_digest

    # --- analysis kept between builds ----------------------------------------------------

    def _load_analysis(self) -> None:
        """Give the template analyser what earlier builds worked out (see ``_readable``,
        ``TemplateAnalyser.unread_positions``); entries are keyed by digests of all they
        depend on, so a stale one is never found, only left unused (and dropped at save)."""
        try:
            with open(self.analysis_path, "rb") as handle:
                store = pickle.load(handle)
            if not isinstance(store, dict):
                store = {}
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            store = {}
        self._analysis_loaded = dict(store)
        self._analyser.store = _UsedDict(store)

    def _save_analysis(self) -> None:
        store = self._analyser.store
        if store is None:
            return
        kept = {k: store[k] for k in store.used}
        if kept == self._analysis_loaded:
            return
        os.makedirs(os.path.dirname(self.analysis_path), exist_ok=True)
        atomic_write(self.analysis_path, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))

    def _code_reads(self) -> CodeReads:
        if not hasattr(self, "_code_reads_obj"):
            self._code_reads_obj = CodeReads(self._code_files())
        return self._code_reads_obj

    def _feed_readable(self) -> frozenset[str] | None:
        """What writing a feed reads of its items: Pelican's feed code and ours."""
        if not hasattr(self, "_feed_reads"):
            import ast
            import inspect
            import textwrap

            import pelican.writers

            reads: set[str] | None = set()
            for code in (pelican.writers, RenderPoolWriter._render_feed):
                found, dynamic = _source_reads(ast.parse(textwrap.dedent(inspect.getsource(code))))
                if dynamic:
                    reads = None
                    break
                reads |= found
            self._feed_reads = None if reads is None else frozenset(reads)
        return self._feed_reads

    def _code_files(self) -> list[str]:
        if not hasattr(self, "_files"):
            plugin_paths = [p for p in self.settings.get("PLUGIN_PATHS", []) if os.path.isdir(p)]
            self._files = project_files(plugin_paths)
        return self._files

    def _global_digest(self) -> bytes:
        if self._global is None:
            markers = {id(self.settings): "<settings>"}  # inside it (filters' partials)
            if self.main_context is not None:
                markers[id(self.main_context)] = "<context>"
            fp = Fingerprinter(markers)
            finishing = {
                name for _receiver, names in FINISHING_SETTINGS.send(self) for name in names or ()
            }
            kept = {k: v for k, v in self.settings.items() if k not in finishing}
            try:
                settings = fp.value(kept, fp.SHALLOW)
            except Volatile:
                settings = os.urandom(16)  # the settings hold something undescribable
            self._global = digest("render_pool", str(MANIFEST_VERSION), self._code(), settings)
        return self._global

    def _key(self, job: Job, fp: Fingerprinter) -> bytes | None:
        parts: list[bytes | str] = [self._global_digest(), job.kind, job.rel]
        try:
            if job.kind == "feed":
                fp.set_readable(self._feed_readable())
                elements, url, feed_type, feed_title, path = job.feed
                parts += [repr((url, feed_type, feed_title, path))]
                parts += [fp.value(elements, fp.SHALLOW)]
                for name in _FEED_CONTEXT:
                    parts += [name, fp.value(job.context.get(name, _UNSET), fp.SHALLOW)]
                return digest(*parts)
            template = job.template
            use = self._analyser.use(template)
            fp.set_readable(self._readable(use, template.environment))
            parts += [
                self._analyser.environment_digest(template.environment),
                use.sources,
                template.name,
                job.name,
                repr((job.relative_urls, job.local_lsu, job.render_lsu, job.main_lsu)),
            ]
            # The names read whole from the shared context are the same for every page of
            # a template (and context, and keyword names): fingerprinted once, as one part;
            # the rest are in the page's keyword arguments or in that context.
            context, own = self._shared_context(job, use)
            group = (
                id(use),
                id(context),
                fp._rid,
                job.relative_urls,
                frozenset(job.kwargs),
                own,
            )
            shared = fp.pages.get(group)
            if shared is None:
                shared = fp.pages[group] = self._context_part(job, use, fp, context, own)
            parts.append(shared[2])
            for name in shared[3]:
                if name in job.kwargs:
                    value, source = job.kwargs[name], "k"
                elif name in job.context:
                    value, source = job.context[name], "c"
                else:
                    parts += [name, "-"]  # set in the shared context, not in this page's copy
                    continue
                accesses = None if use.dynamic else use.partial.get(name)
                part = None
                if accesses is not None:
                    part = self._partial(job, template.environment, value, accesses, fp)
                parts += [name, source, part if part is not None else fp.kwarg(value)]
            return digest(*parts)
        except Volatile:
            return None
        except Exception as exc:
            log.debug("render_pool: no render key for %s: %s", job.rel, exc)
            return None

    def _shared_context(self, job: Job, use) -> tuple[dict, frozenset[str]]:
        """The context whose values a page's key takes as one part, and the names the page
        reads that are its own. A page given a copy of the shared context (Pelican's period
        archives copy it for every period, to set ``period`` and ``period_num``) shares
        the names whose values are the shared context's very objects; without this, each
        of 9,000 period pages at 20,000 stories fingerprinted its whole context again."""
        context, main = job.context, self.main_context
        if main is None or context is main or use.dynamic:
            return context, frozenset()
        own = frozenset(
            name for name in use.names if context.get(name, _UNSET) is not main.get(name, _UNSET)
        )
        return main, own

    def _context_part(
        self, job: Job, use, fp: Fingerprinter, context: dict, own: frozenset[str]
    ) -> tuple:
        """(context, template use, digest of the names ``_key`` takes whole from
        ``context``, the other names in order): the first two keep the ids in the group
        key alive. ``own``: names read from the page's own context instead."""
        names = sorted(set(context) | set(job.kwargs)) if use.dynamic else sorted(use.names)
        parts: list[bytes | str] = ["context"]
        rest: list[str] = []
        for name in names:
            if name in ("output_file", "localsiteurl") or (name == "SITEURL" and job.relative_urls):
                continue  # set per page from what is already in the key
            if (
                name in job.kwargs
                or name in own
                or (name in context and not use.dynamic and name in use.partial)
            ):
                rest.append(name)  # per page: a keyword argument, its own, or read in part
            elif name in context:
                parts += [name, "c", fp.kwarg(context[name])]
            else:
                parts += [name, "-"]  # a template-local name, or undefined
        return (context, use, digest(*parts), rest)

    def _partial(self, job: Job, env, value, accesses: tuple, fp: Fingerprinter) -> bytes | None:
        """The parts of a variable a page reads (see TemplateUse.partial), or None when a
        key cannot be computed here (then the whole value counts)."""

        def lookup(name):
            if name in job.kwargs:
                return job.kwargs[name]
            if name == "output_file":
                return job.name
            if name in ("SITEURL", "localsiteurl") and job.relative_urls:
                return job.local_lsu
            return job.context[name]

        out: list[bytes | str] = ["partial"]
        try:
            for access in accesses:
                if access[0] == "truth":
                    out.append("t1" if value else "t0")
                    continue
                key = evaluate(access[1], env, lookup)
                if isinstance(key, Undefined):
                    return None
                if access[0] == "in":
                    out += ["in", fp.value(key, fp.SHALLOW), "1" if key in value else "0"]
                else:
                    item = env.getitem(value, key)
                    out += ["item", fp.value(key, fp.SHALLOW)]
                    out.append("<missing>" if isinstance(item, Undefined) else fp.kwarg(item))
        except Volatile:
            raise
        except Exception:
            return None
        return digest(*out)

    # --- flush -----------------------------------------------------------------------

    def flush(self) -> None:
        """Render everything recorded (once; later writes render at once)."""
        if self.flushed:
            return
        self.flushed = True
        started = time.perf_counter()
        jobs = list(self.jobs.values())
        old = self._load_manifest()
        self._attach_old(jobs, old)
        # What every key needs (templates' analysis, code and settings digests) is computed
        # here, once; the keys themselves in the workers, each for its own share.
        # Without RENDER_SKIP_UNCHANGED no key is computed (the manifest records none, so the
        # next build with it renders everything once).
        fp = None
        if self.skip_unchanged:
            self._load_analysis()
            fp = self._fingerprinter(jobs)
            self._prepare_keys(jobs)
            self._save_analysis()
            self._early_keys(jobs, fp)
        BEFORE_RENDER.send(self)
        if fp is not None:
            fp.links_changed()
        self._collect_facts()
        prepared = time.perf_counter()
        results = self._render_parallel(jobs, fp)
        new: dict[str, list] = {}
        rendered = volatile = 0
        for rel, key, sha, size, mtime, did_render, _facts in results:
            new[rel] = [key, sha, size, mtime]
            rendered += bool(did_render)
            volatile += key is None and fp is not None
        self._send_facts(results)
        new.update(getattr(self, "_adopted", {}))
        removed = self._remove_stale(old, new)
        self._final_lsu()
        self._send_content_written(jobs)
        self.manifest = new
        self.stats = {
            "pages": len(jobs),
            "rendered": rendered,
            "skipped": len(jobs) - rendered,
            "removed": removed,
            "volatile": volatile,
            "keyed_early": sum(job.keyed for job in jobs),
            "workers": self._processes(len(jobs)),
        }
        self._save_manifest()
        log.info(
            "render_pool: %d files: %d rendered (%d processes), %d unchanged and skipped, "
            "%d stale removed; prepare %.1f s, keys and render %.1f s",
            len(jobs),
            rendered,
            self.stats["workers"],
            self.stats["skipped"],
            removed,
            prepared - started,
            time.perf_counter() - prepared,
        )

    def _early_keys(self, jobs: list[Job], fp: Fingerprinter) -> None:
        """While a plugin still works out fields it attaches at ``BEFORE_RENDER`` (related
        stories, in a background process: declared as "late" in ``CONTENT_FIELDS``), key
        here the pages whose templates cannot read any late field, and describe every
        story the other pages' own contents are (own fields only: links are described
        after). The keys are what they would be after: nothing they cover changes."""
        late = fp.late
        if not late:
            return
        # When every late field can be attached (its plugin says "ready": the background
        # process finished), the parent stops: the rest of the keys are made by the render
        # processes, on both cores, instead of by the parent alone while a core idles.
        ready = self._late_ready
        waiting: dict[int, tuple] = {}  # templates that read a late field: (use, readable)
        collecting = gc.isenabled()
        gc.disable()
        try:
            for seen, job in enumerate(jobs, 1):
                if ready and seen % EARLY_READY_EVERY == 0 and all(check() for check in ready):
                    return
                template = job.template
                if job.kind != "page" or template is None:
                    continue
                try:
                    use = self._analyser.use(template)
                    readable = self._readable(use, template.environment)
                except Exception:  # its key will say so, later
                    continue
                if readable is None or readable & late:
                    waiting.setdefault(id(use), (use, readable, []))[2].append(job)
                    continue
                job.key = self._key(job, fp)
                job.keyed = True
            for _use, readable, group in waiting.values():
                fp.set_readable(readable)
                for job in group:
                    for value in job.kwargs.values():
                        if isinstance(value, fp.Content):
                            fp.describe(value)
        finally:
            if collecting:
                gc.enable()

    def _attach_old(self, jobs: list[Job], old: dict[str, list]) -> None:
        for job in jobs:
            entry = old.get(job.rel)
            if entry is not None and self._intact(job.path, entry):
                job.intact_sha = entry[1]
                job.old_entry = entry

    def _prepare_keys(self, jobs: list[Job]) -> None:
        """Fill the per-template caches in the parent, so forked workers share them."""
        self._global_digest()
        self._feed_readable()
        seen: set[int] = set()
        for job in jobs:
            template = job.template
            if template is None or id(template) in seen:
                continue
            seen.add(id(template))
            try:
                use = self._analyser.use(template)
                self._analyser.environment_digest(template.environment)
                self._readable(use, template.environment)
            except Exception as exc:  # the key of its pages will say so (None)
                log.debug("render_pool: cannot analyse %s: %s", template.name, exc)

    def _run_now(self, jobs: list[Job]) -> None:
        """A write after the flush: render it in process, keep the manifest current."""
        fp = self._fingerprinter(jobs) if self.skip_unchanged else None
        self._attach_old(jobs, self.manifest)
        results = self._render_share(jobs, fp)
        for rel, key, sha, size, mtime, _rendered, _facts in results:
            self.manifest[rel] = [key, sha, size, mtime]
        self._send_facts(results)
        self._send_content_written(jobs)
        self._save_manifest()

    @staticmethod
    def _intact(path: str, entry: list) -> bool:
        """Is the file still the one the manifest records? (size and mtime, like rsync.)"""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return st.st_size == entry[2] and st.st_mtime_ns == entry[3]

    def _final_lsu(self) -> None:
        """Leave each context's localsiteurl as serial rendering would have."""
        for context, value in self._lsu.values():
            context["localsiteurl"] = value

    def _send_content_written(self, jobs: list[Job]) -> None:
        if not signals.content_written.receivers:
            return
        for job in jobs:
            if job.kind == "page":
                signals.content_written.send(job.path, context=self._localcontext(job))

    # --- manifest --------------------------------------------------------------------

    def _load_manifest(self) -> dict[str, list]:
        try:
            with open(self.manifest_path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        if data.get("version") != MANIFEST_VERSION or data.get("output") != self.output_real:
            return {}
        files = data.get("files")
        return files if isinstance(files, dict) else {}

    def _save_manifest(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "output": self.output_real,
            "last_build": self.stats,
            "files": dict(sorted(self.manifest.items())),
        }
        os.makedirs(os.path.dirname(self.manifest_path), exist_ok=True)
        atomic_write(self.manifest_path, json.dumps(data, separators=(",", ":")).encode())

    def _remove_stale(self, old: dict[str, list], new: dict[str, list]) -> int:
        """Delete what the previous build wrote and this one does not (a deleted story), so
        an incremental build equals a clean one. A file changed since by someone else is
        left alone, with a warning."""
        removed = 0
        for rel in sorted(old.keys() - new.keys()):
            path = os.path.join(self.output_path, rel)
            if not os.path.exists(path):
                continue
            if not self._intact(path, old[rel]):
                log.warning("render_pool: %s is no longer built but was changed since; kept", path)
                continue
            os.unlink(path)
            removed += 1
            folder = os.path.dirname(path)
            while os.path.realpath(folder) != self.output_real:
                try:
                    os.rmdir(folder)  # only when empty
                except OSError:
                    break
                folder = os.path.dirname(folder)
        return removed
