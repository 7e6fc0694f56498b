"""During a build, Python's cyclic garbage collector runs its young generations only.

A build makes a few million long-lived objects (20,000 stories with their metadata, term
links, related lists, the taxonomies' groups) and keeps almost all of them to the end.
CPython's collector runs a full collection each time enough objects have survived two young
collections, and a full collection walks every tracked object in the process: in a warm
20,000-story rebuild the Pelican process spent ~6 s of ~30 in 12 full collections (measured
with ``gc.callbacks``), and each forked render process as much again, all of it finding
nothing to free. Young collections (the first two generations) stay on: they are what frees
the short-lived cycles rendering makes (a Jinja context and its blocks), and they keep peak
memory where it was (549 MB in both cases at 20,000 stories).

So when a build starts (``initialized``) this plugin runs one full collection (freeing what
an earlier build in the same process left, as ``pelican --autoreload`` does) and raises the
third threshold out of reach; when the build ends (``finalized``, after the receivers of
the plugins listed before this one, the search index's wait among them) the thresholds are
put back. Forked workers (reading, related stories, rendering) inherit the setting.
``BUILD_FULL_GC = True`` leaves the collector as it is. The collector cannot change what a
build writes, only when memory is given back.

Until the pages are rendered, the young collections are paused too. What a build makes
before rendering (the stories, restored or read, the archives, the taxonomies' groups,
render_pool's page records) is kept to the end, so each young collection only walks it
once or twice on its way to the old generation and frees nothing: in a warm one-story
rebuild at 20,000 stories, 0.3–0.5 s of the main process's chain (``gc.callbacks``;
unpickling the story snapshot alone took 0.45–0.51 s with them and 0.38–0.40 s without).
The collector resumes when rendering starts (render_pool's ``before_render``, or the first
generator's output with any other writer): what exists then is frozen, so no collection
walks it again, and young collections free the cycles rendering makes (a Jinja context).
Forked workers collect their own garbage (:func:`newsarchive.collector.in_forked_worker`).

At exit the process freezes what the build left, so the interpreter's last collection
does not walk it again (~1.7 s at 20,000 stories; :mod:`newsarchive.process_exit`).
"""

from __future__ import annotations

import gc

from pelican import signals

from newsarchive.collector import NO_FULL_COLLECTIONS
from newsarchive.process_exit import freeze_at_exit

_saved: list[tuple[int, int, int]] = []
_paused: list[bool] = []  # [True] while this plugin holds the collector off (see resume)


def on_initialized(pelican) -> None:
    freeze_at_exit()
    # Put back after the other ``finalized`` receivers (Pelican calls them in the order they
    # were connected), the search index's among them: its thread canonicalises Pagefind's
    # output while the build's objects are all still there, and with full collections back
    # on, it spent ~0.4 s of a one-story 20,000-story rebuild in them (0.56 s against
    # 0.14 s alone). Plugins listed before this one have connected theirs by now.
    signals.finalized.disconnect(on_finalized)
    signals.finalized.connect(on_finalized)
    if pelican.settings.get("BUILD_FULL_GC", False):
        on_finalized()
        return
    resume()  # (an earlier build in this process failed before rendering)
    gc.collect()
    if not _saved:  # (still raised when an earlier build in this process failed)
        first, second, third = gc.get_threshold()
        _saved.append((first, second, third))
        gc.set_threshold(first, second, NO_FULL_COLLECTIONS)
    gc.disable()
    _paused.append(True)


def resume(*_args, **_kwargs) -> None:
    """Rendering starts: freeze what the build has made (kept to the end; no collection need
    walk it again) and let young collections run again."""
    if _paused:
        _paused.clear()
        gc.freeze()
        gc.enable()


def resume_before_output(generators) -> None:
    """``all_generators_finalized``: with a writer that renders as pages are written (not
    render_pool's, which says when it starts), resume as the first generator writes."""
    if not _paused or not generators:
        return
    first = generators[0]
    original = first.generate_output

    def generate_output(writer):
        if not getattr(writer, "defers_rendering", False):
            resume()
        return original(writer)

    first.generate_output = generate_output


def on_finalized(_pelican=None) -> None:
    resume()
    if _saved:
        gc.set_threshold(*_saved.pop())
