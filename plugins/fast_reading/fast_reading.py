"""One Markdown converter per build instead of one per file.

Pelican's ``MarkdownReader.read`` builds a new ``markdown.Markdown`` for every file: loading
the extensions and building every processor registry again, ~0.4 ms a story (a quarter of
reading in the issue's 5,000-story profile). Python-Markdown is designed for reuse:
``Markdown.reset()`` clears all per-document state (``Markdown.__init__`` ends with the same
call, and every extension resets its own state in it), so converting each file with one
reset instance gives the same HTML and metadata as a fresh instance.

One Pelican quirk needs care: ``MarkdownReader._parse_metadata`` deregisters the ``meta``
preprocessor from the instance (so formatted metadata fields are not read as metadata). A
fresh instance gets it back for free; the reused one gets the same preprocessor registered
again, at the priority the meta extension gives it, before the next file.

Registered for every Markdown extension Pelican knows through ``readers_init``; a project
that maps an extension to a reader of its own (``READERS``) keeps it. A third-party
Markdown extension that keeps per-document state without resetting it in ``reset()`` would
leak that state into the next file: ``FAST_READING_MARKDOWN = False`` gives Pelican's reader
back (tests/test_build_speed.py checks identical output for the extensions we use).

A story in the plain form the importer writes is converted by :mod:`.plain_markdown` to the
HTML Python-Markdown would give, ~5× faster (``FAST_READING_PLAIN = False`` turns that off).
During the build the garbage collector makes no full collections (:mod:`.gc_policy`,
``BUILD_FULL_GC``).
"""

from __future__ import annotations

from blinker import signal
from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from . import gc_policy, memo, plain_markdown, snapshot
from .parallel_reading import preread_articles

# markdown.extensions.meta registers its preprocessor as ("meta", 27) (documented in
# MetaExtension.extendMarkdown); re-registering it elsewhere would change the output.
META_NAME = "meta"
META_PRIORITY = 27


class ReusedMarkdownReader(MarkdownReader):
    """``MarkdownReader`` converting every file with one reset ``Markdown`` instance."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reused: Markdown | None = None
        self._meta_preprocessor = None
        self._plain = False  # plain stories may skip Python-Markdown's pipeline

    def _markdown(self) -> Markdown:
        md = self._reused
        if md is None:
            md = self._reused = Markdown(**self.settings["MARKDOWN"])
            self._meta_preprocessor = md.preprocessors[META_NAME]
            wanted = self.settings.get("FAST_READING_PLAIN", True)
            self._plain = bool(wanted) and plain_markdown.applies(md)
        else:
            if META_NAME not in md.preprocessors:
                md.preprocessors.register(self._meta_preprocessor, META_NAME, META_PRIORITY)
            md.reset()
        return md

    def read(self, source_path):
        """Parse content and metadata of a Markdown file (as ``MarkdownReader.read``)."""
        self._source_path = source_path
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = plain_markdown.convert(self._md, text) if self._plain else None
            if content is None:
                content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata


def use_reused_reader(readers) -> None:
    """``readers_init``: read Markdown with :class:`ReusedMarkdownReader`."""
    if not readers.settings.get("FAST_READING_MARKDOWN", True):
        return
    for extension, reader_class in list(readers.reader_classes.items()):
        if reader_class is MarkdownReader:
            readers.reader_classes[extension] = ReusedMarkdownReader


def register() -> None:
    signals.initialized.connect(gc_policy.on_initialized)
    signals.finalized.connect(gc_policy.on_finalized)
    signals.all_generators_finalized.connect(gc_policy.resume_before_output)
    signal("render_pool.before_render").connect(gc_policy.resume)
    signals.initialized.connect(memo.on_initialized)
    signals.readers_init.connect(use_reused_reader)
    signals.article_generator_init.connect(preread_articles)
    signals.initialized.connect(snapshot.on_initialized)
    signals.finalized.connect(snapshot.on_finalized)
