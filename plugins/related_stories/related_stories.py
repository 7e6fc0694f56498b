"""Related stories on every article page (``article.related_stories``).

Thin wiring over :func:`newsarchive.related.related`: settings are checked once when
Pelican starts, then every article becomes a ``RelatedInput`` (id = its URL) and gets
``related_stories = [(other_article, score, reasons), ...]`` for
``theme/templates/partials/related.html``.

Settings: ``RELATED_STORIES_MAX`` (default 5), ``RELATED_STORIES_MIN_SCORE`` (default 0.1),
``RELATED_STORIES_CACHE`` (default ``<CACHE_PATH>/related``): the word counts of each
story, keyed by its content, and every story's search vector, candidate list and ranking
(:mod:`newsarchive.related_cache`), so that a rebuild after adding, editing or deleting a
few stories recomputes only the lists those changes can reach. The lists are the same, to
the bit, as a build without the cache; deleting the folder only costs time.

``RELATED_STORIES_BACKGROUND`` (default: ``True`` where ``os.fork`` exists): the lists are
worked out in a forked process while Pelican goes on with the other generators and records
the pages, and attached when they are first needed: just before the pages are rendered
(``render_pool``'s ``render_pool.before_render`` signal, when its writer defers rendering),
or before the articles are written (any other writer). Nothing reads ``related_stories``
before then but the article template. The lists are the same either way (the child runs
the same code on the same stories; tested).

When fast_reading's workers have read every story file (a clean build), the process starts
then, from the files, while Pelican makes the stories on one core (``start_from_files``);
its lists are used only if every story Pelican made has the URL, title, date, labels and
content worked out from its file, and are worked out again from the stories otherwise
(logged at INFO with the reason; tested both ways).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import functools
import logging
import os
import pickle
import signal as signal_module
import string
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html
from blinker import signal
from pelican import signals
from pelican.log import FilteredMessage

from newsarchive.collector import in_forked_worker
from newsarchive.taxonomy import country_term, split_list, topic_term

if TYPE_CHECKING:
    from newsarchive.related import RelatedInput

log = logging.getLogger(__name__)

# MIN_SCORE: on a small archive the fifth-best story can share nothing but a common word;
# below this combined score a link is not shown (measured scores: same-topic follow-ups
# 0.2–0.9, single shared common word 0.05–0.09).
DEFAULTS: dict[str, object] = {
    "RELATED_STORIES_MAX": 5,
    "RELATED_STORIES_CACHE": None,
    "RELATED_STORIES_MIN_SCORE": 0.1,
    "RELATED_STORIES_BACKGROUND": hasattr(os, "fork"),
}
# Below this many stories a fork costs more than the overlap saves.
BACKGROUND_MIN_STORIES = 16
# Sent by the render_pool writer when it starts rendering (a named signal: no import of
# that plugin, which may not be installed).
BEFORE_RENDER = signal("render_pool.before_render")


class RelatedStoriesError(Exception):
    """A RELATED_STORIES_* setting is wrong."""


def check_settings(settings: dict) -> None:
    for key, default in DEFAULTS.items():
        settings.setdefault(key, default)
    limit = settings["RELATED_STORIES_MAX"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise RelatedStoriesError(f"RELATED_STORIES_MAX must be an integer ≥ 0, not {limit!r}")
    floor = settings["RELATED_STORIES_MIN_SCORE"]
    if isinstance(floor, bool) or not isinstance(floor, int | float) or floor < 0:
        raise RelatedStoriesError(f"RELATED_STORIES_MIN_SCORE must be a number ≥ 0, not {floor!r}")
    background = settings["RELATED_STORIES_BACKGROUND"]
    if not isinstance(background, bool):
        raise RelatedStoriesError(
            f"RELATED_STORIES_BACKGROUND must be True or False, not {background!r}"
        )
    if background and not hasattr(os, "fork"):
        raise RelatedStoriesError("RELATED_STORIES_BACKGROUND needs os.fork (not on this system)")
    cache = settings["RELATED_STORIES_CACHE"]
    if cache is None:
        settings["RELATED_STORIES_CACHE"] = str(Path(settings["CACHE_PATH"]) / "related")
    elif not isinstance(cache, str | Path) or not str(cache):
        raise RelatedStoriesError(f"RELATED_STORIES_CACHE must be a folder path, not {cache!r}")


def on_initialized(pelican) -> None:
    check_settings(pelican.settings)


def plain_text(html: str) -> str:
    """The text of an HTML fragment (markup dropped, nothing interpreted)."""
    if not html or not html.strip():
        return ""
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    except (lxml.etree.ParserError, ValueError):
        return ""


@functools.lru_cache(maxsize=65536)
def reason_text(code: str) -> str:
    """A reason code from the ranker as readers see it: ``country:IT`` → ``Italy``,
    ``topic:trade`` → ``Trade``, ``term:wheat`` → ``“wheat”``."""
    kind, _, value = code.partition(":")
    term = {"topic": topic_term, "country": country_term}.get(kind, lambda _v: None)(value)
    if term is not None:
        return term.name
    return f"“{value}”" if kind == "term" else value or code


def readable_reasons(codes: tuple[str, ...]) -> list[str]:
    """Reasons in reading order, without a key term that only repeats a shared country/topic."""
    cut = 0
    while cut < len(codes) and not codes[cut].startswith("term:"):
        cut += 1
    rest = codes[cut:]
    if not all(code.startswith("term:") for code in rest):
        return list(_reasons(codes)[0])  # labels after key terms: the general way
    # The ranker gives shared topics/countries first, then key terms: the shared part
    # repeats across many links ("Italy, Trade") and is worked out once.
    named, labels = _shared_part(codes[:cut])
    return [*named, *(name for name in map(reason_text, rest) if _kept(name, labels))]


def _reasons(codes: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str]]:
    """The reasons kept, in order, and the shared topic/country labels among them."""
    named = [reason_text(code) for code in codes]
    pairs = zip(codes, named, strict=True)
    labels = frozenset(name.lower() for code, name in pairs if not code.startswith("term:"))
    return tuple(name for name in named if _kept(name, labels)), labels


_shared_part = functools.lru_cache(maxsize=65536)(_reasons)


def _kept(name: str, labels: frozenset[str]) -> bool:
    """A key term (“word”) that only repeats a shared label is dropped."""
    return name.strip("“”").lower() not in labels or not name.startswith("“")


# What a story's related input is made of, but its text: (id, title, date, topics,
# countries, source).
Fields = tuple


def _fields(url: str, title, date, meta: dict) -> Fields:
    return (
        url,
        str(title),
        date,
        split_list(meta.get("topics")),
        split_list(meta.get("countries")),
        str(meta.get("source") or ""),
    )


def story_fields(article) -> Fields:
    return _fields(article.url, article.title, getattr(article, "date", None), article.metadata)


def input_of(fields: Fields, content: str | None) -> RelatedInput:
    from newsarchive.related import RelatedInput  # see compute_links

    id_, title, date, topics, countries, source = fields
    return RelatedInput(id_, title, plain_text(content or ""), date, topics, countries, source)


def related_input(article) -> RelatedInput:
    return input_of(story_fields(article), article._content)


# One related link as it crosses from the background process: (index of the other story
# in the build's article list, score, reasons as readers see them).
Linked = list[list[tuple[int, float, list[str]]]]


def compute_links(articles: list, settings: dict) -> Linked:
    """Every article's related links, by position in ``articles``."""
    return links_of([related_input(a) for a in articles], settings)


