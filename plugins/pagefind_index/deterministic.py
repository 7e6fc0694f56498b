"""A Pagefind index that is byte-identical for the same site, wherever and whenever it is built.

The ``pagefind --site`` CLI is not reproducible in two ways (Pagefind 1.5.2):

1. **Page numbers follow the directory walk**, which is the file system's ``readdir`` order:
   hash order on ext4, creation order on tmpfs. Page numbers are stored in every word index
   chunk, filter and sort, so the same site built on another file system gets other files.
2. **Filters and sorts come out of a Rust ``HashMap``** whose seed is random per process
   (upstream marks it ``TODO: Change filter indexes to BTree to give them a stable hash``).
   The filter files (``filter/*.pf_filter``), the metadata file (``pagefind.*.pf_meta``) that
   names them and ``pagefind-entry.json`` that names the metadata file change on every run,
   even for the same input.

This module keeps the real binary from ``pagefind-bin`` and fixes both:

1. page *n* is always the *n*-th path in sorted order. Where it can (:func:`index_with_cli`),
   it runs ``pagefind --site`` over a folder of symbolic links on a tmpfs, made in the order
   that makes the CLI's directory walk meet them in sorted order, and checks every page's
   number in what it wrote; otherwise (no tmpfs, other options, or a check that fails) it
   drives ``pagefind --service`` (the JSON-over-stdin protocol of the official Python and
   Node wrappers) and adds the HTML files one at a time in sorted path order. The two give
   the same bytes; the CLI spreads a shard over every core;
2. after Pagefind has written the bundle, :func:`canonicalise_bundle` decodes the filter and
   metadata files (CBOR inside gzip), sorts filters, filter values and sorts by name, and
   writes them back under content hashes computed the way Pagefind names its files.

The canonical form also makes the per-page part of the metadata file, which the browser
downloads for every search, small (see :func:`_compact_pages`): fragments get sequential names
from their page number instead of random-looking content hashes, and a sort that is exactly
page order (the ``date`` sort: story URLs start with the date) is left out; the search page
orders by page number instead.

Finally the word index is cut into smaller chunks than Pagefind's (:func:`_recut_word_index`:
a first search over many shards loads one chunk per shard). Each word's entry and the
fragments' contents are left exactly as Pagefind wrote them. A data file that does not
decode and encode back to the same bytes (cbor2), or a layout this module does not know,
stops with :class:`PagefindError` rather than writing an index the browser cannot read.
"""

from __future__ import annotations

import atexit
import base64
import collections
import contextlib
import functools
import gzip
import hashlib
import io
import itertools
import json
import logging
import math
import os
import shutil
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import cbor2

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

SIGNATURE = b"pagefind_dcd"  # Pagefind prefixes every gzipped data file with this
FILTER_HASH_LENGTH = 7
META_HASH_LENGTH = 10
# Sorts (data-pagefind-sort names) that the site guarantees to follow page order, i.e. sorted
# path order: a story's URL starts with its date (/YYYY/MM/DD/slug/) and so does its `date`
# sort value (YYYY-MM-DD), and Pagefind breaks ties in page order (a stable sort). Such a sort
# is dropped from the metadata when, and only when, it is exactly page order; see search.js.
PAGE_ORDER_SORTS = ("date",)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
# Word index chunks (see _recut_word_index): the cut size is the square root of the index's
# encoded bytes times CHUNK_BYTES_FACTOR, at least CHUNK_BYTES_MIN. A cut waits for two words
# sharing at most CUT_PREFIX leading characters, so a term of CUT_PREFIX + 1 or more
# characters finds every word it begins; past CHUNK_FORCE times the size it may fall between
# words sharing one more (terms one character longer stay whole), and past CHUNK_HARD times
# anywhere. At 100,000 stories factors 8 and 24 gave the same first-search bytes and 24 the
# smaller metadata; on the 20k index, CUT_PREFIX 2 left 27 of 30,149 3-letter beginnings split
# across chunks (3 had left 1,281) and no 4-letter one, with 139 fewer chunks; a first search
# grew by 2 KiB at 20k and 21 KiB at 100k (docs/scaling.md, eleventh and twelfth passes).
# gzip level 9 took 4x as long as 6 for 1.5% less.
CHUNK_BYTES_MIN = 2048
CHUNK_BYTES_FACTOR = 24
CUT_PREFIX = 2
CHUNK_FORCE = 4
CHUNK_HARD = 16
CHUNK_GZIP_LEVEL = 6


class PagefindError(Exception):
    """Pagefind could not index the site."""


