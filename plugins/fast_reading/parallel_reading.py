"""Read the stories on every core before Pelican's one-core reading loop.

Pelican reads (and converts from Markdown) one file after another in one process: at 100,000
stories that was ~100 s of a build on one core while the other waited. Here, when the
articles generator is created, the files the content cache does not already hold are split
across ``READ_JOBS`` processes (forked, so they share the settings and readers as they are),
each runs the same reader Pelican would (``readers.readers[suffix].read``), and the results
come back through Pelican's own reader-level cache: ``Readers.read_file`` then finds every
file already read and goes on exactly as with a warm content cache (the metadata processing,
signals, and content objects are all Pelican's, in Pelican's order). The content cache on
disk is filled the same way, so the next build reads nothing.

A file is left to Pelican's own loop (read again there, one at a time) when its reader
raised or logged anything at WARNING or above in the worker: its messages and errors then
come from the main process, once, through Pelican's logging (``--fatal`` included), as
without this plugin. The main process reads nothing itself while the workers run, for the
same reason. ``READ_JOBS = 1`` turns it off; it is off with
``CONTENT_CACHING_LAYER = "generator"`` (that layer caches whole articles instead).

Receivers of ``article_generator_preread`` still run before each file is handled, but the
file has already been read by then: a plugin that changes how files are read from that
signal needs ``READ_JOBS = 1``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import sys
import tempfile
import traceback

import blinker
from pelican.cache import FileDataCacher
from pelican.readers import _filter_discardable_metadata
from pelican.utils import file_suffix

from newsarchive.collector import in_forked_worker

from . import snapshot

log = logging.getLogger(__name__)

# Sent with every file read, before Pelican makes the stories: found (absolute path →
# (stamp, (content, reader metadata))) and complete (whether that is every story file).
STORIES_PREREAD = blinker.signal("fast_reading.stories_preread")

MIN_FILES_TO_FORK = 200  # below this, forking costs more than it saves (READ_PARALLEL_MIN_FILES)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


class _Flag(logging.Handler):
    """Notes that a record at WARNING or above was emitted (in a worker, instead of
    printing it: the main process prints it when it reads the file again)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.raised = False

    def emit(self, record: logging.LogRecord) -> None:
        self.raised = True


def _unread(readers, paths: list[str]) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """(absolute path, suffix) of each file a reader knows and the cache does not hold, and
    what the cache holds for the others (checking a file takes its stamp, an ``os.stat``:
    Pelican's loop is handed the answer instead of checking every story a second time)."""
    out, cached = [], {}
    for path in paths:
        fmt = file_suffix(path)
        if fmt in readers.readers and not snapshot.covers(path):  # restored, not read
            value = readers.get_cached_data(path, None)
            if value is None:
                out.append((path, fmt))
            else:
                cached[path] = value
    return out, cached


def _read_share(readers, share: list[tuple[str, str]]) -> dict[str, tuple]:
    """In a worker: path → (stamp, (content, reader metadata)) for each file read cleanly.
    Nothing the reader logs is printed here; a file whose reading logged a warning (or
    raised) is left out, so Pelican's loop reads it again in the main process and reports
    it there, once, through Pelican's own logging (``--fatal`` included)."""
    flag = _Flag()
    root = logging.getLogger()
    root.handlers = [flag]
    root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    done = {}
    for path, fmt in share:
        flag.raised = False
        # The stamp is taken before reading: a file edited meanwhile is read again next time.
        stamp = readers._get_file_stamp(path)
        try:
            content, metadata = readers.readers[fmt].read(path)
        except Exception:
            continue
        if flag.raised or content is None:
            continue
        done[path] = (stamp, (content, _filter_discardable_metadata(metadata)))
    return done


