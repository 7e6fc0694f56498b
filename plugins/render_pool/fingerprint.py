"""Render keys: a digest of everything a page's bytes can depend on.

A page is rendered from (a) the template and every template it extends, includes or imports,
(b) Python code (Jinja filters, Pelican, our plugins), (c) the settings, and (d) the values of
the variables its templates read: per-page keyword arguments (``article=``, ``articles_page=``
…) and the shared context (``photo_index``, ``topic_tree`` …). (a)–(c) go into one *global*
digest per build; (d) is fingerprinted per page, for exactly the names that occur in the
page's templates (found in the Jinja AST, so nothing is hand-listed).

Values are fingerprinted generically and conservatively, by walking them:

* primitives, dates, ``Markup`` (its type matters under autoescape) by value;
* containers element by element; objects (dataclasses, ``__slots__``, ``__dict__``) field by
  field, plugin-attached attributes included;
* Pelican ``Content`` objects (articles, pages) by their own fields: raw HTML, metadata and
  every attribute a plugin attached (``prev_article``, ``related_stories``, ``topic_links``,
  ``lead_photo`` …). The fields Pelican's constructor set and that still hold the same
  objects are described together by the stamp of the content's file (path, size,
  modification time: what Pelican's content cache trusts; ``born.py``), and so are the
  fields a plugin declares it derives from them alone (``derived``); a plugin may describe
  a field linking to other contents itself (``link_stamps``: related stories, neighbours),
  from the descriptions of the contents it names. A content as listed (``SHALLOW``) is
  described once per build with every field set since it was made, whatever a template
  reads of it. How far references between contents are followed is the one judgement
  call (the *one-hop contract*): the page's own article (a keyword argument) is taken with
  all own fields of every content it references (neighbours, related stories: title, date,
  summary, photo …); a content reached that way, or listed on a page, is taken without its
  own links to further contents (its neighbours, its related stories). Templates here read
  one hop (``article.prev_article.title``, ``story.lead_photo`` in a list), never two
  (``article.prev_article.prev_article``); a template that does must not rely on this.
* the settings dict and the shared context, where they are reached inside a value
  (``content.settings``, ``content._context``), as a marker: they are covered by the global
  digest and by the per-name lookup.

Three refinements keep one added story from touching every page, all derived from the
templates' AST and the code's, and checked, never assumed:

* a variable read only through a truth test, a membership test or one item whose key comes
  from page variables (``{% if photo_index %}``, ``period_calendars[period_num]``)
  counts only through that part (``TemplateUse.partial``);
* a tuple position that no template loop uses and no Python module reads (the score in
  ``for other, score, reasons in article.related_stories``: corpus-wide weights that move
  whenever a story is added) is left out (``TemplateAnalyser.unread_positions``);
* a field of a content (article, page) or of one of the project's own objects (a term
  link) that nothing can read while the page is rendered is left out. What can read it:
  the page's templates (``x.name``, ``x["name"]``, any string constant, as in
  ``map(attribute="name")``), the project code reachable from the filters, tests and
  globals those templates use (``CodeReads``: a story list page that does not use
  ``news_jsonld`` does not read ``topic_links``), and the object's own class (Pelican's
  ``Content`` properties and methods, those a plugin attached included; for a feed,
  Pelican's feed code). A term link's story count moves whenever a story is added and
  only the pages that print counts read ``count``; the stories' term links are read only
  by the pages that print them. Any code that reads an attribute named at run time
  (``getattr(x, name)``, ``vars(x)``, ``x.__dict__``) turns this off for what it reaches.

Anything that cannot be fingerprinted deterministically (an object whose only description
is a ``repr`` with a memory address) makes the page *volatile*: it is always rendered, and a
warning names the type once, so a gap never turns into a stale page.

Digests are BLAKE2b over a canonical serialisation: no ``hash()``, no ``id()`` in the
output, so keys are stable across processes and builds (``PYTHONHASHSEED`` does not matter).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
import enum
import functools
import hashlib
import itertools
import logging
import operator
import os
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import PurePath

from jinja2 import TemplateNotFound, nodes
from jinja2.utils import _PassArg

log = logging.getLogger(__name__)

_DIGEST = 16
_PRIMITIVE = (type(None), bool, int, float, complex)
_SCALARS = (
    dt.datetime,
    dt.date,
    dt.time,
    dt.timedelta,
    dt.tzinfo,
    decimal.Decimal,
    PurePath,
    enum.Enum,
)


def digest(*parts: str | bytes) -> bytes:
    # repr() of a tuple of str/bytes is unambiguous and runs in C: much cheaper than
    # feeding the hash part by part (this is called ~30 times per page).
    return hashlib.blake2b(
        repr(parts).encode("utf-8", "surrogatepass"), digest_size=_DIGEST
    ).digest()


_SHORT = 8  # lists up to this long are also memoised by their items (see _short_list)
_UNREAD = b"s<unread>"  # value("<unread>"): a tuple position nothing reads

# value()'s dispatch per type (see Fingerprinter._kind)
_K_STR, _K_BYTES, _K_SCALAR, _K_CONTENT, _K_WALK = (
    "str",
    "bytes",
    "scalar",
    "content",
    "walk",
)


def _record(field: str, part: bytes) -> bytes:
    """A field and its part, length-prefixed: records joined are unambiguous."""
    prefix = _FIELD_PREFIX.get(field)
    if prefix is None:
        name = field.encode("utf-8", "surrogatepass")
        prefix = _FIELD_PREFIX[field] = len(name).to_bytes(4, "little") + name
    return prefix + len(part).to_bytes(4, "little") + part


_FIELD_PREFIX: dict[str, bytes] = {}  # field name → its length-prefixed encoding


def _header(name: str) -> bytes:
    """The first record of an object's fields: its kind (see ``_joined_digest``)."""
    encoded = name.encode("utf-8", "surrogatepass")
    return b"\0o" + len(encoded).to_bytes(4, "little") + encoded


def _joined_digest(records: list[bytes]) -> bytes:
    # A header and length-prefixed records: unambiguous, and never the input of digest()
    # (which starts with the "(" of a tuple's repr, the header with a NUL).
    return hashlib.blake2b(b"".join(records), digest_size=_DIGEST).digest()


# A plugin's description of a field linking to contents: ``fn(value, ref, unread)`` → parts
# for ``digest`` (see Fingerprinter._stamped_links).
LinkStamp = Callable[[object, Callable[[object], bytes], frozenset], list]


def born_stamp(entry: tuple) -> bytes:
    """The digest standing for a content's constructor-set fields (``born.BORN``'s entry):
    its class and its file's path, size and modification time."""
    content, _fields, path, size, mtime_ns = entry
    kind = type(content)
    return digest("born", kind.__module__ + "." + kind.__qualname__, path, str(size), str(mtime_ns))


class Volatile(Exception):
    """A value that has no deterministic fingerprint; the page must always be rendered."""


def _content_class():
    from pelican.contents import Content

    return Content