@dataclass(frozen=True)
class IndexOptions:
    """What the CLI flags in ``PAGEFIND_ARGS`` can set, as the service's index config."""

    bundle_dir: str = "pagefind"
    root_selector: str | None = None
    exclude_selectors: tuple[str, ...] = ()
    force_language: str | None = None
    include_characters: str | None = None
    keep_index_url: bool = False

    def service_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"keep_index_url": self.keep_index_url}
        if self.root_selector:
            config["root_selector"] = self.root_selector
        if self.exclude_selectors:
            config["exclude_selectors"] = list(self.exclude_selectors)
        if self.force_language:
            config["force_language"] = self.force_language
        if self.include_characters:
            config["include_characters"] = self.include_characters
        return config


@dataclass(frozen=True)
class IndexSummary:
    pages: int
    words: int
    files: tuple[str, ...] = field(default=())


_VALUE_FLAGS = {
    "--output-subdir": "bundle_dir",
    "--root-selector": "root_selector",
    "--exclude-selectors": "exclude_selectors",
    "--force-language": "force_language",
    "--include-characters": "include_characters",
}
_IGNORED_FLAGS = {"-q", "--quiet", "--silent", "-v", "--verbose"}


def options_from_args(args: Sequence[str]) -> IndexOptions:
    """Translate ``pagefind`` CLI flags (``PAGEFIND_ARGS``) into :class:`IndexOptions`."""
    values: dict[str, Any] = {}
    excluded: list[str] = []
    items = iter(args)
    for arg in items:
        flag, _, inline = arg.partition("=")
        if arg in _IGNORED_FLAGS:
            continue
        if flag in ("-k", "--keep-index-url"):
            values["keep_index_url"] = True
        elif flag in _VALUE_FLAGS:
            value = inline or next(items, None)
            if not value:
                raise PagefindError(f"PAGEFIND_ARGS: {flag} needs a value")
            if flag == "--exclude-selectors":
                excluded.append(value)
            else:
                values[_VALUE_FLAGS[flag]] = value
        else:
            raise PagefindError(
                f"PAGEFIND_ARGS: {arg!r} is not supported by the reproducible indexer "
                f"(supported: {', '.join(sorted([*_VALUE_FLAGS, '--keep-index-url']))})"
            )
    return IndexOptions(exclude_selectors=tuple(excluded), **values)


def html_files(site: Path, bundle_dir: str) -> list[str]:
    """Every ``*.html`` under ``site`` (outside the bundle), as sorted POSIX relative paths."""
    bundle = (site / bundle_dir).resolve()
    found = []
    for path in site.rglob("*.html"):
        if path.is_file() and not path.resolve().is_relative_to(bundle):
            found.append(path.relative_to(site).as_posix())
    return sorted(found)


def build_index(
    site: Path, options: IndexOptions | None = None, executable: Path | None = None
) -> IndexSummary:
    """Index ``site`` into ``site/<bundle_dir>`` reproducibly; replaces any previous bundle.

    One bundle for the whole site (the sharded index in ``shards.py`` is what the plugin
    uses; this stays for tests and for comparing with ``pagefind --site``)."""
    options = options or IndexOptions()
    site = Path(site).resolve()
    bundle = site / options.bundle_dir
    if bundle.exists():
        shutil.rmtree(bundle)  # stale hashed files from an earlier build would linger
    return index_files(site, html_files(site, options.bundle_dir), bundle, options, executable)


INDEXERS = ("auto", "service")  # PAGEFIND_INDEXER: the CLI over links where it can, or not


def check_indexer(indexer: object) -> None:
    """Stop on a ``PAGEFIND_INDEXER`` that is not one of ``INDEXERS``."""
    if indexer not in INDEXERS:
        choices = ", ".join(map(repr, INDEXERS))
        raise PagefindError(f"PAGEFIND_INDEXER must be one of {choices}, not {indexer!r}")


def index_files(
    site: Path,
    files: Sequence[str],
    bundle: Path,
    options: IndexOptions | None = None,
    executable: Path | None = None,
    indexer: str = "auto",
) -> IndexSummary:
    """Index the pages ``files`` (sorted POSIX paths relative to ``site``) into the folder
    ``bundle`` (which must not exist yet), then canonicalise the bundle: with
    :func:`index_with_cli` when ``indexer`` is ``"auto"`` and it can, else with one Pagefind
    service process."""
    check_indexer(indexer)
    options = options or IndexOptions()
    files = sorted(files)
    if indexer == "auto":
        summary = index_with_cli(Path(site), files, bundle, options, executable)
        if summary is not None:
            return summary
    with PagefindService(site, executable) as service:
        config = options.service_config()
        index_id = service.request({"type": "NewIndex", "config": config})["index_id"]
        additions = (_add_file(index_id, site, relative) for relative in files)
        words = sum(int(reply.get("page_word_count") or 0) for reply in service.stream(additions))
        if words == 0:
            raise PagefindError(f"Pagefind found no words to index in {len(files)} HTML files")
        service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(bundle)})
        service.wait_until_written(bundle)
    pages = canonicalise_bundle(bundle)
    return IndexSummary(pages=pages, words=words, files=tuple(files))