def links_of(inputs: list[RelatedInput], settings: dict) -> Linked:
    """Every story's related links, by position in ``inputs``."""
    # Imported here, not at the top: the ranking's NumPy and SciPy take ~0.3 s to import,
    # which the background process pays while the build goes on, not the build itself.
    from newsarchive.related import related

    position = {story.id: i for i, story in enumerate(inputs)}
    lists = related(
        inputs,
        settings["RELATED_STORIES_MAX"],
        cache_dir=Path(settings["RELATED_STORIES_CACHE"]),
    )
    floor = settings["RELATED_STORIES_MIN_SCORE"]
    return [
        [
            (position[link.id], link.score, readable_reasons(link.reasons))
            for link in lists.get(story.id, [])
            if link.score >= floor
        ]
        for story in inputs
    ]


def _attach(articles: list, linked: Linked, where: str) -> None:
    for article, links in zip(articles, linked, strict=True):
        article.related_stories = [(articles[i], score, reasons) for i, score, reasons in links]
    log.info("related stories: linked %d articles (%s)", len(articles), where)


@dataclass(eq=False)
class _Background:
    """The lists being worked out in a forked process."""

    articles: list | None  # None: started from the files read, not yet checked (_adopted)
    settings: dict
    pid: int
    path: str
    status: int | None = None  # the child's exit status, once reaped by _ready
    started: float = 0.0  # time.time() at the fork
    # Started from the files read: (paths, fields, contents), the stories it links, in order.
    early: tuple[list[str], list[Fields], list[str]] | None = None