class Fingerprinter:
    """Fingerprints values for render keys, memoising by object identity for one build.

    The memo keeps a reference to every object it describes, so an ``id()`` cannot be
    reused while the memo lives; it must be dropped (a new Fingerprinter) once objects may
    have changed.
    """

    def __init__(
        self,
        markers: Mapping[int, str],
        unread: Mapping[str, frozenset[int]] = {},
        project: Iterable[str] = (),
        born: Mapping[int, tuple] | None = None,
        derived: Iterable[str] = (),
        link_stamps: Mapping[str, LinkStamp] | None = None,
        late: Iterable[str] = (),
    ):
        self.markers = dict(markers)  # id(settings) → "<settings>", id(context) → "<context>"
        # Fields a plugin sets from the content's own (born) fields only: covered by the
        # born stamp too (see ``born.py``); and fields linking to other contents that a
        # plugin describes itself, from the fingerprints of the contents they name.
        self.derived = frozenset(derived)
        self.link_stamps = dict(link_stamps or {})
        self.late = frozenset(late)  # link fields attached after the first keys (writer)
        # id(content) → (content, its fields as Pelican's constructor left them, the stamp
        # of its file) (see ``born.py``): fields still holding those objects are described
        # by the stamp of the file they were read from.
        self.born = born or {}
        self._born_split: dict[int, tuple[bytes, frozenset[int]]] = {}
        self._fast: dict[int, tuple[object, tuple | None]] = {}  # see _fast_split
        self._shallow: dict[int, tuple[object, bytes]] = {}  # see _shallow_stamped
        # attribute → tuple positions no template or code reads (see unread_positions)
        self.unread = dict(unread)
        self.memo: dict[tuple[int, int], tuple[object, bytes]] = {}
        self.in_progress: set[tuple[int, int]] = set()
        self.warned: set[str] = set()
        self.Content = _content_class()
        from pelican.paginator import Page

        self.Page = Page
        # Fields of contents and of our own classes (plugins, newsarchive) that the page's
        # templates, the class's own methods and the code of the Jinja filters the page uses
        # never read are left out (``readable``, set per page by the writer; None: keep
        # every field). A term link's story count changes whenever a story is added, and
        # only the term index pages show it.
        self.project = frozenset(project)
        self.readable: frozenset[str] | None = None
        self._rid = 0
        # Results that depend on ``readable`` (an own object's pruned fields, or anything
        # holding one) are memoised per readable set; everything else once per build.
        # (one dict per readable set: smaller dicts, and no key tuple built per lookup)
        self.rmemo: dict[int, dict[tuple, tuple[object, bytes]]] = {}
        self._rmemo = self.rmemo.setdefault(0, {})  # the current readable set's
        # (id, mode) → (object, {field: record}): the fingerprints of an object's fields
        # that do not depend on ``readable``, so an object is walked once however many
        # template groups reach it; only fields holding project objects are walked again
        # (a content's own fields: ``_own_records``).
        self._plain: dict[tuple[int, int], tuple[object, dict[str, bytes]]] = {}
        # id(content) → (content, own fields, fields linking to contents (both sorted by
        # name), their names (interned), the header of its own fields' digest)
        self._content_split: dict[int, tuple] = {}
        # (type, id(readable), field names) → kept positions (see _kept_positions)
        self._keep: dict[tuple, tuple[int, ...] | None] = {}
        # interned field-name tuples of contents (kept alive: their ids key ``_keep``)
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._dep = False  # the walk in progress read ``readable``
        self._cyclic = False  # the walk in progress met a cycle (its result is not memoised)
        self._own_type: dict[type, bool] = {}
        self._kinds: dict[type, object] = {}  # see _kind
        self.pages: dict[tuple, tuple] = {}  # the writer's, per page group (_context_part)
        self._ids: dict[int, tuple[object, bytes]] = {}  # id(content) → (it, _identity)
        # (id(content), mode) → (content, records of its own fields by position, None where
        # not computed yet or depending on ``readable``): see _own_fields
        self._own_records: dict[tuple[int, int], tuple[object, list]] = {}
        self._class_reads: dict[type, frozenset[str] | None] = {}

    # Modes say how a Content reached at this point is described.
    FULL, SHALLOW, IDENTITY = 0, 1, 2

    def kwarg(self, value: object) -> bytes:
        """A page variable: a content passed directly (``article=``) is taken in full,
        contents inside collections (``articles=[…]``) by their own fields."""
        if isinstance(value, self.Content):
            return b"C" + self._content(value, self.FULL)
        return self.value(value, self.SHALLOW)

    def value(self, obj: object, mode: int) -> bytes:
        # Scalars are returned as tagged bytes (hashing each one would cost more than the
        # walk); composites as a tagged digest of their parts. digest() length-prefixes
        # every part, so the concatenation is unambiguous.
        t = type(obj)
        if t is str:
            return b"s" + obj.encode("utf-8", "surrogatepass")
        if t in _PRIMITIVE:
            return b"p" + repr(obj).encode()
        marker = self.markers.get(id(obj))
        if marker is not None:
            return b"m" + marker.encode()
        kind = self._kinds.get(t)
        if kind is None:
            kind = self._kinds[t] = self._kind(t)
        if kind is not _K_WALK:
            if kind is _K_CONTENT:
                return b"C" + self._content(obj, mode)
            if kind is _K_STR:  # Markup and other str subclasses: the type matters
                return b"S" + digest(t.__module__ + "." + t.__qualname__, str(obj))
            if kind is _K_BYTES:
                return b"b" + bytes(obj)
            return b"d" + (t.__qualname__ + ":" + repr(obj)).encode()
        # Memo hits (most calls) without building the closures below.
        key = (id(obj), mode)
        hit = self._recall(key)
        if hit is not None:
            return hit
        if t is self.Page:
            # Pelican makes a new Page for every use (a list page's own, its previous and its
            # next), each holding its slice of the list. Everything a Page holds follows from
            # its paginator (the whole list, the page size, name and URL) and its number, so
            # it is described by those two: the paginator is walked once per list, and a
            # page of a list costs no walk of its stories.
            pkey = ("page", id(obj.paginator), obj.number, mode)
            hit = self._recall(pkey)
            if hit is None:
                hit = self._memoised(
                    pkey,
                    obj,
                    lambda: (
                        b"H" + digest("page", self.value(obj.paginator, mode), repr(obj.number))
                    ),
                )
            return hit
        if t is list and len(obj) <= _SHORT:
            return self._short_list(obj, key, mode)
        # A cycle: the walk that meets it is not memoised (nor anything around it), since
        # its result depends on where the walk entered the cycle.
        return self._memoised(
            key,
            obj,
            lambda: b"H" + self._walk(obj, t, mode),
            cycle=lambda: b"H" + digest("cycle", t.__qualname__),
        )

    def _short_list(self, obj: list, key: tuple, mode: int) -> bytes:
        """A short list, also remembered by the identities of its items: a story's term
        links are lists of the same few ``TermLink`` objects, whose fingerprint depends on
        ``readable``; each story's list would otherwise be walked again per template group.
        A list's fingerprint is its items' (each memoised by identity or immutable), and
        the entry keeps the items alive, so an id cannot be reused while it lives."""
        items = tuple(obj)
        ikey = ("l", mode, *map(id, items))  # never a key of the form (id, mode)
        hit = self._recall(ikey)
        if hit is not None:
            return hit
        rmemo = self._rmemo
        outer = (self._dep, self._cyclic)
        self._dep = self._cyclic = False
        try:
            result = self._memoised(
                key,
                obj,
                lambda: b"H" + self._walk(obj, list, mode),
                cycle=lambda: b"H" + digest("cycle", "list"),
            )
        finally:
            dep, cyclic = self._dep, self._cyclic
            self._dep, self._cyclic = outer[0] or dep, outer[1] or cyclic
        if not cyclic:
            (rmemo if dep else self.memo)[ikey] = (items, result)
        return result

    def _kind(self, t: type) -> object:
        """How ``value`` describes instances of ``t`` (other than str, primitives and
        markers), in the order it tests them; fixed per type, so tested once per build."""
        if issubclass(t, str):
            return _K_STR
        if issubclass(t, bytes | bytearray):
            return _K_BYTES
        if issubclass(t, _SCALARS):
            return _K_SCALAR
        if issubclass(t, self.Content):
            return _K_CONTENT
        return _K_WALK

    def _recall(self, key: tuple) -> bytes | None:
        """What is memoised under ``key``: once per build, or per readable set (then the
        walk in progress depends on ``readable`` too); None when nothing is."""
        hit = self.memo.get(key)
        if hit is not None:
            return hit[1]
        hit = self._rmemo.get(key)
        if hit is not None:
            self._dep = True
            return hit[1]
        return None

    def _memoised(self, key: tuple, obj: object, compute, cycle=None) -> bytes:
        """``compute()`` for ``obj``, remembered under ``key``: once per build (``memo``), or
        per template group (``rmemo``) when it depended on which fields are pruned; never when
        the walk met a cycle. With ``cycle``, re-entering ``key`` while it is being computed
        returns ``cycle()`` instead of recursing."""
        hit = self._recall(key)
        if hit is not None:
            return hit
        rmemo = self._rmemo
        guarded = cycle is not None
        if guarded:
            if key in self.in_progress:
                self._cyclic = True
                return cycle()
            self.in_progress.add(key)
        outer = (self._dep, self._cyclic)
        self._dep = self._cyclic = False
        try:
            result = compute()
        finally:
            if guarded:
                self.in_progress.discard(key)
            dep, cyclic = self._dep, self._cyclic
            self._dep, self._cyclic = outer[0] or dep, outer[1] or cyclic
        if not cyclic:
            if dep:
                rmemo[key] = (obj, result)
            else:
                self.memo[key] = (obj, result)
        return result

    def _walk(self, obj: object, t: type, mode: int) -> bytes:
        inner = self.SHALLOW if mode == self.FULL else mode
        if isinstance(obj, list | tuple):
            return digest("l", t.__qualname__, *(self.value(v, inner) for v in obj))
        if isinstance(obj, Mapping):
            items = sorted((self.value(k, inner), self.value(v, inner)) for k, v in obj.items())
            return digest("D", t.__qualname__, *(b for kv in items for b in kv))
        if isinstance(obj, set | frozenset):
            return digest("e", t.__qualname__, *sorted(self.value(v, inner) for v in obj))
        if isinstance(obj, functools.partial):
            return digest(
                "P",
                self.value(obj.func, inner),
                self.value(obj.args, inner),
                self.value(obj.keywords, inner),
            )
        if isinstance(obj, types.FunctionType | types.BuiltinFunctionType | type):
            return digest("f", getattr(obj, "__module__", "") or "", obj.__qualname__)
        if isinstance(obj, types.MethodType):
            return digest("M", self.value(obj.__func__, inner), type(obj.__self__).__qualname__)
        if isinstance(obj, types.ModuleType):
            return digest("mod", obj.__name__)
        name = t.__module__ + "." + t.__qualname__
        if dataclasses.is_dataclass(obj):
            fields = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]
            return self._fields(name, self._readable_fields(t, fields), inner, (obj, mode))
        attrs = getattr(obj, "__dict__", None)
        slots = [s for k in t.__mro__ for s in getattr(k, "__slots__", ())]
        if attrs is not None or slots:
            fields = sorted((attrs or {}).items())
            fields += [(s, getattr(obj, s)) for s in slots if s != "__dict__" and hasattr(obj, s)]
            return self._fields(name, self._readable_fields(t, fields), inner, (obj, mode))
        text = repr(obj)
        if " at 0x" in text or "object at" in text:
            if name not in self.warned:
                self.warned.add(name)
                log.warning(
                    "render_pool: cannot fingerprint %s; pages using it are always rendered",
                    name,
                )
            raise Volatile(name)
        return digest("r", name, text)

    def set_readable(self, readable: frozenset[str] | None) -> None:
        self.readable = readable
        self._rid = 0 if readable is None else id(readable)
        self._rmemo = self.rmemo.setdefault(self._rid, {})

    def _readable_fields(self, t: type, fields: list) -> list:
        if issubclass(t, self.Content):
            reads = self._reads_of_content(t)
        elif self._is_own(t):
            reads = self._reads_of_class(t)
        else:
            return fields
        names = tuple([k for k, _ in fields])
        kept = self._kept_positions(t, reads, names, names)
        return fields if kept is None else [fields[i] for i in kept]

    def _kept_positions(
        self, t: type, reads: frozenset[str] | None, names: tuple[str, ...], key: object
    ) -> tuple[int, ...] | None:
        """The positions of ``names`` (fields of a ``t`` whose own code reads ``reads``;
        None: anything) kept under the current ``readable``; None: all of them. Decided once
        per (type, readable set, field names); ``key`` stands for ``names`` in the cache
        (the tuple, or an interned tuple's id)."""
        if reads is None:
            return None
        self._dep = True  # which fields count depends on ``readable``
        if self.readable is None:
            return None
        ckey = (t, self._rid, key)
        kept = self._keep.get(ckey, False)
        if kept is False:
            readable = self.readable
            prefixes = tuple(r[1:] for r in reads if r.startswith(PREFIX))
            positions = tuple(
                i
                for i, k in enumerate(names)
                if k in readable or k in reads or bool(prefixes and k.startswith(prefixes))
            )
            kept = self._keep[ckey] = None if len(positions) == len(names) else positions
        return kept

    def _reads_of_content(self, t: type) -> frozenset[str] | None:
        """Attributes a content's class can read while a page is rendered (its properties
        and methods, Pelican's and any a plugin attached); None: anything."""
        if t not in self._class_reads:
            import ast
            import inspect
            import textwrap

            reads: set[str] | None = set()
            for klass in t.__mro__:
                if klass is object:
                    continue
                for name, member in vars(klass).items():
                    if name in _CONTENT_INIT:
                        continue
                    funcs = []
                    if isinstance(member, property):
                        funcs = [member.fget, member.fset, member.fdel]
                    elif isinstance(member, staticmethod | classmethod):
                        funcs = [member.__func__]
                    elif isinstance(member, functools.cached_property):
                        funcs = [member.func]
                    elif isinstance(member, types.FunctionType):
                        funcs = [member]
                    elif isinstance(getattr(member, "func", None), types.FunctionType):
                        funcs = [member.func]  # pelican.utils.memoized
                    elif callable(member) and not isinstance(member, type):
                        funcs = [member]  # some other wrapper: its source, or anything
                    for func in funcs:
                        if func is None:
                            continue
                        cells = {}
                        code = getattr(func, "__code__", None)
                        if code is not None and func.__closure__:
                            for var, cell in zip(code.co_freevars, func.__closure__, strict=True):
                                with contextlib.suppress(ValueError):
                                    cells[var] = cell.cell_contents
                        try:
                            found, dynamic = _source_reads(
                                ast.parse(textwrap.dedent(inspect.getsource(func))), cells
                            )
                        except (OSError, TypeError, SyntaxError):
                            found, dynamic = set(), True
                        if dynamic:
                            reads = None
                            break
                        reads |= found
                    if reads is None:
                        break
                if reads is None:
                    break
            self._class_reads[t] = None if reads is None else frozenset(reads)
        return self._class_reads[t]

    def _is_own(self, t: type) -> bool:
        """A class of the project (not Pelican's, not a content)."""
        known = self._own_type.get(t)
        if known is None:
            module = sys.modules.get(t.__module__)
            path = getattr(module, "__file__", None)
            known = bool(path) and os.path.realpath(path) in self.project
            known = known and not issubclass(t, self.Content)
            self._own_type[t] = known
        return known

    def _reads_of_class(self, t: type) -> frozenset[str] | None:
        """Attributes the class's own code (properties, methods) reads; None when its
        source cannot be read (then nothing is left out)."""
        if t not in self._class_reads:
            import inspect
            import textwrap

            reads: set[str] | None = set()
            for klass in t.__mro__:
                if klass is object or not self._is_own(klass):
                    continue
                try:
                    source = textwrap.dedent(inspect.getsource(klass))
                except (OSError, TypeError):
                    reads = None
                    break
                reads |= attribute_reads(source)
            self._class_reads[t] = None if reads is None else frozenset(reads)
        return self._class_reads[t]

    def _links_contents(self, value: object) -> bool:
        """A content, or a list of contents / of tuples holding one (related stories)."""
        if isinstance(value, self.Content):
            return True
        if isinstance(value, list | tuple) and value:
            first = value[0]
            if isinstance(first, tuple):
                return any(isinstance(v, self.Content) for v in first)
            return isinstance(first, self.Content)
        return False

    def _fields(
        self,
        name: str,
        fields: Iterable[tuple[str, object]],
        mode: int,
        owner: tuple[object, int] | None = None,
    ) -> bytes:
        """``owner`` (the object and its mode) caches the parts that do not depend on
        ``readable``, once per build."""
        records: list[bytes] = [_header(name)]
        cached: dict[str, bytes] | None = None
        if owner is not None:
            entry = self._plain.get((id(owner[0]), owner[1]))
            cached = entry[1] if entry is not None else None
        store: dict[str, bytes] = {}
        for field, value in fields:
            if cached is not None:
                record = cached.get(field)
                if record is not None:
                    records.append(record)
                    continue
            record, plain = self._field_record(field, value, mode)
            if plain:
                store[field] = record
            records.append(record)
        if owner is not None and store:
            if cached is None:
                self._plain[(id(owner[0]), owner[1])] = (owner[0], store)  # keeps it alive
            else:
                cached.update(store)
        return _joined_digest(records)

    def _field_record(self, field: str, value: object, mode: int) -> tuple[bytes, bool]:
        """A field's record (see ``_record``), and whether it may be kept for the build
        (it did not depend on ``readable`` and met no cycle)."""
        if type(value) is str:  # as value() has it, without the bookkeeping
            part = b"s" + value.encode("utf-8", "surrogatepass")
            plain = True
        else:
            outer = (self._dep, self._cyclic)
            self._dep = self._cyclic = False
            try:
                unread = self.unread.get(field)
                if unread and isinstance(value, list | tuple):
                    part = self._projected(value, unread, mode)
                else:
                    part = self.value(value, mode)
            finally:
                dep, cyclic = self._dep, self._cyclic
                self._dep, self._cyclic = outer[0] or dep, outer[1] or cyclic
            plain = not dep and not cyclic
        if len(part) > 48:  # hashed once here rather than in every digest it enters
            part = b"#" + hashlib.blake2b(part, digest_size=_DIGEST, person=b"part").digest()
        return _record(field, part), plain

    def _own_fields(self, content, split: tuple, kept: tuple[int, ...] | None, mode: int) -> bytes:
        """``_fields`` for a content's own fields (the positions ``kept`` of the sorted
        list in ``split``; None: all), with the records that do not depend on ``readable``
        kept per position, so a story listed under several template groups is walked once
        and only put together again (the same digest as ``_fields`` would give)."""
        own_all = split[1]
        key = (id(content), mode)
        entry = self._own_records.get(key)
        if entry is None:
            entry = self._own_records[key] = (content, [None] * len(own_all))
        cache = entry[1]
        records: list[bytes] = [split[5]]
        born = self._born_positions(content, own_all) if self.born else None
        if born is not None:
            records.append(born[0])
            born_at = born[1]
        else:
            born_at = frozenset()
        for i in range(len(own_all)) if kept is None else kept:
            if i in born_at:
                continue
            record = cache[i]
            if record is None:
                field, value = own_all[i]
                record, plain = self._field_record(field, value, self.IDENTITY)
                if plain:
                    cache[i] = record
            records.append(record)
        return _joined_digest(records)

    def _born_positions(self, content, own_all: list) -> tuple[bytes, frozenset[int]] | None:
        """(the stamp record, the positions of ``own_all`` it stands for): the own fields
        that still hold the object Pelican's constructor left there. Those are a function
        of the source file (its stamp: path, size, modification time, as Pelican's content
        cache checks it), the settings and the code, all of which are in the key already;
        a field set or replaced later (by a plugin) is walked as any other. None when the
        content was not recorded when it was made."""
        hit = self._born_split.get(id(content))
        if hit is not None:
            return hit
        entry = self.born.get(id(content))
        if entry is None or entry[0] is not content:
            return None
        initial = entry[1]
        derived = self.derived
        missing = object()
        positions = frozenset(
            i
            for i, (name, value) in enumerate(own_all)
            if initial.get(name, missing) is value or name in derived
        )
        result = self._born_split[id(content)] = (_record("<born>", born_stamp(entry)), positions)
        return result

    def _fast_split(self, content) -> tuple | None:
        """For a content whose fields Pelican's constructor set all still hold what they
        held then (checked in one comparison of identities): the stamp's record, and the
        fields set since, split as ``_content`` splits them (own fields, links to contents;
        each sorted, with their interned names). The fields the constructor set are all
        described by the stamp, so they need not be sorted or looked at one by one. None:
        not recorded when made, or a field was replaced or removed since (then the general
        path, with ``_born_positions``)."""
        hit = self._fast.get(id(content))
        if hit is not None:
            return hit[1]
        entry = self.born.get(id(content))
        if entry is None or entry[0] is not content:
            return None
        initial = entry[1]
        attrs = vars(content)
        n = len(initial)
        keys = tuple(attrs)
        # The constructor's fields come first in the dict (insertion order); all still there,
        # in order, each holding the very object it held (compared in C, by identity).
        if keys[:n] != tuple(initial) or not all(
            map(operator.is_, initial.values(), itertools.islice(attrs.values(), n))
        ):
            self._fast[id(content)] = (content, None)
            return None
        stamp = born_stamp(entry)
        derived = self.derived
        own: list = []
        links: list = []
        stamps = self.link_stamps
        for k in sorted(keys[n:]):
            if k in derived:
                continue
            v = attrs[k]
            if k in stamps or (type(v) is not str and v is not None and self._links_contents(v)):
                links.append((k, v))
            else:
                own.append((k, v))
        split = (
            _header("content:" + type(content).__qualname__),
            _record("<born>", stamp),
            own,
            self._interned(own),
            links,
            self._interned(links),
        )
        self._fast[id(content)] = (content, split)
        return split

    def describe(self, content) -> None:
        """Work out a content's own fields' description now (as listed, under the current
        readable set), so that later keys find it made."""
        self._content(content, self.SHALLOW)

    def links_changed(self) -> None:
        """Contents were given new link fields (``late``): forget how their fields were
        split and every description that took links in (a page's own content, FULL). Their
        own fields' descriptions hold: links are never part of them."""
        self._fast.clear()
        self._content_split.clear()
        self._born_split.clear()
        self._own_records.clear()
        for table in (self.memo, *self.rmemo.values()):
            stale = [k for k in table if len(k) == 2 and k[1] == self.FULL]
            for k in stale:
                del table[k]

    def _shallow_stamped(self, content, split: tuple) -> bytes:
        """A recorded content as listed: its stamp and every field set since, whatever the
        page's templates can read (``readable`` None: nothing pruned). That keeps more in
        the key than a page needs, never less, and it is worked out once per content
        instead of once per template (five story-list and story templates: five times).
        What stories hold beyond their file is stable between builds (term links without
        counts, photos, formatted dates); their links to other stories (related stories,
        neighbours) are not part of it."""
        saved = (self.readable, self._rid, self._rmemo, self._dep, self._cyclic)
        self.set_readable(None)
        self._dep = self._cyclic = False
        try:
            result = self._stamped_content(content, split, self.SHALLOW)
            cyclic = self._cyclic
        finally:
            self.readable, self._rid, self._rmemo, self._dep, outer_cyclic = saved
            self._cyclic = outer_cyclic
        if not cyclic:
            self._shallow[id(content)] = (content, result)
        return result

    def _stamped_content(self, content, split: tuple, mode: int) -> bytes:
        header, born, own, own_names, links, links_names = split
        t = type(content)
        if mode == self.FULL:
            shallow = self._content(content, self.SHALLOW)
            return digest(shallow, self._stamped_links(self._content_fields(t, links, links_names)))
        kept = self._content_kept(t, own_names)
        records = [header, born]
        for i in range(len(own)) if kept is None else kept:
            field, value = own[i]
            records.append(self._field_record(field, value, mode)[0])
        return _joined_digest(records)

    def _stamped_links(self, links: list) -> bytes:
        """A content's links, each described by the plugin that attached it (``link_stamps``:
        ``fn(value, ref, unread)`` returns the parts of the link's description, ``ref(c)``
        being how a content it names is described, as when listed) or else walked."""
        records: list[bytes] = [_header("links")]

        def ref(other) -> bytes:
            if isinstance(other, self.Content):
                return b"C" + self._content(other, self.SHALLOW)
            return self.value(other, self.SHALLOW)

        for field, value in links:
            fn = self.link_stamps.get(field)
            if fn is None:
                records.append(self._field_record(field, value, self.SHALLOW)[0])
                continue
            part = b"L" + digest(*fn(value, ref, self.unread.get(field, frozenset())))
            records.append(_record(field, part))
        return _joined_digest(records)

    def _identity(self, content) -> bytes:
        """A content by identity (its source and date, which do not change in a build)."""
        hit = self._ids.get(id(content))
        if hit is None:
            date = getattr(content, "date", None)
            hit = self._ids[id(content)] = (
                content,
                digest(
                    "c-id",
                    type(content).__qualname__,
                    str(getattr(content, "source_path", "")),
                    repr(date),
                ),
            )
        return hit[1]

    def _interned(self, fields: list) -> tuple[str, ...]:
        names = tuple([k for k, _ in fields])
        return self._names.setdefault(names, names)

    def _content_fields(self, t: type, fields: list, names: tuple[str, ...]) -> list:
        """``_readable_fields`` for a content's fields, whose ``names`` are interned."""
        kept = self._content_kept(t, names)
        return fields if kept is None else [fields[i] for i in kept]

    def _content_kept(self, t: type, names: tuple[str, ...]) -> tuple[int, ...] | None:
        """The positions of a content's fields (``names``, interned) that count under the
        current ``readable``; None: all."""
        return self._kept_positions(t, self._reads_of_content(t), names, id(names))

    def _projected(self, items: list | tuple, unread: frozenset[int], mode: int) -> bytes:
        """A list of tuples without the positions nothing reads (a related story's score)."""
        key = (id(items), -2 - mode)  # its own key space: not the list's plain fingerprint
        return self._memoised(
            (*key, tuple(sorted(unread))),
            items,
            lambda: self._projected_walk(items, unread, mode),
        )

    def _projected_walk(self, items: list | tuple, unread: frozenset[int], mode: int) -> bytes:
        # An item is described as value() describes a plain tuple with "<unread>" in the
        # unread positions (b"H" + digest("l", "tuple", …)), without building that tuple:
        # a fresh tuple per item would only fill the memo with entries nothing hits again.
        inner = self.SHALLOW if mode == self.FULL else mode
        value = self.value
        out: list[bytes] = []
        for item in items:
            if isinstance(item, tuple):
                out.append(
                    b"H"
                    + digest(
                        "l",
                        "tuple",
                        *(_UNREAD if i in unread else value(v, inner) for i, v in enumerate(item)),
                    )
                )
            else:
                out.append(value(item, mode))
        return b"H" + digest("projected", *out)

    def _content(self, content, mode: int) -> bytes:
        if mode == self.IDENTITY:
            return self._identity(content)
        key = (id(content), mode)
        hit = self._recall(key)
        if hit is not None:
            return hit

        if mode == self.SHALLOW and self.born:
            hit = self._shallow.get(id(content))
            if hit is not None:
                return hit[1]
            fast = self._fast_split(content)
            if fast is not None:
                return self._shallow_stamped(content, fast)

        def compute() -> bytes:
            fast = self._fast_split(content) if self.born else None
            if fast is not None:
                return self._stamped_content(content, fast, mode)
            split = self._content_split.get(id(content))
            if split is None:
                own_all, links_all = [], []
                attrs = vars(content)
                for k in sorted(attrs):
                    v = attrs[k]
                    if type(v) is str or v is None:  # most fields: no link to a content
                        own_all.append((k, v))
                    else:
                        (links_all if self._links_contents(v) else own_all).append((k, v))
                split = self._content_split[id(content)] = (
                    content,
                    own_all,
                    links_all,
                    self._interned(own_all),
                    self._interned(links_all),
                    _header("content:" + type(content).__qualname__),
                )
            _, own_all, links_all, own_names, links_names, _ = split
            t = type(content)
            if mode == self.FULL:
                # The page's own content: its own fields (as when it is listed), plus its
                # links (neighbours, related stories) with the own fields of what they name.
                own = self._content(content, self.SHALLOW)
                links = self._content_fields(t, links_all, links_names)
                stamps = self.link_stamps
                if stamps and id(content) in self.born and any(f in stamps for f, _ in links):
                    result = digest(own, self._stamped_links(links))
                else:
                    result = digest(own, self._fields("links", links, self.SHALLOW, (content, -1)))
            else:
                # A content reached through another (a neighbour, a related story) or
                # listed on a page: its own fields, without its links to further contents
                # (the one-hop contract, see the module's docstring); contents inside its
                # other fields (a photo's stories) by identity.
                result = self._own_fields(content, split, self._content_kept(t, own_names), mode)
            return result

        return self._memoised(
            key,
            content,
            compute,
            cycle=lambda: digest("cycle", type(content).__qualname__),
        )