def _add_file(index_id: int, site: Path, relative: str) -> dict[str, Any]:
    return {
        "type": "AddFile",
        "index_id": index_id,
        "file_path": relative,
        "url": None,
        "file_contents": (site / relative).read_bytes().decode("utf-8", errors="replace"),
    }


# --- ``pagefind --site`` over links walked in sorted order -----------------------------------
#
# The service indexes one page at a time on one core. The CLI spreads a site over every core
# and, on three years of the 20k site, used a fifth less CPU (no base64 JSON per page) in ~70% of
# the wall time, but numbers pages in the order its directory walk meets them: ``readdir``
# order, a hash order on ext4. On a tmpfs ``readdir`` lists a folder's entries in the order
# they were made (newest first on the kernels seen here, oldest first on others: probed), so
# a folder of symbolic links made in the right order is walked in sorted path order, which is
# the service's numbering: the canonical bundles are then byte for byte the same. The CLI
# follows the links. What it wrote is checked before it is used (every page's fragment URL, in
# page order, must be the next file's), and the service indexes the shard when anything differs.

LINK_FARM_ROOTS = ("/dev/shm",)  # tmpfs mounts tried for the folder of links
LINK_FARM_BYTES_PER_PAGE = 8192  # free room asked of it per page (a link can take 4 KiB)


def _tmpfs_mounts() -> set[str]:
    try:
        fields = [line.split() for line in Path("/proc/self/mounts").read_text().splitlines()]
    except OSError:
        return set()
    return {f[1] for f in fields if len(f) > 2 and f[2] == "tmpfs"}


@functools.cache
def link_farm_root() -> tuple[str, bool] | None:
    """A tmpfs folder for links and whether its ``readdir`` lists the newest entry first, or
    None when there is none whose order is creation order either way."""
    mounted = _tmpfs_mounts()
    for root in LINK_FARM_ROOTS:
        if root not in mounted or not os.access(root, os.W_OK):
            continue
        try:
            probe = Path(tempfile.mkdtemp(prefix="pagefind-order-", dir=root))
        except OSError:
            continue
        try:
            names = [f"{n:02d}" for n in range(12)]
            for name in names:
                (probe / name).mkdir()
            listed = [entry.name for entry in probe.iterdir()]  # readdir order
        except OSError:
            continue
        finally:
            shutil.rmtree(probe, ignore_errors=True)
        if listed in (names, names[::-1]):
            return root, listed != names
    return None


def page_url(relative: str) -> str:
    """The URL Pagefind gives a page it reads at ``relative`` (without ``--keep-index-url``)."""
    url = "/" + relative
    return url[: -len("index.html")] if url.rsplit("/", 1)[-1] == "index.html" else url


def index_with_cli(
    site: Path,
    files: Sequence[str],
    bundle: Path,
    options: IndexOptions,
    executable: Path | None = None,
) -> IndexSummary | None:
    """Index ``files`` (sorted) with ``pagefind --site`` over a folder of links walked in
    that order, check the page numbers and canonicalise; None (and no ``bundle``) when the
    CLI cannot be used so (options the link farm does not carry over, no tmpfs whose order
    is known, the CLI failed, or it numbered the pages otherwise)."""
    farm_root = _cli_usable(options)
    if farm_root is None or not files:
        return None
    site, bundle = site.absolute(), bundle.absolute()  # the CLI runs in the link folder
    executable = executable or _bundled_executable()
    refused = _run_over_links(site, files, bundle, executable, farm_root)
    words = _words_if_in_order(bundle, files) if refused is None else None
    if words is None:
        # Pelican shows INFO: a site that always falls back (say, a page the CLI leaves out)
        # pays for both runs, and should be told why.
        log.info(
            "pagefind --site over links not used for %d pages (%s); the service indexes them",
            len(files),
            refused or "the pages it numbered are not the files in sorted order",
        )
        shutil.rmtree(bundle, ignore_errors=True)
        return None
    if words == 0:
        raise PagefindError(f"Pagefind found no words to index in {len(files)} HTML files")
    return IndexSummary(pages=canonicalise_bundle(bundle), words=words, files=tuple(files))


def _cli_usable(options: IndexOptions) -> tuple[str, bool] | None:
    """The link farm's root when ``index_with_cli`` can run with these options, else None."""
    farm_root = link_farm_root()
    if farm_root is None or replace(options, bundle_dir="pagefind") != IndexOptions():
        return None
    return farm_root


# Folders of links made ahead (``make_link_farm_ahead``), by site and files, until a run takes
# them; the lock: the index's threads take them while the build's main thread may add more.
_ahead: dict[tuple[str, tuple[str, ...]], str] = {}
_ahead_lock = threading.Lock()