_pending: list[_Background] = []  # started and not yet attached (nor abandoned)


class _Collect(logging.Handler):
    """The child's log records, handed back to the parent to log (the child must not write
    to the console: another thread of the parent may have held its lock at the fork)."""

    def __init__(self):
        super().__init__()
        self.records: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = dict(vars(record), msg=record.getMessage(), args=None, exc_info=None)
        self.records.append(fields)


def _child(work: Callable[[], Linked], path: str) -> None:
    """In the forked process: compute, write the outcome to ``path``, leave at once."""
    code = 1
    collect = _Collect()
    try:
        in_forked_worker()  # no collection here walks (and copies) every inherited object
        logging.root.handlers = [collect]
        for logger in list(logging.root.manager.loggerDict.values()):
            if isinstance(logger, logging.Logger):
                logger.handlers = []
        try:
            outcome = {"linked": work()}
            code = 0
        except BaseException as exc:
            outcome = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        outcome["logs"] = collect.records
        Path(path).write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(code)


def _start(
    articles: list | None, settings: dict, work: Callable[[], Linked] | None = None
) -> _Background | None:
    """Fork the process working out the lists of ``articles`` (``work``: what it runs
    instead, for lists started before the articles exist)."""
    if work is None:
        work = functools.partial(compute_links, articles, settings)
    fd, path = tempfile.mkstemp(prefix="related-stories-", suffix=".pickle")
    os.close(fd)
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.time() - 1  # (file times may be coarser than this clock)
    try:
        pid = os.fork()
    except OSError as err:
        Path(path).unlink()
        log.warning("related stories: cannot fork (%s); computing in the build process", err)
        return None
    if pid == 0:
        _child(work, path)
    job = _Background(articles, settings, pid, path, started=started)
    _pending.append(job)
    return job


def _finish(job: _Background) -> None:
    """Wait for the child, attach its lists; if it failed, compute them here (so a real error
    is raised as it would be without the background process)."""
    if job not in _pending:
        return  # attached already
    if job.articles is None:  # started early, and no article list came to check it against
        _discard(job)
        return
    _pending.remove(job)
    waited = time.perf_counter()
    status = job.status if job.status is not None else os.waitpid(job.pid, 0)[1]
    log.debug(
        "related stories: waited %.2f s for the background process", time.perf_counter() - waited
    )
    try:
        outcome = pickle.loads(Path(job.path).read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError):
        outcome = {}
    finally:
        Path(job.path).unlink(missing_ok=True)
    for fields in outcome.get("logs", []):  # as the child logged them (origin kept)
        record = logging.makeLogRecord(fields)
        # Pelican's logger drops a message it has shown already (the parent logged the same
        # words after the fork, e.g. the topic vocabulary's debug line) by raising this
        # from its filter; outside its own _log nothing catches it.
        with contextlib.suppress(FilteredMessage):
            logging.getLogger(record.name).handle(record)
    linked = outcome.get("linked")
    if linked is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        reason = outcome.get("error") or f"exit status {status}"
        log.warning(
            "related stories: the background process failed (%s); computing them in "
            "the build process",
            reason,
        )
        log.debug("%s", outcome.get("traceback", ""))
        _attach(job.articles, compute_links(job.articles, job.settings), "in process")
        return
    _attach(job.articles, linked, "in the background")


def finish_pending(_sender=None, **_kwargs) -> None:
    """Attach every list still being worked out (before pages are rendered)."""
    for job in list(_pending):
        _finish(job)