# --- templates -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TemplateUse:
    """What a template (with everything it extends, includes and imports) reads."""

    names: frozenset[str]  # every variable name it loads
    # Names read only in ways that need a part of the value: a truth test
    # ({% if photo_index %}), membership (`period_num in period_calendars`) or one item
    # (`period_calendars[period_num]`) with a key computed from page variables.
    partial: Mapping[str, tuple]
    dynamic: bool  # a pass_context filter/global or an unresolvable include: reads anything
    attrs: frozenset[str]  # attribute names it reads (x.name, map(attribute="name"), x["name"])
    sources: bytes  # digest of the source of every template in the closure
    # Filters, tests and global names it uses: only their Python code can read attributes
    # of its values besides the templates themselves.
    callables: frozenset[tuple[str, str]] = frozenset()


# Jinja filters that read an attribute named by an argument (``attribute=`` or this
# positional argument; map's first names a filter).
_ATTRIBUTE_FILTERS = {
    "attr": 0,
    "map": 0,
    "selectattr": 0,
    "rejectattr": 0,
    "groupby": 0,
    "sort": 2,
    "unique": 1,
    "min": 1,
    "max": 1,
    "sum": 0,
}


def _truth_tests(test: nodes.Node, found: set[int]) -> None:
    if isinstance(test, nodes.Name | nodes.Getattr):
        found.add(id(test))
    elif isinstance(test, nodes.Not):
        _truth_tests(test.node, found)
    elif isinstance(test, nodes.And | nodes.Or):
        _truth_tests(test.left, found)
        _truth_tests(test.right, found)


