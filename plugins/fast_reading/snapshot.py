"""Stories kept as Pelican made them, so a rebuild restores them instead of making them again.

With the content cache warm, Pelican still builds every story anew on every build: its
metadata from the file's path and the cached reader output, the ``Article`` constructor
(dates, URLs, save paths, authors and category objects), its validity check. At 20,000
stories that was ~2.5 s of a one-story rebuild, for 19,999 stories that had not changed
(docs/scaling.md). Here each story is pickled right after Pelican made it (the object
``Readers.read_file`` returns, before any generator or plugin touches it) and kept under
``<CACHE_PATH>/story-snapshot.pickle`` with its file's size and modification time (what the
content cache trusts, with the size too). The next build, for a file with the same stamp,
class, settings and code, ``read_file`` returns the restored object; the shared objects a
story refers to (the settings and the build's context) are referred to, not copied, and
restored as this build's.

What is restored is exactly what the constructor made then, so it is what it would make
now, with one condition, checked before the snapshot is used at all: nothing else observes
a story being made. Receivers of ``content_object_init`` other than render_pool's (which
only records the fields) and of the preread/context signals Pelican sends while reading
would not run for a restored story, so with any of them connected every story is read as
before. ``READ_SNAPSHOT = False`` turns it off; it also follows ``LOAD_CONTENT_CACHE`` /
``CACHE_CONTENT`` and needs ``CONTENT_CACHING_LAYER = "reader"``. While it is used, Pelican's
reader-level content cache is not (``_cacher_init``): the snapshot holds more than it did.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import sys
from importlib import metadata

from blinker import signal
from pelican import signals
from pelican.cache import FileDataCacher
from pelican.readers import Readers

from . import memo

FINISHING_SETTINGS = signal("render_pool.finishing_settings")  # see render_pool's writer.py

log = logging.getLogger(__name__)

VERSION = 1
FILE = "story-snapshot.pickle"
# content_object_init receivers that a snapshot can stand in for: what they set on a story
# depends on the story alone and is in the snapshot (site_extras' URL and dates)...
CAPTURED_RECEIVERS = {("site_extras.site_extras", "on_content_made")}
# ...or they only record that the story was made, and are called for a restored one too
# (render_pool's record of the constructor's fields)
RECORDING_RECEIVERS = {("render_pool.born", "record")}

_installed: dict[str, object] = {}


class Snapshot:
    """The stories of the last build (path → (stamp, class, pickled bytes)) and this one's."""

    def __init__(self, path: str, world: str, load: bool, store: bool):
        self.path = path
        self.world = world
        self.store = store
        self.entries: dict[str, tuple] = {}
        self.used: set[str] = set()
        self.changed = False
        self.restored = self.made = 0
        self.receivers: dict[tuple[int, int], list | None] = {}  # see _receivers
        if load:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as err:
            log.warning("story snapshot %s unreadable (%s); stories are read again", self.path, err)
            return
        if isinstance(data, dict) and data.get("version") == VERSION:
            if data.get("world") == self.world and isinstance(data.get("entries"), dict):
                self.entries = data["entries"]
            else:
                self.changed = True  # settings or code changed: everything is made again

    def restore(self, path: str, stamp: tuple, kind: type, settings: dict, context):
        entry = self.entries.get(path)
        if entry is None or entry[0] != stamp or entry[1] != _class_name(kind):
            return None
        shared = {"settings": settings, "context": context}
        try:
            obj = _Unpickler(io.BytesIO(entry[2]), shared).load()
        except Exception as err:  # a snapshot that no longer fits the code: read the file
            log.debug("story snapshot: %s not restored (%s)", path, err)
            return None
        if type(obj) is not kind:
            return None
        self.used.add(path)
        self.restored += 1
        return obj

    def keep(self, path: str, stamp: tuple, obj, settings: dict, context) -> None:
        self.used.add(path)
        self.made += 1
        if not self.store:
            return
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, {id(settings): "settings", id(context): "context"}).dump(obj)
        except Exception as err:  # something in it cannot be pickled: it is read every time
            log.debug("story snapshot: %s not kept (%s)", path, err)
            self.entries.pop(path, None)
            self.changed = True
            return
        self.entries[path] = (stamp, _class_name(type(obj)), buffer.getvalue())
        self.changed = True

    def save(self) -> None:
        if not self.store:
            return
        stale = self.entries.keys() - self.used
        for path in stale:  # files that are no longer content
            del self.entries[path]
        if not self.changed and not stale:
            return
        data = {"version": VERSION, "world": self.world, "entries": self.entries}
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            with open(tmp, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError as err:
            log.warning("story snapshot %s not saved: %s", self.path, err)
            if os.path.exists(tmp):
                os.unlink(tmp)


class _Pickler(pickle.Pickler):
    def __init__(self, file, shared: dict[int, str]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, obj):
        return self.shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, shared: dict[str, object]):
        super().__init__(file)
        self.shared = shared

    def persistent_load(self, pid):
        return self.shared[pid]