def make_link_farm_ahead(site: Path, files: Sequence[str], options: IndexOptions) -> bool:
    """Make the folder of links for indexing ``files`` now, in the calling thread, for the
    run that indexes them later. In a build, the main thread makes it just before it starts
    the index's thread: made in that thread, its ~1,600 file-system calls each waited for
    the interpreter's lock while the main thread wrote the sitemap and the caches (0.3-0.4 s
    of a one-story 20,000-story rebuild, against ~0.03 s alone). Whether one was made."""
    farm_root = _cli_usable(options)
    files = tuple(sorted(files))
    if farm_root is None or not files:
        return False
    site = Path(site).absolute()
    farm = _link_farm(site, files, farm_root)
    if not isinstance(farm, Path):
        return False
    with _ahead_lock:
        stale = _ahead.pop((str(site), files), None)
        _ahead[(str(site), files)] = str(farm)
    if stale is not None:
        shutil.rmtree(stale, ignore_errors=True)
    return True


def discard_link_farms_ahead() -> None:
    """Remove the folders of links made ahead that no run took (an index that failed)."""
    with _ahead_lock:
        farms = list(_ahead.values())
        _ahead.clear()
    for farm in farms:
        shutil.rmtree(farm, ignore_errors=True)


atexit.register(discard_link_farms_ahead)


def _link_farm(site: Path, files: Sequence[str], farm_root: tuple[str, bool]) -> Path | str:
    """A new tmpfs folder of links to ``files`` (sorted) under ``site``, made so that a walk
    of it meets them in that order; or why not. With ``os`` calls on strings: pathlib's
    objects cost more than the calls themselves here."""
    root, newest_first = farm_root
    free = os.statvfs(root)
    # A link whose target is longer than ~128 bytes takes a page of the tmpfs.
    if free.f_bavail * free.f_frsize < LINK_FARM_BYTES_PER_PAGE * len(files):
        return f"{root} has too little room"
    try:
        farm = tempfile.mkdtemp(prefix="pagefind-site-", dir=root)
    except OSError as exc:
        return f"{root}: {exc}"
    try:
        made: set[str] = {""}
        target = f"{site}/"
        for relative in reversed(files) if newest_first else files:
            parent = relative.rpartition("/")[0]
            if parent not in made:  # folders too are made in walking order
                os.makedirs(f"{farm}/{parent}", exist_ok=True)  # noqa: PTH103 (as above)
                made.add(parent)
            os.symlink(target + relative, f"{farm}/{relative}")  # noqa: PTH211 (as above)
    except OSError as exc:
        shutil.rmtree(farm, ignore_errors=True)
        return f"the links: {exc}"
    return Path(farm)


def _run_over_links(
    site: Path, files: Sequence[str], bundle: Path, executable: Path, farm_root: tuple[str, bool]
) -> str | None:
    """Run ``pagefind --site`` over a tmpfs folder of links to ``files``, made so that its
    walk meets them in sorted order (made ahead, or now), writing ``bundle``; why not, or
    None when it ran."""
    with _ahead_lock:
        farm = _ahead.pop((str(site), tuple(files)), None)
    if farm is None:
        farm = _link_farm(site, files, farm_root)
        if not isinstance(farm, Path):
            return farm
    try:
        # its own settings only: no pagefind.yml from a working folder, no PAGEFIND_* variables
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        done = subprocess.run(
            [str(executable), "--site", str(farm), "--output-path", str(bundle), "--quiet"],
            cwd=farm,
            env=environment,
            capture_output=True,
        )
    except OSError as exc:
        return f"the CLI: {exc}"
    finally:
        shutil.rmtree(farm, ignore_errors=True)
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        return f"pagefind --site failed with status {done.returncode}: {tail}"
    return None


def _words_if_in_order(bundle: Path, files: Sequence[str]) -> int | None:
    """The words indexed, when ``bundle`` holds every one of ``files`` and numbers each
    language's pages in their sorted order (as the service does); None otherwise."""
    rank = {page_url(relative): number for number, relative in enumerate(files)}
    pages = words = 0
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        for info in entry["languages"].values():
            meta = read_data_file(bundle / f"pagefind.{info['hash']}.pf_meta")
            last = -1
            for fragment, _count in meta[1]:
                page = json.loads(_data_body(bundle / "fragment" / f"{fragment}.pf_fragment"))
                number = rank.get(page.get("url"), -1)
                if number <= last:
                    return None
                last, pages, words = number, pages + 1, words + int(page.get("word_count", 0))
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, PagefindError):
        return None
    return words if pages == len(files) else None