def _passes_context(func: object) -> bool:
    """Can this filter/test/global read any template variable? eval_context (autoescape
    state, used by builtins like ``join``) cannot; Jinja's own context filters (``map``,
    ``select``, ``selectattr`` …) take the context only to look other filters up."""
    if getattr(func, "jinja_pass_arg", None) is not _PassArg.context:
        return False
    return getattr(func, "__module__", "") not in ("jinja2.filters", "jinja2.tests")


def _access(node: nodes.Name, parents: dict[int, nodes.Node], tested: set[int]):
    """How a template reads a variable: ("truth",), ("in", key expression),
    ("item", key expression), or None (as a whole)."""
    if id(node) in tested:
        return ("truth",)
    parent = parents.get(id(node))
    if (
        isinstance(parent, nodes.Getitem)
        and parent.node is node
        and not isinstance(parent.arg, nodes.Slice)
    ):
        return ("item", parent.arg)
    if isinstance(parent, nodes.Operand) and parent.op in ("in", "notin"):
        compare = parents.get(id(parent))
        if isinstance(compare, nodes.Compare) and len(compare.ops) == 1:
            return ("in", compare.expr)
    return None


def _evaluable(expr: nodes.Node, stored: set[str]) -> bool:
    """A key expression made of constants and page variables (never a template's own)."""
    if isinstance(expr, nodes.Const):
        return True
    if isinstance(expr, nodes.Name):
        return expr.ctx == "load" and expr.name not in stored
    if isinstance(expr, nodes.Getitem):
        return (
            not isinstance(expr.arg, nodes.Slice)
            and _evaluable(expr.node, stored)
            and _evaluable(expr.arg, stored)
        )
    if isinstance(expr, nodes.Getattr):
        return _evaluable(expr.node, stored)
    return False