def _child(readers, share: list[tuple[str, str]], report: str) -> None:
    """The forked worker: read, hand back, and leave at once (never returns)."""
    code = 0
    try:
        # Pelican's CLI runs inside a rich status display whose thread may have held its
        # lock at fork time: write only to the real streams here.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        in_forked_worker()
        done = _read_share(readers, share)
        with open(report + ".tmp", "wb") as handle:
            pickle.dump(done, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(report + ".tmp", report)
    except BaseException:
        code = 1
        with contextlib.suppress(BaseException):
            os.write(2, traceback.format_exc().encode("utf-8", "replace"))
    finally:
        os._exit(code)


def _read_in_workers(readers, todo: list[tuple[str, str]], jobs: int) -> dict[str, tuple]:
    """Fork ``jobs`` workers (the main process waits: its reading would have to go through
    Pelican's logging twice), each reading every ``jobs``-th file; what they hand back."""
    shares = [todo[w::jobs] for w in range(jobs)]
    results: dict[str, tuple] = {}
    running: dict[int, str] = {}
    tmpdir = tempfile.mkdtemp(prefix="parallel-reading-")
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for w in range(jobs):
            report = os.path.join(tmpdir, f"worker-{w}.pickle")
            try:
                pid = os.fork()
            except OSError as exc:  # no more processes: the loop reads what is left
                log.warning("parallel_reading: cannot start a reading process (%s)", exc)
                break
            if pid == 0:
                _child(readers, shares[w], report)
            running[pid] = report
        while running:
            pid, status = os.wait()
            report = running.pop(pid, None)
            if report is None:
                continue
            try:
                with open(report, "rb") as handle:
                    results.update(pickle.load(handle))
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                log.warning(
                    "parallel_reading: a reading process handed nothing back (status %d, %s);"
                    " its files are read in the main process",
                    status,
                    exc,
                )
    finally:
        for pid in running:  # interrupted: stop and reap the workers still running
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        for name in os.listdir(tmpdir):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(tmpdir, name))
        with contextlib.suppress(OSError):
            os.rmdir(tmpdir)
    return results


class ParallelReadingSettingsError(Exception):
    """A READ_* setting is wrong."""


def _whole(settings, name: str, default: int | None) -> int | None:
    value = settings.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ParallelReadingSettingsError(f"{name} must be an integer ≥ 1, not {value!r}")
    return value


def preread_articles(generator) -> None:
    """``article_generator_init``: read the uncached story files in worker processes and
    put the results where ``Readers.read_file`` looks first."""
    settings = generator.settings
    jobs = _whole(settings, "READ_JOBS", None) or usable_cores()
    least = _whole(settings, "READ_PARALLEL_MIN_FILES", MIN_FILES_TO_FORK)
    if jobs <= 1 or settings.get("CONTENT_CACHING_LAYER", "reader") != "reader":
        return  # (the generator layer caches whole articles: nothing to hand over)
    readers = generator.readers
    files = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    paths = [os.path.abspath(os.path.join(generator.path, f)) for f in files]
    todo, cached = _unread(readers, paths)
    found = {}
    if len(todo) >= (least or MIN_FILES_TO_FORK):
        found = _read_in_workers(readers, todo, jobs)
        log.info(
            "parallel_reading: %d of %d story files read in %d processes",
            len(found),
            len(todo),
            jobs,
        )
    # Every story file read here (none cached, restored or left to Pelican's loop): what
    # they hold can go to work before Pelican makes the stories (related_stories does).
    complete = bool(paths) and len(found) == len(paths)
    STORIES_PREREAD.send(generator, found=found, complete=complete)
    _hand_over(readers, found, cached)


def _hand_over(readers, found: dict[str, tuple], cached: dict[str, object]) -> None:
    """Make ``found`` what ``readers.get_cached_data`` returns for those files (and store it
    in the content cache, when that is on, with the stamp taken before reading, so it is
    saved for the next build); and ``cached`` (what the cache held for the other files, as
    ``_unread`` found it; taken over, not copied) for those, so they are not checked again."""
    data = cached
    for path, (stamp, value) in found.items():
        FileDataCacher.cache_data(readers, path, (stamp, value))  # no-op with the cache off
        data[path] = value
    if not data:
        return
    original = readers.get_cached_data

    def get_cached_data(filename, default=None):
        value = data.pop(filename, None)
        return value if value is not None else original(filename, default)

    readers.get_cached_data = get_cached_data