class PagefindService:
    """``pagefind --service``: base64 JSON messages, each followed by a comma, both ways.

    Pagefind 1.5's service handles one message at a time, in the order received (its main
    loop awaits each one; upstream: "TODO: Handle incoming messages concurrently"), so pages
    are numbered in the order they are sent. Answers are checked to come back in that order.
    """

    def __init__(self, cwd: Path, executable: Path | None = None) -> None:
        self.cwd = cwd
        self.executable = executable or _bundled_executable()
        self.message_id = 0  # the last message sent
        self.answered = 0  # the last message answered
        self.buffer = bytearray()

    def __enter__(self) -> PagefindService:
        self.stderr: IO[bytes] = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [str(self.executable), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                cwd=self.cwd,
            )
        except OSError as exc:
            raise PagefindError(
                f"cannot start Pagefind ({exc}); is pagefind-bin installed?"
            ) from exc
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(OSError):
            if self.process.stdin:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one message and wait for its answer."""
        (reply,) = self.stream(iter([payload]))
        return reply

    def stream(self, payloads: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Send messages from a writer thread while yielding the answers in order.

        Waiting for each answer before sending the next costs ~1 ms a page in pipe
        round trips; pipelining makes the service as fast as the multi-threaded CLI.
        """
        outbox = _Outbox()
        writer = threading.Thread(target=self._send_all, args=(payloads, outbox), daemon=True)
        writer.start()
        finished = False
        try:
            while (kind := outbox.next_sent()) is not None:
                yield self._answer(kind)
            finished = True
        finally:
            if not finished:
                self.process.kill()  # unblocks a writer stuck on a full pipe
            writer.join()
        if outbox.failure is not None:
            raise PagefindError(f"cannot send to Pagefind: {outbox.failure}")

    def _send_all(self, payloads: Iterator[dict[str, Any]], outbox: _Outbox) -> None:
        assert self.process.stdin is not None
        try:
            for payload in payloads:
                message = json.dumps({"message_id": self.message_id + 1, "payload": payload})
                self.process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
                self.process.stdin.flush()
                self.message_id += 1
                outbox.put(payload["type"])
        except (OSError, ValueError) as exc:
            outbox.failure = exc
        finally:
            outbox.close()

    def _answer(self, kind: str) -> dict[str, Any]:
        self.answered += 1
        try:
            answer = json.loads(base64.b64decode(self._read_message()))
        except (OSError, ValueError) as exc:
            raise PagefindError(f"Pagefind service failed: {exc}; {self._stderr_tail()}") from exc
        reply = answer.get("payload") or {}
        if reply.get("type") == "Error":
            raise PagefindError(f"Pagefind: {reply.get('message')} ({kind})")
        if answer.get("message_id") != self.answered:
            raise PagefindError(
                f"Pagefind answered message {answer.get('message_id')}, expected {self.answered}"
            )
        return reply

    def wait_until_written(self, folder: Path, timeout: float = 120.0) -> None:
        """Wait until Pagefind has closed every file it is writing under ``folder``.

        Pagefind answers WriteFiles when its writes are queued, not done (tokio hands the last
        buffer of each file to a background thread), and exits the moment its stdin closes:
        closing it at once can leave files half-written. On Linux the open descriptors in
        /proc show when it is done; elsewhere the folder must stop changing.
        """
        deadline = time.monotonic() + timeout
        done = self._no_open_files_under if Path("/proc/self/fd").is_dir() else _SettledTree()
        while not done(folder):
            if time.monotonic() > deadline:
                raise PagefindError(f"Pagefind was still writing {folder} after {timeout:.0f} s")
            time.sleep(0.01)

    def _no_open_files_under(self, folder: Path) -> bool:
        prefix = f"{folder}{os.sep}"
        descriptors = Path(f"/proc/{self.process.pid}/fd")
        try:
            targets = [str(fd.readlink()) for fd in descriptors.iterdir()]
        except FileNotFoundError:  # a descriptor closed while listing: look again
            return False
        return not any(target.startswith(prefix) for target in targets)

    def _read_message(self) -> bytes:
        assert self.process.stdout is not None
        while b"," not in self.buffer:
            chunk = self.process.stdout.read1(1 << 16)  # type: ignore[attr-defined]
            if not chunk:
                raise OSError("Pagefind exited before answering")
            self.buffer += chunk
        end = self.buffer.index(b",")
        message = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        return message

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", errors="replace").strip()[-2000:]


class _Outbox:
    """What the writer thread has sent and not yet seen answered, in order."""

    def __init__(self) -> None:
        self.kinds: collections.deque[str] = collections.deque()
        self.closed = False
        self.failure: BaseException | None = None
        self.condition = threading.Condition()

    def put(self, kind: str) -> None:
        with self.condition:
            self.kinds.append(kind)
            self.condition.notify()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify()

    def next_sent(self) -> str | None:
        """The next message to wait an answer for, or None when all are answered."""
        with self.condition:
            self.condition.wait_for(lambda: self.kinds or self.closed)
            return self.kinds.popleft() if self.kinds else None