def evaluate(expr: nodes.Node, env, lookup):
    """The value of an ``_evaluable`` expression for one page; KeyError when a variable
    is not defined there."""
    if isinstance(expr, nodes.Const):
        return expr.value
    if isinstance(expr, nodes.Name):
        return lookup(expr.name)
    if isinstance(expr, nodes.Getitem):
        return env.getitem(evaluate(expr.node, env, lookup), evaluate(expr.arg, env, lookup))
    if isinstance(expr, nodes.Getattr):
        return env.getattr(evaluate(expr.node, env, lookup), expr.attr)
    raise KeyError(expr)


def attribute_reads(source: str) -> set[str]:
    """Attribute names Python source reads: ``x.name`` loaded, ``getattr(x, "name")`` (and
    hasattr/attrgetter), ``x["name"]``."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Store):
            found.add(node.attr)
        elif isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.update(arg.value.split("."))
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                found.add(node.slice.value)
    return found


PREFIX = "\1"  # in a set of attribute reads: every name starting with what follows
# Methods of Pelican's contents that run when a content is read and validated, never while a
# page is rendered (their reads are reflected in the fields they set).
_CONTENT_INIT = {
    "__init__",
    "_has_valid_mandatory_properties",
    "_has_valid_save_as",
    "_has_valid_status",
    "is_valid",
}
# Calls that read every attribute of what they are given (or an attribute named at run time).
_READS_ALL = {"vars", "asdict", "astuple", "fields", "pformat", "pprint", "attrgetter"}
_GETTERS = {"getattr", "hasattr", "attrgetter", "methodcaller"}


def _source_reads(tree, closure: Mapping[str, object] | None = None) -> tuple[set[str], bool]:
    """``attribute_reads`` of a parsed source, and whether it may read an attribute whose
    name is only known at run time (``getattr(x, name)``, ``vars(x)``, ``x.__dict__``).
    ``closure``: a function's free variables; ``getattr(x, name)`` with ``name`` one of
    them holding a string reads that attribute (Pelican's deprecated_attribute)."""
    import ast

    found: set[str] = set()
    dynamic = False
    closure = closure or {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in ("__dict__", "__slots__", "__getattribute__"):
                dynamic = True
            if not isinstance(node.ctx, ast.Store):
                found.add(node.attr)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in _GETTERS:
                names = node.args[1:] if called in ("getattr", "hasattr") else node.args
                name = names[0] if names else None
                if (
                    isinstance(name, ast.BinOp)
                    and isinstance(name.op, ast.Add)
                    and isinstance(name.left, ast.Constant)
                    and isinstance(name.left.value, str)
                    and name.left.value
                ):
                    found.add(PREFIX + name.left.value)  # getattr(x, "override_" + key)
                elif isinstance(name, ast.Name) and isinstance(closure.get(name.id), str):
                    found.add(closure[name.id])
                elif not isinstance(name, ast.Constant):
                    dynamic = True
            elif called in _READS_ALL and called != "attrgetter":
                dynamic = True
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.update(arg.value.split("."))
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                found.add(node.slice.value)
    return found, dynamic


class CodeReads:
    """Attribute names the project's code reachable from some functions can read.

    From each function (a Jinja filter, test or global), its own source, then every project
    function, class or module it names (``foo(…)``, ``module.foo``, ``key=foo``), and, for
    each method it calls on some object (``x.describe()``), every project module that
    defines a method of that name (conservative: the object's class is not known). Code
    outside the project (Pelican, Jinja, the standard library) is not read: it does not
    know the project's attributes. None when some reachable code can read an attribute
    named at run time."""

    def __init__(self, project: Iterable[str]):
        self.project = frozenset(project)
        self._methods: dict[str, set[str]] | None = None
        self._module_reads: dict[str, tuple[set[str], bool, object]] = {}

    def _parse_module(self, path: str):
        import ast

        if path not in self._module_reads:
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())
            reads, dynamic = _source_reads(tree)
            self._module_reads[path] = (reads, dynamic, tree)
        return self._module_reads[path]

    def methods(self) -> dict[str, set[str]]:
        """Method name → project modules whose classes define it."""
        import ast

        if self._methods is None:
            found: dict[str, set[str]] = {}
            for path in self.project:
                try:
                    tree = self._parse_module(path)[2]
                except (OSError, SyntaxError, UnicodeDecodeError):
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.ClassDef):
                        for item in node.body:
                            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                                found.setdefault(item.name, set()).add(path)
            self._methods = found
        return self._methods

    def _path(self, obj) -> str | None:
        module = sys.modules.get(getattr(obj, "__module__", "") or "")
        if isinstance(obj, types.ModuleType):
            module = obj
        path = getattr(module, "__file__", None)
        if not path:
            return None
        real = os.path.realpath(path)
        return real if real in self.project else None

    def reads(self, roots: Iterable[object]) -> frozenset[str] | None:
        import ast
        import inspect
        import textwrap

        found: set[str] = set()
        seen: set[int] = set()
        modules_done: set[str] = set()
        todo = list(roots)
        while todo:
            obj = todo.pop()
            while isinstance(obj, functools.partial):
                todo.extend(obj.args)
                todo.extend(obj.keywords.values())
                obj = obj.func
            if isinstance(obj, staticmethod | classmethod):
                obj = obj.__func__
            if isinstance(obj, types.MethodType):
                obj = obj.__func__
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if not isinstance(obj, types.FunctionType | type | types.ModuleType):
                continue
            path = self._path(obj)
            if path is None:
                continue
            if isinstance(obj, types.ModuleType):
                trees = []
                if path not in modules_done:
                    modules_done.add(path)
                    reads, dynamic, tree = self._parse_module(path)
                    if dynamic:
                        return None
                    found |= reads
                    trees.append(tree)
                namespace = vars(obj)
            else:
                try:
                    source = textwrap.dedent(inspect.getsource(obj))
                    tree = ast.parse(source)
                except (OSError, TypeError, SyntaxError):
                    return None
                reads, dynamic = _source_reads(tree)
                if dynamic:
                    return None
                found |= reads
                trees = [tree]
                namespace = getattr(obj, "__globals__", None)
                if namespace is None:
                    namespace = vars(sys.modules.get(obj.__module__) or types)
            for tree in trees:
                for node in ast.walk(tree):
                    if isinstance(node, ast.Name) and node.id in namespace:
                        todo.append(namespace[node.id])
                    elif isinstance(node, ast.Attribute):
                        base = node.value
                        if isinstance(base, ast.Name) and isinstance(
                            namespace.get(base.id), types.ModuleType
                        ):
                            todo.append(getattr(namespace[base.id], node.attr, None))
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                        for module_path in sorted(self.methods().get(node.func.attr, ())):
                            if module_path in modules_done:
                                continue
                            module = self._module_at(module_path)
                            if module is not None:
                                todo.append(module)
                                continue
                            modules_done.add(module_path)
                            reads, dynamic, _tree = self._parse_module(module_path)
                            if dynamic:
                                return None
                            found |= reads
        return frozenset(found)

    def _module_at(self, path: str):
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if file and os.path.realpath(file) == path:
                return module
        return None