def _discard(job: _Background) -> None:
    """Stop a background process whose lists will not be used; drop its file and the
    temporary files it may have left in the cache folder (its writes there are atomic)."""
    if job in _pending:
        _pending.remove(job)
    if job.status is None:
        with contextlib.suppress(OSError):
            os.kill(job.pid, signal_module.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(job.pid, 0)
    Path(job.path).unlink(missing_ok=True)
    if not job.started:  # (not forked by _start: nothing of its own to look for)
        return
    for left in Path(job.settings["RELATED_STORIES_CACHE"]).glob("*.tmp"):
        with contextlib.suppress(OSError):
            if left.stat().st_mtime >= job.started:
                left.unlink()


@atexit.register
def _abandon() -> None:
    """A build that failed (or was interrupted) before the lists were needed: stop the
    children at once, since their lists will not be used (waiting for them held a failed
    build's exit for as long as the lists take, seconds at 20,000 stories), reap them, and
    drop their files and the temporary files they left in the cache folder (_discard)."""
    for job in list(_pending):
        _discard(job)


# --- starting from the files read, before Pelican makes the stories ----------------------
#
# With every story file read by fast_reading's workers, what a story's related input holds
# is in the reader's output: Pelican then spends seconds on one core making the stories
# (their URLs, dates, signals) while the other core waits. The lists are started then, from
# the fields the stories will have, worked out from the files (_read_fields), and used only
# if every story Pelican made has exactly those fields and that content (_adopted); otherwise
# the process is stopped and the lists are worked out from the stories, as without this.


def _url_reading(settings: dict) -> tuple[str, str, str] | None:
    """What working out a story's URL from its file needs, once a build: ``ARTICLE_URL``, the
    default language and the content folder; None when the pattern names the author or
    category (Pelican's objects, not the file's words) or cannot be parsed."""
    pattern = str(settings.get("ARTICLE_URL", ""))
    try:
        names = {
            name.split(".")[0].split("[")[0]
            for _t, name, _s, _c in string.Formatter().parse(pattern)
            if name
        }
    except ValueError:
        return None
    if names & {"author", "category", "authors", "tags"}:
        return None
    language = str(settings.get("DEFAULT_LANG", "en")).lower()
    return pattern, language, os.path.abspath(settings["PATH"])


def _read_fields(
    path: str, metadata: dict, settings: dict, reading: tuple[str, str, str]
) -> Fields | None:
    """What story_fields() will give for the story Pelican makes from the file at ``path``
    (absolute), from the reader's metadata alone (``reading``: see _url_reading); None when
    that needs more than the file says (no slug or date, a URL of its own, another
    language, a draft)."""
    from pelican.utils import path_to_url, set_date_tzinfo

    pattern, language, root = reading
    if not {"title", "slug", "date"} <= metadata.keys() or "url" in metadata:
        return None
    lang = metadata.get("lang", language)
    if lang != language or metadata.get("status") == "draft":
        return None
    date = metadata["date"]
    if not isinstance(date, dt.datetime):
        return None
    date = set_date_tzinfo(date, metadata.get("timezone", settings.get("TIMEZONE", "UTC")))
    values = dict(
        metadata,
        path=path_to_url(metadata.get("path", os.path.relpath(path, root))),
        slug=metadata["slug"],
        lang=lang,
        date=date,
    )
    try:
        url = pattern.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return None
    return _fields(url, metadata["title"], date, metadata)


def _early_links(fields: list[Fields], contents: list[str], settings: dict) -> Linked:
    return links_of([input_of(f, c) for f, c in zip(fields, contents, strict=True)], settings)


def start_from_files(generator, found: dict, complete: bool) -> None:
    """fast_reading's ``stories_preread``: every story file read (``found``: absolute path →
    (stamp, (content, metadata))); start the lists now if the stories' fields can be told."""
    settings = _checked(generator.settings)
    if not complete or not settings.get("RELATED_STORIES_BACKGROUND"):
        return
    if len(found) < BACKGROUND_MIN_STORIES or any(job.articles is None for job in _pending):
        return
    reading = _url_reading(settings)
    if reading is None:
        return
    paths = sorted(found)
    fields, contents = [], []
    for path in paths:
        content, metadata = found[path][1]
        story = _read_fields(path, metadata, settings, reading)
        if story is None:
            log.debug("related stories: not started from the files (%s: fields not known)", path)
            return
        fields.append(story)
        contents.append(content)
    if len({story[0] for story in fields}) != len(fields):
        return  # two files give one URL: Pelican keeps one of them
    work = functools.partial(_early_links, fields, contents, settings)
    job = _start(None, settings, work)
    if job is not None:
        job.early = (paths, fields, contents)


def _same_fields(made: Fields, read: Fields) -> bool:
    # Dates: equal instants may still be different days where they were written, which the
    # ranking reads; the wall-clock text with its offset must match too.
    if made != read:
        return False
    return made[2] is None or made[2].isoformat() == read[2].isoformat()


def _adopt_reason(job: _Background, articles: list) -> str | None:
    """Why the lists started from the files do not fit ``articles``; None: they do (and the
    job's articles are set, in the order it linked them)."""
    paths, fields, contents = job.early
    if len(articles) != len(paths):
        return f"{len(articles)} stories to link, {len(paths)} files read"
    where = {path: i for i, path in enumerate(paths)}
    ordered: list = [None] * len(paths)
    for article in articles:
        i = where.get(os.path.abspath(article.source_path or ""))
        if i is None or ordered[i] is not None:
            return f"{article.source_path}: not among the files read"
        if not _same_fields(story_fields(article), fields[i]):
            return f"{article.source_path}: URL, title, date or labels differ from the file's"
        if article._content != contents[i]:
            return f"{article.source_path}: content differs from what was read"
        ordered[i] = article
    job.articles = ordered
    job.early = None
    return None


def _adopted(articles: list) -> _Background | None:
    """The job started from the files, if it links exactly ``articles``; otherwise it is
    stopped (and the caller starts one from the stories)."""
    for job in list(_pending):
        if job.articles is None:
            reason = _adopt_reason(job, articles)
            if reason is None:
                log.info("related stories: started from the files read, before the stories")
                return job
            log.info("related stories: worked out again from the stories (%s)", reason)
            _discard(job)
    return None


def _checked(settings: dict) -> dict:
    """``settings`` with the plugin's defaults and checks (a build whose ``initialized``
    receiver did not run them, e.g. one made in a test)."""
    if settings.get("RELATED_STORIES_CACHE") is None:
        check_settings(settings)
    return settings


def attach_related(generator) -> None:
    settings = _checked(generator.settings)
    articles = list({article.url: article for article in generator.articles}.values())
    job = _adopted(articles)
    if (
        job is None
        and settings.get("RELATED_STORIES_BACKGROUND")
        and len(articles) >= BACKGROUND_MIN_STORIES
    ):
        job = _start(articles, settings)
    if job is None:
        _attach(articles, compute_links(articles, settings), "in process")
        return
    # Attached when first needed: by render_pool's writer just before it renders, or before
    # this generator writes its pages with any writer that renders at once.
    original = generator.generate_output

    def generate_output(writer):
        if not getattr(writer, "defers_rendering", False):
            _finish(job)
        return original(writer)

    generator.generate_output = generate_output


def _related_stamp(value, ref, unread: frozenset) -> list:
    """render_pool's key part for ``related_stories``: each linked story (as listed), its
    score unless no template or code reads it, and the reasons (tuples of strings)."""
    parts: list = []
    for other, score, reasons in value:
        parts += [ref(other), "-" if 1 in unread else repr(score), repr(reasons)]
    return parts


def _ready() -> bool:
    """Whether every background process has finished (its lists attach without waiting)."""
    for job in _pending:
        if job.status is None:
            pid, status = os.waitpid(job.pid, os.WNOHANG)
            if pid == 0:
                return False
            job.status = status
    return True


def content_fields(_writer) -> dict:
    # "late": attached at render_pool's BEFORE_RENDER, being worked out in the background;
    # "ready": whether they are there to attach (render_pool then stops keying early and
    # leaves the rest of the keys to its render processes: both cores are free).
    late = ["related_stories"] if _pending else []
    return {"links": {"related_stories": _related_stamp}, "late": late, "ready": _ready}


def register() -> None:
    signal("render_pool.content_fields").connect(content_fields)
    signals.initialized.connect(on_initialized)
    signals.article_generator_finalized.connect(attach_related)
    signal("fast_reading.stories_preread").connect(start_from_files)
    BEFORE_RENDER.connect(finish_pending)
    signals.finalized.connect(finish_pending)  # nothing rendered: still no child left behind