class _SettledTree:
    """True once a folder's file names, sizes and times stayed the same for three looks."""

    def __init__(self) -> None:
        self.last: list[tuple[str, int, int]] = []
        self.same = 0

    def __call__(self, folder: Path) -> bool:
        time.sleep(0.05)
        now = sorted((str(p), *_size_and_time(p)) for p in folder.rglob("*") if p.is_file())
        self.same = self.same + 1 if now == self.last else 0
        self.last = now
        return self.same >= 3


def _size_and_time(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def _bundled_executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:
        raise PagefindError("pagefind-bin is not installed") from exc
    return Path(get_executable())


# --- Canonical filter, sort and metadata files ----------------------------------------------


def canonicalise_bundle(bundle: Path) -> int:
    """Rewrite filters, sorts and metadata in name order, give fragments their page numbers
    as names and leave out page-order sorts; return the number of pages. Idempotent."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    pages = 0
    for language, info in entry["languages"].items():
        info["hash"] = _canonicalise_language(bundle, language, info["hash"])
        pages += int(info.get("page_count", 0))
    entry["languages"] = dict(sorted(entry["languages"].items()))
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    _write_atomically(entry_path, text.encode("utf-8"))
    return pages


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file and a rename: never a half-written file."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    temporary.write_bytes(data)
    temporary.replace(path)


def _canonicalise_language(bundle: Path, language: str, meta_hash: str) -> str:
    meta_path = bundle / f"pagefind.{meta_hash}.pf_meta"
    meta = read_data_file(meta_path)
    if not _known_meta_layout(meta):
        raise PagefindError(f"{meta_path}: unknown Pagefind metadata layout (version {meta[0]!r})")
    _compact_pages(bundle, language, meta)
    filters = []
    for name, filter_hash in sorted(meta[3]):
        old = bundle / "filter" / f"{filter_hash}.pf_filter"
        data = read_data_file(old)
        data[1] = sorted(([value, sorted(pages)] for value, pages in data[1]), key=_first)
        old.unlink()
        filters.append([name, write_data_file(bundle / "filter", language, data, ".pf_filter")])
    meta[3] = filters
    meta[4] = sorted(meta[4], key=_first)
    _recut_word_index(bundle, language, meta)
    meta_path.unlink()
    return write_data_file(bundle, language, meta, ".pf_meta", prefix="pagefind.")


def _first(item: list[Any]) -> str:
    return item[0]


def fragment_name(language: str, page: int) -> str:
    """The fragment name of page ``page`` (0-based, in the order pages were added) of one
    language: ``en_0``, ``en_1`` … ``en_a`` … ``en_10`` (base 36, lowercase)."""
    digits = ""
    while True:
        page, digit = divmod(page, 36)
        digits = _BASE36[digit] + digits
        if page == 0:
            return f"{language}_{digits}"


def page_number(name: str) -> int:
    """The page number in a name from :func:`fragment_name` (what search.js also reads)."""
    return int(name.rpartition("_")[2], 36)


def _compact_pages(bundle: Path, language: str, meta: list[Any]) -> None:
    """Shrink the per-page data of one language's metadata (``meta``, changed in place).

    The metadata's page list (``meta[1]``) holds ``[fragment hash, word count]`` per page,
    page *n* at position *n*. Pagefind names a fragment by a hash of its content
    (``en_3f9a2c1``): incompressible, and the browser loads the whole list with the first
    search. Nothing else refers to these names: index chunks and filters store page
    numbers, and the runtime fetches ``fragment/<name>.pf_fragment`` for the name the
    WebAssembly returns for a page (also the result's ``id``). So each fragment is renamed to
    :func:`fragment_name` of its page number, which gzip compresses to almost nothing.
    These names no longer change with the content: shards.py puts a fingerprint of the
    shard's pages in the shard's folder name so that browser caches still miss on a change.

    A sort in ``PAGE_ORDER_SORTS`` whose page list (``meta[4]``: ``[name, pages in order]``)
    is exactly 0, 1, … n-1 says nothing the page numbers do not; it is left out. If it is
    not page order (a page whose date disagrees with its URL), it is kept.
    """
    pages = meta[1]
    renames = []
    for number, page in enumerate(pages):
        short = fragment_name(language, number)
        if page[0] != short:
            renames.append((page[0], short))
            page[0] = short
    old_names = {old for old, _ in renames}
    folder = bundle / "fragment"
    for old, new in renames:
        target = folder / f"{new}.pf_fragment"
        # Pagefind's hashes are 7+ hex digits and short names stay shorter than that below
        # 36**7 pages, but never overwrite a fragment that has not been renamed yet.
        if new in old_names or target.exists():
            raise PagefindError(f"{target}: fragment name already taken")
        (folder / f"{old}.pf_fragment").replace(target)
    in_page_order = list(range(len(pages)))
    meta[4] = [
        item for item in meta[4] if not (item[0] in PAGE_ORDER_SORTS and item[1] == in_page_order)
    ]


def chunk_target(index_bytes: int) -> int:
    """The size (encoded bytes) a word index chunk is cut at, for ``index_bytes`` of words.

    A first search downloads every shard's metadata, which lists the chunks, and one chunk
    per shard and search term. Smaller chunks make the second smaller and the first larger
    (about 7 compressed bytes a chunk); for a one-word search the sum is least near
    ``sqrt(20 * index_bytes)`` (chunks compress about 2.6 times), with a floor for small
    shards.
    """
    return max(CHUNK_BYTES_MIN, math.isqrt(index_bytes * CHUNK_BYTES_FACTOR))


def _recut_word_index(bundle: Path, language: str, meta: list[Any]) -> None:
    """Cut one language's word index into chunks of about :func:`chunk_target` bytes.

    Pagefind cuts at a fixed ~20,000 word positions per chunk (``chunk_index(word_map,
    20000)`` in 1.5.2, not an option), sized for one index where a search term fetches one
    chunk. A sharded index fetches one per shard, so a first search for a common word loaded
    ~20 KiB per shard, most of it other words. The words and their entries are kept byte for
    byte and in order; only where the list is cut and what the metadata's chunk list
    (``meta[2]``: ``[from, to, name]``) says changes. ``from``/``to`` are shortened as
    Pagefind shortens them (the runtime looks a term up by them), and a cut goes, where it
    can, between words that share at most ``CUT_PREFIX`` leading characters, so that a
    longer term finds every word it begins in one chunk (the runtime loads one chunk per
    term, and matches words by prefix); a very long run of words sharing more is cut as
    :func:`_may_cut` allows. Chunks are named ``<language>_<n>`` in order, like
    fragments: the shard's folder name already changes with its pages (see ``shards.py``).
    """
    folder = bundle / "index"
    old_names = [item[2] for item in meta[2]]
    words: list[tuple[str, bytes]] = []
    for name in old_names:
        words.extend(_chunk_words(folder / f"{name}.pf_index"))
    if not words:
        return
    ends = cut_word_list([(word, len(data)) for word, data in words])
    chunks = [words[start:end] for start, end in itertools.pairwise([0, *ends])]
    ranges = [[chunk[0][0], chunk[-1][0]] for chunk in chunks]
    for left, right in itertools.pairwise(ranges):
        common = common_prefix(left[1], right[0])
        left[1], right[0] = left[1][: common + 1], right[0][: common + 1]
    names = [fragment_name(language, number) for number in range(len(chunks))]
    for name, chunk in zip(names, chunks, strict=True):
        heads = [_encode_head(4, 1), _encode_head(4, len(chunk))]  # [[word, …]]
        body = b"".join([*heads, *(data for _, data in chunk)])
        _write_atomically(
            folder / f"{name}.pf_index",
            gzip.compress(SIGNATURE + body, compresslevel=CHUNK_GZIP_LEVEL, mtime=0),
        )
    for name in set(old_names) - set(names):
        (folder / f"{name}.pf_index").unlink()
    meta[2] = [[*bounds, name] for bounds, name in zip(ranges, names, strict=True)]


def cut_word_list(
    words: Sequence[tuple[str, int]], may_cut: Callable[[int, int, int], bool] | None = None
) -> list[int]:
    """Where a shard's sorted words (each with its encoded size) are cut into chunks: the
    position after each chunk's last word. A chunk ends once it holds :func:`chunk_target`
    bytes, at the first place ``may_cut(size, target, shared leading characters)`` allows
    (default :func:`_may_cut`; benchmarks/word_chunks.py replays other rules)."""
    may_cut = may_cut or _may_cut
    target = chunk_target(sum(size for _, size in words))
    ends: list[int] = []
    size = 0
    for position, (word, length) in enumerate(words[:-1]):
        size += length
        if size >= target and may_cut(size, target, common_prefix(word, words[position + 1][0])):
            ends.append(position + 1)
            size = 0
    return [*ends, len(words)] if words else []


def _may_cut(size: int, target: int, common: int) -> bool:
    """Whether a chunk of ``size`` bytes (at least ``target``) may end between two words that
    share ``common`` leading characters (see CUT_PREFIX, CHUNK_FORCE and CHUNK_HARD)."""
    if common <= CUT_PREFIX:
        return True
    if size >= CHUNK_HARD * target:
        return True
    return size >= CHUNK_FORCE * target and common <= CUT_PREFIX + 1


def _chunk_words(path: Path) -> Iterator[tuple[str, bytes]]:
    """Each word of a word index chunk (``[[[word, pages, …], …]]``) with its encoding."""
    body = memoryview(_data_body(path))
    if len(body) < 2:
        raise PagefindError(f"{path}: empty word index chunk")
    major, count, offset = _head(body, 0)
    if (major, count) != (4, 1):
        raise PagefindError(f"{path}: unknown Pagefind word index layout")
    major, count, offset = _head(body, offset)
    if major != 4:
        raise PagefindError(f"{path}: unknown Pagefind word index layout")
    stream = io.BytesIO(body)
    stream.seek(offset)
    decoder = cbor2.CBORDecoder(stream)
    for _ in range(count):
        start = stream.tell()
        try:
            entry = decoder.decode()
        except cbor2.CBORDecodeError as error:
            message = f"{path}: undecodable word entry at byte {start}: {error}"
            raise PagefindError(message) from error
        if not (isinstance(entry, list) and entry and isinstance(entry[0], str)):
            raise PagefindError(f"{path}: unknown Pagefind word entry at byte {start}")
        yield entry[0], bytes(body[start : stream.tell()])
    if stream.tell() != len(body):
        raise PagefindError(f"{path}: trailing bytes after the word list")


def common_prefix(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` share (characters, as Pagefind counts)."""
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def _known_meta_layout(meta: Any) -> bool:
    """1.5.x: [version, pages, index chunks, [[filter, hash]], [[sort, pages]], ...]."""
    return (
        isinstance(meta, list)
        and len(meta) >= 5
        and isinstance(meta[0], str)
        and all(_pair_of(item, str, str) for item in meta[3])
        and all(_pair_of(item, str, list) for item in meta[4])
    )


def _pair_of(item: Any, first: type, second: type) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], first)
        and isinstance(item[1], second)
    )