class _Dynamic(Exception):
    pass


def _python_reads(attr: str, files: Iterable[str]) -> bool:
    """Does any of these modules read ``attr``: ``x.attr`` loaded, ``getattr(x, "attr")``
    (or hasattr/attrgetter), ``x.__dict__["attr"]``? Assignments (``x.attr = …``) are not
    reads, and neither is the same word as a plain string (a plugin's name in PLUGINS)."""
    import ast

    getters = {"getattr", "hasattr", "attrgetter", "methodcaller"}
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            return True
        if attr not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return True
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == attr:
                if not isinstance(node.ctx, ast.Store):
                    return True
            elif isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called in getters and any(
                    isinstance(a, ast.Constant) and a.value == attr for a in node.args
                ):
                    return True
            elif isinstance(node, ast.Subscript):
                if isinstance(node.slice, ast.Constant) and node.slice.value == attr:
                    return True
    return False


class TemplateAnalyser:
    """Reads each template's AST once per environment (Pelican gives every generator its
    own Jinja environment, with the same loaders)."""

    def __init__(self, store: dict | None = None):
        # Keyed by the environment's digest, not its identity: Pelican's generators each
        # make an environment with the same loaders, filters and options, and the
        # templates were read and analysed again for every one (~0.5 s a build).
        self._single: dict[tuple[bytes, str], tuple] = {}
        self._closure: dict[tuple[bytes, str], TemplateUse] = {}
        self._env_digest: dict[int, tuple[object, bytes]] = {}
        self._unread: dict[bytes, dict[str, frozenset[int]]] = {}
        self._code: dict[tuple[str, ...], bytes] = {}
        # Results kept between builds (see RenderPoolWriter._analysis), by a digest of
        # everything they depend on; None: nothing is kept.
        self.store = store

    def _parse(self, env, name: str):
        key = (self.environment_digest(env), name)
        if key not in self._single:
            source = env.loader.get_source(env, name)[0]
            ast = env.parse(source, name)
            tested: set[int] = set()
            for node in ast.find_all((nodes.If, nodes.CondExpr)):
                _truth_tests(node.test, tested)
            parents: dict[int, nodes.Node] = {}
            stack = [ast]
            while stack:
                parent = stack.pop()
                for child in parent.iter_child_nodes():
                    parents[id(child)] = parent
                    stack.append(child)
            loads: dict[str, list | None] = {}  # name → its accesses, None: read as a whole
            stored: set[str] = set()
            for node in ast.find_all(nodes.Name):
                if node.ctx != "load":
                    stored.add(node.name)
                    continue
                access = _access(node, parents, tested)
                previous = loads.get(node.name, [])
                loads[node.name] = (
                    None if access is None or previous is None else [*previous, access]
                )
            dynamic = False
            for node in ast.find_all(nodes.Filter):
                dynamic |= _passes_context(env.filters.get(node.name))
            for node in ast.find_all(nodes.Test):
                dynamic |= _passes_context(env.tests.get(node.name))
            for node_name in loads:
                dynamic |= _passes_context(env.globals.get(node_name))
            referenced = []
            for node in ast.find_all(
                (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
            ):
                target = node.template
                if isinstance(target, nodes.Const) and isinstance(target.value, str):
                    referenced.append(target.value)
                elif isinstance(target, nodes.List | nodes.Tuple) and all(
                    isinstance(i, nodes.Const) for i in target.items
                ):
                    referenced.extend(i.value for i in target.items)
                else:
                    dynamic = True  # a template chosen at render time
            attrs = {node.attr for node in ast.find_all(nodes.Getattr)}
            # An attribute named at render time (``x|attr(name)``, ``map(attribute=name)``)
            # or the whole object (``x.__dict__``): any field can be read, so treat the
            # template as reading anything.
            for node in ast.find_all(nodes.Filter):
                position = _ATTRIBUTE_FILTERS.get(node.name)
                if position is None:
                    continue
                named = [k.value for k in node.kwargs if k.key == "attribute"]
                if position < len(node.args):
                    named.append(node.args[position])
                if (
                    node.dyn_args is not None
                    or node.dyn_kwargs is not None
                    or not all(isinstance(a, nodes.Const) for a in named)
                ):
                    dynamic = True
            if attrs & {"__dict__", "__slots__", "__getattribute__"}:
                dynamic = True
            for node in ast.find_all(nodes.Const):
                if isinstance(node.value, str):
                    attrs.update(node.value.split("."))
            called = {("filter", n.name) for n in ast.find_all(nodes.Filter)}
            called |= {("test", n.name) for n in ast.find_all(nodes.Test)}
            called |= {("global", n) for n in loads}
            attrs.update(f"\0{kind}:{name}" for kind, name in called)  # carried with attrs
            self._single[key] = (source, loads, stored, dynamic, referenced, frozenset(attrs))
        return self._single[key]

    def use(self, template) -> TemplateUse:
        env, name = template.environment, template.name
        key = (self.environment_digest(env), name)
        if key not in self._closure:
            loads: dict[str, list | None] = {}
            stored: set[str] = set()
            attrs: set[str] = set()
            dynamic = False
            sources: list[str] = []
            seen: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop(0)
                if current in seen:
                    continue
                seen.add(current)
                try:
                    (
                        source,
                        single_loads,
                        single_stored,
                        single_dynamic,
                        referenced,
                        single_attrs,
                    ) = self._parse(env, current)
                except TemplateNotFound:
                    if current == name:
                        raise
                    # An optional include (`ignore missing`): its absence is part of the key.
                    sources += [current, "<missing>"]
                    continue
                sources += [current, source]
                for var, accesses in single_loads.items():
                    previous = loads.get(var, [])
                    loads[var] = (
                        None if accesses is None or previous is None else previous + accesses
                    )
                stored |= single_stored
                attrs |= single_attrs
                dynamic |= single_dynamic
                todo.extend(referenced)
            if dynamic:  # the closure is not known: every template counts
                sources.append(self.all_templates_digest(env).hex())
            partial = {
                var: tuple(accesses)
                for var, accesses in loads.items()
                if accesses is not None
                and var not in stored
                and all(_evaluable(a[1], stored) for a in accesses if len(a) > 1)
            }
            self._closure[key] = TemplateUse(
                frozenset(loads),
                partial,
                dynamic,
                frozenset(a for a in attrs if not a.startswith("\0")),
                digest("templates", *sources),
                frozenset(tuple(a[1:].split(":", 1)) for a in attrs if a.startswith("\0")),
            )
        return self._closure[key]

    def unread_positions(self, env, code_files: Iterable[str]) -> dict[str, frozenset[int]]:
        """Tuple positions of list attributes that nothing reads.

        ``{% for other, score, reasons in article.related_stories %}`` with ``score`` never
        used: the score may change (it does, for every story, whenever one is added: the
        weights are corpus-wide) without changing any page. An attribute qualifies only if,
        in every template the environment can load, each access to it is such a loop (or a
        truth test), the same positions are unused in all loops, no template names it in a
        string (``map(attribute=…)``, ``x["…"]``), no template reads the whole context, and
        no Python module other than the one assigning it reads it
        (``x.attr``/``getattr(x, "attr")``)."""
        code_files = tuple(code_files)
        if code_files not in self._code:
            self._code[code_files] = code_digest(code_files)
        key = digest("unread", self.environment_digest(env), self._code[code_files])
        if key in self._unread:
            return self._unread[key]
        if self.store is not None and key in self.store:
            self._unread[key] = self.store[key]
            return self._unread[key]
        loops: dict[str, frozenset[int]] = {}
        bad: set[str] = set()
        strings: set[str] = set()
        try:
            for name in env.list_templates():
                ast = env.parse(env.loader.get_source(env, name)[0], name)
                loaded = {n.name for n in ast.find_all(nodes.Name) if n.ctx == "load"}
                consumed: set[int] = set()
                for node in ast.find_all((nodes.If, nodes.CondExpr)):
                    _truth_tests(node.test, consumed)
                for node in ast.find_all(nodes.For):
                    target, it = node.target, node.iter
                    if (
                        isinstance(it, nodes.Getattr)
                        and isinstance(target, nodes.Tuple)
                        and all(isinstance(t, nodes.Name) for t in target.items)
                    ):
                        unused = frozenset(
                            i for i, t in enumerate(target.items) if t.name not in loaded
                        )
                        loops[it.attr] = loops.get(it.attr, unused) & unused
                        consumed.add(id(it))
                for node in ast.find_all(nodes.Getattr):
                    if id(node) not in consumed:
                        bad.add(node.attr)
                for node in ast.find_all(nodes.Const):
                    if isinstance(node.value, str):
                        strings.add(node.value)
                for node in ast.find_all((nodes.Filter, nodes.Test)):
                    table = env.filters if isinstance(node, nodes.Filter) else env.tests
                    if _passes_context(table.get(node.name)):
                        raise _Dynamic
        except _Dynamic:
            loops = {}
        except Exception:
            loops = {}
        found = {
            attr: unused
            for attr, unused in loops.items()
            if unused and attr not in bad and attr not in strings
        }
        for attr in list(found):
            if _python_reads(attr, code_files):
                del found[attr]
        self._unread[key] = found
        if self.store is not None:
            self.store[key] = found
        return found

    def all_templates_digest(self, env) -> bytes:
        parts: list[str | bytes] = ["all"]
        for name in sorted(env.list_templates()):
            parts += [name, env.loader.get_source(env, name)[0]]
        return digest(*parts)

    def environment_digest(self, env) -> bytes:
        """The environment's options and the code behind its filters, tests and globals
        (their module and name; the module's source is in ``code_digest``)."""
        hit = self._env_digest.get(id(env))
        if hit is None or hit[0] is not env:
            parts: list[str | bytes] = ["env"]
            for table in (env.filters, env.tests, env.globals):
                for name in sorted(table):
                    func = table[name]
                    target = getattr(func, "func", func)  # functools.partial
                    parts += [
                        name,
                        getattr(target, "__module__", "") or "",
                        getattr(target, "__qualname__", type(target).__qualname__),
                    ]
            options = sorted(
                (k, repr(v))
                for k, v in vars(env).items()
                if isinstance(v, bool | str | int | type(None))
            )
            parts.append(repr(options))
            # and every template it can load: environments are told apart by what they are,
            # so one with the same filters over other templates is another environment
            parts.append(self.all_templates_digest(env) if env.loader is not None else b"")
            hit = self._env_digest[id(env)] = (env, digest(*parts))
        return hit[1]


# --- code ------------------------------------------------------------------------------


def project_files(extra_paths: Iterable[str] = ()) -> list[str]:
    """The project's Python code: every imported module outside the standard library and
    site-packages (the settings file, our plugins, the newsarchive package), taken as whole
    top-level packages, so the list does not depend on which modules this build happened
    to import; and every module under ``extra_paths`` (the plugin folders)."""
    prefixes = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    roots: set[str] = {os.path.realpath(p) for p in extra_paths}
    files: set[str] = set()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not path or not path.endswith(".py"):
            continue
        real = os.path.realpath(path)
        if real.startswith(prefixes):
            continue
        top = sys.modules.get(name.partition(".")[0])
        top_path = getattr(top, "__file__", None) or ""
        if top_path.endswith("__init__.py"):
            roots.add(os.path.dirname(os.path.realpath(top_path)))
        else:
            files.add(real)
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files.update(
                os.path.realpath(os.path.join(folder, n)) for n in names if n.endswith(".py")
            )
    return sorted(files)


def code_digest(files: Iterable[str]) -> bytes:
    """The source of these modules, plus the versions of the installed packages that render
    pages. A code change renders everything again."""
    from importlib import metadata

    parts: list[str | bytes] = ["code"]
    for path in files:
        try:
            with open(path, "rb") as handle:
                parts += [os.path.basename(path), handle.read()]
        except OSError:
            parts += [path, "missing"]
    for package in ("pelican", "jinja2", "markupsafe", "markdown", "feedgenerator"):
        try:
            parts += [package, metadata.version(package)]
        except metadata.PackageNotFoundError:
            parts += [package, "-"]
    parts += [sys.version]
    return digest(*parts)
