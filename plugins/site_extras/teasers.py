"""Each story's teaser (its entry in a story list) rendered once per process, not per list.

A story is listed on the home pages, its year, month and day pages and each of its topic,
country and source pages: seven or more lists, each rendering the same teaser again (title,
date, source, summary through ``striptags`` and ``truncate``). At 20,000 stories that was
~2.6 s of each render process's ~13 s. The ``story_teaser`` filter renders a story's teaser
macro (``theme/templates/partials/teaser.html``) once, with a stand-in for the site URL, and
gives each page the memoised text with that page's ``SITEURL`` put in place of the stand-in.

That is exact, not approximate, because of how the macro is written and imported (its
comment says so too): it is imported without context, so what it prints depends only on its
arguments (the story and the site URL) and the environment's filters; and it prints the site
URL only as ``{{ siteurl }}``, which gives ``escape(siteurl)``. The stand-in is passed as
``Markup``, so it is printed as it is: it starts with ``<`` and a NUL character, which no
escaped text and no literal markup of the macro can produce, so every occurrence of it in
the rendered text is a place where ``escape(SITEURL)`` goes. (It is fixed, not drawn per
process: render_pool's render keys digest the values the project's code reads.) Each
Pelican generator has its own Jinja environment, so a story listed by two generators (its
year page, its topic page) is rendered once for each. Stories do not change while pages
are rendered (render_pool's render keys rely on the same), so a teaser rendered for one page
holds for every page of the build.

``STORY_TEASER_CACHE = False`` renders every teaser in place (tests compare both builds).
"""

from __future__ import annotations

from markupsafe import Markup, escape

STAND_IN = Markup("<\x00site-url\x00>")  # printed as is; escaped text never holds "<"
_memo: dict[tuple[int, int], tuple[object, object, str]] = {}


def reset() -> None:
    """A new build: forget every teaser (their stories are gone)."""
    _memo.clear()


def story_teaser(story, macro, siteurl, cache: bool = True) -> Markup:
    """``{{ story|story_teaser(teasers.teaser, SITEURL) }}``: ``macro(story, siteurl)``
    (registered with ``cache`` from ``STORY_TEASER_CACHE``; not a context filter, so
    render_pool's render keys still see exactly which variables a story list reads)."""
    if not cache:
        return macro(story, siteurl)
    key = (id(story), id(macro))
    hit = _memo.get(key)
    if hit is None or hit[0] is not story or hit[1] is not macro:
        # The story and the macro are kept alive with the text, so their ids stay theirs.
        hit = _memo[key] = (story, macro, str(macro(story, STAND_IN)))
    return Markup(hit[2].replace(STAND_IN, str(escape(siteurl))))