def _data_body(path: Path) -> bytes:
    """A Pagefind data file's CBOR: gunzipped, without the signature."""
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(SIGNATURE):
        raise PagefindError(f"{path}: not a Pagefind data file")
    return raw[len(SIGNATURE) :]


def read_data_file(path: Path) -> Any:
    body = _data_body(path)
    value, end = cbor_decode(body)
    if end != len(body) or cbor_encode(value) != body:
        raise PagefindError(f"{path}: Pagefind wrote CBOR this module cannot round-trip")
    return value


def write_data_file(folder: Path, language: str, value: Any, suffix: str, prefix: str = "") -> str:
    """Write a gzipped data file named by its content hash, as Pagefind does; return the name."""
    body = cbor_encode(value)
    digest = pagefind_hash(body)
    length = META_HASH_LENGTH if suffix == ".pf_meta" else FILTER_HASH_LENGTH
    while True:
        name = f"{language}_{digest[:length]}"
        path = folder / f"{prefix}{name}{suffix}"
        if not path.exists() or read_data_file(path) == value or length >= len(digest):
            break
        length += 1  # a short-hash collision with different content: lengthen, like Pagefind
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(path, gzip.compress(SIGNATURE + body, compresslevel=9, mtime=0))
    return name


def pagefind_hash(data: bytes) -> str:
    """SHA-1 as Pagefind prints it: each byte as unpadded hex (``{:x?}``)."""
    return "".join(format(byte, "x") for byte in hashlib.sha1(data).digest())