def _class_name(kind: type) -> str:
    return kind.__module__ + "." + kind.__qualname__


_snapshot: Snapshot | None = None


def _known(receiver, names: set[tuple[str, str]]) -> bool:
    module, name = getattr(receiver, "__module__", "") or "", getattr(receiver, "__name__", "")
    return any(name == f and (module == m or module.endswith("." + m)) for m, f in names)


def _receivers(snap: Snapshot, preread_signal, context_signal) -> list | None:
    """The content_object_init receivers to call for a restored story, or None when a
    story must be made (something else observes it being made). Worked out once a build."""
    key = (id(preread_signal), id(context_signal))
    if key in snap.receivers:
        return snap.receivers[key]
    found: list | None = []
    for sig in (preread_signal, context_signal):
        if sig is not None and sig.receivers:
            found = None
    if found is not None:
        for receiver in signals.content_object_init.receivers_for(None):
            if _known(receiver, RECORDING_RECEIVERS):
                found.append(receiver)
            elif not _known(receiver, CAPTURED_RECEIVERS):
                found = None
                break
    snap.receivers[key] = found
    return found


def read_file(
    self,
    base_path,
    path,
    content_class=None,
    fmt=None,
    context=None,
    preread_signal=None,
    preread_sender=None,
    context_signal=None,
    context_sender=None,
):
    """``Readers.read_file``, restoring an unchanged story instead of making it again."""
    original = _installed["read_file"]
    args = (
        base_path,
        path,
        *((content_class,) if content_class is not None else ()),
    )
    kwargs = {
        "fmt": fmt,
        "context": context,
        "preread_signal": preread_signal,
        "preread_sender": preread_sender,
        "context_signal": context_signal,
        "context_sender": context_sender,
    }
    snap = _snapshot
    if snap is None or content_class is None:
        return original(self, *args, **kwargs)
    receivers = _receivers(snap, preread_signal, context_signal)
    if receivers is None:  # made as without the snapshot, and not kept
        snap.made += 1
        return original(self, *args, **kwargs)
    full = os.path.abspath(os.path.join(base_path, path))
    try:
        st = os.stat(full)
    except OSError:
        return original(self, *args, **kwargs)
    stamp = (st.st_size, st.st_mtime_ns)
    obj = snap.restore(full, stamp, content_class, self.settings, context)
    if obj is not None:
        # The reader-level cache is still asked (render_pool keeps only entries a build
        # asked for), and render_pool's record of the fields is still made.
        self.get_cached_data(full, None)
        memo.known_relative_source_path(obj)
        for receiver in receivers:
            receiver(obj)
        return obj
    obj = original(self, *args, **kwargs)
    snap.keep(full, stamp, obj, self.settings, context)
    return obj


