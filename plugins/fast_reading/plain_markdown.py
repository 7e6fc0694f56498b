"""Plain stories converted without Python-Markdown's full pipeline, to the same HTML.

A story the importer writes is a metadata header and a body of one-line paragraphs and
``## `` headings, with Markdown's specials escaped (``\\*``, ``\\[`` …) and ``&``, ``<``, ``>``
written as entities. Python-Markdown spends ~0.5 ms turning such a body into ``<p>`` and
``<h2>`` elements (block parser, inline patterns over an element tree, serializer): about
four fifths of reading a story, and reading was about a quarter of a cold build's CPU. This
does it in ~0.1 ms, header included. No Markdown library converts a known-plain subset
faster with the guarantee we need (Python-Markdown's exact output, so the site does not
change), so this module does that one thing by hand:

* it is used only when the converter is Python-Markdown with nothing but the ``meta``
  extension (its registries are compared with a reference instance's);
* the header is read by Python-Markdown's own ``meta`` preprocessor, after the same
  whitespace normalisation;
* every block must be one line that cannot start anything but a paragraph (or be a
  ``## `` heading), and its only specials may be backslash escapes of the characters
  Python-Markdown escapes and character entities; anything else (a raw ``*``, ``_``,
  ``[``, ``<``, ``&``, a backtick, a list or quote marker, an indented line, a paragraph
  over several lines, an unusual spacing) returns None, and the file goes through
  Python-Markdown as before.

``tests/test_build_speed.py`` checks the output against Python-Markdown's on generated
bodies full of near-misses, and that a build is byte-identical with and without it.
"""

from __future__ import annotations

import html
import re
from functools import cache

from markdown import Markdown, util

# The characters Python-Markdown's escape pattern turns back into themselves
# (Markdown.ESCAPED_CHARS, checked against the instance in use).
ESCAPED = "\\`*_{}[]()>#+-.!"
# Text between the allowed specials: no Markdown special, no entity start, no tag start.
_TEXT = r"[^\\`*_\[\]<>&\x02\x03\t\r\n]"
_INLINE = re.compile(
    rf"(?:{_TEXT}|\\[{re.escape(ESCAPED)}]|&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)*"
)
_ESCAPE = re.compile(rf"\\([{re.escape(ESCAPED)}])")
# A paragraph's first character must not be able to open another block: list and quote
# markers, headings, rules, indentation, HTML, reference definitions, ordered lists.
_PARAGRAPH_START = re.compile(r"(?![\s#>*+\-=_`<\[!|:~]|\d+\.[ ])")
_HEADING = re.compile(r"## (?P<text>\S(?:.*\S)?)")
_REGISTRIES = (
    "preprocessors",
    "parser.blockprocessors",
    "inlinePatterns",
    "treeprocessors",
    "postprocessors",
)


def _registry_names(md: Markdown) -> tuple:
    names = []
    for path in _REGISTRIES:
        registry = md
        for part in path.split("."):
            registry = getattr(registry, part)
        names.append(tuple(sorted((item.name, item.priority) for item in registry._priority)))
    return tuple(names)


@cache
def _reference_names(output_format: str) -> tuple:
    return _registry_names(
        Markdown(extensions=["markdown.extensions.meta"], output_format=output_format)
    )


def applies(md: Markdown) -> bool:
    """Whether ``md`` converts exactly as core Python-Markdown with the meta extension."""
    return (
        "".join(md.ESCAPED_CHARS) == ESCAPED
        and md.output_format in ("html", "html5", "xhtml")
        and _registry_names(md) == _reference_names(md.output_format)
    )


def _inline(text: str) -> str | None:
    if not _INLINE.fullmatch(text):
        return None
    # Escaped characters come out as themselves ('>' as an entity, as the serializer writes
    # it); entities are kept as written.
    return _ESCAPE.sub(lambda m: html.escape(m[1], quote=False), text) if "\\" in text else text


def _block(line: str) -> str | None:
    if line.startswith("#"):
        heading = _HEADING.fullmatch(line)
        if heading is None or heading["text"].endswith("#"):
            return None  # other levels, closing hashes: Python-Markdown's business
        text = _inline(heading["text"])
        return None if text is None else f"<h2>{text}</h2>"
    if not _PARAGRAPH_START.match(line) or line != line.rstrip():
        return None
    text = _inline(line)
    return None if text is None else f"<p>{text}</p>"


def convert(md: Markdown, source: str) -> str | None:
    """The HTML ``md.convert(source)`` would return, with ``md.Meta`` set as it would be;
    None when the source is not plain (nothing is changed then but ``md.Meta``)."""
    if util.STX in source or util.ETX in source or "\r" in source or "\t" in source:
        return None
    if not source.strip() or "meta" not in md.preprocessors:
        return None
    # NormalizeWhitespace, without the cases refused above.
    lines = re.sub(r"(?<=\n) +\n", "\n", source + "\n\n").split("\n")
    body = md.preprocessors["meta"].run(lines)
    text = "\n".join(body)
    if text.startswith("\n"):
        return None  # blank lines before the first block
    text = text.rstrip("\n")
    if not text:
        return None
    out = []
    for block in text.split("\n\n"):
        if not block or "\n" in block:
            return None  # a paragraph over several lines, or extra blank lines
        converted = _block(block)
        if converted is None:
            return None
        out.append(converted)
    return "\n".join(out)