# --- CBOR (RFC 8949): cbor2 decodes and encodes; the two heads below frame a chunk's words ---


def cbor_decode(data: bytes, offset: int = 0) -> tuple[Any, int]:
    """The CBOR item at ``offset`` and the offset after it."""
    stream = io.BytesIO(data)
    stream.seek(offset)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except cbor2.CBORDecodeError as error:
        raise PagefindError(f"undecodable CBOR at byte {offset}: {error}") from error
    return value, stream.tell()


def cbor_encode(value: Any) -> bytes:
    """Minimal-length heads and definite lengths, as Pagefind's minicbor writes them."""
    try:
        return cbor2.dumps(value)
    except cbor2.CBOREncodeError as error:
        raise PagefindError(f"cannot encode {type(value).__name__} as CBOR: {error}") from error


def _head(data: bytes | memoryview, offset: int) -> tuple[int, int, int]:
    """An item's major type, argument and the offset after its head."""
    initial = data[offset]
    major, info = initial >> 5, initial & 0x1F
    offset += 1
    if info < 24:
        return major, info, offset
    if info > 27:
        raise PagefindError(f"unsupported CBOR length encoding at byte {offset - 1}")
    size = 1 << (info - 24)
    return major, int.from_bytes(data[offset : offset + size], "big"), offset + size


def _encode_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise PagefindError(f"integer {argument} too large for CBOR")