def world_digest(settings: dict) -> str:
    """The settings and code a story's making depends on: a change makes every story again."""
    parts = [str(VERSION), sys.version]
    for package in ("pelican", "markdown"):
        try:
            parts.append(package + metadata.version(package))
        except metadata.PackageNotFoundError:
            parts.append(package + "-")
    for key in sorted(settings):
        parts.append(key + "=" + _describe(settings[key]))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _describe(value, depth: int = 0) -> str:
    """A stable text for a setting: containers item by item, callables by name (their code
    is the project's, in the plugins' digest below), anything else by ``repr`` without
    memory addresses (an object whose repr has one is described by its type only)."""
    if depth > 8:
        return "…"
    if isinstance(value, dict):
        items = sorted((str(k), _describe(v, depth + 1)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if isinstance(value, list | tuple | set | frozenset):
        inner = [_describe(v, depth + 1) for v in value]
        if isinstance(value, set | frozenset):
            inner.sort()
        return type(value).__name__ + "[" + ",".join(inner) + "]"
    if callable(value):
        return (
            "callable:"
            + getattr(value, "__module__", "")
            + "."
            + getattr(value, "__qualname__", type(value).__qualname__)
        )
    text = repr(value)
    if " at 0x" in text:
        return "object:" + type(value).__qualname__
    return text


def _code_digest() -> str:
    """Our plugins' and package's source (a content_object_init receiver or a reader of
    ours changes what a story is)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    roots = [here, os.path.join(os.path.dirname(here), "newsarchive")]
    h = hashlib.sha256()
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(n for n in names if n.endswith(".py")):
                full = os.path.join(folder, name)
                h.update(os.path.relpath(full, root).encode())
                with open(full, "rb") as handle:
                    h.update(handle.read())
    return h.hexdigest()


def usable() -> bool:
    """Whether this build's snapshot stands in for Pelican's reader-level content cache:
    it is on and keeps stories, and nothing else observes a story or page being made (as
    ``_receivers`` decides for each read)."""
    snap = _snapshot
    if snap is None or not snap.store:
        return False
    pairs = (
        (signals.article_generator_preread, signals.article_generator_context),
        (signals.page_generator_preread, signals.page_generator_context),
    )
    return all(_receivers(snap, preread, context) is not None for preread, context in pairs)


def covers(path: str) -> bool:
    """Whether the file at ``path`` (absolute) will be restored rather than read: kept with
    its current size and modification time (its content class is checked when restored)."""
    snap = _snapshot
    entry = snap.entries.get(path) if snap is not None else None
    if entry is None or not usable():  # (not used: every file is read, or taken from cache)
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return entry[0] == (st.st_size, st.st_mtime_ns)


def _cacher_init(self, settings, cache_name, caching_policy, load_policy):
    """``FileDataCacher.__init__``: a reader's content cache (Pelican's ``*-Readers`` files)
    is neither loaded nor saved when the snapshot stands in for it. It held each file's
    reader output, keyed by the file's stamp, for Pelican to make the story again; the
    snapshot holds the story itself, under the same kind of stamp, and also follows the
    settings and the code (the reader cache follows neither). Loading and rewriting the
    reader cache (35 MB at 20,000 stories) cost ~0.5 s of every rebuild. A file the
    snapshot does not cover is read (in parallel, by parallel_reading) as without a cache."""
    if isinstance(self, Readers) and (caching_policy or load_policy) and usable():
        caching_policy = load_policy = False
    _installed["cacher_init"](self, settings, cache_name, caching_policy, load_policy)


def on_initialized(pelican) -> None:
    global _snapshot
    settings = pelican.settings
    if not _installed:
        _installed["read_file"] = Readers.read_file
        Readers.read_file = read_file
        _installed["cacher_init"] = FileDataCacher.__init__
        FileDataCacher.__init__ = _cacher_init
    _snapshot = None
    if not settings.get("READ_SNAPSHOT", True):
        return
    if settings.get("CONTENT_CACHING_LAYER", "reader") != "reader":
        return
    load = bool(settings.get("LOAD_CONTENT_CACHE"))
    store = bool(settings.get("CACHE_CONTENT"))
    if not (load or store):
        return
    # Settings read only after every page is written (the search index's: render_pool's
    # ``finishing_settings``) make no story differently: turning the index on keeps the
    # snapshot (the benchmark builds with it off, then rebuilds with it on).
    finishing = {name for _r, names in FINISHING_SETTINGS.send(None) for name in names or ()}
    made_with = {key: value for key, value in settings.items() if key not in finishing}
    world = world_digest(made_with) + _code_digest()
    path = os.path.join(settings.get("CACHE_PATH", "cache"), FILE)
    _snapshot = Snapshot(path, world, load, store)


def on_finalized(_pelican) -> None:
    global _snapshot
    if _snapshot is not None:
        log.info("story snapshot: %d restored, %d made", _snapshot.restored, _snapshot.made)
        _snapshot.save()
    _snapshot = None
